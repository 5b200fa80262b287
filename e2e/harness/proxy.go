package harness

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
)

// ServiceProxy is the HTTP CONNECT proxy kube-apiserver uses as its "cluster" egress (see
// StartCluster). There is no kube-proxy and no pod network here, so a webhook Service such
// as istiod.istio-system.svc:443 is mapped to the loopback address the process serving it
// (istiod, run by the harness) listens on. Unknown hosts are refused, as an unreachable
// Service would be.
type ServiceProxy struct {
	ln     net.Listener
	dir    string
	mu     sync.Mutex
	routes map[string]string // "name.namespace.svc:port" -> "127.0.0.1:port"
}

// StartServiceProxy listens on a unix socket (the apiserver's egress selector speaks
// plain HTTP CONNECT only over UDS; over TCP it insists on TLS).
func StartServiceProxy() (*ServiceProxy, error) {
	dir, err := os.MkdirTemp("", "e2e-px") // short: socket paths are limited to ~100 bytes
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "egress.sock"))
	if err != nil {
		return nil, err
	}
	p := &ServiceProxy{ln: ln, dir: dir, routes: map[string]string{}}
	go p.serve()
	return p, nil
}

// Socket is the path of the proxy's unix socket.
func (p *ServiceProxy) Socket() string { return p.ln.Addr().String() }

// Route maps a Service host:port (as the apiserver dials it) to a local address.
func (p *ServiceProxy) Route(serviceHostPort, local string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.routes[serviceHostPort] = local
}

// Has reports whether serviceHostPort is routed.
func (p *ServiceProxy) Has(serviceHostPort string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.routes[serviceHostPort]
	return ok
}

// Close stops the proxy.
func (p *ServiceProxy) Close() {
	_ = p.ln.Close()
	_ = os.RemoveAll(p.dir)
}

func (p *ServiceProxy) serve() {
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(conn)
	}
}

func (p *ServiceProxy) handle(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		fmt.Fprintf(conn, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
		return
	}
	p.mu.Lock()
	target, ok := p.routes[req.URL.Host] // CONNECT host:port (the Host header says 127.0.0.1)
	p.mu.Unlock()
	if !ok {
		fmt.Fprintf(conn, "HTTP/1.1 502 Bad Gateway\r\n\r\nno route to %s\n", req.URL.Host)
		return
	}
	up, err := net.Dial("tcp", target)
	if err != nil {
		fmt.Fprintf(conn, "HTTP/1.1 502 Bad Gateway\r\n\r\n%v\n", err)
		return
	}
	defer up.Close()
	fmt.Fprintf(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, up); done <- struct{}{} }()
	<-done
}
