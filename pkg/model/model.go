// Package model resolves a Platform spec into every fact the renderers need: derived
// names, node pools turned into placements, apps with their sources, routes as
// rules with weighted backends, the ReferenceGrants cross-namespace backends need, and
// the namespaces with their labels. Renderers read only the model, never the spec.
package model

import (
	"cmp"
	"path"
	"slices"

	"github.com/krm-gen/krm-gen/pkg/schema"
)

// Model is the resolved platform (or one environment of it).
type Model struct {
	Name        string // prefix of platform-level names: <platform> or <platform>-<env>
	Environment string // "" for the base spec
	Provider    schema.Provider
	Repo        Repo
	ArgoCD      ArgoCD
	Versions    schema.Versions
	VPCCIDR     string  // eks: the VPC Terraform builds
	Cluster     Cluster // eks: the hardening inputs of the cluster Terraform builds
	MTLS        schema.MTLSMode
	// EgressRestricted: app namespaces' NetworkPolicies deny egress but for DNS, the
	// namespace itself, the apps' egress and the apps that allow them as callers.
	EgressRestricted bool
	Pools            []Pool // by name
	Gateway          Gateway
	Health           Health
	Apps             []App      // by name, so no output depends on the spec's order
	Routes           []Route    // by namespace, then name
	Grants           []Grant    // by namespace, kind, source namespace
	Waypoints        []Waypoint // by namespace
	Namespaces       []Namespace
}

// Repo is where Argo CD reads the rendered tree.
type Repo struct {
	URL      string
	Revision string
	TreePath string // repository path of the rendered tree: spec.git.path[/env]
}

// ArgoCD is where Argo CD runs and the cluster the platform is deployed to.
type ArgoCD struct {
	Namespace string
	Server    string // the platform's destination cluster
}

// Cluster holds the Terraform hardening inputs the spec sets (eks); a zero field
// keeps terraform/'s default.
type Cluster struct {
	PublicAccessCIDRs  []string // non-empty: the EKS API's public endpoint, for these only
	PrivateAccessCIDRs []string // allowed on the private endpoint besides the nodes
	DeletionProtection *bool    // the cluster's and the ALB's
	LogRetentionDays   int32    // control-plane logs, VPC flow logs, ALB access logs
}

// Health is the health responder the load balancer probes through the gateway.
type Health struct {
	Path      string
	Namespace string
}

// Build resolves a defaulted spec of environment env ("" for the base spec). It never
// fails: on a spec with errors it resolves what it can (validation reports the rest),
// and Check reports the problems only the resolved platform shows.
func Build(p *schema.Platform, env string) *Model {
	s := &p.Spec
	m := &Model{
		Name:        p.Metadata.Name,
		Environment: env,
		Provider:    s.Provider,
		Repo:        Repo{URL: s.Git.RepoURL, Revision: s.Git.Revision, TreePath: s.Git.Path},
		ArgoCD:      ArgoCD{Namespace: s.ArgoCD.Namespace, Server: s.ArgoCD.Server},
		Versions:    s.Versions,
		VPCCIDR:     s.Network.VPCCIDR,
		Cluster: Cluster{
			PublicAccessCIDRs: s.Cluster.APIAccess.PublicCIDRs, PrivateAccessCIDRs: s.Cluster.APIAccess.PrivateCIDRs,
			DeletionProtection: s.Cluster.DeletionProtection, LogRetentionDays: s.Cluster.LogRetentionDays,
		},
		MTLS:             s.Security.MTLS,
		EgressRestricted: s.Security.NetworkPolicy.Egress != schema.EgressUnrestricted,
		Health:           Health{Path: s.Health.Path, Namespace: s.Health.Namespace},
	}
	if env != "" {
		m.Name = p.Metadata.Name + "-" + env
		m.Repo.TreePath = path.Join(s.Git.Path, env)
	}
	m.Pools = pools(s.NodePools)
	m.Gateway = gateway(p, m)
	m.Apps = apps(s, m)
	m.Routes = routes(s, m)
	if m.Provider == schema.ProviderEKS && slices.ContainsFunc(m.Routes, func(r Route) bool { return r.Kind == KindGRPCRoute }) {
		m.Gateway.GRPCTargetGroup = GRPCTargetGroupName(p.Metadata.Name, m.Gateway.LoadBalancer.TargetGroupName)
	}
	m.Grants = grants(m)
	m.Waypoints = waypoints(s, m)
	m.Namespaces = namespaces(m)
	return m
}

// Pool returns the pool named name, or an empty pool (no placement) when there is none.
func (m *Model) Pool(name string) Pool {
	if i, ok := slices.BinarySearchFunc(m.Pools, name, func(p Pool, n string) int { return cmp.Compare(p.Name, n) }); ok {
		return m.Pools[i]
	}
	return Pool{Name: name}
}

// App returns the app named name, or nil.
func (m *Model) App(name string) *App {
	if i, ok := slices.BinarySearchFunc(m.Apps, name, func(a App, n string) int { return cmp.Compare(a.Name, n) }); ok {
		return &m.Apps[i]
	}
	return nil
}

// GatewayAPIAtLeast reports whether the platform's Gateway API release is >= v1.<minor>.
func (m *Model) GatewayAPIAtLeast(minor uint64) bool {
	return schema.GatewayAPIAtLeast(m.Versions.GatewayAPI, minor)
}

// NamespaceNames lists the platform's namespaces, sorted.
func (m *Model) NamespaceNames() []string {
	out := make([]string, len(m.Namespaces))
	for i, ns := range m.Namespaces {
		out[i] = ns.Name
	}
	return out
}
