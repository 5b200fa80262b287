package schema

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Severity tells whether a diagnostic stops rendering.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one problem found in a spec, located by file, line and field path.
type Diagnostic struct {
	Severity Severity
	File     string
	Line     int
	Field    string
	Message  string
	// Related is a field whose own problems follow from this one (the field a
	// misspelt key was meant to be); they are not reported separately.
	Related string
}

// String renders the diagnostic as FILE:LINE: FIELD: MESSAGE.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		if d.Line > 0 {
			b.WriteString(":" + strconv.Itoa(d.Line))
		}
		b.WriteString(": ")
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	if d.Field != "" {
		b.WriteString(d.Field + ": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is the list of problems found in one run.
type Diagnostics []Diagnostic

// Errors returns only the error-severity diagnostics.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(SeverityError) }

// Warnings returns only the warning-severity diagnostics.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(SeverityWarning) }

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool { return len(ds.Errors()) > 0 }

// Error joins the diagnostics, one per line, so Diagnostics can be returned as an error.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders diagnostics by line, then field, so output is stable.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].Line != ds[j].Line {
			return ds[i].Line < ds[j].Line
		}
		return ds[i].Field < ds[j].Field
	})
}

// Positions maps field paths (as field.Path prints them) to source lines.
type Positions map[string]int

// Line returns the line of path, or of its nearest ancestor that has one.
func (p Positions) Line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// FromFieldErrors converts field errors into located diagnostics.
func FromFieldErrors(errs field.ErrorList, sev Severity, file string, pos Positions) Diagnostics {
	out := make(Diagnostics, 0, len(errs))
	for _, e := range errs {
		out = append(out, Diagnostic{
			Severity: sev,
			File:     file,
			Line:     pos.Line(e.Field),
			Field:    e.Field,
			Message:  message(e),
		})
	}
	return out
}

// message words a field error as "what is wrong (got VALUE)".
func message(e *field.Error) string {
	switch e.Type {
	case field.ErrorTypeInvalid:
		return fmt.Sprintf("%s (got %s)", e.Detail, quote(e.BadValue))
	case field.ErrorTypeRequired:
		if e.Detail != "" {
			return "required: " + e.Detail
		}
		return "required"
	case field.ErrorTypeDuplicate:
		msg := fmt.Sprintf("duplicate value %s", quote(e.BadValue))
		if e.Detail != "" {
			msg += ": " + e.Detail
		}
		return msg
	case field.ErrorTypeNotSupported:
		return fmt.Sprintf("%s (got %s)", e.Detail, quote(e.BadValue))
	case field.ErrorTypeForbidden:
		return e.Detail
	default:
		return e.ErrorBody()
	}
}

func quote(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case nil:
		return "null"
	default:
		return fmt.Sprint(t)
	}
}
