package pipeline_test

import (
	"bytes"
	"runtime"
	"testing"
)

// TestOutputIndependentOfScheduling renders the 200-app bench spec with one CPU and
// with four, several times each: files are encoded in parallel, and the bytes must not
// depend on which worker encodes which file, or in what order.
func TestOutputIndependentOfScheduling(t *testing.T) {
	spec := benchSpec(200)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	want := runPipeline(t, spec)
	for _, procs := range []int{4, 1, 4, 2} {
		runtime.GOMAXPROCS(procs)
		for range 2 {
			got := runPipeline(t, spec)
			if len(got) != len(want) {
				t.Fatalf("GOMAXPROCS=%d: %d files, want %d", procs, len(got), len(want))
			}
			for p, b := range want {
				if !bytes.Equal(got[p], b) {
					t.Fatalf("GOMAXPROCS=%d: %s differs", procs, p)
				}
			}
		}
	}
}
