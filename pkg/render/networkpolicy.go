package render

import (
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/krm-gen/krm-gen/pkg/model"
	"github.com/krm-gen/krm-gen/pkg/schema"
)

// NetworkPolicy facts of an ambient mesh (istio.io docs, ambient/usage/networkpolicy).
const (
	// HBONEPort is where ambient tunnels arrive at a pod, whatever the original port.
	HBONEPort = 15008
	// KubeletProbeSource is the address istio-cni SNATs the kubelet's probes of
	// ambient pods to, so a policy can admit them without admitting the node.
	KubeletProbeSource = "169.254.7.127/32"
	// istiodXDSPort is istiod's secure xDS port, which waypoints connect to.
	istiodXDSPort = 15012
	// proxyStatusPort is an Istio proxy's readiness port; the kubelet probes a
	// waypoint there from the node (waypoints are not in the ambient data plane).
	proxyStatusPort = 15021
	// DefaultDenyPolicy is the name of every app namespace's default-deny policy.
	DefaultDenyPolicy = "default-deny"

	labelNamespaceName = "kubernetes.io/metadata.name"
	kubeSystem         = "kube-system"
)

// dnsPods are the cluster DNS pods (CoreDNS keeps the kube-dns label on EKS and AKS).
var dnsPods = map[string]string{"k8s-app": "kube-dns"}

// networkPolicies are an app namespace's CNI-enforced policies, the second wall
// behind ztunnel's AuthorizationPolicies: everything is denied (ingress, and egress
// unless spec.security.networkPolicy.egress relaxes it), then allowed back is what the
// platform needs: the gateway and the namespace's own pods (HBONE and the apps'
// ports), the kubelet's probes, DNS, and per app its allowFrom callers and its egress.
func networkPolicies(m *model.Model, ns model.Namespace) []*networkingv1.NetworkPolicy {
	types := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	if m.EgressRestricted {
		types = append(types, networkingv1.PolicyTypeEgress)
	}
	deny := netpol(m, DefaultDenyPolicy, ns.Name, nil, types)

	apps := appsIn(m, ns.Name)
	ports := appPorts(apps...)
	platform := netpol(m, "allow-platform", ns.Name, nil, types)
	peers := []networkingv1.NetworkPolicyPeer{gatewayPeer(m), {PodSelector: &metav1.LabelSelector{}}}
	for i := range ns.MeshCallers { // other namespaces' waypoints whose mesh routes send here
		peers = append(peers, namespacePods(ns.MeshCallers[i].Namespace, waypointPods(&ns.MeshCallers[i])))
	}
	platform.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{
		{From: peers, Ports: ports},
		{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: KubeletProbeSource}}}},
	}
	if m.EgressRestricted {
		platform.Spec.Egress = append([]networkingv1.NetworkPolicyEgressRule{
			{To: []networkingv1.NetworkPolicyPeer{namespacePods(kubeSystem, dnsPods)}, Ports: []networkingv1.NetworkPolicyPort{tcpUDP(corev1.ProtocolUDP, 53), tcpUDP(corev1.ProtocolTCP, 53)}},
			{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}},
		}, calleeRules(m, ns.Name)...)
	}
	out := []*networkingv1.NetworkPolicy{deny, platform}
	if w := ns.Waypoint; w != nil {
		out = append(out, waypointNetpol(m, ns, w))
	}
	for _, a := range apps {
		if len(a.AllowFrom) > 0 {
			out = append(out, callersNetpol(m, a))
		}
		if len(a.Egress) > 0 && m.EgressRestricted {
			out = append(out, egressNetpol(m, a))
		}
	}
	return out
}

func netpol(m *model.Model, name, ns string, selector map[string]string, types []networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: meta(m, name, ns, nil),
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: selector}, PolicyTypes: types},
	}
}

func appsIn(m *model.Model, ns string) []model.App {
	var out []model.App
	for _, a := range m.Apps {
		if a.Namespace == ns {
			out = append(out, a)
		}
	}
	return out
}

// appPorts are the TCP ports an app's callers may use: HBONE and, for an inline app,
// its own ports (plain text arrives there under PERMISSIVE mTLS). nil (every port)
// for an external app, whose container ports krm-gen does not know.
func appPorts(apps ...model.App) []networkingv1.NetworkPolicyPort {
	numbers := []int32{HBONEPort}
	for _, a := range apps {
		if a.Inline == nil {
			return nil
		}
		for _, p := range a.Inline.Ports {
			numbers = append(numbers, p.Port)
		}
	}
	slices.Sort(numbers)
	var out []networkingv1.NetworkPolicyPort
	for _, n := range slices.Compact(numbers) {
		out = append(out, tcpUDP(corev1.ProtocolTCP, n))
	}
	return out
}

func tcpUDP(proto corev1.Protocol, port int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: ptr(proto), Port: ptr(intstr.FromInt32(port))}
}

func namespacePods(ns string, pods map[string]string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelNamespaceName: ns}},
		PodSelector:       &metav1.LabelSelector{MatchLabels: pods},
	}
}

// gatewayPeer is the ingress gateway's pods (istiod labels them with the Gateway's name).
func gatewayPeer(m *model.Model) networkingv1.NetworkPolicyPeer {
	return namespacePods(m.Gateway.Namespace, map[string]string{labelGatewayName: m.Gateway.Name})
}

// waypointPods selects the pods istiod generates for a namespace's waypoint.
func waypointPods(w *model.Waypoint) map[string]string {
	return map[string]string{labelGatewayName: w.Name}
}

// calleeTarget is where a caller's traffic to app a arrives: the app's pods, or the
// waypoint of its namespace (which then connects to the app from inside).
func calleeTarget(m *model.Model, a model.App) (selector map[string]string, ports []networkingv1.NetworkPolicyPort) {
	if w := m.Waypoint(a.Namespace); w != nil {
		return waypointPods(w), []networkingv1.NetworkPolicyPort{tcpUDP(corev1.ProtocolTCP, HBONEPort)}
	}
	return a.PodSelector, appPorts(a)
}

// calleeRules let namespace ns reach the apps that name it in allowFrom: the egress
// side of their callers policies.
func calleeRules(m *model.Model, ns string) []networkingv1.NetworkPolicyEgressRule {
	var out []networkingv1.NetworkPolicyEgressRule
	for _, a := range m.Apps {
		if a.Namespace == ns || !slices.ContainsFunc(a.AllowFrom, func(s schema.Source) bool { return s.Namespace == ns }) {
			continue
		}
		sel, ports := calleeTarget(m, a)
		out = append(out, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{namespacePods(a.Namespace, sel)}, Ports: ports})
	}
	return out
}

// callersNetpol admits an app's allowFrom sources where their traffic arrives. A
// NetworkPolicy cannot select a ServiceAccount: a source with one is admitted by its
// namespace here, and narrowed to the account by the AuthorizationPolicy.
func callersNetpol(m *model.Model, a model.App) *networkingv1.NetworkPolicy {
	sel, ports := calleeTarget(m, a)
	np := netpol(m, "allow-"+a.Name+"-callers", a.Namespace, sel, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
	np.Labels[model.LabelName] = a.Name
	rule := networkingv1.NetworkPolicyIngressRule{Ports: ports}
	for _, s := range a.AllowFrom {
		if s.Namespace != "" {
			rule.From = append(rule.From, networkingv1.NetworkPolicyPeer{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelNamespaceName: s.Namespace}},
			})
		}
		for _, b := range s.IPBlocks {
			rule.From = append(rule.From, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr(b)}})
		}
	}
	np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{rule}
	return np
}

// egressNetpol lets an app's pods reach the destinations it declares. Traffic to
// mesh pods leaves as HBONE on 15008, so a namespace destination with ports gets it too.
func egressNetpol(m *model.Model, a model.App) *networkingv1.NetworkPolicy {
	np := netpol(m, "allow-"+a.Name+"-egress", a.Namespace, a.PodSelector, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress})
	np.Labels[model.LabelName] = a.Name
	for _, d := range a.Egress {
		rule := networkingv1.NetworkPolicyEgressRule{}
		if d.Namespace != "" {
			rule.To = append(rule.To, networkingv1.NetworkPolicyPeer{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelNamespaceName: d.Namespace}},
			})
		}
		for _, b := range d.IPBlocks {
			rule.To = append(rule.To, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr(b)}})
		}
		numbers := slices.Clone(d.Ports)
		if len(numbers) > 0 && d.Namespace != "" {
			numbers = append(numbers, HBONEPort)
		}
		slices.Sort(numbers)
		for _, p := range slices.Compact(numbers) {
			rule.Ports = append(rule.Ports, tcpUDP(corev1.ProtocolTCP, p))
		}
		np.Spec.Egress = append(np.Spec.Egress, rule)
	}
	return np
}

// waypointNetpol is what a namespace's waypoint needs beyond the namespace-wide
// rules: the kubelet's readiness probes, which come from the node (waypoint pods are
// not in the ambient data plane, so istio-cni does not SNAT them), istiod's xDS, and
// the namespaces its mesh routes send traffic to.
func waypointNetpol(m *model.Model, ns model.Namespace, w *model.Waypoint) *networkingv1.NetworkPolicy {
	types := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	if m.EgressRestricted {
		types = append(types, networkingv1.PolicyTypeEgress)
	}
	np := netpol(m, "allow-"+w.Name, ns.Name, waypointPods(w), types)
	np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{tcpUDP(corev1.ProtocolTCP, proxyStatusPort)}}}
	if !m.EgressRestricted {
		return np
	}
	np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To:    []networkingv1.NetworkPolicyPeer{namespacePods(model.IstioSystemNamespace, map[string]string{"app": "istiod"})},
		Ports: []networkingv1.NetworkPolicyPort{tcpUDP(corev1.ProtocolTCP, istiodXDSPort)},
	}}
	var backends []string
	for i := range m.Routes {
		r := &m.Routes[i]
		if !r.Mesh || r.Namespace != ns.Name {
			continue
		}
		for _, b := range r.References() {
			if b.Namespace != ns.Name {
				backends = append(backends, b.Namespace)
			}
		}
	}
	slices.Sort(backends)
	for _, b := range slices.Compact(backends) {
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelNamespaceName: b}},
		}}})
	}
	return np
}

// cidr is an address or CIDR as a NetworkPolicy ipBlock (which takes CIDRs only).
func cidr(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()).String()
	}
	return s
}
