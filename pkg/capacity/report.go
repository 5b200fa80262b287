package capacity

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Write prints the plan: per pool, one line per size (min, desired, max) with the
// requested CPU, memory and pods against the allocatable of that many nodes, then what
// is placed on the pool and what is not counted.
func (p *Plan) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	title := "capacity plan"
	if p.Name != "" {
		title += " of " + p.Name
	}
	fmt.Fprintf(tw, "%s (requests against allocatable; pkg/capacity/instancetypes.json)\n", title)
	fmt.Fprintln(tw, "POOL\tTYPE\tSIZE\tNODES\tCPU\tMEMORY\tPODS\tFITS")
	for _, pp := range p.Pools {
		for _, s := range []struct {
			name string
			size Size
		}{{"min", pp.Min}, {"desired", pp.Desired}, {"max", pp.Max}} {
			fits := "yes"
			if !s.size.Fits() {
				fits = "NO: " + strings.Join(s.size.Short, "; ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s / %s\t%s / %s\t%d / %d\t%s\n", pp.Pool, pp.InstanceType, s.name, s.size.Nodes,
				milli(s.size.ReqCPU), milli(s.size.CPU), mebi(s.size.ReqMemory), mebi(s.size.Memory), s.size.ReqPods, s.size.Pods, fits)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, pp := range p.Pools {
		fmt.Fprintf(w, "\npool %s (%s: cpu %s, memory %s, pods %d per node):\n", pp.Pool, pp.InstanceType, milli(pp.Node.CPU), mebi(pp.Node.Memory), pp.Node.Pods)
		for _, wl := range pp.Workloads {
			n := fmt.Sprintf("%d", wl.Replicas)
			switch {
			case wl.DaemonSet:
				n = "1 per node"
			case wl.MaxReplicas > wl.Replicas:
				n = fmt.Sprintf("%d (HPA up to %d)", wl.Replicas, wl.MaxReplicas)
			}
			fmt.Fprintf(w, "  %s: %s x cpu %s, memory %s\n", wl.Name, n, milli(wl.CPU), mebi(wl.Memory))
		}
		for _, u := range pp.Unknown {
			fmt.Fprintf(w, "  not counted: %s\n", u)
		}
	}
	return nil
}
