// Package mdlinks finds the relative links of Markdown files and checks that they
// resolve: the file exists and, for a #fragment into a Markdown file, a heading has
// that anchor (GitHub's rule).
package mdlinks

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	link    = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	heading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
	fence   = regexp.MustCompile("(?ms)^\\s*```.*?^\\s*```")
	code    = regexp.MustCompile("`[^`\n]*`")
	notSlug = regexp.MustCompile(`[^\p{L}\p{N}\- _]`)
)

// Links returns the link targets of a Markdown text, outside code blocks and spans.
func Links(md string) []string {
	md = fence.ReplaceAllString(md, "")
	md = code.ReplaceAllString(md, "")
	var out []string
	for _, m := range link.FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	return out
}

// Anchor is GitHub's anchor for a heading: lower case, punctuation dropped, spaces
// to hyphens.
func Anchor(h string) string {
	h = code.ReplaceAllStringFunc(h, func(s string) string { return strings.Trim(s, "`") })
	h = notSlug.ReplaceAllString(strings.ToLower(h), "")
	return strings.ReplaceAll(h, " ", "-")
}

// Anchors lists the anchors of a Markdown text's headings.
func Anchors(md string) map[string]bool {
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(md, ""), -1) {
		a := Anchor(m[1])
		if out[a] {
			for i := 1; ; i++ {
				if n := fmt.Sprintf("%s-%d", a, i); !out[n] {
					a = n
					break
				}
			}
		}
		out[a] = true
	}
	return out
}

// Check returns the problems of the links of the Markdown file at path: a link
// outside root, to a missing file, or to a missing heading. Absolute URLs (with a
// scheme) and mailto: are not checked.
func Check(root, path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, target := range Links(string(b)) {
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, frag, _ := strings.Cut(target, "#")
		dest := path
		if file != "" {
			dest = filepath.Join(filepath.Dir(path), filepath.FromSlash(file))
			if strings.HasPrefix(file, "/") {
				problems = append(problems, fmt.Sprintf("%s: link %s is absolute: use a path relative to the file", path, target))
				continue
			}
		}
		rel, err := filepath.Rel(root, dest)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			problems = append(problems, fmt.Sprintf("%s: link %s leaves the repository", path, target))
			continue
		}
		if _, err := os.Stat(dest); err != nil {
			problems = append(problems, fmt.Sprintf("%s: link %s: no such file", path, target))
			continue
		}
		if frag == "" || !strings.HasSuffix(dest, ".md") {
			continue
		}
		db, err := os.ReadFile(dest)
		if err != nil {
			return nil, err
		}
		if !Anchors(string(db))[frag] {
			problems = append(problems, fmt.Sprintf("%s: link %s: no heading with anchor #%s", path, target, frag))
		}
	}
	return problems, nil
}
