package harness

import (
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// platformSpec is the part of a krm-gen Platform spec (blueprints/) the harness needs to
// build the simulated cluster: its node pools (what Terraform creates) and which pool the
// gateway belongs to. The harness reads the spec as plain YAML so that this module never
// depends on the generator's code.
type platformSpec struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Provider string `json:"provider"`
		Git      struct {
			Path string `json:"path"`
		} `json:"git"`
		NodePools map[string]struct {
			Labels        map[string]string `json:"labels"`
			Taints        []corev1.Taint    `json:"taints"`
			InstanceTypes []string          `json:"instanceTypes"`
			Size          *struct {
				Desired int `json:"desired"`
			} `json:"size"`
		} `json:"nodePools"`
		Gateway struct {
			NodePool string `json:"nodePool"`
			HTTP     *struct {
				RedirectToHTTPS bool `json:"redirectToHTTPS"`
			} `json:"http"`
		} `json:"gateway"`
		specRoutes // routes, meshRoutes, apps, health: for the xDS check
		Waypoints  struct {
			NodePool string `json:"nodePool"`
		} `json:"waypoints"`
		Environments map[string]any `json:"environments"`
	} `json:"spec"`
	File string `json:"-"`
}

// findPlatform returns the Platform spec under blueprints/ whose git.path is treeRel
// (or its parent, for a tree of one environment), nil when there is none.
func findPlatform(repoRoot, treeRel string) *platformSpec {
	var found *platformSpec
	treeRel = filepath.ToSlash(filepath.Clean(treeRel))
	_ = filepath.WalkDir(filepath.Join(repoRoot, "blueprints"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != nil {
			return nil
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		for _, doc := range strings.Split(string(data), "\n---") {
			var ps platformSpec
			if yaml.Unmarshal([]byte(doc), &ps) != nil || ps.Kind != "Platform" {
				continue
			}
			gp := strings.TrimSuffix(filepath.ToSlash(filepath.Clean(ps.Spec.Git.Path)), "/")
			if gp == treeRel || (len(ps.Spec.Environments) > 0 && filepath.ToSlash(filepath.Dir(treeRel)) == gp) {
				ps.File = p
				found = &ps
				return nil
			}
		}
		return nil
	})
	return found
}

// pools lists the spec's node pools, sorted by name, with the generator's Terraform
// defaults for what the spec leaves out (DefaultInstanceType, DefaultDesiredSize). With
// several instanceTypes the node group launches the first (on-demand, prioritized).
// Environments do not override node pools.
func (ps *platformSpec) pools() []Pool {
	if ps == nil {
		return nil
	}
	var out []Pool
	for name, np := range ps.Spec.NodePools {
		p := Pool{Name: name, Labels: np.Labels, Taints: np.Taints, InstanceType: DefaultInstanceType, Desired: DefaultDesiredSize}
		if len(np.InstanceTypes) > 0 {
			p.InstanceType = np.InstanceTypes[0]
		}
		if np.Size != nil {
			p.Desired = np.Size.Desired
		}
		out = append(out, p)
	}
	sortPools(out)
	return out
}

func sortPools(p []Pool) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Name < p[j-1].Name; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}
