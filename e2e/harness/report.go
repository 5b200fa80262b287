package harness

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Report collects one line per check. A check names the object it is about, the condition
// it asserts and, on failure, the reason and message that explain why.
type Report struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string // current blueprint, printed in front of every object
	Passed int
	Failed int
	Lines  []string // every line printed, for tests
}

// NewReport prints check lines to w.
func NewReport(w io.Writer) *Report { return &Report{w: w} }

// Blueprint sets the blueprint name printed with each following check.
func (r *Report) Blueprint(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prefix = name
}

// Pass records a passed check about object (e.g. "Gateway mtkc-system/mtkc-gateway").
func (r *Report) Pass(object, condition string) {
	r.add(true, object, condition, "", "")
}

// Fail records a failed check.
func (r *Report) Fail(object, condition, reason, message string) {
	r.add(false, object, condition, reason, message)
}

// Check records a pass when err is nil, otherwise a failure with err as message.
func (r *Report) Check(object, condition, reason string, err error) bool {
	if err != nil {
		r.Fail(object, condition, reason, err.Error())
		return false
	}
	r.Pass(object, condition)
	return true
}

func (r *Report) add(ok bool, object, condition, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	obj := object
	if r.prefix != "" {
		obj = "[" + r.prefix + "] " + object
	}
	var line string
	if ok {
		r.Passed++
		line = fmt.Sprintf("PASS %s %s", obj, condition)
	} else {
		r.Failed++
		if reason == "" {
			reason = "-"
		}
		line = fmt.Sprintf("FAIL %s %s %s %s", obj, condition, reason, oneLine(message))
	}
	r.Lines = append(r.Lines, line)
	fmt.Fprintln(r.w, line)
}

// Summary prints the closing line "N passed, N failed".
func (r *Report) Summary() {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "%d passed, %d failed\n", r.Passed, r.Failed)
}

// Failures returns the FAIL lines printed so far.
func (r *Report) Failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range r.Lines {
		if strings.HasPrefix(l, "FAIL ") {
			out = append(out, l)
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}
