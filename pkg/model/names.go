package model

// Labels krm-gen puts on what it renders.
const (
	LabelManagedBy     = "app.kubernetes.io/managed-by"
	ManagedBy          = "krm-gen"
	LabelPartOf        = "app.kubernetes.io/part-of"
	LabelName          = "app.kubernetes.io/name"
	LabelVersion       = "app.kubernetes.io/version" // an app version's pods (Istio reads it as the canonical revision)
	LabelGatewayAccess = "krm-gen.dev/gateway"
	LabelDataplaneMode = "istio.io/dataplane-mode"
)

// IstioSystemNamespace is where the Istio control plane is installed.
const IstioSystemNamespace = "istio-system"

// Parts of the platform-level Application names: each Application is <platform>-<part>.
const (
	PartGatewayAPICRDs = "gateway-api-crds" // the longest: it bounds the platform name
	PartIstioBase      = "istio-base"
	PartIstiod         = "istiod"
	PartIstioCNI       = "istio-cni"
	PartZtunnel        = "ztunnel"
	PartCertManager    = "cert-manager"
	PartNamespaces     = "namespaces"
	PartGateway        = "gateway"
	PartSecurity       = "security"
	PartRoutes         = "routes"
	PartHealth         = "health"
	partAppPrefix      = "app-"
)

// Application is the name of the platform's Application for part.
func (m *Model) Application(part string) string { return m.Name + "-" + part }

// appPart is the Application part of an app: app-<name>.
func appPart(name string) string { return partAppPrefix + name }

// RootApp is the name of the app of apps.
func (m *Model) RootApp() string { return m.Name + "-root" }

// BootstrapProject is the root app's project: only this platform's Applications and AppProjects.
func (m *Model) BootstrapProject() string { return m.Name + "-bootstrap" }

// InfraProject is layer 3's project: CRDs, Istio, namespaces.
func (m *Model) InfraProject() string { return m.Name + "-infra" }

// MeshProject is the one project that may write Istio security policies.
func (m *Model) MeshProject() string { return m.Name + "-mesh-policy" }

// PlatformProject is layer 4's project: gateway, routes, apps.
func (m *Model) PlatformProject() string { return m.Name + "-platform" }

// SelfSignedIssuer is the ClusterIssuer krm-gen renders for `issuer: selfSigned`.
func (m *Model) SelfSignedIssuer() string { return m.Name + "-selfsigned" }

// Names of objects krm-gen renders itself, which spec objects must not take.
const (
	HealthResponderName = "health-responder" // the health responder app and its route
	RedirectRouteName   = "https-redirect"   // the HTTPRoute sending HTTP to HTTPS, in the gateway's namespace
	GatewayClassName    = "istio"
	gatewaySuffix       = "-" + GatewayClassName // Istio names the objects it generates <gateway>-<class>
	defaultGatewaySfx   = "-gateway"
	defaultSecretSuffix = "-tls"
	paramsSuffix        = "-params"
)
