package harness

import "strings"

// The routes part of a Platform spec, read as plain YAML like the rest of platformSpec
// (the harness never imports the generator): what the spec says each route does, which
// the xDS check compares with what istiod sends the gateway's Envoy.

// specRoutes is spec.routes, spec.meshRoutes and what resolving them needs.
type specRoutes struct {
	Routes     []specRoute     `json:"routes"`
	MeshRoutes []specMeshRoute `json:"meshRoutes"`
	Apps       []specApp       `json:"apps"`
	Health     struct {
		Path      string `json:"path"`
		Namespace string `json:"namespace"`
	} `json:"health"`
}

// specRoute is one spec.routes entry (short forms included).
type specRoute struct {
	Name      string       `json:"name"`
	Protocol  string       `json:"protocol"`
	Hostnames []string     `json:"hostnames"`
	Namespace string       `json:"namespace"`
	Path      string       `json:"path"`
	Match     string       `json:"match"`
	App       string       `json:"app"`
	Backend   *specBackend `json:"backend"`
	specRule
}

// specMeshRoute is one spec.meshRoutes entry: an HTTPRoute whose parent is a Service.
type specMeshRoute struct {
	Name    string `json:"name"`
	Service struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		Port      int32  `json:"port"`
	} `json:"service"`
	specRule
}

// specRule is what a route does with the requests it matches.
type specRule struct {
	Matches         []specMatch   `json:"matches"`
	Backends        []specBackend `json:"backends"`
	Timeout         string        `json:"timeout"`
	RequestHeaders  *specHeaders  `json:"requestHeaders"`
	ResponseHeaders *specHeaders  `json:"responseHeaders"`
	Rewrite         string        `json:"rewrite"`
	Redirect        *specRedirect `json:"redirect"`
}

// specMatch is one way a request matches.
type specMatch struct {
	Path        string            `json:"path"`
	Match       string            `json:"match"`
	Method      string            `json:"method"`
	Headers     map[string]string `json:"headers"`
	QueryParams map[string]string `json:"queryParams"`
	GRPC        *struct {
		Service string `json:"service"`
		Method  string `json:"method"`
	} `json:"grpc"`
}

// specBackend is one (weighted) backend: an app, or a Service.
type specBackend struct {
	App       string `json:"app"`
	Version   string `json:"version"` // one version of the app: its Service <app>-<version>
	Service   string `json:"service"`
	Namespace string `json:"namespace"`
	Port      int32  `json:"port"`
	Weight    *int32 `json:"weight"`
}

// specHeaders are header edits.
type specHeaders struct {
	Set    map[string]string `json:"set"`
	Add    map[string]string `json:"add"`
	Remove []string          `json:"remove"`
}

// specRedirect is a redirect answer.
type specRedirect struct {
	Scheme     string `json:"scheme"`
	Hostname   string `json:"hostname"`
	Path       string `json:"path"`
	Port       int32  `json:"port"`
	StatusCode int    `json:"statusCode"`
}

// specApp is what routes need of an app: where its Service is.
type specApp struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Port      int32  `json:"port"`
	Ports     []struct {
		Port     int32  `json:"port"`
		Protocol string `json:"protocol"`
	} `json:"ports"`
	Service *struct {
		Name string `json:"name"`
		Port int32  `json:"port"`
	} `json:"service"`
	Image    string `json:"image"`
	Versions []struct {
		Name string `json:"name"`
	} `json:"versions"`
}

// routeName is the HTTPRoute name krm-gen gives a route without a name: its first path
// in lower case, runs of other characters than [a-z0-9] as "-", trimmed, at most 50
// characters, "root" for "/", "r-" before a leading digit (schema.RouteNameFromPath).
func routeName(r specRoute) string {
	if r.Name != "" {
		return r.Name
	}
	path := r.Path
	if path == "" && len(r.Matches) > 0 {
		path = r.Matches[0].Path
	}
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(path) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 50 {
		name = strings.TrimRight(name[:50], "-")
	}
	switch {
	case name == "":
		return "root"
	case name[0] >= '0' && name[0] <= '9':
		return "r-" + name
	}
	return name
}
