package check

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tfDir is the Terraform configuration under test (terraform/).
const tfDir = ".."

// repoRoot is the repository whose out/ tree is checked; KRMGEN_ROOT overrides
// it (the Makefile passes the repository root).
func repoRoot() string {
	if r := os.Getenv("KRMGEN_ROOT"); r != "" {
		return r
	}
	return filepath.Join("..", "..")
}

func loadModule(t *testing.T) *Module {
	t.Helper()
	m, err := LoadModule(tfDir)
	if err != nil {
		t.Fatalf("load %s: %v", tfDir, err)
	}
	return m
}

func checkTree(t *testing.T, m *Module, root string) {
	t.Helper()
	files, err := FindTfvars(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no out/*/terraform/%s or out/*/*/terraform/%s under %s: render the blueprints first", TfvarsName, TfvarsName, root)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			for _, err := range CheckTfvars(m, root, f) {
				t.Error(err)
			}
		})
	}
}

// TestRenderedTrees checks every tfvars file krm-gen rendered into out/.
func TestRenderedTrees(t *testing.T) {
	checkTree(t, loadModule(t), repoRoot())
}

// TestSampleTrees checks the hand-written sample trees in testdata (nlb mode,
// an environment, targetGroupBinding mode): the checks pass on a good tree.
func TestSampleTrees(t *testing.T) {
	checkTree(t, loadModule(t), filepath.Join("testdata", "repo"))
}

// TestTampered breaks one thing at a time in a copy of the sample tree and
// wants the check to report it.
func TestTampered(t *testing.T) {
	m := loadModule(t)
	const (
		nlb    = "out/eks/terraform/" + TfvarsName
		nlbGW  = "out/eks/gateway/gateway.yaml"
		tgb    = "out/eks-direct/terraform/" + TfvarsName
		tgbGW  = "out/eks-direct/gateway/gateway.yaml"
		devApp = "out/eks/dev/bootstrap/root-app.yaml"
	)
	cases := []struct {
		name string
		file string
		edit func(t *testing.T, path string)
		want string
	}{
		{"gateway toleration effect differs from the taint", nlbGW,
			replace("effect: NoSchedule", "effect: NoExecute"), "is not tolerated"},
		{"gateway tolerates a taint the nodes do not have", nlbGW,
			replace("              effect: NoSchedule", "              effect: NoSchedule\n            - key: dedicated\n              operator: Exists\n              effect: NoSchedule"), "matches no taint"},
		{"node pool taint changed in the tfvars only", nlb,
			replace(`"value": "true"`, `"value": "yes"`), "is not tolerated"},
		{"gateway selects no pool", nlbGW,
			replace("role: system", "role: edge"), "selects no node pool"},
		{"undeclared key", nlb,
			jsonEdit(func(v map[string]any) { v["node_pool"] = map[string]any{} }), `key "node_pool" is not a variable`},
		{"required variable missing", nlb,
			jsonEdit(func(v map[string]any) { delete(v, "health_path") }), `variable "health_path" has no default`},
		{"wrong type", nlb,
			replace(`"min_size": 2, "max_size": 5`, `"min_size": "two", "max_size": 5`), `variable "node_pools": value does not match type`},
		{"EKS spelling of a taint effect", nlb,
			replace(`"effect": "NoSchedule"`, `"effect": "NO_SCHEDULE"`), "Every taint effect must be one of"},
		{"pinned IP outside its subnet", nlb,
			replace(`"address": "10.0.48.10"`, `"address": "10.0.64.10"`), "outside the subnet's CIDR"},
		{"pinned IP reserved by AWS", nlb,
			replace(`"address": "10.0.48.10"`, `"address": "10.0.48.2"`), "reserved by AWS"},
		{"pinned IP in an unknown subnet", nlb,
			replace(`"subnet": "mtkc-private-b"`, `"subnet": "private-b"`), `subnet "private-b" is not one Terraform creates`},
		{"Service annotation disagrees with the pinned IPs", nlbGW,
			replace("10.0.32.10,10.0.48.10", "10.0.32.10,10.0.48.11"), "aws-load-balancer-private-ipv4-addresses"},
		{"targetGroupBinding without a target group name", tgb,
			replace(`"target_group_name": "mtkcd-gateway"`, `"target_group_name": ""`), "needs target_group_name"},
		{"TargetGroupBinding refers to another target group", tgbGW,
			replace("targetGroupName: mtkcd-gateway", "targetGroupName: mtkcd-gw"), "spec.targetGroupName"},
		{"TargetGroupBinding with a copied ARN", tgbGW,
			replace("targetGroupName: mtkcd-gateway", "targetGroupName: mtkcd-gateway\n  targetGroupARN: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mtkcd-gateway/0123456789abcdef"), "hard-coded targetGroupARN"},
		{"root app of another revision", devApp,
			replace("targetRevision: dev", "targetRevision: main"), "has no source"},
		{"certificate that is not an ACM ARN", tgb,
			replace(`arn:aws:acm:eu-west-1`, `arn:aws:iam:eu-west-1`), "must be an ACM certificate ARN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := copyTree(t, filepath.Join("testdata", "repo"))
			c.edit(t, filepath.Join(root, filepath.FromSlash(c.file)))
			var all []string
			files, _ := FindTfvars(root)
			for _, f := range files {
				for _, err := range CheckTfvars(m, root, f) {
					all = append(all, err.Error())
				}
			}
			joined := strings.Join(all, "\n")
			if !strings.Contains(joined, c.want) {
				t.Fatalf("want an error containing %q, got:\n%s", c.want, joined)
			}
		})
	}
}

// TestTaintMapping pins the Kubernetes -> EKS effect mapping Terraform uses.
func TestTaintMapping(t *testing.T) {
	m := loadModule(t)
	raw, err := LoadTfvarsJSON(filepath.Join("testdata", "repo", "out", "eks", "terraform", TfvarsName))
	if err != nil {
		t.Fatal(err)
	}
	raw["node_pools"], err = ctyFromJSON(`{"p": {"labels": {"role": "p"}, "taints": [
		{"key": "a", "value": "1", "effect": "NoSchedule"},
		{"key": "b", "effect": "NoExecute"},
		{"key": "c", "value": "3", "effect": "PreferNoSchedule"}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	vars, errs := m.Inputs(raw)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	groups, err := m.NewEvaluator(vars).NodeGroups()
	if err != nil {
		t.Fatal(err)
	}
	got := groups["p"].EKSTaints
	want := []Taint{{"a", "1", "NO_SCHEDULE"}, {"b", "", "NO_EXECUTE"}, {"c", "3", "PREFER_NO_SCHEDULE"}}
	if !sameTaints(got, want) {
		t.Fatalf("EKS taints %v, want %v", got, want)
	}
	if groups["p"].Labels["role"] != "p" {
		t.Fatalf("labels %v", groups["p"].Labels)
	}
}

func replace(old, new string) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), old) {
			t.Fatalf("%s does not contain %q", path, old)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func jsonEdit(f func(map[string]any)) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		f(v)
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestAllLocalsEvaluate evaluates every local value of the configuration with
// each sample tfvars file, so a type error in a local (e.g. a conditional
// whose branches cannot be unified) shows up here and not at plan time.
func TestAllLocalsEvaluate(t *testing.T) {
	m := loadModule(t)
	files, err := FindTfvars(filepath.Join("testdata", "repo"))
	if err != nil || len(files) == 0 {
		t.Fatalf("sample tfvars: %v", err)
	}
	for _, f := range files {
		raw, err := LoadTfvarsJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		vars, errs := m.Inputs(raw)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		ev := m.NewEvaluator(vars)
		for _, name := range sortedKeys(m.Locals) {
			if _, err := ev.Local(name); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
}
