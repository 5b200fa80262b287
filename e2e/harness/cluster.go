package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// FieldManager is the field manager every apply uses (Argo CD's controller name).
const FieldManager = "argocd-controller"

// Cluster is a fresh etcd + kube-apiserver on loopback, started by controller-runtime's
// envtest from the binaries we built.
type Cluster struct {
	env            *envtest.Environment
	Config         *rest.Config
	Dynamic        dynamic.Interface
	Kube           kubernetes.Interface
	Discovery      discovery.DiscoveryInterface
	mapper         *restmapper.DeferredDiscoveryRESTMapper
	KubeconfigPath string

	mu       sync.Mutex
	warnings []string
}

// StartCluster starts etcd and kube-apiserver. egressSocket, when set, is the unix socket
// of an HTTP CONNECT proxy the apiserver uses for cluster traffic (admission webhooks), so
// a webhook Service such as istiod.istio-system.svc:443 reaches a process on loopback.
func StartCluster(bins *Binaries, workDir, egressSocket string, log io.Writer) (*Cluster, error) {
	ctrllog.SetLogger(logr.Discard())
	env := &envtest.Environment{
		BinaryAssetsDirectory:    bins.ControlPlaneDir,
		UseExistingCluster:       ptr.To(false),
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	api := env.ControlPlane.GetAPIServer()
	api.Out, api.Err = log, log
	if egressSocket != "" {
		cfg := fmt.Sprintf(`apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: %s
`, egressSocket)
		p := filepath.Join(workDir, "egress-selector.yaml")
		if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
			return nil, err
		}
		api.Configure().Set("egress-selector-config-file", p)
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting etcd + kube-apiserver from %s: %w", bins.ControlPlaneDir, err)
	}
	c := &Cluster{env: env}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 200, 400
	cfg.WarningHandler = c
	c.Config = cfg
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if c.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	c.Discovery = c.Kube.Discovery()
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.Discovery))
	c.KubeconfigPath = filepath.Join(workDir, "kubeconfig")
	if err := writeKubeconfig(cfg, c.KubeconfigPath); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// Stop stops kube-apiserver and etcd and removes their data.
func (c *Cluster) Stop() {
	if c.env != nil {
		_ = c.env.Stop()
	}
}

// HandleWarningHeader implements rest.WarningHandler: every warning the apiserver sends
// is kept, so that a warning fails the apply that caused it.
func (c *Cluster) HandleWarningHeader(code int, agent, text string) {
	if code != 299 || text == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, text)
}

func (c *Cluster) warningCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.warnings)
}

func (c *Cluster) warningsSince(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.warnings[n:]...)
}

func writeKubeconfig(cfg *rest.Config, path string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["e2e"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "e2e"}
	kc.CurrentContext = "e2e"
	return clientcmd.WriteToFile(*kc, path)
}

// Resource returns the dynamic client for obj's kind in its namespace, and whether the
// kind is namespaced. A kind whose CRD was just created is retried until discovery has it.
func (c *Cluster) Resource(ctx context.Context, gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, bool, error) {
	var mapping *meta.RESTMapping
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		var err error
		mapping, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			c.mapper.Reset()
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("the apiserver does not serve %s (is its CRD installed?): %w", gvk, err)
	}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(mapping.Resource).Namespace(namespace), true, nil
	}
	return c.Dynamic.Resource(mapping.Resource), false, nil
}

// Apply server-side applies obj with strict field validation, as Argo CD's
// ServerSideApply=true does. It returns the warnings the apiserver sent for this request;
// the caller treats any warning as a failure. CRDs are waited for until Established.
func (c *Cluster) Apply(ctx context.Context, obj *unstructured.Unstructured) ([]string, error) {
	ri, namespaced, err := c.Resource(ctx, obj.GroupVersionKind(), obj.GetNamespace())
	if err != nil {
		return nil, err
	}
	if namespaced && obj.GetNamespace() == "" {
		return nil, fmt.Errorf("namespaced object has no namespace")
	}
	if !namespaced && obj.GetNamespace() != "" {
		obj = obj.DeepCopy()
		obj.SetNamespace("")
	}
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	n := c.warningCount()
	_, err = ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{
		FieldManager:    FieldManager,
		Force:           ptr.To(true),
		FieldValidation: "Strict",
	})
	warnings := c.warningsSince(n)
	if err != nil {
		return warnings, err
	}
	if obj.GetKind() == "CustomResourceDefinition" {
		if err := c.waitEstablished(ctx, obj.GetName()); err != nil {
			return warnings, err
		}
	}
	return warnings, nil
}

func (c *Cluster) waitEstablished(ctx context.Context, name string) error {
	crds := c.Dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		u, err := crds.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		st, found := Condition(u, "Established")
		last = st.Message
		return found && st.Status == "True", nil
	})
	if err != nil {
		return fmt.Errorf("CRD %s not Established: %s: %w", name, last, err)
	}
	c.mapper.Reset()
	return nil
}

// Get fetches an object, nil when it does not exist.
func (c *Cluster) Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	ri, _, err := c.Resource(ctx, gvk, namespace)
	if err != nil {
		return nil, err
	}
	u, err := ri.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// List lists objects of a kind in all namespaces.
func (c *Cluster) List(ctx context.Context, gvk schema.GroupVersionKind) ([]unstructured.Unstructured, error) {
	ri, _, err := c.Resource(ctx, gvk, "")
	if err != nil {
		return nil, err
	}
	l, err := ri.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// Cond is one status condition.
type Cond struct{ Type, Status, Reason, Message string }

// Condition finds condition typ in obj.status.conditions.
func Condition(obj *unstructured.Unstructured, typ string) (Cond, bool) {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	return findCondition(conds, typ)
}

func findCondition(conds []any, typ string) (Cond, bool) {
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			s := func(k string) string { v, _ := m[k].(string); return v }
			return Cond{s("type"), s("status"), s("reason"), s("message")}, true
		}
	}
	return Cond{}, false
}

// isTransient reports errors worth retrying (apiserver warming up).
func isTransient(err error) bool {
	return apierrors.IsServiceUnavailable(err) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) ||
		apierrors.IsTooManyRequests(err) || strings.Contains(err.Error(), "connection refused")
}
