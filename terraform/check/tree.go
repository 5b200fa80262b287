package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apparentlymart/go-cidr/cidr"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	yaml "go.yaml.in/yaml/v3"
)

// TfvarsName is the file krm-gen renders for Terraform.
const TfvarsName = "platform.auto.tfvars.json"

// FindTfvars returns every out/<blueprint>/terraform/platform.auto.tfvars.json
// and out/<blueprint>/<env>/terraform/platform.auto.tfvars.json under root.
func FindTfvars(root string) ([]string, error) {
	var out []string
	for _, pat := range []string{
		filepath.Join(root, "out", "*", "terraform", TfvarsName),
		filepath.Join(root, "out", "*", "*", "terraform", TfvarsName),
	} {
		m, err := filepath.Glob(pat)
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	sort.Strings(out)
	return out, nil
}

// Inputs of the contract, decoded from the converted variable values.
type platform struct {
	PlatformName string `json:"platform_name"`
	Git          struct {
		RepoURL     string `json:"repo_url"`
		Revision    string `json:"revision"`
		RootAppPath string `json:"root_app_path"`
	} `json:"git"`
	NodePools map[string]struct {
		Labels map[string]string `json:"labels"`
		Taints []Taint           `json:"taints"`
	} `json:"node_pools"`
	Gateway struct {
		Name        string `json:"name"`
		Namespace   string `json:"namespace"`
		ServiceName string `json:"service_name"`
		HTTPPort    *int   `json:"http_port"`
		HTTPSPort   int    `json:"https_port"`
	} `json:"gateway"`
	LoadBalancer struct {
		Mode          string `json:"mode"`
		NLBPrivateIPs []struct {
			Subnet  string `json:"subnet"`
			Address string `json:"address"`
		} `json:"nlb_private_ips"`
		TargetGroupName string `json:"target_group_name"`
	} `json:"load_balancer"`
	ArgoCDNamespace string `json:"argocd_namespace"`
	SystemNodePool  string `json:"system_node_pool"`
}

// kubernetesEffect maps EKS taint effects back to Kubernetes spelling.
func kubernetesEffect(e *Evaluator, eks string) (string, error) {
	m, err := e.Local("taint_effects")
	if err != nil {
		return "", err
	}
	for it := m.ElementIterator(); it.Next(); {
		k, v := it.Element()
		if v.AsString() == eks {
			return k.AsString(), nil
		}
	}
	return "", fmt.Errorf("EKS taint effect %q has no Kubernetes spelling in local.taint_effects", eks)
}

// CheckTfvars runs every check for one rendered tfvars file. root is the
// repository root the file's git.root_app_path is relative to.
func CheckTfvars(m *Module, root, tfvarsPath string) []error {
	raw, err := LoadTfvarsJSON(tfvarsPath)
	if err != nil {
		return []error{err}
	}
	return CheckInputs(m, root, tfvarsPath, raw)
}

// CheckInputs is CheckTfvars with the file's values given (raw, as
// LoadTfvarsJSON returns them); tfvarsPath still locates the rendered tree.
func CheckInputs(m *Module, root, tfvarsPath string, raw map[string]cty.Value) []error {
	vars, errs := m.Inputs(raw)
	if len(errs) > 0 {
		return errs
	}
	var p platform
	if err := decode(vars, &p); err != nil {
		return []error{err}
	}
	ev := m.NewEvaluator(vars)
	treeDir := filepath.Dir(filepath.Dir(tfvarsPath))
	docs, err := loadYAMLTree(treeDir)
	if err != nil {
		return []error{err}
	}

	// 1. Node groups: labels and taints Terraform applies = the spec's pools.
	groups, err := ev.NodeGroups()
	if err != nil {
		return []error{err}
	}
	applied := map[string][]Taint{}
	for name, pool := range p.NodePools {
		g, ok := groups[name]
		if !ok {
			errs = append(errs, fmt.Errorf("node pool %q gets no node group", name))
			continue
		}
		for _, t := range g.EKSTaints {
			ke, err := kubernetesEffect(ev, t.Effect)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			applied[name] = append(applied[name], Taint{Key: t.Key, Value: t.Value, Effect: ke})
		}
		if !sameTaints(applied[name], pool.Taints) {
			errs = append(errs, fmt.Errorf("node pool %q: Terraform applies taints %v, the tfvars say %v", name, applied[name], pool.Taints))
		}
		if !equalMaps(g.Labels, pool.Labels) {
			errs = append(errs, fmt.Errorf("node pool %q: Terraform applies labels %v, the tfvars say %v", name, g.Labels, pool.Labels))
		}
	}
	for name := range groups {
		if _, ok := p.NodePools[name]; !ok {
			errs = append(errs, fmt.Errorf("node group %q has no node pool", name))
		}
	}

	// 2. The gateway krm-gen rendered: placement and Service wiring.
	errs = append(errs, checkGateway(ev, p, docs, applied)...)

	// 3. Load balancer wiring.
	errs = append(errs, checkLoadBalancer(ev, p, docs)...)

	// 4. The root Application Terraform applies.
	errs = append(errs, checkRootApp(root, treeDir, p)...)

	// 5. The ALB's target group and listener certificates.
	errs = append(errs, CheckALB(ev)...)

	// 6. Security hardening: in force, or relaxed only as the inputs say.
	errs = append(errs, CheckHardening(ev)...)
	return errs
}

func checkGateway(ev *Evaluator, p platform, docs []doc, applied map[string][]Taint) []error {
	var errs []error
	gw := findDoc(docs, "Gateway", p.Gateway.Namespace, p.Gateway.Name)
	if gw == nil {
		return []error{fmt.Errorf("no Gateway %s/%s in the rendered tree", p.Gateway.Namespace, p.Gateway.Name)}
	}
	if class := str(gw.obj, "spec", "gatewayClassName"); class != "" && p.Gateway.ServiceName != p.Gateway.Name+"-"+class {
		errs = append(errs, fmt.Errorf("gateway.service_name %q is not the Service istiod generates (%s-%s)", p.Gateway.ServiceName, p.Gateway.Name, class))
	}
	ref, _ := get(gw.obj, "spec", "infrastructure", "parametersRef").(map[string]any)
	if ref == nil || ref["kind"] != "ConfigMap" {
		return append(errs, fmt.Errorf("Gateway %s/%s has no ConfigMap parametersRef: its node placement cannot be checked", p.Gateway.Namespace, p.Gateway.Name))
	}
	refName, _ := ref["name"].(string)
	cm := findDoc(docs, "ConfigMap", p.Gateway.Namespace, refName)
	if cm == nil {
		return append(errs, fmt.Errorf("ConfigMap %s/%s (the Gateway's parametersRef) is not in the rendered tree", p.Gateway.Namespace, refName))
	}
	var dep map[string]any
	if s := str(cm.obj, "data", "deployment"); s == "" {
		return append(errs, fmt.Errorf("%s: ConfigMap %s has no deployment patch", cm.file, refName))
	} else if err := yaml.Unmarshal([]byte(s), &dep); err != nil {
		return append(errs, fmt.Errorf("%s: deployment patch: %w", cm.file, err))
	}
	selector := map[string]string{}
	if ns, ok := get(dep, "spec", "template", "spec", "nodeSelector").(map[string]any); ok {
		for k, v := range ns {
			selector[k] = fmt.Sprint(v)
		}
	}
	var pool string
	for _, name := range sortedKeys(p.NodePools) {
		l := p.NodePools[name].Labels
		if len(l) > 0 && subset(l, selector) {
			if pool != "" {
				return append(errs, fmt.Errorf("gateway nodeSelector %v matches node pools %q and %q", selector, pool, name))
			}
			pool = name
		}
	}
	if pool == "" {
		return append(errs, fmt.Errorf("gateway nodeSelector %v selects no node pool of the tfvars", selector))
	}
	tols, err := tolerations(get(dep, "spec", "template", "spec", "tolerations"))
	if err != nil {
		return append(errs, fmt.Errorf("%s: %w", cm.file, err))
	}
	if e := compareTolerations(applied[pool], tols); e != "" {
		errs = append(errs, fmt.Errorf("gateway runs on node pool %q: %s", pool, e))
	}
	// The controllers Terraform installs on the system pool tolerate the same.
	sys := p.SystemNodePool
	if sys == pool {
		v, err := ev.Local("controller_tolerations")
		if err != nil {
			return append(errs, err)
		}
		var ctl []toleration
		if err := decodeValue(v, &ctl); err != nil {
			return append(errs, err)
		}
		if e := compareTolerations(applied[pool], ctl); e != "" {
			errs = append(errs, fmt.Errorf("controllers on node pool %q (local.controller_tolerations): %s", pool, e))
		}
	}
	return errs
}

func checkLoadBalancer(ev *Evaluator, p platform, docs []doc) []error {
	var errs []error
	lb := p.LoadBalancer
	tgbs := findKind(docs, "TargetGroupBinding")
	switch lb.Mode {
	case "targetGroupBinding":
		if len(tgbs) != 1 {
			return []error{fmt.Errorf("targetGroupBinding mode: want 1 TargetGroupBinding in the rendered tree, found %d", len(tgbs))}
		}
		t := tgbs[0]
		if got := str(t.obj, "spec", "targetGroupName"); got != lb.TargetGroupName {
			errs = append(errs, fmt.Errorf("%s: TargetGroupBinding spec.targetGroupName %q, Terraform names the target group %q", t.file, got, lb.TargetGroupName))
		}
		if arn := str(t.obj, "spec", "targetGroupARN"); arn != "" {
			errs = append(errs, fmt.Errorf("%s: TargetGroupBinding has a hard-coded targetGroupARN; refer to the Terraform-made target group by name", t.file))
		}
		if got := str(t.obj, "spec", "serviceRef", "name"); got != p.Gateway.ServiceName {
			errs = append(errs, fmt.Errorf("%s: TargetGroupBinding serviceRef.name %q, gateway Service is %q", t.file, got, p.Gateway.ServiceName))
		}
		if got := fmt.Sprint(get(t.obj, "spec", "serviceRef", "port")); got != strconv.Itoa(p.Gateway.HTTPSPort) {
			errs = append(errs, fmt.Errorf("%s: TargetGroupBinding serviceRef.port %s, the target group forwards to %d", t.file, got, p.Gateway.HTTPSPort))
		}
		if ns := t.namespace(); ns != p.Gateway.Namespace {
			errs = append(errs, fmt.Errorf("%s: TargetGroupBinding in namespace %q, gateway Service in %q", t.file, ns, p.Gateway.Namespace))
		}
	case "nlb":
		if len(tgbs) != 0 {
			errs = append(errs, fmt.Errorf("nlb mode but the rendered tree has a TargetGroupBinding (%s)", tgbs[0].file))
		}
		subnets, err := ev.Local("private_subnets")
		if err != nil {
			return append(errs, err)
		}
		var layout map[string]struct{ Cidr string }
		if err := decodeValue(subnets, &layout); err != nil {
			return append(errs, err)
		}
		for _, ip := range lb.NLBPrivateIPs {
			s, ok := layout[ip.Subnet]
			if !ok {
				errs = append(errs, fmt.Errorf("nlb_private_ips: subnet %q is not one Terraform creates (%v)", ip.Subnet, sortedKeys(layout)))
				continue
			}
			if err := usableAddress(s.Cidr, ip.Address); err != nil {
				errs = append(errs, fmt.Errorf("nlb_private_ips: %s in %s: %w", ip.Address, ip.Subnet, err))
			}
		}
		errs = append(errs, checkNLBAnnotations(p, docs)...)
	}
	return errs
}

// checkNLBAnnotations compares the pinned addresses with the gateway Service
// patch krm-gen rendered (LB controller subnet and private-IPv4 annotations).
func checkNLBAnnotations(p platform, docs []doc) []error {
	gw := findDoc(docs, "Gateway", p.Gateway.Namespace, p.Gateway.Name)
	if gw == nil {
		return nil // reported by checkGateway
	}
	refName := str(gw.obj, "spec", "infrastructure", "parametersRef", "name")
	cm := findDoc(docs, "ConfigMap", p.Gateway.Namespace, refName)
	if cm == nil {
		return nil
	}
	var svc map[string]any
	if s := str(cm.obj, "data", "service"); s != "" {
		if err := yaml.Unmarshal([]byte(s), &svc); err != nil {
			return []error{fmt.Errorf("%s: service patch: %w", cm.file, err)}
		}
	}
	const (
		ipsKey     = "service.beta.kubernetes.io/aws-load-balancer-private-ipv4-addresses"
		subnetsKey = "service.beta.kubernetes.io/aws-load-balancer-subnets"
	)
	gotIPs := splitList(str(svc, "metadata", "annotations", ipsKey))
	gotSubnets := splitList(str(svc, "metadata", "annotations", subnetsKey))
	var wantIPs, wantSubnets []string
	for _, ip := range p.LoadBalancer.NLBPrivateIPs {
		wantIPs = append(wantIPs, ip.Address)
		wantSubnets = append(wantSubnets, ip.Subnet)
	}
	var errs []error
	if !sameSet(gotIPs, wantIPs) {
		errs = append(errs, fmt.Errorf("%s: gateway Service annotation %s = %v, Terraform registers %v in the ALB target group", cm.file, ipsKey, gotIPs, wantIPs))
	}
	if !sameSet(gotSubnets, wantSubnets) {
		errs = append(errs, fmt.Errorf("%s: gateway Service annotation %s = %v, the tfvars pin %v", cm.file, subnetsKey, gotSubnets, wantSubnets))
	}
	return errs
}

func checkRootApp(root, treeDir string, p platform) []error {
	path := filepath.Join(root, filepath.FromSlash(p.Git.RootAppPath))
	relTree, err1 := filepath.Rel(root, treeDir)
	relApp, err2 := filepath.Rel(root, path)
	if err1 == nil && err2 == nil && !strings.HasPrefix(relApp, relTree+string(filepath.Separator)) {
		return []error{fmt.Errorf("git.root_app_path %q is outside the tree %q this tfvars file belongs to", p.Git.RootAppPath, filepath.ToSlash(relTree))}
	}
	docs, err := loadYAMLFile(path)
	if err != nil {
		return []error{fmt.Errorf("git.root_app_path: %w", err)}
	}
	apps := findKind(docs, "Application")
	if len(apps) != 1 {
		return []error{fmt.Errorf("%s: want exactly one Application, found %d", path, len(apps))}
	}
	app := apps[0]
	var errs []error
	if ns := app.namespace(); ns != p.ArgoCDNamespace {
		errs = append(errs, fmt.Errorf("%s: root Application in namespace %q, Argo CD is installed in %q", path, ns, p.ArgoCDNamespace))
	}
	var sources []map[string]any
	if s, ok := get(app.obj, "spec", "source").(map[string]any); ok {
		sources = append(sources, s)
	}
	if ss, ok := get(app.obj, "spec", "sources").([]any); ok {
		for _, s := range ss {
			if m, ok := s.(map[string]any); ok {
				sources = append(sources, m)
			}
		}
	}
	found := false
	for _, s := range sources {
		if s["repoURL"] == p.Git.RepoURL && fmt.Sprint(s["targetRevision"]) == p.Git.Revision {
			found = true
		}
	}
	if !found {
		errs = append(errs, fmt.Errorf("%s: root Application has no source %s@%s (git.repo_url, git.revision)", path, p.Git.RepoURL, p.Git.Revision))
	}
	return errs
}

// ---- tolerations -------------------------------------------------------------

type toleration struct {
	Key      string `json:"key" yaml:"key"`
	Operator string `json:"operator" yaml:"operator"`
	Value    string `json:"value" yaml:"value"`
	Effect   string `json:"effect" yaml:"effect"`
}

func tolerations(v any) ([]toleration, error) {
	if v == nil {
		return nil, nil
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out []toleration
	if err := yaml.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("tolerations: %w", err)
	}
	return out, nil
}

func (t toleration) tolerates(x Taint) bool {
	if t.Effect != "" && t.Effect != x.Effect {
		return false
	}
	if t.Key == "" {
		return t.Operator == "Exists"
	}
	if t.Key != x.Key {
		return false
	}
	switch t.Operator {
	case "Exists":
		return true
	case "", "Equal":
		return t.Value == x.Value
	}
	return false
}

// compareTolerations wants the tolerations to be exactly the taints: each
// taint tolerated, and no toleration that matches none of them (a stale
// toleration means the spec and the nodes disagree).
func compareTolerations(taints []Taint, tols []toleration) string {
	var problems []string
	for _, x := range taints {
		ok := false
		for _, t := range tols {
			if t.tolerates(x) {
				ok = true
			}
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("taint %s is not tolerated", x))
		}
	}
	for _, t := range tols {
		ok := false
		for _, x := range taints {
			if t.tolerates(x) {
				ok = true
			}
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("toleration %s %s %s:%s matches no taint Terraform applies", t.Key, t.Operator, t.Value, t.Effect))
		}
	}
	if len(problems) == 0 {
		return ""
	}
	return strings.Join(problems, "; ") + fmt.Sprintf(" (taints %v)", taints)
}

func sameTaints(a, b []Taint) bool {
	key := func(ts []Taint) []string {
		var s []string
		for _, t := range ts {
			s = append(s, t.String())
		}
		sort.Strings(s)
		return s
	}
	return strings.Join(key(a), ",") == strings.Join(key(b), ",")
}

// ---- addresses -----------------------------------------------------------------

// usableAddress: addr lies in cidrStr and is not one of the five addresses AWS
// reserves in every subnet (network, +1 router, +2 DNS, +3 future, broadcast).
func usableAddress(cidrStr, addr string) error {
	_, network, err := net.ParseCIDR(cidrStr)
	if err != nil {
		return err
	}
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() == nil {
		return fmt.Errorf("not an IPv4 address")
	}
	if !network.Contains(ip) {
		return fmt.Errorf("outside the subnet's CIDR %s", cidrStr)
	}
	first, last := cidr.AddressRange(network)
	reserved := []net.IP{first, last}
	x := first
	for i := 1; i <= 3; i++ {
		x = cidr.Inc(x)
		reserved = append(reserved, x)
	}
	for _, r := range reserved {
		if ip.Equal(r) {
			return fmt.Errorf("reserved by AWS in %s", cidrStr)
		}
	}
	return nil
}

// ---- YAML ----------------------------------------------------------------------

type doc struct {
	file string
	obj  map[string]any
}

func (d doc) namespace() string { return str(d.obj, "metadata", "namespace") }

// loadYAMLTree reads every YAML document under dir, except nested trees of
// environments (directories that have their own terraform/ directory).
func loadYAMLTree(dir string) ([]doc, error) {
	var docs []doc
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir {
				if _, err := os.Stat(filepath.Join(path, "terraform", TfvarsName)); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		ds, err := loadYAMLFile(path)
		if err != nil {
			return err
		}
		docs = append(docs, ds...)
		return nil
	})
	return docs, err
}

func loadYAMLFile(path string) ([]doc, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []doc
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if obj != nil {
			docs = append(docs, doc{file: path, obj: obj})
		}
	}
	return docs, nil
}

func findKind(docs []doc, kind string) []doc {
	var out []doc
	for _, d := range docs {
		if d.obj["kind"] == kind {
			out = append(out, d)
		}
	}
	return out
}

func findDoc(docs []doc, kind, ns, name string) *doc {
	for _, d := range findKind(docs, kind) {
		if str(d.obj, "metadata", "name") == name && d.namespace() == ns {
			return &d
		}
	}
	return nil
}

func get(obj map[string]any, path ...string) any {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func str(obj map[string]any, path ...string) string {
	s, _ := get(obj, path...).(string)
	return s
}

// ---- small helpers -------------------------------------------------------------

func decode(vars map[string]cty.Value, dst any) error {
	return decodeValue(cty.ObjectVal(vars), dst)
}

func decodeValue(v cty.Value, dst any) error {
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return err
	}
	return jsonUnmarshal(b, dst)
}

func jsonUnmarshal(b []byte, dst any) error { return json.Unmarshal(b, dst) }

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, ",") == strings.Join(y, ",")
}

func subset(small, big map[string]string) bool {
	for k, v := range small {
		if big[k] != v {
			return false
		}
	}
	return true
}

func equalMaps(a, b map[string]string) bool {
	return len(a) == len(b) && subset(a, b)
}
