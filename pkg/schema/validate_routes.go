package schema

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits of Gateway API routes (standard channel).
const (
	maxMatches       = 64        // HTTPRouteRule.matches
	maxRules         = 16        // HTTPRoute.rules
	maxBackends      = 16        // HTTPRouteRule.backendRefs
	maxHeaderMatches = 16        // HTTPRouteMatch.headers, queryParams
	maxHeaderEdits   = 16        // HTTPHeaderFilter.set, add, remove
	maxWeight        = 1_000_000 // HTTPBackendRef.weight
	maxHeaderValue   = 4096      // HTTPHeaderMatch.value
)

var (
	headerName  = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$")
	grpcService = regexp.MustCompile(`^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$`)
	grpcMethod  = regexp.MustCompile(`^[A-Za-z_][A-Za-z_0-9]*$`)
	gwDuration  = regexp.MustCompile(`^([0-9]{1,5}(h|m|s|ms)){1,4}$`)
)

// appRef is what a route needs to know of an app it names.
type appRef struct {
	index     int
	namespace string
	portless  bool                   // an external app whose spec names no Service port
	ports     map[int32]PortProtocol // inline apps: the ports they declare
	port      int32                  // inline apps: the port app: routes reach by default
	versions  []string               // inline apps: the versions' names
}

func (v *validator) appRefs() map[string]appRef {
	apps := map[string]appRef{}
	for i, a := range v.p.Spec.Apps {
		ref := appRef{index: i, namespace: a.Namespace, portless: !a.Inline() && (a.Service == nil || a.Service.Port == 0)}
		if a.Inline() {
			for _, ver := range a.Versions {
				if !slices.Contains(ref.versions, ver.Name) {
					ref.versions = append(ref.versions, ver.Name)
				}
			}
			ref.ports = map[int32]PortProtocol{}
			if a.Port != 0 {
				ref.ports[a.Port], ref.port = ProtocolHTTP, a.Port
			}
			for j, pt := range a.Ports {
				ref.ports[pt.Port] = cmp.Or(pt.Protocol, ProtocolHTTP)
				if j == 0 && ref.port == 0 {
					ref.port = pt.Port
				}
			}
			if a.Service != nil && a.Service.Port != 0 {
				ref.port = a.Service.Port
			}
		}
		apps[a.Name] = ref
	}
	return apps
}

func (v *validator) routes(fp *field.Path) {
	s := &v.p.Spec
	apps := v.appRefs()
	// Names, conflicts and the health path are checked on the resolved routes (model).
	for i := range s.Routes {
		r := &s.Routes[i]
		rp := fp.Index(i)
		grpc := r.Protocol == RouteGRPC
		v.enum(checkEnum(r.Protocol, rp.Child("protocol")))
		// Short forms: path (+ match), app, backend.
		switch {
		case r.Path != "" && len(r.Matches) > 0:
			v.add(field.Forbidden(rp.Child("matches"), "a route names path or matches, not both"))
		case r.Path != "":
			if grpc {
				v.add(field.Forbidden(rp.Child("path"), "a GRPC route matches on matches[].grpc (service, method), not on a path"))
			} else {
				v.httpPath(rp.Child("path"), r.Path)
			}
		case len(r.Matches) == 0 && !grpc:
			v.add(field.Required(rp.Child("path"), "a route names path or matches"))
		}
		if r.Match != "" {
			v.enum(checkEnum(r.Match, rp.Child("match")))
		}
		targets := btoi(r.App != "") + btoi(r.Backend != nil) + btoi(len(r.Backends) > 0)
		switch {
		case targets > 1 && r.App != "" && r.Backend != nil:
			v.add(field.Invalid(rp.Child("backend"), r.Backend.Service, "a route names exactly one of app, backend or backends, not both"))
		case targets > 1:
			v.add(field.Forbidden(rp.Child("backends"), "a route names exactly one of app, backend or backends"))
		case targets == 0 && r.Redirect == nil:
			v.add(field.Required(rp.Child("app"), "a route names exactly one of app, backend or backends (or redirects)"))
		case targets > 0 && r.Redirect != nil:
			v.add(field.Forbidden(rp.Child("redirect"), "a redirect answers the request itself: it takes no app, backend or backends"))
		case r.App != "":
			v.appBackend(rp, r.App, "", apps, 0, "", r.Protocol)
		case r.Backend != nil:
			bp := rp.Child("backend")
			v.serviceName(bp.Child("service"), r.Backend.Service)
			v.namespace(bp.Child("namespace"), r.Backend.Namespace)
			v.port(bp.Child("port"), r.Backend.Port)
		}
		_, appKnown := apps[r.App]
		resolvable := r.Backend != nil || appKnown
		if len(r.Backends) > 0 {
			_, known := apps[r.Backends[0].App]
			resolvable = known || r.Backends[0].Service != ""
		}
		switch {
		case r.Namespace != "":
			v.namespace(rp.Child("namespace"), r.Namespace)
		case targets > 0 && resolvable: // else the unknown app is reported
			v.add(field.Required(rp.Child("namespace"), ""))
		case r.Redirect != nil:
			v.add(field.Required(rp.Child("namespace"), "a redirect route has no backend to take its namespace from"))
		}
		v.label(rp.Child("name"), r.Name)
		if len(r.Hostnames) > maxHostnames {
			v.add(field.TooMany(rp.Child("hostnames"), len(r.Hostnames), maxHostnames))
		}
		for j, h := range r.Hostnames {
			v.hostname(rp.Child("hostnames").Index(j), h)
			if gh := s.Gateway.Hostname; gh != "" && !HostnamesIntersect(gh, h) {
				v.add(field.Invalid(rp.Child("hostnames").Index(j), h, fmt.Sprintf("does not match the gateway's listener hostname %q: the route would never be attached", gh)))
			}
		}
		if lb := s.Gateway.LoadBalancer; grpc && s.Provider == ProviderEKS && lb.TargetGroupARN != "" {
			v.add(field.Forbidden(rp.Child("protocol"), "gRPC behind the ALB goes to a second target group that Terraform names after spec.gateway.loadBalancer.targetGroupName: name the target group instead of giving its ARN"))
		}
		if grpc && s.Gateway.HTTPS == nil {
			v.add(field.Forbidden(rp.Child("protocol"), "gRPC needs HTTP/2, which the gateway serves on its HTTPS listener (ALPN h2): add spec.gateway.https"))
		}
		prefixOnly := r.Match != MatchExact
		for _, m := range r.Matches {
			prefixOnly = prefixOnly && m.Match != MatchExact
		}
		v.rule(rp, &r.Rule, r.Protocol, apps, prefixOnly)
	}
}

func (v *validator) meshRoutes(fp *field.Path) {
	apps := v.appRefs()
	appNamespaces := map[string]bool{}
	for _, a := range apps {
		appNamespaces[a.namespace] = true
	}
	for i := range v.p.Spec.MeshRoutes {
		r := &v.p.Spec.MeshRoutes[i]
		rp := fp.Index(i)
		v.label(rp.Child("name"), r.Name)
		sp := rp.Child("service")
		v.serviceName(sp.Child("name"), r.Service.Name)
		v.namespace(sp.Child("namespace"), r.Service.Namespace)
		if r.Service.Port == 0 {
			v.add(field.Required(sp.Child("port"), "the Service port whose traffic the route takes (a mesh route's parent is one port of a Service)"))
		} else {
			v.port(sp.Child("port"), r.Service.Port)
		}
		switch {
		case len(r.Backends) == 0 && r.Redirect == nil:
			v.add(field.Required(rp.Child("backends"), "where the route sends the Service's traffic"))
		case len(r.Backends) > 0 && r.Redirect != nil:
			v.add(field.Forbidden(rp.Child("redirect"), "a redirect answers the request itself: it takes no backends"))
		}
		switch ns := r.Service.Namespace; {
		case ns == "":
		case ns == v.p.Spec.Gateway.Namespace:
			v.add(field.Invalid(sp.Child("namespace"), ns, "the gateway's namespace: a mesh route takes traffic of an app's Service, through its namespace's waypoint"))
		case !appNamespaces[ns]:
			v.add(field.Invalid(sp.Child("namespace"), ns, "no app of spec.apps runs in this namespace: krm-gen gives a waypoint (and its policies) only to the namespaces of its apps"))
		}
		if v.p.Spec.Waypoints.Disabled {
			v.add(field.Forbidden(rp, "a mesh route takes effect through its namespace's waypoint, and spec.waypoints.disabled is set"))
		}
		prefixOnly := true
		for _, m := range r.Matches {
			prefixOnly = prefixOnly && m.Match != MatchExact
		}
		v.rule(rp, &r.Rule, RouteHTTP, apps, prefixOnly)
	}
}

// rule checks what a route does: its matches, backends and filters, within Gateway
// API's limits and its standard channel at the spec's version.
func (v *validator) rule(rp *field.Path, r *Rule, proto RouteProtocol, apps map[string]appRef, prefixOnly bool) {
	grpc := proto == RouteGRPC
	httpOnly := func(fp *field.Path, set bool) {
		if grpc && set {
			v.add(field.Forbidden(fp, "an HTTP route field: a GRPC route (GRPCRoute) has none"))
		}
	}
	if len(r.Matches) > maxMatches {
		v.add(field.TooMany(rp.Child("matches"), len(r.Matches), maxMatches))
	}
	for j, m := range r.Matches {
		mp := rp.Child("matches").Index(j)
		if grpc {
			httpOnly(mp.Child("path"), m.Path != "")
			httpOnly(mp.Child("method"), m.Method != "")
			httpOnly(mp.Child("queryParams"), len(m.QueryParams) > 0)
			if g := m.GRPC; g != nil {
				if g.Service == "" && g.Method == "" {
					v.add(field.Required(mp.Child("grpc", "service"), "a gRPC match names a service, a method or both"))
				}
				if g.Service != "" && !grpcService.MatchString(g.Service) {
					v.add(field.Invalid(mp.Child("grpc", "service"), g.Service, "must be a gRPC service name like shop.v1.Cart"))
				}
				if g.Method != "" && !grpcMethod.MatchString(g.Method) {
					v.add(field.Invalid(mp.Child("grpc", "method"), g.Method, "must be a gRPC method name like GetCart"))
				}
			}
		} else {
			if m.GRPC != nil {
				v.add(field.Forbidden(mp.Child("grpc"), "gRPC matches need protocol GRPC"))
			}
			if m.Path != "" {
				v.httpPath(mp.Child("path"), m.Path)
			} else if m.Match != "" {
				v.add(field.Required(mp.Child("path"), "match says how the path matches: name the path"))
			}
			if m.Match != "" {
				v.enum(checkEnum(m.Match, mp.Child("match")))
			}
			if m.Method != "" {
				v.enum(checkEnum(m.Method, mp.Child("method")))
			}
			v.nameValues(mp.Child("queryParams"), m.QueryParams, "query parameter")
		}
		v.nameValues(mp.Child("headers"), m.Headers, "header")
	}
	if len(r.Backends) > maxBackends {
		v.add(field.TooMany(rp.Child("backends"), len(r.Backends), maxBackends))
	}
	total := int64(0)
	for j, b := range r.Backends {
		bp := rp.Child("backends").Index(j)
		switch {
		case b.App != "" && b.Service != "":
			v.add(field.Forbidden(bp, "a backend is an app or a service, not both"))
		case b.App != "":
			v.appBackend(bp, b.App, b.Version, apps, b.Port, b.Namespace, proto)
		case b.Service != "":
			v.serviceName(bp.Child("service"), b.Service)
			if b.Port == 0 {
				v.add(field.Required(bp.Child("port"), "the Service's port"))
			} else {
				v.port(bp.Child("port"), b.Port)
			}
		default:
			v.add(field.Required(bp.Child("app"), "a backend is an app or a service"))
		}
		if b.Version != "" && b.App == "" {
			v.add(field.Forbidden(bp.Child("version"), "a version is one of an app's: name the app"))
		}
		if b.Namespace != "" {
			v.namespace(bp.Child("namespace"), b.Namespace)
		}
		if b.App != "" && b.Port != 0 {
			v.port(bp.Child("port"), b.Port)
		}
		if w := b.Weight; w != nil {
			if *w < 0 || *w > maxWeight {
				v.add(field.Invalid(bp.Child("weight"), *w, fmt.Sprintf("must be between 0 and %d", maxWeight)))
			}
			total += int64(*w)
		}
	}
	if len(r.Backends) > 0 && total == 0 {
		v.add(field.Invalid(rp.Child("backends"), "0", "the weights add up to 0: no request would be forwarded (Gateway API answers 500)"))
	}
	if r.Timeout != "" {
		tp := rp.Child("timeout")
		_, err := time.ParseDuration(r.Timeout)
		switch {
		case grpc:
			httpOnly(tp, true)
		case !gwDuration.MatchString(r.Timeout) || err != nil:
			v.add(field.Invalid(tp, r.Timeout, "must be a Gateway API duration: up to four of number + h, m, s or ms, e.g. 10s, 1m30s, 500ms"))
		} // timeouts are in the standard channel from v1.2, the oldest release krm-gen takes
	}
	v.headerFilter(rp.Child("requestHeaders"), r.RequestHeaders)
	v.headerFilter(rp.Child("responseHeaders"), r.ResponseHeaders)
	if r.Rewrite != "" {
		httpOnly(rp.Child("rewrite"), true)
		if !grpc && v.httpPath(rp.Child("rewrite"), r.Rewrite) && !prefixOnly && len(r.Matches) == 0 {
			v.add(field.Invalid(rp.Child("rewrite"), r.Rewrite, "a prefix rewrite needs match PathPrefix"))
		}
		// Rendered as one Gateway API rule per match (a prefix rewrite takes exactly one).
		if len(r.Matches) > maxRules {
			v.add(field.TooMany(rp.Child("matches"), len(r.Matches), maxRules))
		}
	}
	if rd := r.Redirect; rd != nil {
		rdp := rp.Child("redirect")
		httpOnly(rdp, true)
		if rd.Scheme != "" && rd.Scheme != "http" && rd.Scheme != "https" {
			v.add(field.NotSupported(rdp.Child("scheme"), rd.Scheme, []string{"http", "https"}))
		}
		if rd.Hostname != "" {
			for _, msg := range validation.IsDNS1123Subdomain(rd.Hostname) {
				v.add(field.Invalid(rdp.Child("hostname"), rd.Hostname, "must be a hostname: "+msg))
			}
		}
		if rd.Path != "" {
			v.httpPath(rdp.Child("path"), rd.Path)
		}
		if rd.Port != 0 {
			v.port(rdp.Child("port"), rd.Port)
		}
		switch rd.StatusCode {
		case 0, 301, 302:
		case 303, 307, 308:
			if !v.p.GatewayAPIAtLeast(5) {
				v.add(field.Forbidden(rdp.Child("statusCode"), fmt.Sprintf("redirect status %d is in Gateway API's standard channel from v1.5 (301 and 302 before; spec.versions.gatewayAPI is %s)", rd.StatusCode, v.p.Spec.Versions.GatewayAPI)))
			}
		default:
			v.add(field.NotSupported(rdp.Child("statusCode"), rd.StatusCode, []string{"301", "302", "303", "307", "308"}))
		}
		if r.Rewrite != "" {
			v.add(field.Forbidden(rdp, "a redirect and a rewrite exclude each other"))
		}
	}
	if mr := r.Mirror; mr != nil {
		mp := rp.Child("mirror")
		switch {
		case mr.App != "" && mr.Service != "":
			v.add(field.Forbidden(mp, "a mirror names exactly one of app or service, not both"))
		case mr.App == "" && mr.Service == "":
			v.add(field.Required(mp.Child("app"), "a mirror names exactly one of app or service"))
		case mr.App != "":
			v.appBackend(mp, mr.App, mr.Version, apps, mr.Port, mr.Namespace, proto)
		default:
			v.serviceName(mp.Child("service"), mr.Service)
			if mr.Port == 0 {
				v.add(field.Required(mp.Child("port"), "the Service's port"))
			}
		}
		if mr.Version != "" && mr.App == "" {
			v.add(field.Forbidden(mp.Child("version"), "a version is one of an app's: name the app"))
		}
		if mr.Port != 0 {
			v.port(mp.Child("port"), mr.Port)
		}
		if mr.Namespace != "" {
			v.namespace(mp.Child("namespace"), mr.Namespace)
		}
		if mr.Percent != 0 {
			if mr.Percent < 1 || mr.Percent > 100 {
				v.add(field.Invalid(mp.Child("percent"), mr.Percent, "must be between 1 and 100"))
			} else if !v.p.GatewayAPIAtLeast(3) {
				v.add(field.Forbidden(mp.Child("percent"), fmt.Sprintf("mirroring a share of the requests is in Gateway API's standard channel from v1.3 (spec.versions.gatewayAPI is %s)", v.p.Spec.Versions.GatewayAPI)))
			}
		}
	}
}

// appBackend checks a route's reference to an app: bp is the path of the object that
// names it in its app field, beside a port and a namespace (0 and "" when none); proto
// is the route's protocol.
func (v *validator) appBackend(bp *field.Path, name, version string, apps map[string]appRef, port int32, namespace string, proto RouteProtocol) {
	fp := bp.Child("app")
	a, ok := apps[name]
	switch {
	case !ok:
		v.add(field.Invalid(fp, name, "no app with this name in spec.apps"))
		return
	case a.portless && port == 0:
		v.add(field.Invalid(fp, name, fmt.Sprintf("its pods come from a chart or folder and spec.apps[%d].service names no port: set it (the port of the Service the source creates), or route with backend", a.index)))
	}
	if version != "" && !slices.Contains(a.versions, version) {
		msg := fmt.Sprintf("app %s has no version %s (spec.apps[%d].versions names %s)", name, version, a.index, strings.Join(a.versions, ", "))
		if len(a.versions) == 0 {
			msg = fmt.Sprintf("app %s has no versions (spec.apps[%d].versions): leave version out", name, a.index)
		}
		v.add(field.Invalid(bp.Child("version"), version, msg))
	}
	if namespace != "" && namespace != a.namespace {
		v.add(field.Invalid(bp.Child("namespace"), namespace, fmt.Sprintf("app %s runs in namespace %s: an app backend is always its app's Service (leave namespace out, or name the Service with service)", name, a.namespace)))
	}
	if a.ports == nil {
		return // external: the source's Service, whose ports krm-gen does not know
	}
	if port != 0 {
		switch pr, declared := a.ports[port]; {
		case !declared:
			v.add(field.Invalid(bp.Child("port"), port, fmt.Sprintf("app %s has no port %d (spec.apps[%d].ports)", name, port, a.index)))
		case proto == RouteGRPC && !pr.H2():
			v.add(field.Invalid(bp.Child("port"), port, fmt.Sprintf("a GRPC route needs a port of app %s with protocol GRPC or HTTP2 (port %d speaks %s: the gateway would send it HTTP/1.1)", name, port, pr)))
		}
		return
	}
	if proto == RouteGRPC && a.port != 0 && !slices.ContainsFunc(slices.Collect(maps.Values(a.ports)), PortProtocol.H2) {
		v.add(field.Invalid(fp, name, fmt.Sprintf("a GRPC route needs a port of the app with protocol GRPC or HTTP2 (spec.apps[%d].ports has none: the gateway would send HTTP/1.1)", a.index)))
	}
}

// nameValues checks header or query parameter matches: names and values.
func (v *validator) nameValues(fp *field.Path, m map[string]string, what string) {
	if len(m) > maxHeaderMatches {
		v.add(field.TooMany(fp, len(m), maxHeaderMatches))
	}
	seen := map[string]string{}
	for _, k := range sortedKeys(m) {
		if !headerName.MatchString(k) || len(k) > 256 {
			v.add(field.Invalid(fp.Key(k), k, "must be an HTTP "+what+" name (RFC 7230 token: letters, digits and !#$%&'*+-.^_`|~)"))
		}
		if what == "header" {
			if other, dup := seen[strings.ToLower(k)]; dup {
				v.add(Duplicate(fp.Key(k), k, fmt.Sprintf("header names are case-insensitive: same as %q", other)))
			}
			seen[strings.ToLower(k)] = k
		}
		if len(m[k]) > maxHeaderValue {
			v.add(field.TooLong(fp.Key(k), "", maxHeaderValue))
		}
	}
}

func (v *validator) headerFilter(fp *field.Path, f *HeaderFilter) {
	if f == nil {
		return
	}
	names := map[string]string{}
	for _, part := range []struct {
		name string
		keys []string
	}{{"set", sortedKeys(f.Set)}, {"add", sortedKeys(f.Add)}, {"remove", f.Remove}} {
		if len(part.keys) > maxHeaderEdits {
			v.add(field.TooMany(fp.Child(part.name), len(part.keys), maxHeaderEdits))
		}
		for j, k := range part.keys {
			kp := fp.Child(part.name).Key(k)
			if part.name == "remove" {
				kp = fp.Child(part.name).Index(j)
			}
			if !headerName.MatchString(k) || len(k) > 256 {
				v.add(field.Invalid(kp, k, "must be an HTTP header name (RFC 7230 token: letters, digits and !#$%&'*+-.^_`|~)"))
				continue
			}
			if other, dup := names[strings.ToLower(k)]; dup {
				v.add(Duplicate(kp, k, "already changed by "+other+": a header is set, added or removed once"))
			}
			names[strings.ToLower(k)] = fp.Child(part.name).String()
		}
	}
}

func (v *validator) waypoints(fp *field.Path) {
	w := v.p.Spec.Waypoints
	v.pool(fp.Child("nodePool"), w.NodePool)
	if w.Replicas < 1 {
		v.add(field.Invalid(fp.Child("replicas"), w.Replicas, "must be at least 1"))
	}
	v.resources(fp.Child("resources"), w.Resources)
}
