package schema

// Route sends requests on the gateway to apps or existing Services: an HTTPRoute (or a
// GRPCRoute) with one rule. The short forms (path and match; app or backend) are one
// match and one backend; matches and backends say more.
type Route struct {
	Name      string        `json:"name,omitempty" jsonschema:"description=Route name (default derived from the first path)"`
	Protocol  RouteProtocol `json:"protocol,omitempty" jsonschema:"description=HTTP (default): an HTTPRoute; GRPC: a GRPCRoute (matches on gRPC service and method)"`
	Hostnames []string      `json:"hostnames,omitempty"`
	Namespace string        `json:"namespace,omitempty" jsonschema:"description=Namespace of the route (default: its first backend's)"`
	Path      string        `json:"path,omitempty" jsonschema:"description=Short form of matches: one path"`
	Match     PathMatch     `json:"match,omitempty" jsonschema:"description=How path matches (default PathPrefix)"`
	App       string        `json:"app,omitempty" jsonschema:"description=Short form of backends: one app's Service"`
	Backend   *Backend      `json:"backend,omitempty" jsonschema:"description=Short form of backends: one existing Service"`
	Rule
}

// MeshRoute is an east-west route (GAMMA): an HTTPRoute whose parent is a Service,
// served by the waypoint of the Service's namespace.
type MeshRoute struct {
	Name    string      `json:"name"`
	Service ServicePort `json:"service" jsonschema:"description=The Service whose traffic the route takes (its namespace is the route's)"`
	Rule
}

// Rule is what a route does with the requests it matches.
type Rule struct {
	Matches         []RouteMatch   `json:"matches,omitempty" jsonschema:"description=ORed; each match ANDs its conditions; none matches every request"`
	Backends        []RouteBackend `json:"backends,omitempty" jsonschema:"description=Weighted split of the requests"`
	Timeout         string         `json:"timeout,omitempty" jsonschema:"description=Request timeout\\, a Gateway API duration (10s\\, 1m30s\\, 500ms); HTTP only"`
	RequestHeaders  *HeaderFilter  `json:"requestHeaders,omitempty" jsonschema:"description=Headers set\\, added or removed before forwarding"`
	ResponseHeaders *HeaderFilter  `json:"responseHeaders,omitempty" jsonschema:"description=Headers set\\, added or removed in the response"`
	Rewrite         string         `json:"rewrite,omitempty" jsonschema:"description=Replace the matched path prefix with this before forwarding; HTTP only"`
	Redirect        *RouteRedirect `json:"redirect,omitempty" jsonschema:"description=Answer with a redirect instead of forwarding; HTTP only"`
	Mirror          *RouteMirror   `json:"mirror,omitempty" jsonschema:"description=Also send a copy of a share of the requests to a backend (responses are dropped)"`
}

// RouteMatch is one way a request matches: every condition set must hold (exact values).
type RouteMatch struct {
	Path        string            `json:"path,omitempty" jsonschema:"description=HTTP: the path (default / as a prefix)"`
	Match       PathMatch         `json:"match,omitempty" jsonschema:"description=HTTP: PathPrefix (default) or Exact"`
	Method      HTTPMethod        `json:"method,omitempty" jsonschema:"description=HTTP: the request method"`
	Headers     map[string]string `json:"headers,omitempty" jsonschema:"description=Header name -> exact value"`
	QueryParams map[string]string `json:"queryParams,omitempty" jsonschema:"description=HTTP: query parameter -> exact value"`
	GRPC        *GRPCMatch        `json:"grpc,omitempty" jsonschema:"description=GRPC routes: the gRPC service and method"`
}

// GRPCMatch matches a gRPC call by service and method (exact).
type GRPCMatch struct {
	Service string `json:"service,omitempty" jsonschema:"description=Fully qualified service\\, e.g. shop.v1.Cart"`
	Method  string `json:"method,omitempty" jsonschema:"description=Method name\\, e.g. GetCart"`
}

// RouteBackend is one weighted backend: an app's Service or an existing Service.
type RouteBackend struct {
	App       string `json:"app,omitempty"`
	Version   string `json:"version,omitempty" jsonschema:"description=With app: only this version of the app (its Service <app>-<version>)"`
	Service   string `json:"service,omitempty"`
	Namespace string `json:"namespace,omitempty" jsonschema:"description=The Service's namespace (default: the route's)"`
	Port      int32  `json:"port,omitempty" jsonschema:"description=The Service's port (app: default the app's)"`
	Weight    *int32 `json:"weight,omitempty" jsonschema:"description=Share of the requests\\, 0 to 1000000 (default 1)"`
}

// Backend is an existing Service a route forwards to.
type Backend struct {
	Service   string `json:"service"`
	Namespace string `json:"namespace"`
	Port      int32  `json:"port"`
}

// ServicePort names a Service and one of its ports.
type ServicePort struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Port      int32  `json:"port"`
}

// HeaderFilter changes request or response headers.
type HeaderFilter struct {
	Set    map[string]string `json:"set,omitempty" jsonschema:"description=Header name -> value\\, replacing any value"`
	Add    map[string]string `json:"add,omitempty" jsonschema:"description=Header name -> value\\, added to any value"`
	Remove []string          `json:"remove,omitempty" jsonschema:"description=Header names removed"`
}

// RouteRedirect answers matching requests with a redirect.
type RouteRedirect struct {
	Scheme     string `json:"scheme,omitempty" jsonschema:"description=http or https (default: the request's)"`
	Hostname   string `json:"hostname,omitempty" jsonschema:"description=Default: the request's"`
	Path       string `json:"path,omitempty" jsonschema:"description=Replaces the whole path (default: the request's)"`
	Port       int32  `json:"port,omitempty"`
	StatusCode int    `json:"statusCode,omitempty" jsonschema:"description=301\\, 302 (default)\\, 303\\, 307 or 308"`
}

// RouteMirror sends a copy of a share of the requests to a backend.
type RouteMirror struct {
	App       string `json:"app,omitempty"`
	Version   string `json:"version,omitempty" jsonschema:"description=With app: only this version of the app"`
	Service   string `json:"service,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Port      int32  `json:"port,omitempty"`
	Percent   int32  `json:"percent,omitempty" jsonschema:"description=Share of the requests mirrored\\, 1-100 (default 100)"`
}

// Waypoints configures the waypoints krm-gen adds to namespaces with mesh routes or
// L7 allowFrom rules.
type Waypoints struct {
	NodePool  string     `json:"nodePool,omitempty" jsonschema:"description=Node pool of the waypoint pods (default: the gateway's)"`
	Replicas  int32      `json:"replicas,omitempty" jsonschema:"description=Waypoint replicas per namespace (default 2; > 1 adds a PodDisruptionBudget)"`
	Resources *Resources `json:"resources,omitempty"`
	Disabled  bool       `json:"disabled,omitempty" jsonschema:"description=Add no waypoints: mesh routes and L7 allowFrom become errors"`
}
