// Package scaffold lays out a new platform repository that uses krm-gen: a starting
// spec, a kustomization that runs krm-gen as an exec generator, a go.mod pinning
// krm-gen and kustomize as tools, a Makefile (render, verify), a CI workflow, a
// pre-commit hook that checks what is staged, and .gitignore.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"

	"github.com/krm-gen/krm-gen/blueprints"
)

//go:embed templates
var templates embed.FS

// Module is krm-gen's module path, which the scaffolded go.mod requires.
const Module = "github.com/krm-gen/krm-gen"

// DevVersion is the version the scaffolded go.mod requires when krm-gen was not built
// from a released module (a checkout): it resolves only with a replace directive.
const DevVersion = "v0.0.0-00010101000000-000000000000"

// Providers lists the providers that have a starting spec.
func Providers() []string { return []string{"aks", "eks"} }

// Options says what to scaffold.
type Options struct {
	Name      string // platform name (metadata.name of the starting spec); default from the folder
	Provider  string // starting spec for this provider (eks when empty); excludes From
	From      string // start from this blueprint instead (see blueprints.Names)
	Module    string // go.mod module path; default the platform name
	Version   string // krm-gen version go.mod requires; DevVersion when empty
	Replace   string // optional: a krm-gen checkout go.mod replaces the module with
	GoVersion string // go.mod's go directive, e.g. 1.26.8
	Schema    []byte // the JSON Schema the spec's modeline names (platform.schema.json)
}

// File is one scaffolded file.
type File struct {
	Path    string // slash-separated, relative to the repository
	Content []byte
	Mode    fs.FileMode
}

// Files returns the files of a new repository in folder dir (only its base name is
// used, as the default platform name), sorted by path.
func Files(dir string, o Options) ([]File, error) {
	if o.Name == "" {
		o.Name = NameFrom(filepath.Base(dir))
	}
	if o.Module == "" {
		o.Module = o.Name
	}
	if o.Version == "" {
		o.Version = DevVersion
	}
	if o.Replace != "" {
		abs, err := filepath.Abs(o.Replace)
		if err != nil {
			return nil, fmt.Errorf("replace %s: %w", o.Replace, err)
		}
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
			return nil, fmt.Errorf("replace %s: not a Go module: %w", o.Replace, err)
		}
		o.Replace = abs
	}
	spec, err := startingSpec(o)
	if err != nil {
		return nil, err
	}
	if o.Version == DevVersion && o.Replace == "" {
		return nil, fmt.Errorf("this krm-gen is a development build: pass --replace with the path of its checkout, or use a released krm-gen (go install %s/cmd/krm-gen@VERSION)", Module)
	}
	gomod, err := execute("go.mod.tmpl", o)
	if err != nil {
		return nil, err
	}
	mk, err := read("Makefile.tmpl")
	if err != nil {
		return nil, err
	}
	files := []File{
		{Path: "platform.yaml", Content: spec, Mode: 0o644},
		{Path: "platform.schema.json", Content: o.Schema, Mode: 0o644},
		{Path: "go.mod", Content: gomod, Mode: 0o644},
		{Path: "Makefile", Content: mk, Mode: 0o644},
	}
	for _, f := range []struct {
		tmpl, path string
		mode       fs.FileMode
	}{
		{"kustomization.yaml", "kustomization.yaml", 0o644},
		{"krm-gen", "hack/krm-gen", 0o755},
		{"pre-commit", ".githooks/pre-commit", 0o755},
		{"verify.yaml", ".github/workflows/verify.yaml", 0o644},
		{"gitignore", ".gitignore", 0o644},
	} {
		b, err := read(f.tmpl)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: f.path, Content: b, Mode: f.mode})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// Write writes files under dir (created when missing). It refuses to overwrite: when
// any of the files exists, it writes nothing and names every one.
func Write(dir string, files []File) error {
	var exist []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if _, err := os.Lstat(p); err == nil {
			exist = append(exist, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if len(exist) > 0 {
		return fmt.Errorf("refusing to overwrite %s; nothing written", strings.Join(exist, ", "))
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.Mode)
		if err != nil {
			return err
		}
		if _, err := fh.Write(f.Content); err != nil {
			fh.Close()
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := fh.Close(); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// NameFrom turns a folder name into a platform name: a DNS-1035 label of at most 20
// characters (the gateway's derived names must fit 63), "platform" when nothing is left.
func NameFrom(s string) string {
	n := notLabel.ReplaceAllString(strings.ToLower(s), "-")
	n = strings.TrimLeft(n, "-0123456789")
	if len(n) > 20 {
		n = n[:20]
	}
	n = strings.TrimRight(n, "-")
	if n == "" {
		return "platform"
	}
	return n
}

func startingSpec(o Options) ([]byte, error) {
	if o.From != "" {
		if o.Provider != "" {
			return nil, fmt.Errorf("--provider and --from exclude each other: a blueprint has its provider")
		}
		b, err := blueprints.Spec(o.From)
		if err != nil {
			return nil, err
		}
		return fromBlueprint(o.From, b), nil
	}
	p := o.Provider
	if p == "" {
		p = "eks"
	}
	if !slices.Contains(Providers(), p) {
		return nil, fmt.Errorf("unknown provider %q (have %v)", p, Providers())
	}
	return execute(p+".yaml", o)
}

var (
	modeline     = regexp.MustCompile(`(?m)^# yaml-language-server: \$schema=.*$`)
	execPath     = regexp.MustCompile(`(?m)^(\s+path: )\.\./\.\./hack/krm-gen$`)
	metadataName = regexp.MustCompile(`(?m)^metadata:\n  name: [^\n]+\n`)
	firstEnv     = regexp.MustCompile(`(?m)^  environments:\n    ([a-z0-9-]+):`)
)

// fromBlueprint adapts a blueprint of this repository to a repository of its own: the
// schema next to it, the exec wrapper in hack/, the tree in out/, and for a spec with
// environments the annotation that picks one for kustomize.
func fromBlueprint(name string, b []byte) []byte {
	s := string(b)
	s = modeline.ReplaceAllLiteralString(s, "# yaml-language-server: $schema=platform.schema.json")
	s = execPath.ReplaceAllString(s, "${1}./hack/krm-gen")
	s = strings.ReplaceAll(s, "path: out/"+name+"\n", "path: out\n")
	s = strings.ReplaceAll(s, "blueprints/"+name, ".")
	s = strings.ReplaceAll(s, "out/"+name+"/", "out/")
	var add []string
	if !strings.Contains(s, "config.kubernetes.io/function:") {
		add = append(add, "    config.kubernetes.io/function: |\n      exec:\n        path: ./hack/krm-gen\n")
	}
	if m := firstEnv.FindStringSubmatch(s); m != nil {
		add = append(add, "    # one kustomize build holds one environment (make render writes them all)\n    krm-gen.dev/environment: "+m[1]+"\n")
	}
	if len(add) == 0 {
		return []byte(s)
	}
	loc := metadataName.FindStringIndex(s)
	if loc == nil {
		return []byte(s)
	}
	head, tail := s[:loc[1]], s[loc[1]:]
	block := strings.Join(add, "")
	if strings.HasPrefix(tail, "  annotations:\n") {
		tail = "  annotations:\n" + block + strings.TrimPrefix(tail, "  annotations:\n")
	} else {
		tail = "  annotations:\n" + block + tail
	}
	return []byte(head + tail)
}

func read(name string) ([]byte, error) {
	b, err := templates.ReadFile("templates/" + name)
	if err != nil {
		return nil, fmt.Errorf("scaffold template %s: %w", name, err)
	}
	return b, nil
}

func execute(name string, o Options) ([]byte, error) {
	src, err := read(name)
	if err != nil {
		return nil, err
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("scaffold template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, o); err != nil {
		return nil, fmt.Errorf("scaffold template %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
