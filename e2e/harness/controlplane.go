package harness

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// The controllers that make pods out of the tree's workloads, as in a cluster: the
// kube-scheduler and kube-controller-manager built from the same k8s.io/kubernetes module
// as kube-apiserver.
//
// kube-controller-manager runs every controller it enables by default except the node
// lifecycle controller. No kubelet runs here, so nothing renews the Nodes' leases or
// posts their status: the node lifecycle controller would mark every Node Unknown after
// its grace period (50 s), taint it node.kubernetes.io/unreachable and have the taint
// eviction controller delete the pods the scheduler placed. Faking kubelet heartbeats
// would only exercise that controller against a harness that pretends; disabling it keeps
// the Nodes exactly as layer 1 registered them (Ready, with the pool's taints) for the
// whole run, which is what the scheduling checks need. The one thing that controller does
// for a healthy node, removing the node.kubernetes.io/not-ready taint the apiserver's
// TaintNodesByCondition admission puts on every new Node, the harness does when it
// registers the Nodes (createNode).
const controllerManagerControllers = "*,-node-lifecycle-controller"

// component is a control-plane process on loopback: its log goes to a file in the tree's
// work dir, and it is killed with the harness.
type component struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{}
	LogPath string
}

// StartScheduler runs kube-scheduler against the cluster (default profile) and waits
// until its /healthz answers.
func StartScheduler(ctx context.Context, bins *Binaries, c *Cluster, workDir string, log io.Writer) (*component, error) {
	return startComponent(ctx, "kube-scheduler", bins.Scheduler, c, workDir, log, nil)
}

// StartControllerManager runs kube-controller-manager: the Deployment, ReplicaSet,
// DaemonSet, HorizontalPodAutoscaler, disruption (PDB) and garbage-collector controllers
// among the defaults, without the node lifecycle controller (see above). The HPA syncs
// every 5 s instead of 15 s so that its first scale to minReplicas comes quickly.
func StartControllerManager(ctx context.Context, bins *Binaries, c *Cluster, workDir string, log io.Writer) (*component, error) {
	return startComponent(ctx, "kube-controller-manager", bins.ControllerMgr, c, workDir, log, []string{
		"--controllers=" + controllerManagerControllers,
		"--use-service-account-credentials=false",
		"--horizontal-pod-autoscaler-sync-period=5s",
	})
}

// componentArgs are the flags both components take: the admin kubeconfig for the
// apiserver and for delegated authentication/authorization of their own endpoint, no
// leader election (one replica), and a loopback secure port with a self-signed
// certificate in certDir (only /healthz is asked, an always-allowed path).
func componentArgs(kubeconfig, certDir string, port int) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + certDir,
	}
}

func startComponent(ctx context.Context, name, bin string, c *Cluster, workDir string, log io.Writer, extra []string) (*component, error) {
	if bin == "" {
		return nil, fmt.Errorf("%s: no binary built", name)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	certDir := filepath.Join(workDir, name)
	if err := os.MkdirAll(certDir, 0o755); err != nil {
		return nil, err
	}
	args := append(componentArgs(c.KubeconfigPath, certDir, port), extra...)
	logPath := filepath.Join(workDir, name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = workDir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + workDir}
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(log, "starting %s %v, log %s\n", name, args, logPath)
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &component{name: name, cmd: cmd, done: make(chan struct{}), LogPath: logPath}
	go func() { _ = cmd.Wait(); lf.Close(); close(p.done) }()

	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // its own self-signed serving certificate, on loopback
	}}
	url := fmt.Sprintf("https://127.0.0.1:%d/healthz", port)
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited: %s", name, tail(logPath, 20))
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("%s not healthy after 90s: %s", name, tail(logPath, 20))
		}
		select {
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// Stop terminates the process (SIGTERM, then SIGKILL after 10 s). A nil component is a no-op.
func (p *component) Stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
