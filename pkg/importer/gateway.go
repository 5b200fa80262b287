package importer

import (
	"maps"
	"net/netip"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Istio's gateway classes.
const (
	classIstio    = "istio"
	classWaypoint = "istio-waypoint"
	awsPrefix     = "service.beta.kubernetes.io/aws-load-balancer-"
	azureILB      = "service.beta.kubernetes.io/azure-load-balancer-internal"
	serviceType   = "networking.istio.io/service-type"
)

// gatewayDefaults are the istio-proxy resources krm-gen sets when the spec says none.
var gatewayDefaults = schema.Resources{
	Requests: map[string]string{"cpu": "100m", "memory": "128Mi"},
	Limits:   map[string]string{"cpu": "2", "memory": "1Gi"},
}

// waypointDefaults are the waypoints' istio-proxy resources krm-gen sets by default.
var waypointDefaults = schema.Resources{
	Requests: map[string]string{"cpu": "100m", "memory": "128Mi"},
	Limits:   map[string]string{"cpu": "1", "memory": "512Mi"},
}

// proxyParams is what a Gateway's parametersRef ConfigMap says.
type proxyParams struct {
	pool        string
	replicas    int32
	maxReplicas int32
	resources   *schema.Resources // against the gateway's defaults
	raw         corev1.ResourceRequirements
	service     *corev1.Service
}

// gatewayObjects are the Gateways of the input, ingress and waypoints apart.
func (b *builder) gatewayObjects() (ingress, waypoints []*Object) {
	for _, o := range b.ofKind("Gateway") {
		if o.Group() != gwv1.GroupName {
			continue
		}
		if str(lookup(o.Raw, "spec", "gatewayClassName")) == classWaypoint {
			waypoints = append(waypoints, o)
		} else {
			ingress = append(ingress, o)
		}
	}
	return ingress, waypoints
}

// gateway reads the one ingress Gateway: listeners, TLS, placement, load balancer.
func (b *builder) gateway() {
	ingress, _ := b.gatewayObjects()
	switch len(ingress) {
	case 0:
		b.res.Problems = append(b.res.Problems, Problem{Message: "no Gateway (gateway.networking.k8s.io) in the input: a platform has one ingress gateway"})
		return
	case 1:
	default:
		for _, o := range ingress[1:] {
			b.problem(o, "a second Gateway (the first is %s at %s:%d): a platform has one ingress gateway; import each separately", ingress[0].Ref(), ingress[0].File, ingress[0].Line)
		}
		return
	}
	o := ingress[0]
	o.used = true
	var gw gwv1.Gateway
	if err := o.decodeInto(&gw); err != nil {
		b.problem(o, "cannot be read as a Gateway: %v", err)
		return
	}
	g := &b.p.Spec.Gateway
	g.Name, g.Namespace = gw.Name, gw.Namespace
	if gw.Spec.GatewayClassName != classIstio {
		b.lose(o, "spec.gatewayClassName", "class %q: krm-gen renders class istio (Istio's gateway controller)", gw.Spec.GatewayClassName)
	}
	b.listeners(o, &gw)
	if inf := gw.Spec.Infrastructure; inf != nil {
		if len(inf.Labels) > 0 || len(inf.Annotations) > 0 {
			g.Infrastructure = &schema.Infrastructure{}
			for k, v := range inf.Labels {
				if g.Infrastructure.Labels == nil {
					g.Infrastructure.Labels = map[string]string{}
				}
				g.Infrastructure.Labels[string(k)] = string(v)
			}
			for k, v := range inf.Annotations {
				if g.Infrastructure.Annotations == nil {
					g.Infrastructure.Annotations = map[string]string{}
				}
				g.Infrastructure.Annotations[string(k)] = string(v)
			}
		}
		if ref := inf.ParametersRef; ref != nil {
			if pp := b.params(o, string(ref.Kind), gw.Namespace, ref.Name); pp != nil {
				g.NodePool, g.Replicas, g.MaxReplicas, g.Resources = pp.pool, pp.replicas, pp.maxReplicas, pp.resources
				b.loadBalancer(pp.service)
			}
		}
	}
	if g.NodePool == "" && g.Infrastructure != nil && len(g.Infrastructure.Labels) > 0 {
		g.NodePool = b.pools.pool(g.Infrastructure.Labels, nil)
		b.res.Notes["spec.gateway.nodePool"] = "read from spec.infrastructure.labels, which only copy metadata: krm-gen places the pods through parametersRef"
		b.differ("%s: its pods are placed on pool %s through infrastructure.parametersRef (nodeSelector %v); infrastructure.labels alone never placed them", o.Ref(), g.NodePool, g.Infrastructure.Labels)
	}
	if gw.Spec.Infrastructure == nil || gw.Spec.Infrastructure.ParametersRef == nil {
		b.differ("%s: gets a parametersRef ConfigMap %s-params (resources, zone spread, PodDisruptionBudget when replicas > 1, the load balancer's Service annotations)", o.Ref(), gw.Name)
	}
	if g.Replicas == 2 {
		g.Replicas = 0 // the default
	}
	if t := gw.Annotations[serviceType]; t == string(corev1.ServiceTypeClusterIP) {
		g.LoadBalancer.Mode = schema.ModeTargetGroupBinding
	}
	b.targetGroupBinding()
}

// listeners maps the Gateway's listeners to the spec's http and https.
func (b *builder) listeners(o *Object, gw *gwv1.Gateway) {
	g := &b.p.Spec.Gateway
	var certs []schema.ListenerCertificate
	for i, l := range gw.Spec.Listeners {
		f := "spec.listeners[" + itoa(i) + "]"
		if l.AllowedRoutes != nil && l.AllowedRoutes.Namespaces != nil && l.AllowedRoutes.Namespaces.From != nil && *l.AllowedRoutes.Namespaces.From != gwv1.NamespacesFromSelector {
			b.differ("%s listener %s: accepts routes only from namespaces labelled krm-gen.dev/gateway: %s (was from: %s); krm-gen labels the namespaces holding its routes", o.Ref(), l.Name, gw.Name, *l.AllowedRoutes.Namespaces.From)
		}
		host := ""
		if l.Hostname != nil {
			host = string(*l.Hostname)
		}
		switch l.Protocol {
		case gwv1.HTTPProtocolType:
			if g.HTTP != nil {
				b.lose(o, f, "a second HTTP listener: the spec has one")
				continue
			}
			g.HTTP = &schema.HTTPListener{Port: int32(l.Port)}
			if l.Port == 80 {
				g.HTTP.Port = 0
			}
			if host != "" {
				g.Hostname = host
			}
		case gwv1.HTTPSProtocolType:
			if l.TLS == nil || len(l.TLS.CertificateRefs) == 0 {
				b.lose(o, f+".tls", "an HTTPS listener without a certificate")
				continue
			}
			if len(l.TLS.CertificateRefs) > 1 {
				b.lose(o, f+".tls.certificateRefs", "only the first certificate is kept")
			}
			ref := l.TLS.CertificateRefs[0]
			ns := ""
			if ref.Namespace != nil && string(*ref.Namespace) != gw.Namespace {
				ns = string(*ref.Namespace)
			}
			if g.HTTPS == nil {
				g.HTTPS = &schema.HTTPSListener{Port: int32(l.Port)}
				if l.Port == 443 {
					g.HTTPS.Port = 0
				}
			}
			certs = append(certs, schema.ListenerCertificate{Hostname: host, Secret: string(ref.Name), Namespace: ns})
		default:
			b.lose(o, f, "listener %s: protocol %s is not rendered (HTTP and HTTPS only)", l.Name, l.Protocol)
		}
	}
	switch {
	case len(certs) == 1:
		c := certs[0]
		g.HTTPS.CertificateSecret, g.HTTPS.CertificateNamespace = c.Secret, c.Namespace
		if c.Hostname != "" {
			g.Hostname = c.Hostname
		}
	case len(certs) > 1:
		g.HTTPS.Certificates = certs
	}
	if g.HTTP == nil && g.HTTPS == nil {
		b.problem(o, "no HTTP or HTTPS listener: the gateway needs one")
	}
	b.certificate()
}

// params reads a parametersRef ConfigMap's patches.
func (b *builder) params(gwObj *Object, kind, ns, name string) *proxyParams {
	o := b.find("ConfigMap", ns, name)
	if kind != "ConfigMap" || o == nil {
		b.lose(gwObj, "spec.infrastructure.parametersRef", "%s %s/%s is not in the input: its settings are not carried over", kind, ns, name)
		return nil
	}
	o.used = true
	var cm corev1.ConfigMap
	if err := o.decodeInto(&cm); err != nil {
		b.lose(o, "", "cannot be read: %v", err)
		return nil
	}
	pp := &proxyParams{}
	for k := range cm.Data {
		switch k {
		case "deployment", "service", "horizontalPodAutoscaler", "podDisruptionBudget", "serviceAccount":
		default:
			b.lose(o, joinKey("data", k), "not a key Istio reads (deployment, service, serviceAccount, horizontalPodAutoscaler, podDisruptionBudget)")
		}
	}
	if s := cm.Data["deployment"]; s != "" {
		var d appsv1.Deployment
		if err := sigsyaml.Unmarshal([]byte(s), &d); err != nil {
			b.lose(o, "data.deployment", "not a Deployment patch: %v", err)
		} else {
			pod := d.Spec.Template.Spec
			pp.pool = b.pools.pool(pod.NodeSelector, pod.Tolerations)
			if d.Spec.Replicas != nil {
				pp.replicas = *d.Spec.Replicas
			}
			for _, c := range pod.Containers {
				if c.Name == "istio-proxy" {
					pp.resources, pp.raw = resourcesOf(c.Resources, gatewayDefaults), c.Resources
				}
			}
		}
	}
	if s := cm.Data["horizontalPodAutoscaler"]; s != "" {
		var h autoscalingv2.HorizontalPodAutoscaler
		if err := sigsyaml.Unmarshal([]byte(s), &h); err != nil {
			b.lose(o, "data.horizontalPodAutoscaler", "not an HPA patch: %v", err)
		} else {
			pp.maxReplicas = h.Spec.MaxReplicas
			if h.Spec.MinReplicas != nil {
				pp.replicas = *h.Spec.MinReplicas
			}
		}
	}
	if s := cm.Data["service"]; s != "" {
		var svc corev1.Service
		if err := sigsyaml.Unmarshal([]byte(s), &svc); err != nil {
			b.lose(o, "data.service", "not a Service patch: %v", err)
		} else {
			pp.service = &svc
		}
	}
	return pp
}

// loadBalancer reads the provider and load balancer from the gateway Service patch.
func (b *builder) loadBalancer(svc *corev1.Service) {
	if svc == nil {
		return
	}
	s := &b.p.Spec
	lb := &s.Gateway.LoadBalancer
	a := svc.Annotations
	if _, ok := a[azureILB]; ok || svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal {
		s.Provider = schema.ProviderAKS
		if a[azureILB] != "true" {
			lb.Scheme = schema.SchemeInternetFacing
		}
		return
	}
	if v := a[awsPrefix+"scheme"]; v == string(schema.SchemeInternetFacing) {
		lb.Scheme = schema.SchemeInternetFacing
	}
	subnets := splitList(a[awsPrefix+"subnets"])
	ips := splitList(a[awsPrefix+"private-ipv4-addresses"])
	for i := range min(len(subnets), len(ips)) {
		lb.PrivateIPs = append(lb.PrivateIPs, schema.PrivateIP{Subnet: subnets[i], Address: ips[i]})
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// network sets the VPC CIDR when pinned NLB addresses fall outside the default.
func (b *builder) network() {
	s := &b.p.Spec
	ips := s.Gateway.LoadBalancer.PrivateIPs
	if len(ips) == 0 || s.Provider == schema.ProviderAKS {
		return
	}
	def := netip.MustParsePrefix(schema.DefaultVPCCIDR)
	a, err := netip.ParseAddr(ips[0].Address)
	if err != nil || def.Contains(a) {
		return
	}
	p, _ := a.Prefix(16)
	s.Network.VPCCIDR = p.String()
	b.res.Notes["spec.network"] = "the /16 around the pinned NLB addresses: check it against your VPC"
}

// targetGroupBinding reads the ALB target group of targetGroupBinding mode.
func (b *builder) targetGroupBinding() {
	lb := &b.p.Spec.Gateway.LoadBalancer
	for _, o := range b.ofKind("TargetGroupBinding") {
		o.used = true
		lb.Mode = schema.ModeTargetGroupBinding
		lb.TargetGroupARN = str(lookup(o.Raw, "spec", "targetGroupARN"))
		lb.TargetGroupName = str(lookup(o.Raw, "spec", "targetGroupName"))
	}
}

// certificate reads a cert-manager Certificate for the HTTPS listener's Secret.
func (b *builder) certificate() {
	h := b.p.Spec.Gateway.HTTPS
	if h == nil {
		return
	}
	for _, o := range b.ofKind("Certificate") {
		if str(lookup(o.Raw, "spec", "secretName")) != h.CertificateSecret {
			continue
		}
		o.used = true
		c := &schema.Certificate{Issuer: str(lookup(o.Raw, "spec", "issuerRef", "name"))}
		if iss := b.find("ClusterIssuer", "", c.Issuer); iss != nil {
			iss.used = true
			if lookup(iss.Raw, "spec", "selfSigned") != nil {
				c.Issuer = schema.IssuerSelfSigned
			}
		}
		if l, ok := lookup(o.Raw, "spec", "dnsNames").([]any); ok {
			for _, d := range l {
				c.DNSNames = append(c.DNSNames, str(d))
			}
		}
		h.Certificate = c
	}
}

// resourcesOf is a container's resources as the spec writes them: nil when they are
// krm-gen's defaults.
func resourcesOf(r corev1.ResourceRequirements, def schema.Resources) *schema.Resources {
	out := schema.Resources{Requests: quantities(r.Requests), Limits: quantities(r.Limits)}
	if maps.EqualFunc(out.Requests, def.Requests, sameQuantity) && maps.EqualFunc(out.Limits, def.Limits, sameQuantity) {
		return nil
	}
	if len(out.Requests) == 0 && len(out.Limits) == 0 {
		return nil
	}
	return &out
}

func sameQuantity(a, b string) bool {
	qa, e1 := resource.ParseQuantity(a)
	qb, e2 := resource.ParseQuantity(b)
	return e1 == nil && e2 == nil && qa.Cmp(qb) == 0
}

func quantities(l corev1.ResourceList) map[string]string {
	if len(l) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range l {
		out[string(k)] = v.String()
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// gatewayOutOfApps moves a gateway that shares a namespace with apps (Bookinfo's
// style) to its own: gateway pods are outside the mesh, their namespace unpoliced.
func (b *builder) gatewayOutOfApps() {
	g := &b.p.Spec.Gateway
	shared := false
	for _, a := range b.p.Spec.Apps {
		shared = shared || a.Namespace == g.Namespace
	}
	if !shared {
		return
	}
	ns := schema.DefaultGatewayNamespace
	ingress, _ := b.gatewayObjects()
	o := ingress[0]
	o.renamed = "Gateway " + ns + "/" + g.Name
	b.differ("%s: moved to namespace %s: its pods are outside the mesh, so krm-gen keeps them out of the apps' namespaces (routes in %s get a ReferenceGrant where they cross namespaces)", o.Ref(), ns, g.Namespace)
	g.Namespace = ns
	b.res.Notes["spec.gateway.namespace"] = "moved out of the apps' namespace " + o.Namespace
}
