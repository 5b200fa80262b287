package harness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Our own CRDs for APIs whose controllers have no usable Go module (see README).
//
//go:embed crds/*.yaml
var ownCRDs embed.FS

// Options configure a harness run.
type Options struct {
	RepoRoot string    // repository root; trees are found under RepoRoot/out
	E2EDir   string    // the e2e module (default RepoRoot/e2e)
	Trees    []string  // tree folders relative to RepoRoot; default: every out/**/bootstrap/root-app.yaml
	Out      io.Writer // check lines and the summary
	Log      io.Writer // progress and build output
	WorkDir  string    // scratch space (default: a temp dir, removed afterwards)
	Keep     bool      // keep WorkDir (istiod and apiserver logs)
}

// FindTrees lists the rendered trees under root/out: every folder whose
// bootstrap/root-app.yaml exists, relative to root, sorted.
func FindTrees(root string) ([]string, error) {
	var trees []string
	out := filepath.Join(root, "out")
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "root-app.yaml" && filepath.Base(filepath.Dir(p)) == "bootstrap" {
			rel, _ := filepath.Rel(root, filepath.Dir(filepath.Dir(p)))
			trees = append(trees, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(trees)
	return trees, err
}

// Run builds (or reuses) the binaries and checks each tree on a fresh control plane. It
// returns the report; err is for failures of the harness itself (a build that broke).
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.E2EDir == "" {
		o.E2EDir = filepath.Join(o.RepoRoot, "e2e")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	rep := NewReport(o.Out)
	trees := o.Trees
	if len(trees) == 0 {
		var err error
		if trees, err = FindTrees(o.RepoRoot); err != nil {
			return rep, err
		}
		if len(trees) == 0 {
			return rep, fmt.Errorf("no rendered tree (out/**/bootstrap/root-app.yaml) under %s", o.RepoRoot)
		}
	}
	start := time.Now()
	bins, err := EnsureBinaries(o.E2EDir, o.Log)
	if err != nil {
		return rep, err
	}
	fmt.Fprintf(o.Log, "binaries ready in %s: kube-apiserver %s, istiod from istio.io/istio %s\n", time.Since(start).Round(time.Second), bins.KubeVersion, bins.IstioVersion)
	work := o.WorkDir
	if work == "" {
		if work, err = os.MkdirTemp("", "krm-gen-e2e-"); err != nil {
			return rep, err
		}
		if !o.Keep {
			defer os.RemoveAll(work)
		}
	}
	for _, t := range trees {
		rep.Blueprint(t)
		dir := filepath.Join(work, strings.ReplaceAll(t, "/", "_"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return rep, err
		}
		tstart := time.Now()
		runTree(ctx, o, bins, t, dir, rep)
		fmt.Fprintf(o.Log, "%s done in %s (work dir %s)\n", t, time.Since(tstart).Round(time.Second), dir)
	}
	rep.Blueprint("")
	return rep, nil
}

// runTree checks one tree on its own control plane.
func runTree(ctx context.Context, o Options, bins *Binaries, tree, dir string, rep *Report) {
	log := o.Log
	proxy, err := StartServiceProxy()
	if err != nil {
		rep.Fail("harness", "ServiceProxy", "Error", err.Error())
		return
	}
	defer proxy.Close()
	apiLog, _ := os.Create(filepath.Join(dir, "kube-apiserver.log"))
	defer apiLog.Close()
	c, err := StartCluster(bins, dir, proxy.Socket(), apiLog)
	if !rep.Check("kube-apiserver "+bins.KubeVersion, "Started", "StartFailed", err) {
		return
	}
	defer c.Stop()

	ps := findPlatform(o.RepoRoot, tree)
	var pools []Pool
	gatewayPool, waypointPool := "", ""
	if ps != nil {
		pools = ps.pools()
		gatewayPool = ps.Spec.Gateway.NodePool
		waypointPool = ps.Spec.Waypoints.NodePool
		fmt.Fprintf(log, "%s: spec %s, node pools %d, gateway pool %q\n", tree, ps.File, len(pools), gatewayPool)
	} else {
		fmt.Fprintf(log, "%s: no Platform spec under blueprints/ has git.path %s: no node pools, placement not checked\n", tree, tree)
	}

	// Layers 1-2 (Terraform): the nodes of each pool, Argo CD (its namespace and CRDs) and
	// the AWS Load Balancer Controller's CRD.
	provider := ""
	if ps != nil {
		provider = ps.Spec.Provider
	}
	nodes, nodePool, ok := makeNodes(ctx, c, rep, o.RepoRoot, pools, provider)
	if !ok || !prerequisites(ctx, c, rep) {
		return
	}

	// The controllers that turn workloads into scheduled pods (no kubelet runs them).
	sched, err := StartScheduler(ctx, bins, c, dir, log)
	if !rep.Check("kube-scheduler "+bins.KubeVersion, "Started", "StartFailed", err) {
		return
	}
	defer sched.Stop()
	kcm, err := StartControllerManager(ctx, bins, c, dir, log)
	if !rep.Check("kube-controller-manager "+bins.KubeVersion+" (controllers "+controllerManagerControllers+")", "Started", "StartFailed", err) {
		return
	}
	defer kcm.Stop()

	var istiod *Istiod
	defer func() { istiod.Stop() }()
	w := &Walker{C: c, R: rep, Bins: bins, Log: log, RepoRoot: o.RepoRoot}
	standIn, err := NewStandIn()
	if err != nil {
		rep.Fail("harness", "WebhookStandIn", "Error", err.Error())
		return
	}
	defer standIn.Close()
	// After each Application: play the kubelet for istiod, and stand in for the admission
	// webhooks of other controllers the tree installs (their pods do not run here).
	w.AfterSync = func(ctx context.Context, app *unstructured.Unstructured, objs []Object) error {
		dep, injector, svcs, err := FindIstiod(objs)
		if err != nil {
			return err
		}
		if dep != nil && istiod == nil {
			istiod, err = StartIstiod(ctx, bins.PilotDiscovery, dir, c, dep, injector, svcs, proxy, log)
			rep.Check(fmt.Sprintf("istiod %s/%s (istio.io/istio %s)", dep.Namespace, dep.Name, bins.IstioVersion), "Ready", "NotReady", err)
		}
		stood, err := standInWebhooks(ctx, c, standIn, proxy, objs)
		for _, s := range stood {
			fmt.Fprintf(log, "note: %s is answered by the allow-all stand-in (its controller does not run here)\n", s)
		}
		return err
	}
	root := filepath.Join(o.RepoRoot, filepath.FromSlash(tree), "bootstrap", "root-app.yaml")
	bootstrap := func() error { return w.Bootstrap(ctx, root) }
	if fleet := FindFleet(o.RepoRoot, tree); fleet != "" {
		// One environment of a fleet: its root app comes from the fleet's ApplicationSet.
		fmt.Fprintf(log, "%s: bootstrapped through %s\n", tree, fleet)
		bootstrap = func() error { return w.BootstrapFleet(ctx, fleet, root) }
	}
	if err := bootstrap(); err != nil {
		rep.Fail(root, "Bootstrapped", "Error", err.Error())
		return
	}
	if istiod == nil {
		rep.Fail("istiod", "Started", "NotRendered", "no Application rendered an istiod Deployment (container \"discovery\"): nothing to check the Gateway API objects against")
		return
	}

	k := &checker{c: c, r: rep, log: log, applied: w.Applied, pools: pools, nodes: nodes, nodePool: nodePool,
		gatewayPool: gatewayPool, waypointPool: waypointPool, istiodLog: istiod.LogPath, xdsAddr: istiod.GRPCAddr, workDir: dir, spec: ps, wait: 60 * time.Second}
	createTLSSecrets(ctx, k)
	k.gatewayClass(ctx)
	k.gateways(ctx)
	k.routes(ctx)
	k.meshRoutes(ctx)
	k.gatewayInfra(ctx)
	k.workloads(ctx)
	k.scheduling(ctx)
	k.readyWaypointPods(ctx)
	k.waypointBindings(ctx)
	k.xds(ctx)
	k.istioAnalyze(ctx, bins.Istioctl, dir, istiod.Namespace, istiod.Revision(ctx, c))
	k.referenceGrants(ctx)
	k.unlabelledRoute(ctx)
	k.istiodSecurity()
}

// makeNodes registers the Nodes of every pool (what Terraform's node groups would),
// sized from the repository's instance-type table, Ready. It returns them and which pool
// each belongs to.
func makeNodes(ctx context.Context, c *Cluster, rep *Report, repoRoot string, pools []Pool, provider string) ([]*corev1.Node, map[string]string, bool) {
	poolOf := map[string]string{}
	if len(pools) == 0 {
		return nil, poolOf, true
	}
	table, err := LoadInstanceTypes(repoRoot)
	if !rep.Check(InstanceTypesFile, "Read", "Error", err) {
		return nil, nil, false
	}
	var all []*corev1.Node
	for _, p := range pools {
		nodes, err := p.Nodes(table, provider)
		if err != nil {
			rep.Fail("pool "+p.Name, "Nodes", "Error", err.Error())
			return nil, nil, false
		}
		for _, n := range nodes {
			a := n.Status.Allocatable
			id := fmt.Sprintf("Node %s (pool %s, %s, %s: allocatable cpu %s, memory %s, pods %s)", n.Name, p.Name, p.InstanceType,
				n.Labels["topology.kubernetes.io/zone"], a.Cpu(), a.Memory(), a.Pods())
			if !rep.Check(id, "Created Ready", "Error", createNode(ctx, c, n)) {
				return nil, nil, false
			}
			all = append(all, n)
			poolOf[n.Name] = p.Name
		}
	}
	return all, poolOf, true
}

// createNode registers the Node as a kubelet would and brings it to what the pool's node
// group gives once the node is up: its status (capacity, allocatable, Ready; a create
// ignores status), and without the node.kubernetes.io/not-ready:NoSchedule taint the
// TaintNodesByCondition admission plugin puts on every new Node. The node lifecycle
// controller removes that taint once the Node reports Ready; it does not run here (see
// controlplane.go), so the harness does that one step. The Node must end with exactly the
// pool's taints.
func createNode(ctx context.Context, c *Cluster, n *corev1.Node) error {
	created, err := c.Kube.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	created.Status = n.Status
	updated, err := c.Kube.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("posting status: %w", err)
	}
	var taints []corev1.Taint
	for _, t := range updated.Spec.Taints {
		if t.Key != corev1.TaintNodeNotReady {
			taints = append(taints, t)
		}
	}
	if len(taints) != len(updated.Spec.Taints) {
		updated.Spec.Taints = taints
		if updated, err = c.Kube.CoreV1().Nodes().Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("removing the %s taint: %w", corev1.TaintNodeNotReady, err)
		}
	}
	if !sameTaints(updated.Spec.Taints, n.Spec.Taints) {
		return fmt.Errorf("Node has taints %v, the pool has %v", updated.Spec.Taints, n.Spec.Taints)
	}
	return nil
}

func sameTaints(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range a {
		found := false
		for _, u := range b {
			if t.Key == u.Key && t.Value == u.Value && t.Effect == u.Effect {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func prerequisites(ctx context.Context, c *Cluster, rep *Report) bool {
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "argocd"}}}
	if _, err := c.Apply(ctx, ns); !rep.Check("Namespace argocd", "Created", "Error", err) {
		return false
	}
	var crds []Object
	dir, err := ModuleDir(ArgoCDModule)
	if err == nil {
		var objs []Object
		objs, err = ReadDir(filepath.Join(dir, "manifests", "crds"), false, "", "")
		for _, o := range objs {
			if o.GetKind() == "CustomResourceDefinition" {
				crds = append(crds, o)
			}
		}
	}
	if err != nil {
		rep.Fail("Argo CD CRDs ("+ArgoCDModule+" manifests/crds)", "Read", "Error", err.Error())
		return false
	}
	entries, _ := ownCRDs.ReadDir("crds")
	for _, e := range entries {
		data, _ := ownCRDs.ReadFile("crds/" + e.Name())
		objs, err := DecodeYAML(data, "e2e/harness/crds/"+e.Name())
		if err != nil {
			rep.Fail(e.Name(), "Read", "Error", err.Error())
			return false
		}
		crds = append(crds, objs...)
	}
	ok := true
	for _, o := range crds {
		w, err := c.Apply(ctx, o.Unstructured)
		if err == nil && len(w) > 0 {
			err = fmt.Errorf("warnings: %s", strings.Join(w, "; "))
		}
		if err != nil {
			rep.Fail(o.ID()+" ("+o.Source+")", "Established", "Error", err.Error())
			ok = false
		}
	}
	if ok {
		rep.Pass(fmt.Sprintf("%d CRDs of layer 2 (Argo CD %s, our TargetGroupBinding)", len(crds), strings.TrimPrefix(ArgoCDModule, "github.com/argoproj/argo-cd/v2@")), "Established")
	}
	return ok
}

// createTLSSecrets provides each Secret a Gateway listener references: issued "as
// cert-manager would" when a cert-manager Certificate names it, otherwise created the way
// the README tells users to (kubectl create secret tls with a certificate they hold).
func createTLSSecrets(ctx context.Context, k *checker) {
	certs := map[string]string{} // ns/secretName -> Certificate
	for _, cert := range k.ofKind("cert-manager.io", "Certificate") {
		sn, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
		certs[cert.GetNamespace()+"/"+sn] = objID(cert)
	}
	for _, g := range k.ofKind(gatewayAPIGroup, "Gateway") {
		listeners, _, _ := unstructured.NestedSlice(g.Object, "spec", "listeners")
		for _, l := range listeners {
			lm, _ := l.(map[string]any)
			host, _ := lm["hostname"].(string)
			refs, _, _ := unstructured.NestedSlice(lm, "tls", "certificateRefs")
			for _, r := range refs {
				m, _ := r.(map[string]any)
				if kind, _ := m["kind"].(string); kind != "" && kind != "Secret" {
					continue
				}
				ns, _ := m["namespace"].(string)
				if ns == "" {
					ns = g.GetNamespace()
				}
				name, _ := m["name"].(string)
				id := fmt.Sprintf("Secret %s/%s", ns, name)
				if _, err := k.c.Kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{}); err == nil {
					continue
				}
				certPEM, keyPEM, err := selfSigned(host)
				if err != nil {
					k.r.Fail(id, "Created", "Error", err.Error())
					continue
				}
				sec := &corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM}}
				sec.Name, sec.Namespace = name, ns
				how, manager := "Created (kubectl create secret tls)", "kubectl-create"
				if c, ok := certs[ns+"/"+name]; ok {
					how, manager = "IssuedFor "+c+" (as cert-manager would)", "cert-manager-certificates-issuing"
					sec.Annotations = map[string]string{"cert-manager.io/certificate-name": strings.SplitN(strings.Fields(c)[1], "/", 2)[1]}
				}
				_, err = k.c.Kube.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{FieldManager: manager})
				if apierrors.IsAlreadyExists(err) {
					err = nil
				}
				k.report(id, how, err)
			}
		}
	}
}

// selfSigned makes a self-signed ECDSA certificate for host (as `openssl req -x509` would).
func selfSigned(host string) ([]byte, []byte, error) {
	if host == "" || strings.HasPrefix(host, "*") {
		host = "gateway.e2e.example"
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), nil
}
