package schema

import (
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Each enum of the spec is a named string type whose Values method is the one list of
// its values: the JSON Schema (enumSchema) and validation (checkEnum) both read it.

// Provider is the cloud the platform runs on.
type Provider string

// Providers.
const (
	ProviderEKS Provider = "eks"
	ProviderAKS Provider = "aks"
)

// Values lists the providers.
func (Provider) Values() []Provider { return []Provider{ProviderEKS, ProviderAKS} }

// LBScheme is whether the gateway's cloud load balancer is reachable from the internet.
type LBScheme string

// Load balancer schemes.
const (
	SchemeInternal       LBScheme = "internal"
	SchemeInternetFacing LBScheme = "internet-facing"
)

// Values lists the schemes.
func (LBScheme) Values() []LBScheme { return []LBScheme{SchemeInternal, SchemeInternetFacing} }

// LBMode is how cloud traffic reaches the gateway pods on eks.
type LBMode string

// Load balancer modes.
const (
	ModeNLB                LBMode = "nlb"
	ModeTargetGroupBinding LBMode = "targetGroupBinding"
)

// Values lists the modes.
func (LBMode) Values() []LBMode { return []LBMode{ModeNLB, ModeTargetGroupBinding} }

// MTLSMode is the mesh-wide PeerAuthentication mode.
type MTLSMode string

// mTLS modes.
const (
	MTLSStrict     MTLSMode = "STRICT"
	MTLSPermissive MTLSMode = "PERMISSIVE"
)

// Values lists the modes.
func (MTLSMode) Values() []MTLSMode { return []MTLSMode{MTLSStrict, MTLSPermissive} }

// EgressMode is how far an app namespace's NetworkPolicies let its pods connect.
type EgressMode string

// Egress modes.
const (
	EgressRestricted   EgressMode = "restricted"
	EgressUnrestricted EgressMode = "unrestricted"
)

// Values lists the modes.
func (EgressMode) Values() []EgressMode { return []EgressMode{EgressRestricted, EgressUnrestricted} }

// PodSecurityLevel is a Pod Security Standards level.
type PodSecurityLevel string

// Pod Security levels, most restrictive first.
const (
	PodSecurityRestricted PodSecurityLevel = "restricted"
	PodSecurityBaseline   PodSecurityLevel = "baseline"
	PodSecurityPrivileged PodSecurityLevel = "privileged"
)

// Values lists the levels, most restrictive first.
func (PodSecurityLevel) Values() []PodSecurityLevel {
	return []PodSecurityLevel{PodSecurityRestricted, PodSecurityBaseline, PodSecurityPrivileged}
}

// Lowest returns the less restrictive of two levels: what a namespace holding pods of
// both must enforce.
func (v PodSecurityLevel) Lowest(o PodSecurityLevel) PodSecurityLevel {
	if slices.Index(v.Values(), o) > slices.Index(v.Values(), v) {
		return o
	}
	return v
}

// PathMatch is how a route's path is compared with the request's.
type PathMatch string

// Path match types (Gateway API HTTPPathMatch.type).
const (
	MatchPathPrefix PathMatch = "PathPrefix"
	MatchExact      PathMatch = "Exact"
)

// Values lists the match types.
func (PathMatch) Values() []PathMatch { return []PathMatch{MatchPathPrefix, MatchExact} }

// PortProtocol is what an inline app's port speaks.
type PortProtocol string

// Port protocols.
const (
	ProtocolHTTP  PortProtocol = "HTTP"
	ProtocolHTTP2 PortProtocol = "HTTP2"
	ProtocolGRPC  PortProtocol = "GRPC"
	ProtocolTCP   PortProtocol = "TCP"
)

// Values lists the protocols.
func (PortProtocol) Values() []PortProtocol {
	return []PortProtocol{ProtocolHTTP, ProtocolHTTP2, ProtocolGRPC, ProtocolTCP}
}

// H2 reports whether the port speaks HTTP/2 (GRPC or HTTP2): what a GRPC route needs.
func (p PortProtocol) H2() bool { return p == ProtocolGRPC || p == ProtocolHTTP2 }

// AppProtocol is the Service port's appProtocol for the protocol (Istio reads it).
func (p PortProtocol) AppProtocol() string {
	switch p {
	case ProtocolHTTP2, ProtocolGRPC:
		return "kubernetes.io/h2c"
	case ProtocolTCP:
		return "tcp"
	}
	return "http"
}

// RouteProtocol is the kind of route a spec route is.
type RouteProtocol string

// Route protocols.
const (
	RouteHTTP RouteProtocol = "HTTP"
	RouteGRPC RouteProtocol = "GRPC"
)

// Values lists the route protocols.
func (RouteProtocol) Values() []RouteProtocol { return []RouteProtocol{RouteHTTP, RouteGRPC} }

// HTTPMethod is an HTTP request method a route matches.
type HTTPMethod string

// Values lists the methods (Gateway API HTTPRouteMatch.method).
func (HTTPMethod) Values() []HTTPMethod {
	return []HTTPMethod{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
}

// TaintEffect is a Kubernetes taint effect.
type TaintEffect string

// Taint effects.
const (
	EffectNoSchedule       TaintEffect = "NoSchedule"
	EffectPreferNoSchedule TaintEffect = "PreferNoSchedule"
	EffectNoExecute        TaintEffect = "NoExecute"
)

// Values lists the effects.
func (TaintEffect) Values() []TaintEffect {
	return []TaintEffect{EffectNoSchedule, EffectPreferNoSchedule, EffectNoExecute}
}

// enum is what every enum type of the spec provides.
type enum[T ~string] interface {
	~string
	Values() []T
}

// enumSchema is the JSON Schema of an enum type (a string type with a Values method
// returning its values), or nil for any other type.
func enumSchema(t reflect.Type) *jsonschema.Schema {
	m, ok := t.MethodByName("Values")
	if t.Kind() != reflect.String || !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0) != reflect.SliceOf(t) {
		return nil
	}
	vs := m.Func.Call([]reflect.Value{reflect.Zero(t)})[0]
	s := &jsonschema.Schema{Type: "string"}
	for i := range vs.Len() {
		s.Enum = append(s.Enum, vs.Index(i).String())
	}
	return s
}

// checkEnum reports v at fp unless it is one of its type's values.
func checkEnum[T enum[T]](v T, fp *field.Path) *field.Error {
	vs := v.Values()
	if slices.Contains(vs, v) {
		return nil
	}
	names := make([]string, len(vs))
	for i, x := range vs {
		names[i] = string(x)
	}
	return field.NotSupported(fp, string(v), names)
}
