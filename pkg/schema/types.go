// Package schema defines the Platform spec: its types, defaults, strict decoding,
// validation and JSON Schema.
package schema

// APIVersion and Kind identify a Platform spec document.
const (
	APIVersion = "krm-gen.dev/v1alpha1"
	Kind       = "Platform"
)

// Platform is the whole spec a platform team writes: one document per platform.
type Platform struct {
	APIVersion string   `json:"apiVersion" jsonschema:"enum=krm-gen.dev/v1alpha1"`
	Kind       string   `json:"kind" jsonschema:"enum=Platform"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
}

// Metadata names the platform; annotations carry the kustomize function config.
type Metadata struct {
	Name        string            `json:"name" jsonschema:"description=DNS label; prefixes platform-level names (root app\\, projects)"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Spec is the platform description.
type Spec struct {
	Provider     Provider               `json:"provider,omitempty" jsonschema:"description=Cloud provider; decides the gateway Service settings (default eks)"`
	Git          Git                    `json:"git" jsonschema:"description=Where Argo CD reads this platform's rendered tree"`
	Versions     Versions               `json:"versions,omitempty"`
	ArgoCD       ArgoCD                 `json:"argocd,omitempty"`
	Network      Network                `json:"network,omitempty"`
	Cluster      Cluster                `json:"cluster,omitempty" jsonschema:"description=eks: the EKS cluster Terraform builds (rendered into terraform/platform.auto.tfvars.json); unset fields keep terraform/'s hardened defaults"`
	NodePools    map[string]NodePool    `json:"nodePools,omitempty" jsonschema:"required,description=Node pools by name: the single source of node labels and taints; at least one (the cluster's nodes)"`
	Gateway      Gateway                `json:"gateway"`
	Health       Health                 `json:"health,omitempty"`
	Security     Security               `json:"security,omitempty"`
	Apps         []App                  `json:"apps,omitempty"`
	Routes       []Route                `json:"routes,omitempty" jsonschema:"description=North-south: HTTPRoutes and GRPCRoutes on the gateway"`
	MeshRoutes   []MeshRoute            `json:"meshRoutes,omitempty" jsonschema:"description=East-west: HTTPRoutes whose parent is a Service\\, served by its namespace's waypoint"`
	Waypoints    Waypoints              `json:"waypoints,omitempty" jsonschema:"description=The waypoints krm-gen adds to namespaces that need L7 in the mesh"`
	Environments map[string]Environment `json:"environments,omitempty" jsonschema:"description=Per-environment overrides; each renders into its own folder with its own root app"`
}

// Git locates the rendered tree inside the platform repository.
type Git struct {
	RepoURL  string `json:"repoURL"`
	Revision string `json:"revision,omitempty" jsonschema:"description=Branch\\, tag or commit (default main)"`
	Path     string `json:"path" jsonschema:"description=Folder of the rendered tree inside the repository\\, e.g. out/eks"`
}

// Versions pins the upstream releases the platform installs.
type Versions struct {
	GatewayAPI string `json:"gatewayAPI,omitempty" jsonschema:"description=Gateway API release\\, e.g. v1.6.3"`
	Istio      string `json:"istio,omitempty" jsonschema:"description=Istio release\\, e.g. 1.31.0"`
}

// ArgoCD says where Argo CD runs and which cluster it deploys to.
type ArgoCD struct {
	Namespace string `json:"namespace,omitempty" jsonschema:"description=Namespace Argo CD runs in (default argocd)"`
	Server    string `json:"server,omitempty" jsonschema:"description=Destination cluster API server (default https://kubernetes.default.svc)"`
}

// Network is the cluster's network as Terraform builds it (eks).
type Network struct {
	VPCCIDR string `json:"vpcCIDR,omitempty" jsonschema:"description=IPv4 CIDR of the VPC (default 10.0.0.0/16); pinned NLB addresses must fall inside it"`
}

// Cluster sets the hardening inputs of layers 1-2 a platform team decides (eks):
// who reaches the EKS API, teardown protection, log retention. Each relaxes one of
// terraform/'s defaults (private API only, deletion protection on, 90 days of logs).
type Cluster struct {
	APIAccess          APIAccess `json:"apiAccess,omitempty" jsonschema:"description=Networks allowed to reach the EKS API (default: the nodes only\\, through the private endpoint)"`
	DeletionProtection *bool     `json:"deletionProtection,omitempty" jsonschema:"description=Deletion protection of the EKS cluster and the ALB (default true; false is a warning)"`
	LogRetentionDays   int32     `json:"logRetentionDays,omitempty" jsonschema:"description=Days the control-plane logs\\, VPC flow logs and ALB access logs are kept (default 90): a CloudWatch Logs retention value"`
}

// APIAccess lists the networks that may reach the EKS API endpoint.
type APIAccess struct {
	PublicCIDRs  []string `json:"publicCIDRs,omitempty" jsonschema:"description=IPv4 CIDRs (prefix 1-32) allowed on a public endpoint\\, which is off unless this is set (a warning)"`
	PrivateCIDRs []string `json:"privateCIDRs,omitempty" jsonschema:"description=IPv4 CIDRs (VPN\\, peered VPCs\\, CI runners; prefix 1-32) allowed on the private endpoint besides the nodes"`
}

// NodePool is a group of nodes with the labels and taints workloads are placed by.
type NodePool struct {
	Labels        map[string]string `json:"labels,omitempty"`
	Taints        []Taint           `json:"taints,omitempty"`
	InstanceTypes []string          `json:"instanceTypes,omitempty" jsonschema:"description=EC2 instance types for the managed node group (Terraform)"`
	Size          *PoolSize         `json:"size,omitempty"`
}

// PoolSize bounds a node pool's node count (Terraform).
type PoolSize struct {
	Min     int32 `json:"min"`
	Max     int32 `json:"max"`
	Desired int32 `json:"desired"`
}

// Taint is a Kubernetes node taint.
type Taint struct {
	Key    string      `json:"key"`
	Value  string      `json:"value,omitempty"`
	Effect TaintEffect `json:"effect"`
}

// Gateway is the Istio ingress gateway behind the cloud load balancer.
type Gateway struct {
	Name           string          `json:"name,omitempty" jsonschema:"description=Gateway name (default <platform>-gateway)"`
	Namespace      string          `json:"namespace,omitempty" jsonschema:"description=Gateway namespace (default istio-ingress)"`
	NodePool       string          `json:"nodePool,omitempty" jsonschema:"description=Node pool the gateway pods (and istiod) run on"`
	Replicas       int32           `json:"replicas,omitempty" jsonschema:"description=Gateway pod replicas (default 2)"`
	MaxReplicas    int32           `json:"maxReplicas,omitempty" jsonschema:"description=When set\\, a HorizontalPodAutoscaler scales between replicas and maxReplicas"`
	Hostname       string          `json:"hostname,omitempty" jsonschema:"description=Optional listener hostname"`
	HTTP           *HTTPListener   `json:"http,omitempty"`
	HTTPS          *HTTPSListener  `json:"https,omitempty"`
	LoadBalancer   LoadBalancer    `json:"loadBalancer,omitempty"`
	Infrastructure *Infrastructure `json:"infrastructure,omitempty"`
	Resources      *Resources      `json:"resources,omitempty"`
}

// HTTPListener is the plain HTTP listener (opt-in).
type HTTPListener struct {
	Port            int32 `json:"port,omitempty" jsonschema:"description=Listener port (default 80)"`
	RedirectToHTTPS bool  `json:"redirectToHTTPS,omitempty" jsonschema:"description=Redirect every HTTP request but the health path to HTTPS"`
}

// HTTPSListener is the TLS-terminating listener.
type HTTPSListener struct {
	Port                 int32        `json:"port,omitempty" jsonschema:"description=Listener port (default 443)"`
	CertificateSecret    string       `json:"certificateSecret,omitempty" jsonschema:"description=kubernetes.io/tls Secret holding the certificate (default <gateway>-tls)"`
	CertificateNamespace string       `json:"certificateNamespace,omitempty" jsonschema:"description=Namespace of the Secret (default: the gateway's); another namespace gets a ReferenceGrant"`
	Certificate          *Certificate `json:"certificate,omitempty"`
	// Certificates: one listener per hostname, for a gateway that faces clients itself.
	Certificates []ListenerCertificate `json:"certificates,omitempty" jsonschema:"description=Where the gateway faces clients (aks; eks with an internet-facing NLB): one HTTPS listener per hostname with its own certificate\\, chosen by SNI"`
}

// ListenerCertificate is an HTTPS listener for one hostname and its certificate.
type ListenerCertificate struct {
	Hostname  string `json:"hostname"`
	Secret    string `json:"secret" jsonschema:"description=kubernetes.io/tls Secret of the certificate"`
	Namespace string `json:"namespace,omitempty" jsonschema:"description=The Secret's namespace (default: the gateway's); another namespace gets a ReferenceGrant"`
}

// IssuerSelfSigned is the Certificate.Issuer value asking for a self-signed ClusterIssuer.
const IssuerSelfSigned = "selfSigned"

// Certificate asks cert-manager to issue the listener's certificate.
type Certificate struct {
	Issuer   string   `json:"issuer" jsonschema:"description=cert-manager ClusterIssuer name\\, or selfSigned"`
	DNSNames []string `json:"dnsNames,omitempty"`
}

// LoadBalancer says how cloud traffic reaches the gateway pods.
type LoadBalancer struct {
	Scheme          LBScheme    `json:"scheme,omitempty" jsonschema:"description=NLB scheme (default internal)"`
	Mode            LBMode      `json:"mode,omitempty" jsonschema:"description=eks: internal NLB (default) or TargetGroupBinding to the ALB target group"`
	PrivateIPs      []PrivateIP `json:"privateIPs,omitempty" jsonschema:"description=nlb mode: pinned NLB addresses\\, one per subnet"`
	TargetGroupARN  string      `json:"targetGroupARN,omitempty"`
	TargetGroupName string      `json:"targetGroupName,omitempty"`
	ALB             *ALB        `json:"alb,omitempty"`
}

// PrivateIP pins one NLB address in one subnet.
type PrivateIP struct {
	Subnet  string `json:"subnet" jsonschema:"description=Subnet ID or Name tag"`
	Address string `json:"address"`
}

// ALB holds the public ALB settings Terraform needs.
type ALB struct {
	CertificateARN       string   `json:"certificateARN,omitempty" jsonschema:"description=The HTTPS listener's default certificate (ACM)"`
	ExtraCertificateARNs []string `json:"extraCertificateARNs,omitempty" jsonschema:"description=More public certificates on the ALB's listener\\, chosen by SNI (the ALB terminates the clients' TLS)"`
	WAFACLARN            string   `json:"wafACLARN,omitempty"`
}

// Infrastructure is copied to Gateway.spec.infrastructure (metadata only).
type Infrastructure struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Resources are container requests and limits (quantities as strings).
type Resources struct {
	Requests map[string]string `json:"requests,omitempty"`
	Limits   map[string]string `json:"limits,omitempty"`
}

// Health is the health responder the cloud load balancer probes through the gateway.
type Health struct {
	Path      string `json:"path,omitempty" jsonschema:"description=Health path routed to the responder (default /healthz)"`
	Namespace string `json:"namespace,omitempty" jsonschema:"description=Namespace of the responder (default gateway-health)"`
	NodePool  string `json:"nodePool,omitempty"`
	Image     string `json:"image,omitempty"`
}

// Security holds mesh-wide zero-trust settings.
type Security struct {
	MTLS          MTLSMode      `json:"mtls,omitempty" jsonschema:"description=Mesh-wide PeerAuthentication mode (default STRICT)"`
	NetworkPolicy NetworkPolicy `json:"networkPolicy,omitempty" jsonschema:"description=The CNI-enforced NetworkPolicies of every app namespace"`
}

// NetworkPolicy configures the NetworkPolicies krm-gen renders in every app namespace:
// ingress is always denied but for the platform's own traffic and allowFrom; egress
// is denied but for DNS, the namespace itself and what apps declare, unless relaxed.
type NetworkPolicy struct {
	Egress EgressMode `json:"egress,omitempty" jsonschema:"description=restricted (default): DNS\\, the namespace's own pods\\, the apps' egress and allowFrom callees only; unrestricted: any destination (a warning)"`
}

// Environment overrides parts of the spec for one environment (dev, prod, ...).
// Each environment renders into <out>/<name>/ with its own root app, and its
// objects are named <platform>-<name>-... so several can share one Argo CD.
type Environment struct {
	Revision          string        `json:"revision,omitempty" jsonschema:"description=Git revision Argo CD syncs for this environment"`
	Server            string        `json:"server,omitempty" jsonschema:"description=Destination cluster API server"`
	Hostname          string        `json:"hostname,omitempty" jsonschema:"description=Gateway listener hostname"`
	Hostnames         []string      `json:"hostnames,omitempty" jsonschema:"description=Hostnames of every route"`
	GatewayReplicas   int32         `json:"gatewayReplicas,omitempty"`
	AppReplicas       int32         `json:"appReplicas,omitempty" jsonschema:"description=Replicas of every app"`
	CertificateSecret string        `json:"certificateSecret,omitempty"`
	VPCCIDR           string        `json:"vpcCIDR,omitempty" jsonschema:"description=Replaces spec.network.vpcCIDR"`
	LoadBalancer      *LoadBalancer `json:"loadBalancer,omitempty" jsonschema:"description=Replaces spec.gateway.loadBalancer"`

	// Patches of the spec, applied after the fields above (so apps.<name>.replicas
	// wins over appReplicas): each patches the spec field of the same name.
	Git        *Patch           `json:"git,omitempty" jsonschema:"description=Merge patch of spec.git"`
	Versions   *Patch           `json:"versions,omitempty" jsonschema:"description=Merge patch of spec.versions"`
	ArgoCD     *Patch           `json:"argocd,omitempty" jsonschema:"description=Merge patch of spec.argocd"`
	Network    *Patch           `json:"network,omitempty" jsonschema:"description=Merge patch of spec.network"`
	NodePools  *Patch           `json:"nodePools,omitempty" jsonschema:"description=Merge patch of spec.nodePools (pool name -> patch; null removes a pool)"`
	Gateway    *Patch           `json:"gateway,omitempty" jsonschema:"description=Merge patch of spec.gateway"`
	Health     *Patch           `json:"health,omitempty" jsonschema:"description=Merge patch of spec.health"`
	Security   *Patch           `json:"security,omitempty" jsonschema:"description=Merge patch of spec.security"`
	Waypoints  *Patch           `json:"waypoints,omitempty" jsonschema:"description=Merge patch of spec.waypoints"`
	Apps       map[string]Patch `json:"apps,omitempty" jsonschema:"description=App name -> merge patch of that app; null drops the app and its routes from the environment"`
	Routes     map[string]Patch `json:"routes,omitempty" jsonschema:"description=Route name -> merge patch of that route; null drops it"`
	MeshRoutes map[string]Patch `json:"meshRoutes,omitempty" jsonschema:"description=Mesh route name -> merge patch of that mesh route; null drops it"`
}
