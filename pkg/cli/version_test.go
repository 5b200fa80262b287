package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}}
	cases := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "dev"},
		{"go install @version", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}}, "v0.1.0"},
		{"go tool pin (pseudo-version)", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201103000-0123456789ab"}}, "v0.0.0-20261201103000-0123456789ab"},
		{"checkout without VCS info", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "dev (0123456789ab)"},
		{"dirty checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: append(rev, debug.BuildSetting{Key: "vcs.modified", Value: "true"})}, "dev (0123456789ab, modified)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := versionOf(c.bi); got != c.want {
				t.Errorf("versionOf = %q, want %q", got, c.want)
			}
		})
	}
}

func TestGoDirective(t *testing.T) {
	for in, want := range map[string]string{
		"go1.26.8": "1.26.8", "go1.27": "1.27", "devel go1.27-abcdef": "1.26.8", "go1.27rc1": "1.26.8",
	} {
		if got := goDirective(in); got != want {
			t.Errorf("goDirective(%q) = %q, want %q", in, got, want)
		}
	}
}
