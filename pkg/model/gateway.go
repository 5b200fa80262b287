package model

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Listener names of the Gateway.
const (
	ListenerHTTP  = "http"
	ListenerHTTPS = "https"
)

// Defaults of the gateway's istio-proxy container.
var gatewayResourceDefaults = schema.Resources{
	Requests: map[string]string{"cpu": "100m", "memory": "128Mi"},
	Limits:   map[string]string{"cpu": "2", "memory": "1Gi"},
}

// Gateway is the resolved ingress gateway.
type Gateway struct {
	Name        string
	Namespace   string
	ServiceName string // <name>-istio: Istio's Deployment, Service and ServiceAccount
	Principal   string // SPIFFE identity of the gateway pods
	ParamsName  string // the parametersRef ConfigMap
	Placement   Placement
	Replicas    int32
	MaxReplicas int32 // > 0: a HorizontalPodAutoscaler owns the replica count
	Resources   corev1.ResourceRequirements
	Listeners   []Listener
	// RedirectToHTTPS sends every HTTP request but the health path to the HTTPS listener.
	RedirectToHTTPS bool
	LoadBalancer    schema.LoadBalancer
	Infrastructure  schema.Infrastructure
	Certificate     *Certificate // cert-manager issues the HTTPS listener's Secret
	// GRPCTargetGroup names the ALB's second, HTTP/2 target group (eks with gRPC
	// routes): the ALB forwards it the requests whose content-type is gRPC.
	GRPCTargetGroup string
}

// GRPCTargetGroupName is the name Terraform gives the ALB's gRPC target group for
// platform p whose default target group is named targetGroup ("" for Terraform's
// default <p>-gateway): that name cut to 27 characters, without a trailing hyphen,
// and "-grpc" (terraform/main.tf, local.grpc_target_group_name).
func GRPCTargetGroupName(p, targetGroup string) string {
	if targetGroup == "" {
		targetGroup = p + "-gateway"
	}
	return strings.TrimSuffix(targetGroup[:min(len(targetGroup), 27)], "-") + "-grpc"
}

// Listener is one listener of the Gateway.
type Listener struct {
	Name     string
	Port     int32
	HTTPS    bool
	Hostname string
	TLS      *SecretRef // HTTPS: the certificate Secret
}

// SecretRef names a Secret.
type SecretRef struct {
	Name      string
	Namespace string
}

// Certificate is what cert-manager issues for the HTTPS listener.
type Certificate struct {
	Secret     SecretRef
	DNSNames   []string // sorted
	Issuer     string   // the ClusterIssuer
	SelfSigned bool     // Issuer is rendered by krm-gen
}

// ServiceType returns the gateway Service's type Istio is asked for ("" for its default).
func (g *Gateway) ServiceType() corev1.ServiceType {
	if g.LoadBalancer.Mode == schema.ModeTargetGroupBinding {
		return corev1.ServiceTypeClusterIP // the ALB reaches the pods through a TargetGroupBinding
	}
	return ""
}

// Listener returns the listener named name, or nil.
func (g *Gateway) Listener(name string) *Listener {
	for i := range g.Listeners {
		if g.Listeners[i].Name == name {
			return &g.Listeners[i]
		}
	}
	return nil
}

// TLSSecrets are the certificate Secrets of the HTTPS listeners.
func (g *Gateway) TLSSecrets() []SecretRef {
	var out []SecretRef
	for _, l := range g.Listeners {
		if l.TLS != nil {
			out = append(out, *l.TLS)
		}
	}
	return out
}

// HTTPSPort is the port of the HTTPS listeners (0 without HTTPS).
func (g *Gateway) HTTPSPort() int32 {
	for _, l := range g.Listeners {
		if l.HTTPS {
			return l.Port
		}
	}
	return 0
}

// hostLabel turns a hostname into a name part: "*.shop.example.com" -> "wildcard-shop-example-com".
func hostLabel(h string) string {
	h = strings.Replace(h, "*", "wildcard", 1)
	return strings.ReplaceAll(h, ".", "-")
}

func gateway(p *schema.Platform, m *Model) Gateway {
	sg := p.Spec.Gateway
	g := Gateway{
		Name:            or(sg.Name, p.Metadata.Name+defaultGatewaySfx),
		Namespace:       sg.Namespace,
		Placement:       m.Pool(sg.NodePool).Placement,
		Replicas:        sg.Replicas,
		MaxReplicas:     sg.MaxReplicas,
		Resources:       requirements(sg.Resources, gatewayResourceDefaults),
		RedirectToHTTPS: sg.HTTP != nil && sg.HTTP.RedirectToHTTPS && sg.HTTPS != nil,
		LoadBalancer:    sg.LoadBalancer,
	}
	g.ServiceName = g.Name + gatewaySuffix
	g.Principal = fmt.Sprintf("cluster.local/ns/%s/sa/%s", g.Namespace, g.ServiceName)
	g.ParamsName = g.Name + paramsSuffix
	if sg.Infrastructure != nil {
		g.Infrastructure = *sg.Infrastructure
	}
	if h := sg.HTTP; h != nil {
		g.Listeners = append(g.Listeners, Listener{Name: ListenerHTTP, Port: h.Port, Hostname: sg.Hostname})
	}
	if h := sg.HTTPS; h != nil && len(h.Certificates) > 0 {
		// The gateway faces clients: one listener per hostname, chosen by SNI.
		for _, c := range h.Certificates {
			secret := SecretRef{Name: c.Secret, Namespace: or(c.Namespace, g.Namespace)}
			g.Listeners = append(g.Listeners, Listener{Name: ListenerHTTPS + "-" + hostLabel(c.Hostname), Port: h.Port, HTTPS: true, Hostname: c.Hostname, TLS: &secret})
		}
	} else if h != nil {
		secret := SecretRef{Name: or(h.CertificateSecret, g.Name+defaultSecretSuffix), Namespace: or(h.CertificateNamespace, g.Namespace)}
		g.Listeners = append(g.Listeners, Listener{Name: ListenerHTTPS, Port: h.Port, HTTPS: true, Hostname: sg.Hostname, TLS: &secret})
		if c := h.Certificate; c != nil {
			cert := &Certificate{Secret: secret, DNSNames: append([]string(nil), c.DNSNames...), Issuer: c.Issuer}
			if len(cert.DNSNames) == 0 && sg.Hostname != "" {
				cert.DNSNames = []string{sg.Hostname}
			}
			sort.Strings(cert.DNSNames)
			if c.Issuer == schema.IssuerSelfSigned {
				cert.Issuer, cert.SelfSigned = m.SelfSignedIssuer(), true
			}
			g.Certificate = cert
		}
	}
	return g
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
