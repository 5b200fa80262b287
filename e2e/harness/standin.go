package harness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// StandIn answers admission webhooks of controllers the harness does not run (e.g.
// cert-manager's webhook, rendered by the cert-manager chart): it allows every request,
// as a webhook that accepts the object would. The objects still go through the apiserver's
// strict schema validation of the controller's CRDs; only the controller's own extra
// checks are not made. Like cert-manager's cainjector, the harness writes the stand-in's CA
// into the webhook configuration's caBundle.
type StandIn struct {
	mu     sync.Mutex
	caPEM  []byte
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	ln     net.Listener
	certs  map[string]*tls.Certificate
	hosts  map[string]bool // Service host:port the stand-in answers
}

func (s *StandIn) serves(host string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts[host]
}

func (s *StandIn) serve(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[host] = true
}

// NewStandIn starts the allow-all webhook server on loopback.
func NewStandIn() (*StandIn, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "krm-gen e2e webhook stand-in CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(der)
	s := &StandIn{caCert: ca, caKey: key, certs: map[string]*tls.Certificate{}, hosts: map[string]bool{},
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = tls.NewListener(ln, &tls.Config{GetCertificate: s.certFor})
	srv := &http.Server{Handler: http.HandlerFunc(allowAll), ErrorLog: log.New(io.Discard, "", 0), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(s.ln) }()
	return s, nil
}

// Addr is the stand-in's loopback address.
func (s *StandIn) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *StandIn) Close() {
	if s != nil {
		_ = s.ln.Close()
	}
}

// certFor issues a serving certificate for the Service name the apiserver asks for.
func (s *StandIn) certFor(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := hello.ServerName
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.certs[name]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.caCert, &key.PublicKey, s.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	s.certs[name] = c
	return c, nil
}

func allowAll(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	review.Response = &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
	review.Request = nil
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}

// standInWebhooks finds, among the objects of one Application, the webhooks served by a
// Deployment of that same Application that nothing runs (istiod is run for real), routes
// them to the stand-in and injects its CA. It returns what it stood in for.
func standInWebhooks(ctx context.Context, c *Cluster, s *StandIn, proxy *ServiceProxy, objs []Object) ([]string, error) {
	services := map[string]Object{}
	var deployments []Object
	for _, o := range objs {
		switch o.GetKind() {
		case "Service":
			services[o.GetNamespace()+"/"+o.GetName()] = o
		case "Deployment":
			deployments = append(deployments, o)
		}
	}
	backed := func(svc Object) bool {
		sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
		for _, d := range deployments {
			labels, _, _ := unstructured.NestedStringMap(d.Object, "spec", "template", "metadata", "labels")
			if d.GetNamespace() == svc.GetNamespace() && selects(sel, labels) {
				return true
			}
		}
		return false
	}
	var done []string
	for _, o := range objs {
		kind := o.GetKind()
		if kind != "ValidatingWebhookConfiguration" && kind != "MutatingWebhookConfiguration" {
			continue
		}
		gvk := schema.GroupVersionKind{Group: "admissionregistration.k8s.io", Version: "v1", Kind: kind}
		live, err := c.Get(ctx, gvk, "", o.GetName())
		if err != nil || live == nil {
			return done, fmt.Errorf("%s: %v", o.ID(), err)
		}
		hooks, _, _ := unstructured.NestedSlice(live.Object, "webhooks")
		changed := false
		for i, h := range hooks {
			hm, _ := h.(map[string]any)
			svc, ok, _ := unstructured.NestedMap(hm, "clientConfig", "service")
			if !ok {
				continue
			}
			ns, _ := svc["namespace"].(string)
			name, _ := svc["name"].(string)
			port := int64(443)
			if p, ok := svc["port"].(int64); ok {
				port = p
			}
			host := fmt.Sprintf("%s.%s.svc:%d", name, ns, port)
			so, ok := services[ns+"/"+name]
			if !ok || !backed(so) {
				continue
			}
			if !s.serves(host) {
				if proxy.Has(host) {
					continue // served for real (istiod)
				}
				s.serve(host)
				proxy.Route(host, s.Addr())
				if ls, err := c.Kube.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{}); err == nil && ls.Spec.ClusterIP != "" {
					proxy.Route(net.JoinHostPort(ls.Spec.ClusterIP, strconv.FormatInt(port, 10)), s.Addr())
				}
			}
			hm["clientConfig"].(map[string]any)["caBundle"] = s.caBundleB64() // base64 in JSON
			hooks[i] = hm
			changed = true
			done = append(done, fmt.Sprintf("%s webhook %v (Service %s/%s)", o.ID(), hm["name"], ns, name))
		}
		if !changed {
			continue
		}
		_ = unstructured.SetNestedSlice(live.Object, hooks, "webhooks")
		ri, _, err := c.Resource(ctx, gvk, "")
		if err != nil {
			return done, err
		}
		if _, err := ri.Update(ctx, live, metav1.UpdateOptions{FieldManager: "e2e-cainjector"}); err != nil {
			return done, fmt.Errorf("injecting the stand-in CA into %s: %w", o.ID(), err)
		}
	}
	return done, nil
}

func (s *StandIn) caBundleB64() string {
	b, _ := json.Marshal(s.caPEM) // []byte marshals as base64
	return strings.Trim(string(b), `"`)
}
