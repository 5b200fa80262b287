package harness

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
)

// Istiod is pilot-discovery running on loopback as the rendered istiod Deployment
// describes it: the harness plays the kubelet. Its container args and env come from the
// Deployment, its injection config from the rendered istio-sidecar-injector ConfigMap
// (mounted at ./var/lib/istio/inject in the pod, so written there under its working dir),
// and it talks to the apiserver as its own ServiceAccount (impersonated), so the RBAC
// of the istiod chart is exercised too.
type Istiod struct {
	cmd       *exec.Cmd
	done      chan struct{}
	LogPath   string
	HTTPAddr  string // /ready, debug endpoints
	HTTPSAddr string // webhooks
	GRPCAddr  string // plain-text xDS (15010 in a cluster)
	Namespace string
	Name      string // Deployment name
}

// FindIstiod returns the istiod Deployment (a container named "discovery") and the
// sidecar injector ConfigMap among objs, or nil when objs hold none.
func FindIstiod(objs []Object) (*appsv1.Deployment, *corev1.ConfigMap, []*corev1.Service, error) {
	var dep *appsv1.Deployment
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		var d appsv1.Deployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &d); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", o.ID(), err)
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.Name == "discovery" {
				dep = &d
			}
		}
	}
	if dep == nil {
		return nil, nil, nil, nil
	}
	var cm *corev1.ConfigMap
	var svcs []*corev1.Service
	for _, o := range objs {
		if o.GetNamespace() != dep.Namespace {
			continue
		}
		switch {
		case o.GetKind() == "ConfigMap" && strings.HasPrefix(o.GetName(), "istio-sidecar-injector"):
			cm = &corev1.ConfigMap{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, cm); err != nil {
				return nil, nil, nil, err
			}
		case o.GetKind() == "Service":
			s := &corev1.Service{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, s); err != nil {
				return nil, nil, nil, err
			}
			svcs = append(svcs, s)
		}
	}
	if cm == nil {
		return nil, nil, nil, fmt.Errorf("Deployment %s/%s runs istiod but no istio-sidecar-injector ConfigMap was rendered with it", dep.Namespace, dep.Name)
	}
	return dep, cm, svcs, nil
}

// StartIstiod runs pilot-discovery for dep and waits until it is ready. Services that
// select the istiod pods get routes in proxy, so the apiserver reaches the webhooks.
func StartIstiod(ctx context.Context, bin, workDir string, c *Cluster, dep *appsv1.Deployment, injector *corev1.ConfigMap, svcs []*corev1.Service, proxy *ServiceProxy, log io.Writer) (*Istiod, error) {
	dir := filepath.Join(workDir, "istiod")
	injectDir := filepath.Join(dir, "var", "lib", "istio", "inject")
	if err := os.MkdirAll(injectDir, 0o755); err != nil {
		return nil, err
	}
	for _, k := range []string{"config", "values"} {
		v, ok := injector.Data[k]
		if !ok {
			return nil, fmt.Errorf("ConfigMap %s/%s has no key %q", injector.Namespace, injector.Name, k)
		}
		if err := os.WriteFile(filepath.Join(injectDir, k), []byte(v), 0o644); err != nil {
			return nil, err
		}
	}
	sa := dep.Spec.Template.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := impersonatingKubeconfig(c.KubeconfigPath, kubeconfig, dep.Namespace, sa); err != nil {
		return nil, err
	}
	ports := map[string]string{}
	for _, name := range []string{"http", "https", "grpc", "securegrpc", "monitoring"} {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[name] = "127.0.0.1:" + strconv.Itoa(p)
	}
	var container *corev1.Container
	for i := range dep.Spec.Template.Spec.Containers {
		if dep.Spec.Template.Spec.Containers[i].Name == "discovery" {
			container = &dep.Spec.Template.Spec.Containers[i]
		}
	}
	args := append([]string{}, container.Args...)
	args = append(args,
		"--kubeconfig="+kubeconfig,
		"--httpAddr="+ports["http"], "--httpsAddr="+ports["https"], "--grpcAddr="+ports["grpc"],
		"--secureGRPCAddr="+ports["securegrpc"], "--monitoringAddr="+ports["monitoring"])
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	podName := dep.Name + "-e2e"
	for _, e := range container.Env {
		v := e.Value
		if f := e.ValueFrom; f != nil {
			switch {
			case f.FieldRef != nil:
				v = map[string]string{
					"metadata.name":           podName,
					"metadata.namespace":      dep.Namespace,
					"spec.serviceAccountName": sa,
					"spec.nodeName":           "e2e-node",
					"status.podIP":            "127.0.0.1",
					"status.hostIP":           "127.0.0.1",
				}[f.FieldRef.FieldPath]
			case f.ResourceFieldRef != nil && f.ResourceFieldRef.Resource == "limits.cpu":
				v = "2"
			default:
				continue // memory limits, secrets: not needed on loopback
			}
		}
		if e.Name == "KUBECONFIG" {
			v = kubeconfig
		}
		env = append(env, e.Name+"="+v)
	}
	env = append(env, "KUBECONFIG="+kubeconfig)
	logPath := filepath.Join(workDir, "istiod.log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(log, "starting istiod (%s/%s as ServiceAccount %s), log %s\n", dep.Namespace, dep.Name, sa, logPath)
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	ist := &Istiod{cmd: cmd, done: make(chan struct{}), LogPath: logPath, HTTPAddr: ports["http"], HTTPSAddr: ports["https"], GRPCAddr: ports["grpc"], Namespace: dep.Namespace, Name: dep.Name}
	go func() { _ = cmd.Wait(); lf.Close(); close(ist.done) }()

	// The webhook Services (port 443 -> targetPort 15017) lead to istiod's https port.
	for _, s := range svcs {
		if !selects(s.Spec.Selector, dep.Spec.Template.Labels) {
			continue
		}
		for _, p := range s.Spec.Ports {
			target := p.TargetPort.IntValue()
			if target == 0 {
				target = int(p.Port)
			}
			local := map[int]string{15017: ports["https"], 15010: ports["grpc"], 15012: ports["securegrpc"], 15014: ports["monitoring"], 8080: ports["http"]}[target]
			if local == "" {
				continue
			}
			// kube-apiserver dials a webhook Service at its ClusterIP.
			proxy.Route(fmt.Sprintf("%s.%s.svc:%d", s.Name, s.Namespace, p.Port), local)
			if live, err := c.Kube.CoreV1().Services(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{}); err == nil && live.Spec.ClusterIP != "" {
				proxy.Route(net.JoinHostPort(live.Spec.ClusterIP, strconv.Itoa(int(p.Port))), local)
			}
		}
	}

	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-ist.done:
			return nil, fmt.Errorf("istiod exited: %s", tail(logPath, 20))
		default:
		}
		resp, err := http.Get("http://" + ports["http"] + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return ist, nil
			}
		}
		if time.Now().After(deadline) {
			ist.Stop()
			return nil, fmt.Errorf("istiod not ready after 90s: %s", tail(logPath, 20))
		}
		select {
		case <-ctx.Done():
			ist.Stop()
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Revision is the istiod Deployment's istio.io/rev label ("default" without one), what
// `istioctl analyze --revision` selects.
func (i *Istiod) Revision(ctx context.Context, c *Cluster) string {
	dep, err := c.Kube.AppsV1().Deployments(i.Namespace).Get(ctx, i.Name, metav1.GetOptions{})
	if err == nil {
		if rev := dep.Labels["istio.io/rev"]; rev != "" {
			return rev
		}
	}
	return "default"
}

// Stop terminates istiod (SIGTERM, then SIGKILL after 15s).
func (i *Istiod) Stop() {
	if i == nil || i.cmd.Process == nil {
		return
	}
	_ = i.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-i.done:
	case <-time.After(15 * time.Second):
		_ = i.cmd.Process.Kill()
		<-i.done
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func impersonatingKubeconfig(src, dst, namespace, sa string) error {
	cfg, err := clientcmd.LoadFromFile(src)
	if err != nil {
		return err
	}
	for _, a := range cfg.AuthInfos {
		a.Impersonate = "system:serviceaccount:" + namespace + ":" + sa
		a.ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"}
	}
	return clientcmd.WriteToFile(*cfg, dst)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
