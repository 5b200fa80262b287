package harness

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
)

// Comparing one expected route with an Envoy route configuration. Istio names each Envoy
// route of a Gateway API rule "<namespace>.<name>.<rule index>" (one Envoy route per
// match), which is how the routes of one HTTPRoute or GRPCRoute are found.

// gatewayTables returns the route configurations the listener on port loads over RDS.
func (s *xdsSnapshot) gatewayTables(port uint32) []*route.RouteConfiguration {
	var out []*route.RouteConfiguration
	for _, n := range sortedNames(s.Listeners) {
		l := s.Listeners[n]
		if l.GetAddress().GetSocketAddress().GetPortValue() != port {
			continue
		}
		for _, rds := range listenerRDSNames(l) {
			if rc := s.Routes[rds]; rc != nil {
				out = append(out, rc)
			}
		}
	}
	return out
}

// waypointTable returns the route configuration a waypoint uses for a Service port: the
// inline one of the HTTP connection manager named inbound-vip|<port>|<protocol>|<host>.
func (s *xdsSnapshot) waypointTable(host string, port int32) *route.RouteConfiguration {
	prefix, suffix := fmt.Sprintf("inbound-vip|%d|", port), "|"+host
	for _, n := range sortedNames(s.Listeners) {
		for _, fc := range s.Listeners[n].GetFilterChains() {
			for _, f := range fc.GetFilters() {
				m := httpConnectionManager(f)
				if rc := m.GetRouteConfig(); rc != nil && strings.HasPrefix(rc.GetName(), prefix) && strings.HasSuffix(rc.GetName(), suffix) {
					return rc
				}
			}
		}
	}
	return nil
}

// waypointCluster is the waypoint's name for the cluster of an outbound cluster name
// (outbound|9080||reviews-v1.bookinfo.svc.cluster.local ->
// inbound-vip|9080|*|reviews-v1.bookinfo.svc.cluster.local, * any protocol).
var outboundCluster = regexp.MustCompile(`^outbound\|(\d+)\|\|(.+)$`)

// sameCluster reports whether Envoy's cluster got is the cluster want names; with
// waypoint, the inbound-vip cluster of the same Service port.
func sameCluster(want, got string, waypoint bool) bool {
	if !waypoint {
		return want == got
	}
	m := outboundCluster.FindStringSubmatch(want)
	if m == nil {
		return false
	}
	parts := strings.Split(got, "|")
	return len(parts) == 4 && parts[0] == "inbound-vip" && parts[1] == m[1] && parts[3] == m[2]
}

// envoyMatch describes an Envoy route match in the terms of matchExpect; ok is false for
// what a spec match cannot express (regular expressions, presence matches).
func envoyMatch(m *route.RouteMatch) (matchExpect, bool) {
	var out matchExpect
	switch {
	case m.GetPath() != "":
		out.PathType, out.Path = "Exact", m.GetPath()
	case m.GetPathSeparatedPrefix() != "":
		out.PathType, out.Path = "PathPrefix", m.GetPathSeparatedPrefix()
	case m.GetPrefix() != "":
		out.PathType, out.Path = "PathPrefix", m.GetPrefix()
	default:
		return out, false
	}
	for _, h := range m.GetHeaders() {
		v := h.GetStringMatch().GetExact()
		if h.GetStringMatch() == nil || h.GetInvertMatch() {
			return out, false
		}
		if h.GetName() == ":method" {
			out.Method = v
			continue
		}
		if out.Headers == nil {
			out.Headers = map[string]string{}
		}
		out.Headers[strings.ToLower(h.GetName())] = v
	}
	for _, q := range m.GetQueryParameters() {
		if q.GetStringMatch() == nil {
			return out, false
		}
		if out.Query == nil {
			out.Query = map[string]string{}
		}
		out.Query[q.GetName()] = q.GetStringMatch().GetExact()
	}
	return out, true
}

// normalized is the match as Envoy expresses it: a gRPC service becomes a path prefix
// /<service> (a method, the exact path /<service>/<method>), header names lower case.
func (m matchExpect) normalized() matchExpect {
	out := m
	switch {
	case m.GRPCService != "" && m.GRPCMethod != "":
		out.PathType, out.Path = "Exact", "/"+m.GRPCService+"/"+m.GRPCMethod
	case m.GRPCService != "":
		out.PathType, out.Path = "PathPrefix", "/"+m.GRPCService
	case m.PathType == "" && m.GRPCMethod == "":
		out.PathType, out.Path = "PathPrefix", "/"
	}
	out.GRPCService, out.GRPCMethod = "", ""
	if len(m.Headers) > 0 {
		out.Headers = map[string]string{}
		for k, v := range m.Headers {
			out.Headers[strings.ToLower(k)] = v
		}
	}
	return out
}

// compareRoute checks one expected route in one route configuration: a virtual host per
// hostname ("*" without hostnames; every virtual host of a waypoint's table), in it an
// Envoy route of the object for each match, and each such route's action. It returns a
// summary of the action for the report and the differences found.
func compareRoute(rc *route.RouteConfiguration, e routeExpect, hostnames []string, clusters map[string]bool, waypoint bool) (string, []string) {
	var vhosts []*route.VirtualHost
	var problems []string
	if waypoint {
		vhosts = rc.GetVirtualHosts()
	} else {
		if len(hostnames) == 0 {
			hostnames = []string{"*"}
		}
		for _, h := range hostnames {
			vh := findVirtualHost(rc, h)
			if vh == nil {
				problems = append(problems, fmt.Sprintf("route configuration %s has no virtual host for %s (domains %s)", rc.GetName(), h, domains(rc)))
				continue
			}
			vhosts = append(vhosts, vh)
		}
	}
	summary := ""
	prefix := e.Namespace + "." + e.Name + "."
	for _, vh := range vhosts {
		if e.HealthPath != "" {
			if first := firstRouteFor(vh, e.HealthPath); !strings.HasPrefix(first, prefix) {
				problems = append(problems, fmt.Sprintf("virtual host %s: the health path %s is taken by route %q, not by %s", vh.GetName(), e.HealthPath, first, e.ID()))
			}
		}
		var own []*route.Route
		for _, r := range vh.GetRoutes() {
			if strings.HasPrefix(r.GetName(), prefix) {
				own = append(own, r)
			}
		}
		for _, m := range e.Matches {
			want := m.normalized()
			var found *route.Route
			var seen []string
			for _, r := range own {
				got, ok := envoyMatch(r.GetMatch())
				if !ok {
					continue
				}
				seen = append(seen, got.String())
				if got.String() == want.String() {
					found = r
					break
				}
			}
			if found == nil {
				problems = append(problems, fmt.Sprintf("virtual host %s: no route of %s matches %s (its routes match: %s)", vh.GetName(), e.ID(), want, strings.Join(seenOrNone(seen), "; ")))
				continue
			}
			s, ps := compareAction(found, e, clusters, waypoint)
			summary = s
			for _, p := range ps {
				problems = append(problems, fmt.Sprintf("virtual host %s route %s (%s): %s", vh.GetName(), found.GetName(), want, p))
			}
		}
	}
	return summary, problems
}

func seenOrNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}

// findVirtualHost returns the virtual host whose domains hold host exactly.
func findVirtualHost(rc *route.RouteConfiguration, host string) *route.VirtualHost {
	for _, vh := range rc.GetVirtualHosts() {
		for _, d := range vh.GetDomains() {
			if d == host {
				return vh
			}
		}
	}
	return nil
}

func domains(rc *route.RouteConfiguration) string {
	var out []string
	for _, vh := range rc.GetVirtualHosts() {
		out = append(out, vh.GetDomains()...)
	}
	return strings.Join(out, ",")
}

// redirectCodes maps HTTP status codes to Envoy's redirect response codes.
var redirectCodes = map[int]route.RedirectAction_RedirectResponseCode{
	301: route.RedirectAction_MOVED_PERMANENTLY, 302: route.RedirectAction_FOUND, 303: route.RedirectAction_SEE_OTHER,
	307: route.RedirectAction_TEMPORARY_REDIRECT, 308: route.RedirectAction_PERMANENT_REDIRECT,
}

// compareAction checks what an Envoy route does against the expectation: the redirect, or
// the clusters with their weights (proportions: Envoy may scale them), the timeout, the
// prefix rewrite and the header edits.
func compareAction(r *route.Route, e routeExpect, clusters map[string]bool, waypoint bool) (string, []string) {
	var problems []string
	if rd := e.Redirect; rd != nil {
		got := r.GetRedirect()
		if got == nil {
			return "redirect", []string{fmt.Sprintf("forwards instead of redirecting (want redirect %s)", redirectString(rd))}
		}
		scheme := got.GetSchemeRedirect()
		if got.GetHttpsRedirect() {
			scheme = "https"
		}
		if rd.Scheme != "" && scheme != rd.Scheme {
			problems = append(problems, fmt.Sprintf("redirect scheme %q, want %q", scheme, rd.Scheme))
		}
		if rd.Hostname != "" && got.GetHostRedirect() != rd.Hostname {
			problems = append(problems, fmt.Sprintf("redirect host %q, want %q", got.GetHostRedirect(), rd.Hostname))
		}
		if rd.Path != "" && got.GetPathRedirect() != rd.Path {
			problems = append(problems, fmt.Sprintf("redirect path %q, want %q", got.GetPathRedirect(), rd.Path))
		}
		if rd.Port != 0 && got.GetPortRedirect() != uint32(rd.Port) {
			problems = append(problems, fmt.Sprintf("redirect port %d, want %d", got.GetPortRedirect(), rd.Port))
		}
		if code, ok := redirectCodes[rd.StatusCode]; ok && got.GetResponseCode() != code {
			problems = append(problems, fmt.Sprintf("redirect code %s, want %s (%d)", got.GetResponseCode(), code, rd.StatusCode))
		}
		return "redirect " + redirectString(rd), problems
	}
	a := r.GetRoute()
	if a == nil {
		return "", []string{"no route action (want forwarding to " + backendsString(e.Backends) + ")"}
	}
	got := map[string]uint32{}
	if c := a.GetCluster(); c != "" {
		got[c] = 1
	}
	for _, c := range a.GetWeightedClusters().GetClusters() {
		got[c.GetName()] += c.GetWeight().GetValue()
	}
	problems = append(problems, compareWeights(e.Backends, got, waypoint)...)
	for _, b := range e.Backends {
		if !waypoint && clusters != nil && !clusters[b.Cluster] {
			problems = append(problems, fmt.Sprintf("cluster %s is not among the proxy's clusters (CDS)", b.Cluster))
		}
	}
	if e.Timeout > 0 && a.GetTimeout().AsDuration() != e.Timeout {
		problems = append(problems, fmt.Sprintf("timeout %s, want %s", a.GetTimeout().AsDuration(), e.Timeout))
	}
	if e.Rewrite != "" && !rewrites(a, e.Rewrite) {
		problems = append(problems, fmt.Sprintf("path rewrite prefix_rewrite=%q regex_rewrite=%v, want the prefix replaced by %q", a.GetPrefixRewrite(), a.GetRegexRewrite(), e.Rewrite))
	}
	problems = append(problems, compareHeaders("request", e.Request, r.GetRequestHeadersToAdd(), r.GetRequestHeadersToRemove())...)
	problems = append(problems, compareHeaders("response", e.Response, r.GetResponseHeadersToAdd(), r.GetResponseHeadersToRemove())...)
	return backendsString(e.Backends), problems
}

// compareWeights checks that the clusters are the expected ones, in the spec's
// proportions (want_i/sum(want) == got_i/sum(got)).
func compareWeights(want []backendExpect, got map[string]uint32, waypoint bool) []string {
	var sumW, sumG uint64
	for _, b := range want {
		sumW += uint64(b.Weight)
	}
	for _, w := range got {
		sumG += uint64(w)
	}
	var problems []string
	matched := map[string]bool{}
	for _, b := range want {
		name, w, ok := "", uint32(0), false
		for g, gw := range got {
			if sameCluster(b.Cluster, g, waypoint) {
				name, w, ok = g, gw, true
			}
		}
		if !ok {
			if b.Weight > 0 {
				problems = append(problems, fmt.Sprintf("no cluster %s (got %s)", b.Cluster, weightsString(got)))
			}
			continue
		}
		matched[name] = true
		if len(want) > 1 && uint64(b.Weight)*sumG != uint64(w)*sumW {
			problems = append(problems, fmt.Sprintf("cluster %s weight %d of %d, the spec says %d of %d", b.Cluster, w, sumG, b.Weight, sumW))
		}
	}
	for g := range got {
		if !matched[g] {
			problems = append(problems, fmt.Sprintf("cluster %s (weight %d) is not a backend of the spec", g, got[g]))
		}
	}
	sort.Strings(problems)
	return problems
}

// rewrites reports whether the route action replaces the matched prefix with rw: Envoy's
// prefix_rewrite, or the regex_rewrite Istio uses for PathPrefix matches (its substitution
// is rw followed by capture groups only).
func rewrites(a *route.RouteAction, rw string) bool {
	if a.GetPrefixRewrite() == rw {
		return true
	}
	sub := a.GetRegexRewrite().GetSubstitution()
	if a.GetRegexRewrite() == nil || !strings.HasPrefix(sub, rw) {
		return false
	}
	return regexp.MustCompile(`^(\\\d)*$`).MatchString(strings.TrimPrefix(sub, rw))
}

// compareHeaders checks header edits: set is OVERWRITE_IF_EXISTS_OR_ADD, add is
// APPEND_IF_EXISTS_OR_ADD, remove is listed.
func compareHeaders(what string, want *specHeaders, add []*core.HeaderValueOption, remove []string) []string {
	if want == nil {
		return nil
	}
	var problems []string
	has := func(k, v string, action core.HeaderValueOption_HeaderAppendAction) bool {
		for _, h := range add {
			if strings.EqualFold(h.GetHeader().GetKey(), k) && h.GetHeader().GetValue() == v && h.GetAppendAction() == action {
				return true
			}
		}
		return false
	}
	for _, k := range sortedNames(want.Set) {
		if !has(k, want.Set[k], core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD) {
			problems = append(problems, fmt.Sprintf("%s header %s is not set to %q", what, k, want.Set[k]))
		}
	}
	for _, k := range sortedNames(want.Add) {
		if !has(k, want.Add[k], core.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD) {
			problems = append(problems, fmt.Sprintf("%s header %s: %q is not added", what, k, want.Add[k]))
		}
	}
	for _, k := range want.Remove {
		found := false
		for _, r := range remove {
			found = found || strings.EqualFold(r, k)
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s header %s is not removed", what, k))
		}
	}
	return problems
}

func redirectString(rd *specRedirect) string {
	var parts []string
	for _, p := range []string{rd.Scheme, rd.Hostname, rd.Path} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if rd.Port != 0 {
		parts = append(parts, fmt.Sprintf("port %d", rd.Port))
	}
	return strings.Join(append(parts, fmt.Sprint(rd.StatusCode)), " ")
}

func backendsString(bs []backendExpect) string {
	var parts []string
	for _, b := range bs {
		if len(bs) > 1 {
			parts = append(parts, fmt.Sprintf("%s %d", b.Cluster, b.Weight))
		} else {
			parts = append(parts, b.Cluster)
		}
	}
	return strings.Join(parts, ", ")
}

func weightsString(got map[string]uint32) string {
	var parts []string
	for _, n := range sortedNames(got) {
		parts = append(parts, fmt.Sprintf("%s %d", n, got[n]))
	}
	return strings.Join(seenOrNone(parts), ", ")
}

// firstRouteFor returns the name of the first route of vh (Envoy takes the first match)
// whose path match takes a request for path with no particular header or query, "" if
// none does.
func firstRouteFor(vh *route.VirtualHost, path string) string {
	for _, r := range vh.GetRoutes() {
		m := r.GetMatch()
		if len(m.GetHeaders()) > 0 || len(m.GetQueryParameters()) > 0 {
			continue
		}
		p, sep := m.GetPrefix(), m.GetPathSeparatedPrefix()
		switch {
		case m.GetPath() == path,
			p != "" && strings.HasPrefix(path, p),
			sep != "" && (path == sep || strings.HasPrefix(path, strings.TrimSuffix(sep, "/")+"/")):
			return r.GetName()
		}
	}
	return ""
}
