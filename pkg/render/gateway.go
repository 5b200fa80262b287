package render

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Annotations of the gateway Service (AWS Load Balancer Controller, Azure), and Istio's ports.
const (
	awsPrefix          = "service.beta.kubernetes.io/aws-load-balancer-"
	annotationAzureILB = "service.beta.kubernetes.io/azure-load-balancer-internal"
	istioStatusPort    = "15021"
	istioReadinessPath = "/healthz/ready"
)

func gateway(m *model.Model, t *Tree) error {
	params, err := gatewayParameters(m)
	if err != nil {
		return err
	}
	t.add(DirGateway+"/gateway.yaml", params, gatewayObj(m))
	if m.Provider == schema.ProviderEKS && m.Gateway.LoadBalancer.Mode == schema.ModeTargetGroupBinding {
		t.add(DirGateway+"/target-group-binding.yaml", targetGroupBinding(m, m.Gateway.Name, m.Gateway.LoadBalancer.TargetGroupARN, m.Gateway.LoadBalancer.TargetGroupName))
		if g := m.Gateway.GRPCTargetGroup; g != "" {
			t.add(DirGateway+"/target-group-binding.yaml", targetGroupBinding(m, m.Gateway.Name+"-grpc", "", g))
		}
	}
	if c := m.Gateway.Certificate; c != nil {
		objs := []any{certificate(m, c)}
		if c.SelfSigned {
			objs = append(objs, selfSignedIssuer(m, c))
		}
		t.add(DirGateway+"/certificate.yaml", objs...)
	}
	return nil
}

func allowedRoutes(m *model.Model) *gwv1.AllowedRoutes {
	from := gwv1.NamespacesFromSelector
	return &gwv1.AllowedRoutes{
		Namespaces: &gwv1.RouteNamespaces{
			From:     &from,
			Selector: &metav1LabelSelector{MatchLabels: map[string]string{model.LabelGatewayAccess: m.Gateway.Name}},
		},
		Kinds: routeKinds(m),
	}
}

// routeKinds are the route kinds the listeners admit: HTTPRoute, and GRPCRoute when the
// platform has gRPC routes.
func routeKinds(m *model.Model) []gwv1.RouteGroupKind {
	kinds := []gwv1.RouteGroupKind{{Group: ptr(gwv1.Group(gwv1.GroupName)), Kind: model.KindHTTPRoute}}
	if slices.ContainsFunc(m.Routes, func(r model.Route) bool { return r.Kind == model.KindGRPCRoute }) {
		kinds = append(kinds, gwv1.RouteGroupKind{Group: ptr(gwv1.Group(gwv1.GroupName)), Kind: model.KindGRPCRoute})
	}
	return kinds
}

func gatewayObj(m *model.Model) *gwv1.Gateway {
	g := m.Gateway
	obj := &gwv1.Gateway{
		TypeMeta:   typeMeta(gwv1.GroupVersion.String(), model.KindGateway),
		ObjectMeta: meta(m, g.Name, g.Namespace, nil),
		Spec: gwv1.GatewaySpec{
			GatewayClassName: model.GatewayClassName,
			Infrastructure: &gwv1.GatewayInfrastructure{
				ParametersRef: &gwv1.LocalParametersReference{Group: "", Kind: "ConfigMap", Name: g.ParamsName},
				Labels:        toLabelMap(g.Infrastructure.Labels),
				Annotations:   toAnnotationMap(g.Infrastructure.Annotations),
			},
		},
	}
	for _, l := range g.Listeners {
		gl := gwv1.Listener{Name: gwv1.SectionName(l.Name), Port: gwv1.PortNumber(l.Port), Protocol: gwv1.HTTPProtocolType, AllowedRoutes: allowedRoutes(m)}
		if l.Hostname != "" {
			gl.Hostname = ptr(gwv1.Hostname(l.Hostname))
		}
		if l.HTTPS {
			gl.Protocol = gwv1.HTTPSProtocolType
			ref := gwv1.SecretObjectReference{Group: ptr(gwv1.Group("")), Kind: ptr(gwv1.Kind(model.KindSecret)), Name: gwv1.ObjectName(l.TLS.Name)}
			if l.TLS.Namespace != g.Namespace {
				ref.Namespace = ptr(gwv1.Namespace(l.TLS.Namespace))
			}
			gl.TLS = &gwv1.ListenerTLSConfig{Mode: ptr(gwv1.TLSModeTerminate), CertificateRefs: []gwv1.SecretObjectReference{ref}}
		}
		obj.Spec.Listeners = append(obj.Spec.Listeners, gl)
	}
	return obj
}

// gatewayParameters is the gateway's parametersRef ConfigMap.
func gatewayParameters(m *model.Model) (*corev1.ConfigMap, error) {
	g := m.Gateway
	return parameters(m, proxy{
		gateway: g.Name, namespace: g.Namespace, configMap: g.ParamsName,
		placement: g.Placement, replicas: g.Replicas, maxReplicas: g.MaxReplicas, resources: g.Resources,
		service: gatewayServicePatch(m),
	})
}

// gatewayServicePatch is the provider's Service settings, or nil when Istio's defaults fit.
func gatewayServicePatch(m *model.Model) *corev1.Service {
	g := m.Gateway
	lb := g.LoadBalancer
	switch m.Provider {
	case schema.ProviderAKS:
		svc := &corev1.Service{Spec: corev1.ServiceSpec{
			// Azure probes the node port; with Cluster it reaches pods that answer 404.
			ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal,
		}}
		if lb.Scheme == schema.SchemeInternal {
			svc.Annotations = map[string]string{annotationAzureILB: "true"}
		}
		return svc
	default:
		if t := g.ServiceType(); t != "" {
			// Set here rather than with the Gateway annotation networking.istio.io/service-type:
			// istiod copies the Gateway's annotations onto every object it generates, where
			// istioctl analyze reports that one as misplaced (IST0107).
			return &corev1.Service{Spec: corev1.ServiceSpec{Type: t}}
		}
		a := map[string]string{
			awsPrefix + "type":                 "external",
			awsPrefix + "nlb-target-type":      "ip",
			awsPrefix + "scheme":               string(lb.Scheme),
			awsPrefix + "healthcheck-protocol": "HTTP",
			awsPrefix + "healthcheck-port":     istioStatusPort,
			awsPrefix + "healthcheck-path":     istioReadinessPath,
			awsPrefix + "attributes":           "load_balancing.cross_zone.enabled=true",
		}
		if len(lb.PrivateIPs) > 0 {
			subnets := make([]string, len(lb.PrivateIPs))
			ips := make([]string, len(lb.PrivateIPs))
			for i, p := range lb.PrivateIPs {
				subnets[i], ips[i] = p.Subnet, p.Address
			}
			a[awsPrefix+"subnets"] = strings.Join(subnets, ",")
			a[awsPrefix+"private-ipv4-addresses"] = strings.Join(ips, ",")
		}
		svc := &corev1.Service{}
		svc.Annotations = a
		return svc
	}
}

// targetGroupBinding binds the Terraform-made ALB target group to the gateway pods.
type targetGroupBindingObj struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              targetGroupBindingSpec `json:"spec"`
}

type targetGroupBindingSpec struct {
	ServiceRef      serviceRef `json:"serviceRef"`
	TargetGroupARN  string     `json:"targetGroupARN,omitempty"`
	TargetGroupName string     `json:"targetGroupName,omitempty"`
	TargetType      string     `json:"targetType"`
}

type serviceRef struct {
	Name string `json:"name"`
	Port int32  `json:"port"`
}

// targetGroupBinding binds a target group (by ARN or name) to the gateway's pods.
func targetGroupBinding(m *model.Model, name, arn, targetGroup string) *targetGroupBindingObj {
	g := m.Gateway
	// The ALB's target port: the HTTPS listener's, else the HTTP one's.
	port := g.HTTPSPort()
	if l := g.Listener(model.ListenerHTTP); port == 0 && l != nil {
		port = l.Port
	}
	om := meta(m, name, g.Namespace, nil)
	return &targetGroupBindingObj{
		TypeMeta:   metav1.TypeMeta{APIVersion: "elbv2.k8s.aws/v1beta1", Kind: "TargetGroupBinding"},
		ObjectMeta: om,
		Spec: targetGroupBindingSpec{
			ServiceRef:      serviceRef{Name: g.ServiceName, Port: port},
			TargetGroupARN:  arn,
			TargetGroupName: targetGroup,
			TargetType:      "ip",
		},
	}
}

// certificate asks cert-manager for the HTTPS listener's Secret.
type certificateObj struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              certificateSpec `json:"spec"`
}

type certificateSpec struct {
	SecretName string    `json:"secretName"`
	DNSNames   []string  `json:"dnsNames"`
	IssuerRef  issuerRef `json:"issuerRef"`
}

type issuerRef struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
}

type clusterIssuerObj struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		SelfSigned struct{} `json:"selfSigned"`
	} `json:"spec"`
}

func certificate(m *model.Model, c *model.Certificate) *certificateObj {
	om := meta(m, c.Secret.Name, c.Secret.Namespace, nil)
	return &certificateObj{
		TypeMeta:   metav1.TypeMeta{APIVersion: "cert-manager.io/v1", Kind: "Certificate"},
		ObjectMeta: om,
		Spec: certificateSpec{
			SecretName: c.Secret.Name, DNSNames: c.DNSNames,
			IssuerRef: issuerRef{Group: "cert-manager.io", Kind: "ClusterIssuer", Name: c.Issuer},
		},
	}
}

func selfSignedIssuer(m *model.Model, c *model.Certificate) *clusterIssuerObj {
	om := meta(m, c.Issuer, "", nil)
	return &clusterIssuerObj{
		TypeMeta:   metav1.TypeMeta{APIVersion: "cert-manager.io/v1", Kind: "ClusterIssuer"},
		ObjectMeta: om,
	}
}
