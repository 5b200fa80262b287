package schema

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/blang/semver/v4"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits of the Kubernetes and Gateway API objects krm-gen derives names and fields for.
const (
	maxNameLength          = 63   // DNS-1123 label, label values, Service names
	maxPathLength          = 1024 // Gateway API HTTPPathMatch.value
	maxHostnames           = 16   // HTTPRoute.spec.hostnames
	maxInfraLabels         = 8    // Gateway.spec.infrastructure.labels
	maxInfraAnnotationsOld = 8    // Gateway.spec.infrastructure.annotations before v1.6
	maxInfraAnnotations    = 16   // Gateway.spec.infrastructure.annotations from v1.6
	maxTargetGroupName     = 32   // AWS target group names
)

// reservedNamespaces must not be managed (labelled, policed) by a platform spec.
var reservedNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "default", "istio-system", "cert-manager"}

// Ports Istio and ztunnel use inside gateway and mesh pods: a listener or app on one
// of them collides (15021 is the gateway Service's status port, added by Istio).
var reservedPorts = map[int32]string{
	15000: "Envoy admin", 15001: "Envoy outbound", 15006: "Envoy inbound", 15008: "HBONE (ztunnel)",
	15020: "Istio merged metrics", 15021: "Istio health status", 15053: "Istio DNS", 15090: "Envoy Prometheus",
}

// Validate checks a defaulted spec and returns errors (rendering must stop) and
// warnings (risky but legal choices).
func (p *Platform) Validate() (errs, warns field.ErrorList) {
	v := &validator{p: p}
	v.platform()
	return v.errs, v.warns
}

type validator struct {
	p     *Platform
	errs  field.ErrorList
	warns field.ErrorList
}

func (v *validator) add(e *field.Error) { v.errs = append(v.errs, e) }

// enum adds e, a checkEnum result, when it is a problem, and reports whether it was not.
func (v *validator) enum(e *field.Error) bool {
	if e != nil {
		v.add(e)
	}
	return e == nil
}
func (v *validator) warn(e *field.Error) { v.warns = append(v.warns, e) }

func (v *validator) platform() {
	p := v.p
	if p.APIVersion != APIVersion {
		v.add(field.Invalid(field.NewPath("apiVersion"), p.APIVersion, "must be "+APIVersion))
	}
	if p.Kind != Kind {
		v.add(field.Invalid(field.NewPath("kind"), p.Kind, "must be "+Kind))
	}
	v.label(field.NewPath("metadata", "name"), p.Metadata.Name)
	spec := field.NewPath("spec")
	s := &p.Spec
	v.enum(checkEnum(s.Provider, spec.Child("provider")))
	v.git(spec.Child("git"))
	v.versions(spec.Child("versions"))
	v.label(spec.Child("argocd", "namespace"), s.ArgoCD.Namespace)
	if u, err := url.Parse(s.ArgoCD.Server); err != nil || u.Scheme != "https" || u.Host == "" {
		v.add(field.Invalid(spec.Child("argocd", "server"), s.ArgoCD.Server, "must be an https:// URL of a Kubernetes API server"))
	}
	v.network(spec.Child("network"))
	v.cluster(spec.Child("cluster"))
	v.nodePools(spec.Child("nodePools"))
	v.gateway(spec.Child("gateway"))
	v.health(spec.Child("health"))
	if !v.enum(checkEnum(s.Security.MTLS, spec.Child("security", "mtls"))) {
	} else if s.Security.MTLS == MTLSPermissive {
		v.warn(field.Invalid(spec.Child("security", "mtls"), s.Security.MTLS, "plain-text traffic between workloads is accepted"))
	}
	if np := spec.Child("security", "networkPolicy", "egress"); v.enum(checkEnum(s.Security.NetworkPolicy.Egress, np)) && s.Security.NetworkPolicy.Egress == EgressUnrestricted {
		v.warn(field.Invalid(np, s.Security.NetworkPolicy.Egress, "app pods may connect to any address (NetworkPolicy egress is not restricted)"))
	}
	v.apps(spec.Child("apps"))
	v.routes(spec.Child("routes"))
	v.meshRoutes(spec.Child("meshRoutes"))
	v.waypoints(spec.Child("waypoints"))
	v.environments(spec.Child("environments"))
}

// label checks a DNS-1123 label and reports whether it is valid.
func (v *validator) label(fp *field.Path, s string) bool {
	if s == "" {
		v.add(field.Required(fp, ""))
		return false
	}
	if msgs := validation.IsDNS1123Label(s); len(msgs) > 0 {
		v.add(field.Invalid(fp, s, "must be a DNS-1123 label: "+msgs[0]))
		return false
	}
	return true
}

// serviceName checks a Service name (DNS-1035 label: starts with a letter).
func (v *validator) serviceName(fp *field.Path, s string) bool {
	if s == "" {
		v.add(field.Required(fp, ""))
		return false
	}
	if msgs := validation.IsDNS1035Label(s); len(msgs) > 0 {
		v.add(field.Invalid(fp, s, "must be a DNS-1035 label (it names a Service): "+msgs[0]))
		return false
	}
	return true
}

func (v *validator) namespace(fp *field.Path, ns string) bool {
	if !v.label(fp, ns) {
		return false
	}
	if slices.Contains(reservedNamespaces, ns) || ns == v.p.Spec.ArgoCD.Namespace {
		v.add(field.Invalid(fp, ns, "is reserved: krm-gen labels and polices the namespaces it uses; pick a namespace of the platform's own"))
		return false
	}
	return true
}

func (v *validator) port(fp *field.Path, port int32) {
	if msgs := validation.IsValidPortNum(int(port)); len(msgs) > 0 {
		v.add(field.Invalid(fp, port, "must be a port number between 1 and 65535"))
	} else if use, ok := reservedPorts[port]; ok {
		v.add(field.Invalid(fp, port, fmt.Sprintf("is reserved by Istio (%s); pick another port", use)))
	}
}

func (v *validator) pool(fp *field.Path, name string) {
	if name == "" {
		return
	}
	if _, ok := v.p.Spec.NodePools[name]; !ok {
		known := make([]string, 0, len(v.p.Spec.NodePools))
		for k := range v.p.Spec.NodePools {
			known = append(known, k)
		}
		sort.Strings(known)
		v.add(field.Invalid(fp, name, fmt.Sprintf("node pool not defined in spec.nodePools (defined: %s)", strings.Join(known, ", "))))
	}
}

var scpLike = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._/~-]+$`)

func (v *validator) git(fp *field.Path) {
	g := v.p.Spec.Git
	v.repoURL(fp.Child("repoURL"), g.RepoURL, "the Git repository Argo CD reads the rendered tree from")
	if strings.ContainsAny(g.Revision, " \t\n~^:?*[\\") {
		v.add(field.Invalid(fp.Child("revision"), g.Revision, "must be a Git branch, tag or commit"))
	}
	v.relPath(fp.Child("path"), g.Path)
}

// repoURL checks a git repository URL; what says what it is, for the missing case.
func (v *validator) repoURL(fp *field.Path, repo, what string) {
	switch u, err := url.Parse(repo); {
	case repo == "":
		v.add(field.Required(fp, what))
	case scpLike.MatchString(repo):
	case err != nil || u.Host == "" || !slices.Contains([]string{"https", "http", "ssh", "git"}, u.Scheme):
		v.add(field.Invalid(fp, repo, "must be a URL (https://host/org/repo.git, ssh://..., or git@host:org/repo.git)"))
	case u.Scheme == "http":
		v.warn(field.Invalid(fp, repo, "plain http: the repository is read without TLS"))
	}
}

// relPath checks a clean, relative, slash-separated path inside a repository.
func (v *validator) relPath(fp *field.Path, p string) {
	switch {
	case p == "":
		v.add(field.Required(fp, "folder of the rendered tree inside the repository, e.g. out/eks"))
	case strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." || strings.Contains(p, "\\"):
		v.add(field.Invalid(fp, p, "must be a clean relative path inside the repository (no leading /, no .., no trailing /)"))
	}
}

func (v *validator) versions(fp *field.Path) {
	vs := v.p.Spec.Versions
	if !strings.HasPrefix(vs.GatewayAPI, "v") {
		v.add(field.Invalid(fp.Child("gatewayAPI"), vs.GatewayAPI, "must be a Gateway API release tag like v1.6.3"))
	} else if ver, err := semver.Parse(vs.GatewayAPI[1:]); err != nil {
		v.add(field.Invalid(fp.Child("gatewayAPI"), vs.GatewayAPI, "must be a Gateway API release tag like v1.6.3: "+err.Error()))
	} else if ver.LT(semver.MustParse("1.2.0")) {
		v.add(field.Invalid(fp.Child("gatewayAPI"), vs.GatewayAPI, "must be v1.2.0 or later: Gateway.spec.infrastructure, which places the gateway, is in the standard channel from v1.2"))
	}
	if ver, err := semver.Parse(vs.Istio); err != nil {
		v.add(field.Invalid(fp.Child("istio"), vs.Istio, "must be an Istio release like 1.31.0: "+err.Error()))
	} else if ver.LT(semver.MustParse("1.26.0")) {
		v.add(field.Invalid(fp.Child("istio"), vs.Istio, "must be 1.26.0 or later (Gateway infrastructure.parametersRef)"))
	}
}

// GatewayAPIAtLeast reports whether the spec's Gateway API version is >= minor v1.<minor>.
func (p *Platform) GatewayAPIAtLeast(minor uint64) bool {
	return GatewayAPIAtLeast(p.Spec.Versions.GatewayAPI, minor)
}

// GatewayAPIAtLeast reports whether Gateway API release version (vX.Y.Z) is >= v1.<minor>.
func GatewayAPIAtLeast(version string, minor uint64) bool {
	ver, err := semver.Parse(strings.TrimPrefix(version, "v"))
	return err == nil && (ver.Major > 1 || ver.Minor >= minor)
}

func (v *validator) labels(fp *field.Path, m map[string]string) {
	for _, k := range sortedKeys(m) {
		for _, msg := range validation.IsQualifiedName(k) {
			v.add(field.Invalid(fp.Key(k), k, "label key: "+msg))
		}
		for _, msg := range validation.IsValidLabelValue(m[k]) {
			v.add(field.Invalid(fp.Key(k), m[k], "label value: "+msg))
		}
	}
}

// cloudWatchRetentionDays are the retention values CloudWatch Logs accepts (0, forever,
// is left out: terraform/ refuses it).
var cloudWatchRetentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// cluster checks the Terraform hardening inputs as terraform/variables.tf does.
func (v *validator) cluster(fp *field.Path) {
	c := v.p.Spec.Cluster
	if v.p.Spec.Provider == ProviderAKS {
		if !reflect.ValueOf(c).IsZero() {
			v.add(field.Forbidden(fp, "AWS settings (the EKS cluster Terraform builds); they do not apply to provider aks"))
		}
		return
	}
	ap := fp.Child("apiAccess")
	for _, l := range []struct {
		name  string
		cidrs []string
	}{{"publicCIDRs", c.APIAccess.PublicCIDRs}, {"privateCIDRs", c.APIAccess.PrivateCIDRs}} {
		for i, cidr := range l.cidrs {
			if pfx, err := netip.ParsePrefix(cidr); err != nil || !pfx.Addr().Is4() || pfx.Bits() < 1 {
				v.add(field.Invalid(ap.Child(l.name).Index(i), cidr, "must be an IPv4 CIDR with a prefix length of 1 to 32 (never 0.0.0.0/0)"))
			}
		}
	}
	if len(c.APIAccess.PublicCIDRs) > 0 {
		v.warn(field.Invalid(ap.Child("publicCIDRs"), strings.Join(c.APIAccess.PublicCIDRs, ","), "turns the EKS API's public endpoint on for these networks"))
	}
	if c.DeletionProtection != nil && !*c.DeletionProtection {
		v.warn(field.Invalid(fp.Child("deletionProtection"), false, "terraform destroy can delete the cluster and the ALB"))
	}
	if c.LogRetentionDays != 0 && !slices.Contains(cloudWatchRetentionDays, c.LogRetentionDays) {
		v.add(field.Invalid(fp.Child("logRetentionDays"), c.LogRetentionDays, fmt.Sprintf("must be a CloudWatch Logs retention value: %v", cloudWatchRetentionDays)))
	}
}

func (v *validator) network(fp *field.Path) {
	c := v.p.Spec.Network.VPCCIDR
	if c == "" {
		return
	}
	if v.p.Spec.Provider == ProviderAKS {
		v.add(field.Forbidden(fp.Child("vpcCIDR"), "an AWS setting; it does not apply to provider aks"))
		return
	}
	if pfx, err := netip.ParsePrefix(c); err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx || !pfx.Addr().IsPrivate() || pfx.Bits() > 20 {
		v.add(field.Invalid(fp.Child("vpcCIDR"), c, "must be a private IPv4 network like 10.0.0.0/16, at most /20 (Terraform carves /20 private subnets out of it)"))
	}
}

func (v *validator) nodePools(fp *field.Path) {
	if len(v.p.Spec.NodePools) == 0 {
		v.add(field.Required(fp, "at least one node pool: the cluster's nodes are its pools (Terraform's node groups), and without one no pod runs"))
	}
	for _, name := range sortedKeys(v.p.Spec.NodePools) {
		pool := v.p.Spec.NodePools[name]
		pp := fp.Key(name)
		v.label(pp, name)
		v.labels(pp.Child("labels"), pool.Labels)
		if len(pool.Labels) == 0 {
			v.warn(field.Invalid(pp.Child("labels"), nil, "pool has no labels: workloads placed on it get no nodeSelector"))
		}
		seen := map[string]int{}
		for i, t := range pool.Taints {
			tp := pp.Child("taints").Index(i)
			for _, msg := range validation.IsQualifiedName(t.Key) {
				v.add(field.Invalid(tp.Child("key"), t.Key, "taint key: "+msg))
			}
			for _, msg := range validation.IsValidLabelValue(t.Value) {
				v.add(field.Invalid(tp.Child("value"), t.Value, "taint value: "+msg))
			}
			v.enum(checkEnum(t.Effect, tp.Child("effect")))
			id := t.Key + ":" + string(t.Effect)
			if j, isDup := seen[id]; isDup {
				v.add(Duplicate(tp, id, fmt.Sprintf("same key and effect as taints[%d]", j)))
			}
			seen[id] = i
		}
		if s := pool.Size; s != nil {
			if s.Min < 0 || s.Max < 1 || s.Min > s.Max || s.Desired < s.Min || s.Desired > s.Max {
				v.add(field.Invalid(pp.Child("size"), fmt.Sprintf("min=%d desired=%d max=%d", s.Min, s.Desired, s.Max), "must satisfy 0 <= min <= desired <= max and max >= 1"))
			}
		}
	}
}

func (v *validator) gateway(fp *field.Path) {
	g := v.p.Spec.Gateway
	if g.Name != "" { // else derived by the model from metadata.name
		v.label(fp.Child("name"), g.Name)
	}
	v.namespace(fp.Child("namespace"), g.Namespace)
	v.pool(fp.Child("nodePool"), g.NodePool)
	if g.NodePool == "" {
		v.warn(field.Forbidden(fp.Child("nodePool"), "gateway pods may land on any node; name the system pool"))
	}
	if g.Replicas < 1 {
		v.add(field.Invalid(fp.Child("replicas"), g.Replicas, "must be at least 1"))
	} else if g.Replicas == 1 {
		v.warn(field.Invalid(fp.Child("replicas"), g.Replicas, "a single gateway pod is a single point of failure"))
	}
	if g.MaxReplicas != 0 && g.MaxReplicas < g.Replicas {
		v.add(field.Invalid(fp.Child("maxReplicas"), g.MaxReplicas, fmt.Sprintf("must be at least replicas (%d)", g.Replicas)))
	}
	if g.Hostname != "" {
		v.hostname(fp.Child("hostname"), g.Hostname)
		if v.p.Spec.Provider == ProviderEKS {
			v.warn(field.Invalid(fp.Child("hostname"), g.Hostname, "the ALB connects to its targets without SNI and probes them with the target IP as Host, so a listener hostname fails the health check; prefer route hostnames"))
		}
	}
	switch {
	case g.HTTP == nil && g.HTTPS == nil:
		v.add(field.Required(fp.Child("https"), "at least one listener; add `https: {}` for HTTPS on 443 with the Secret <gateway>-tls"))
	case g.HTTPS == nil && v.p.Spec.Provider == ProviderEKS:
		// Layers 1-2 (terraform/alb.tf) forward the ALB to the gateway's HTTPS listener.
		v.add(field.Required(fp.Child("https"), "on eks the ALB forwards to the gateway's HTTPS listener (Terraform's target group); add `https: {}` for HTTPS on 443 with the Secret <gateway>-tls"))
	case g.HTTPS == nil:
		v.warn(field.Forbidden(fp.Child("https"), "HTTP without HTTPS: traffic between the load balancer and the gateway is not encrypted"))
	}
	if g.HTTP != nil {
		v.port(fp.Child("http", "port"), g.HTTP.Port)
		if g.HTTP.RedirectToHTTPS && g.HTTPS == nil {
			v.add(field.Invalid(fp.Child("http", "redirectToHTTPS"), true, "needs an HTTPS listener (spec.gateway.https)"))
		}
	}
	if h := g.HTTPS; h != nil {
		hp := fp.Child("https")
		v.port(hp.Child("port"), h.Port)
		if g.HTTP != nil && g.HTTP.Port == h.Port {
			v.add(Duplicate(hp.Child("port"), h.Port, "already used by spec.gateway.http.port"))
		}
		if h.CertificateSecret != "" { // else derived by the model from the gateway's name
			for _, msg := range validation.IsDNS1123Subdomain(h.CertificateSecret) {
				v.add(field.Invalid(hp.Child("certificateSecret"), h.CertificateSecret, "must be a Secret name: "+msg))
			}
		}
		if h.CertificateNamespace != "" && h.CertificateNamespace != g.Namespace {
			v.namespace(hp.Child("certificateNamespace"), h.CertificateNamespace)
		}
		if c := h.Certificate; c != nil {
			cp := hp.Child("certificate")
			if c.Issuer == "" {
				v.add(field.Required(cp.Child("issuer"), "a cert-manager ClusterIssuer name, or selfSigned"))
			} else if c.Issuer != IssuerSelfSigned {
				for _, msg := range validation.IsDNS1123Subdomain(c.Issuer) {
					v.add(field.Invalid(cp.Child("issuer"), c.Issuer, "must be a ClusterIssuer name: "+msg))
				}
			}
			if len(c.DNSNames) == 0 && g.Hostname == "" {
				v.add(field.Required(cp.Child("dnsNames"), "the certificate needs at least one DNS name (or set spec.gateway.hostname)"))
			}
			for i, d := range c.DNSNames {
				v.hostname(cp.Child("dnsNames").Index(i), d)
			}
		}
		v.listenerCertificates(hp, g)
	}
	v.loadBalancer(fp.Child("loadBalancer"), g.LoadBalancer)
	if in := g.Infrastructure; in != nil {
		ip := fp.Child("infrastructure")
		v.labels(ip.Child("labels"), in.Labels)
		if len(in.Labels) > maxInfraLabels {
			v.add(field.TooMany(ip.Child("labels"), len(in.Labels), maxInfraLabels))
		}
		limit := maxInfraAnnotationsOld
		if v.p.GatewayAPIAtLeast(6) {
			limit = maxInfraAnnotations
		}
		if len(in.Annotations) > limit {
			v.add(field.TooMany(ip.Child("annotations"), len(in.Annotations), limit))
		}
		for _, k := range sortedKeys(in.Annotations) {
			for _, msg := range validation.IsQualifiedName(k) {
				v.add(field.Invalid(ip.Child("annotations").Key(k), k, "annotation key: "+msg))
			}
		}
	}
	v.resources(fp.Child("resources"), g.Resources)
}

var (
	targetGroupARN  = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`)
	targetGroupName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)
	arnPattern      = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$`)
)

func (v *validator) loadBalancer(fp *field.Path, lb LoadBalancer) {
	if !v.enum(checkEnum(lb.Scheme, fp.Child("scheme"))) {
	} else if lb.Scheme == SchemeInternetFacing {
		v.warn(field.Invalid(fp.Child("scheme"), lb.Scheme, "the gateway is exposed directly to the internet, bypassing the ALB and its WAF"))
	}
	if v.p.Spec.Provider != ProviderEKS && v.p.Spec.Provider != ProviderAKS {
		return // reported at spec.provider
	}
	if v.p.Spec.Provider == ProviderAKS {
		if lb.Mode != "" || len(lb.PrivateIPs) > 0 || lb.TargetGroupARN != "" || lb.TargetGroupName != "" || lb.ALB != nil {
			v.add(field.Forbidden(fp, "mode, privateIPs, targetGroupARN, targetGroupName and alb are AWS settings; they do not apply to provider aks"))
		}
		return
	}
	v.enum(checkEnum(lb.Mode, fp.Child("mode")))
	switch lb.Mode {
	case ModeNLB:
		if lb.TargetGroupARN != "" || lb.TargetGroupName != "" {
			v.add(field.Forbidden(fp.Child("mode"), "targetGroupARN/targetGroupName need mode targetGroupBinding; mode nlb registers the NLB instead"))
		}
		subnets, ips := map[string]int{}, map[netip.Addr]int{}
		for i, ip := range lb.PrivateIPs {
			ipp := fp.Child("privateIPs").Index(i)
			if ip.Subnet == "" {
				v.add(field.Required(ipp.Child("subnet"), "subnet ID or Name tag"))
			} else if j, isDup := subnets[ip.Subnet]; isDup {
				v.add(Duplicate(ipp.Child("subnet"), ip.Subnet, fmt.Sprintf("already used by privateIPs[%d]", j)))
			} else {
				subnets[ip.Subnet] = i
			}
			addr, err := netip.ParseAddr(ip.Address)
			switch {
			case err != nil || !addr.Is4():
				v.add(field.Invalid(ipp.Child("address"), ip.Address, "must be an IPv4 address"))
			case !addr.IsPrivate():
				v.add(field.Invalid(ipp.Child("address"), ip.Address, "must be a private address (the NLB is internal)"))
			case !vpcContains(v.p.Spec.Network.VPCCIDR, addr):
				v.add(field.Invalid(ipp.Child("address"), ip.Address, fmt.Sprintf("must be inside the VPC %s (spec.network.vpcCIDR)", v.p.Spec.Network.VPCCIDR)))
			default:
				if j, isDup := ips[addr]; isDup {
					v.add(Duplicate(ipp.Child("address"), ip.Address, fmt.Sprintf("already used by privateIPs[%d]", j)))
				}
				ips[addr] = i
			}
		}
		if len(lb.PrivateIPs) == 0 && !v.everyEnvironmentSetsLoadBalancer() {
			v.warn(field.Forbidden(fp.Child("privateIPs"), "the NLB's addresses are not pinned: its IPs must be registered in the ALB target group by hand after each deploy; pin them here (or use mode targetGroupBinding)"))
		}
		if len(lb.PrivateIPs) > 0 && lb.Scheme != SchemeInternal {
			v.add(field.Forbidden(fp.Child("privateIPs"), "pinned private IPs need scheme internal"))
		}
	case ModeTargetGroupBinding:
		if len(lb.PrivateIPs) > 0 {
			v.add(field.Forbidden(fp.Child("privateIPs"), "mode targetGroupBinding has no NLB; privateIPs apply to mode nlb"))
		}
		switch {
		case (lb.TargetGroupARN == "") == (lb.TargetGroupName == ""):
			v.add(field.Required(fp.Child("targetGroupName"), "mode targetGroupBinding needs exactly one of targetGroupName or targetGroupARN"))
		case lb.TargetGroupARN != "" && !targetGroupARN.MatchString(lb.TargetGroupARN):
			v.add(field.Invalid(fp.Child("targetGroupARN"), lb.TargetGroupARN, "must be a target group ARN: arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID"))
		case lb.TargetGroupName != "" && (len(lb.TargetGroupName) > maxTargetGroupName || !targetGroupName.MatchString(lb.TargetGroupName)):
			v.add(field.Invalid(fp.Child("targetGroupName"), lb.TargetGroupName, "must be a target group name: up to 32 letters, digits and hyphens, not starting or ending with a hyphen"))
		}
	}
	if a := lb.ALB; a != nil {
		if a.CertificateARN != "" && !arnPattern.MatchString(a.CertificateARN) {
			v.add(field.Invalid(fp.Child("alb", "certificateARN"), a.CertificateARN, "must be an ACM certificate ARN"))
		}
		if a.WAFACLARN != "" && !arnPattern.MatchString(a.WAFACLARN) {
			v.add(field.Invalid(fp.Child("alb", "wafACLARN"), a.WAFACLARN, "must be a WAFv2 web ACL ARN"))
		}
		seen := map[string]int{}
		for i, arn := range a.ExtraCertificateARNs {
			ap := fp.Child("alb", "extraCertificateARNs").Index(i)
			if !arnPattern.MatchString(arn) {
				v.add(field.Invalid(ap, arn, "must be an ACM certificate ARN"))
			}
			if j, isDup := seen[arn]; isDup || arn == a.CertificateARN {
				v.add(Duplicate(ap, arn, fmt.Sprintf("already the listener's certificate (certificateARN or extraCertificateARNs[%d])", j)))
			}
			seen[arn] = i
		}
		if len(a.ExtraCertificateARNs) > 0 && a.CertificateARN == "" {
			v.add(field.Required(fp.Child("alb", "certificateARN"), "the listener's default certificate, which extraCertificateARNs add to"))
		}
	}
}

// listenerCertificates checks the per-hostname HTTPS listeners: only where the gateway
// itself faces clients, since the ALB opens TLS to its targets without SNI.
func (v *validator) listenerCertificates(hp *field.Path, g Gateway) {
	h := g.HTTPS
	if len(h.Certificates) == 0 {
		return
	}
	cp := hp.Child("certificates")
	switch {
	case v.p.Spec.Provider == ProviderEKS && (g.LoadBalancer.Scheme != SchemeInternetFacing || g.LoadBalancer.Mode == ModeTargetGroupBinding):
		v.add(field.Forbidden(cp, "behind the ALB one gateway certificate serves every hostname: the ALB opens TLS to its targets without SNI, so a listener per hostname would never be chosen; put the public certificates on the ALB (loadBalancer.alb.extraCertificateARNs)"))
	case h.CertificateSecret != "" || h.CertificateNamespace != "":
		v.add(field.Forbidden(cp, "certificates replaces certificateSecret and certificateNamespace: each listener names its own Secret"))
	case h.Certificate != nil:
		v.add(field.Forbidden(cp, "certificates and certificate (cert-manager) exclude each other"))
	case g.Hostname != "":
		v.add(field.Forbidden(cp, "each certificate's listener has its own hostname: remove spec.gateway.hostname"))
	}
	seen := map[string]int{}
	for i, c := range h.Certificates {
		ip := cp.Index(i)
		v.hostname(ip.Child("hostname"), c.Hostname)
		if j, isDup := seen[c.Hostname]; isDup {
			v.add(Duplicate(ip.Child("hostname"), c.Hostname, fmt.Sprintf("already served by certificates[%d]", j)))
		}
		seen[c.Hostname] = i
		for _, msg := range validation.IsDNS1123Subdomain(c.Secret) {
			v.add(field.Invalid(ip.Child("secret"), c.Secret, "must be a Secret name: "+msg))
		}
		if c.Namespace != "" && c.Namespace != g.Namespace {
			v.namespace(ip.Child("namespace"), c.Namespace)
		}
	}
}

// vpcContains reports whether addr is inside cidr (true when cidr does not parse:
// that is reported at spec.network.vpcCIDR).
func vpcContains(cidr string, addr netip.Addr) bool {
	pfx, err := netip.ParsePrefix(cidr)
	return err != nil || pfx.Contains(addr)
}

// everyEnvironmentSetsLoadBalancer reports whether environments replace the base
// load balancer everywhere (then its problems are reported per environment).
func (v *validator) everyEnvironmentSetsLoadBalancer() bool {
	envs := v.p.Spec.Environments
	for _, e := range envs {
		if e.LoadBalancer == nil {
			return false
		}
	}
	return len(envs) > 0
}

func (v *validator) hostname(fp *field.Path, h string) {
	for _, msg := range hostnameErrors(h) {
		v.add(field.Invalid(fp, h, "must be a hostname: "+msg))
	}
}

// HostnamesIntersect reports whether a listener hostname and a route hostname can
// match the same host (Gateway API: exact, or one side a wildcard covering the other).
func HostnamesIntersect(a, b string) bool {
	covers := func(w, h string) bool {
		return strings.HasPrefix(w, "*.") && strings.HasSuffix(h, w[1:]) && len(h) > len(w)-1
	}
	return a == b || covers(a, b) || covers(b, a)
}

// hostnameErrors checks a (possibly wildcard) DNS hostname as Gateway API accepts it.
func hostnameErrors(h string) []string {
	var msgs []string
	if strings.HasPrefix(h, "*.") {
		msgs = validation.IsWildcardDNS1123Subdomain(h)
	} else {
		msgs = validation.IsDNS1123Subdomain(h)
	}
	if net.ParseIP(h) != nil {
		msgs = append(msgs, "must be a DNS name, not an IP address")
	}
	return msgs
}

// HTTPPath checks a path against the Gateway API's HTTPPathMatch rules; it returns "" when valid.
func HTTPPath(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return `must start with "/"`
	case len(p) > maxPathLength:
		return fmt.Sprintf("must be at most %d characters", maxPathLength)
	case strings.Contains(p, "//"):
		return `must not contain "//"`
	case strings.Contains(p, "/./") || strings.HasSuffix(p, "/."):
		return `must not contain "/./" or end in "/."`
	case strings.Contains(p, "/../") || strings.HasSuffix(p, "/.."):
		return `must not contain "/../" or end in "/.."`
	case strings.Contains(strings.ToLower(p), "%2f"):
		return `must not contain "%2f" or "%2F"`
	case strings.Contains(p, "#"):
		return `must not contain "#"`
	case strings.ContainsAny(p, " \t\n\r\"<>\\^`{|}"):
		return "must not contain spaces or the characters \"<>\\^`{|}"
	}
	return ""
}

func (v *validator) httpPath(fp *field.Path, p string) bool {
	if msg := HTTPPath(p); msg != "" {
		v.add(field.Invalid(fp, p, msg))
		return false
	}
	return true
}

func (v *validator) health(fp *field.Path) {
	h := v.p.Spec.Health
	v.httpPath(fp.Child("path"), h.Path)
	if h.Path == "/" {
		v.add(field.Invalid(fp.Child("path"), h.Path, "must not be \"/\": it would capture every request"))
	}
	v.namespace(fp.Child("namespace"), h.Namespace)
	v.pool(fp.Child("nodePool"), h.NodePool)
	if h.Image != DefaultHealthImage {
		v.image(fp.Child("image"), h.Image)
	}
}

// imageDigest is the digest part of a pinned image reference (after the @).
var imageDigest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// image checks a container image reference: [registry/]repository[:tag][@sha256:<64
// hex>]. A digest must be well-formed; an image without one is a warning, as a tag
// (latest or none above all) can be moved to another image after review.
func (v *validator) image(fp *field.Path, img string) {
	name, digest, pinned := strings.Cut(img, "@")
	last := name[strings.LastIndex(name, "/")+1:]
	switch {
	case img == "":
		v.add(field.Required(fp, "container image"))
	case strings.ContainsAny(img, " \t\n") || strings.HasPrefix(img, "-") || name == "" || strings.HasSuffix(name, ":"):
		v.add(field.Invalid(fp, img, "must be a container image reference"))
	case pinned && !imageDigest.MatchString(digest):
		v.add(field.Invalid(fp, img, "the digest must be sha256: and 64 lowercase hex digits (repository[:tag]@sha256:<digest>)"))
	case pinned:
	case strings.HasSuffix(last, ":latest") || !strings.Contains(last, ":"):
		v.warn(field.Invalid(fp, img, "mutable: untagged or :latest images change under the same spec; pin a digest (repository:tag@sha256:<digest>)"))
	default:
		v.warn(field.Invalid(fp, img, "not pinned by digest: the tag can be moved to another image; pin it as repository:tag@sha256:<digest>"))
	}
}

var resourceNames = []string{"cpu", "memory", "ephemeral-storage"}

func (v *validator) resources(fp *field.Path, r *Resources) {
	if r == nil {
		return
	}
	for _, part := range []struct {
		name string
		m    map[string]string
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		for _, k := range sortedKeys(part.m) {
			kp := fp.Child(part.name).Key(k)
			if !slices.Contains(resourceNames, k) {
				v.add(field.NotSupported(kp, k, resourceNames))
				continue
			}
			q, err := resource.ParseQuantity(part.m[k])
			if err != nil || q.Sign() <= 0 {
				v.add(field.Invalid(kp, part.m[k], "must be a positive quantity like 100m or 128Mi"))
				continue
			}
			if part.name == "limits" {
				if req, ok := r.Requests[k]; ok {
					if rq, err := resource.ParseQuantity(req); err == nil && rq.Cmp(q) > 0 {
						v.add(field.Invalid(kp, part.m[k], fmt.Sprintf("limit must be at least the request (%s)", req)))
					}
				}
			}
		}
	}
}

func (v *validator) absPath(fp *field.Path, p string) bool {
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p || p == "/" {
		v.add(field.Invalid(fp, p, "must be a clean absolute path (not /)"))
		return false
	}
	return true
}

func (v *validator) source(fp *field.Path, s Source) {
	if len(s.Paths) > 0 || len(s.Methods) > 0 {
		if v.p.Spec.Waypoints.Disabled {
			v.add(field.Forbidden(fp, "paths and methods are HTTP fields: without a waypoint (spec.waypoints.disabled) ztunnel enforces L4 only and drops the whole ALLOW rule, which silently denies all traffic; allow by namespace, serviceAccount or ipBlocks"))
		}
		for i, p := range s.Paths {
			// Istio path rules: exact, or one * as a prefix or suffix.
			if trimmed := strings.TrimSuffix(strings.TrimPrefix(p, "*"), "*"); p == "" || strings.Contains(trimmed, "*") || (!strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "*")) {
				v.add(field.Invalid(fp.Child("paths").Index(i), p, "must be a path (/api), a prefix (/api/*) or a suffix (*/info)"))
			}
		}
		for i, m := range s.Methods {
			v.enum(checkEnum(HTTPMethod(m), fp.Child("methods").Index(i)))
		}
	}
	if s.Namespace == "" && len(s.IPBlocks) == 0 {
		v.add(field.Required(fp.Child("namespace"), "a source needs a namespace (optionally with serviceAccount) or ipBlocks"))
	}
	if s.Namespace != "" {
		v.label(fp.Child("namespace"), s.Namespace)
	}
	if s.ServiceAccount != "" {
		if s.Namespace == "" {
			v.add(field.Required(fp.Child("namespace"), "serviceAccount needs the namespace it lives in"))
		}
		for _, msg := range validation.IsDNS1123Subdomain(s.ServiceAccount) {
			v.add(field.Invalid(fp.Child("serviceAccount"), s.ServiceAccount, "must be a ServiceAccount name: "+msg))
		}
	}
	for i, b := range s.IPBlocks {
		if _, err := netip.ParsePrefix(b); err != nil {
			if _, err := netip.ParseAddr(b); err != nil {
				v.add(field.Invalid(fp.Child("ipBlocks").Index(i), b, "must be an IP address or CIDR"))
			}
		}
	}
}

func (v *validator) environments(fp *field.Path) {
	servers := map[string]string{}
	for _, name := range sortedKeys(v.p.Spec.Environments) {
		v.label(fp.Key(name), name)
		server := or(v.p.Spec.Environments[name].Server, or(v.p.Spec.Environments[name].patchedServer(), v.p.Spec.ArgoCD.Server))
		if other, dup := servers[server]; dup {
			v.add(field.Invalid(fp.Key(name).Child("server"), server, fmt.Sprintf("environment %q deploys to the same cluster: environments share namespace names, so each needs its own server", other)))
		} else if u, err := url.Parse(server); err != nil || u.Scheme != "https" || u.Host == "" {
			v.add(field.Invalid(fp.Key(name).Child("server"), server, "must be an https:// URL of a Kubernetes API server"))
		}
		servers[server] = name
	}
}

// Duplicate reports a duplicate value and says where the first one is.
func Duplicate(fp *field.Path, value any, detail string) *field.Error {
	e := field.Duplicate(fp, value)
	e.Detail = detail
	return e
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
