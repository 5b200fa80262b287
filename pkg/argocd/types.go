// Package argocd holds small typed structs for the Argo CD objects krm-gen renders.
//
// Argo CD's own Go package (argo-cd/v2) cannot be compiled together with current
// k8s.io modules, so these structs mirror the subset of argoproj.io/v1alpha1 we use;
// a test checks them against Argo CD's published CRDs.
package argocd

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Group and version of Argo CD's API.
const (
	Group      = "argoproj.io"
	APIVersion = Group + "/v1alpha1"
)

// Annotations and finalizers Argo CD reads.
const (
	SyncWaveAnnotation = "argocd.argoproj.io/sync-wave"
	// CascadeFinalizer deletes an Application's resources (foreground cascade) when the
	// Application is deleted; the path-qualified form is the one kube-apiserver >= 1.36
	// accepts without a warning.
	CascadeFinalizer = "resources-finalizer.argocd.argoproj.io/foreground"
)

// Application is an Argo CD Application.
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ApplicationSpec `json:"spec"`
}

// ApplicationSpec is what an Application deploys and how it syncs.
type ApplicationSpec struct {
	Project           string                      `json:"project"`
	Source            *ApplicationSource          `json:"source,omitempty"`
	Destination       ApplicationDestination      `json:"destination"`
	SyncPolicy        *SyncPolicy                 `json:"syncPolicy,omitempty"`
	IgnoreDifferences []ResourceIgnoreDifferences `json:"ignoreDifferences,omitempty"`
}

// ApplicationSource is a Git directory or a Helm chart.
type ApplicationSource struct {
	RepoURL        string                      `json:"repoURL"`
	Path           string                      `json:"path,omitempty"`
	TargetRevision string                      `json:"targetRevision,omitempty"`
	Chart          string                      `json:"chart,omitempty"`
	Helm           *ApplicationSourceHelm      `json:"helm,omitempty"`
	Directory      *ApplicationSourceDirectory `json:"directory,omitempty"`
	Kustomize      *ApplicationSourceKustomize `json:"kustomize,omitempty"`
}

// ApplicationSourceKustomize holds options for kustomization folders.
type ApplicationSourceKustomize struct {
	Patches []KustomizePatch `json:"patches,omitempty"`
}

// KustomizePatch is a patch Argo CD applies to the objects a kustomization renders.
type KustomizePatch struct {
	Patch  string             `json:"patch,omitempty"` // a strategic-merge or JSON 6902 patch
	Target *KustomizeSelector `json:"target,omitempty"`
}

// KustomizeSelector selects the objects a patch applies to.
type KustomizeSelector struct {
	Group string `json:"group,omitempty"`
	Kind  string `json:"kind,omitempty"`
}

// ApplicationSourceHelm holds Helm release options.
type ApplicationSourceHelm struct {
	ReleaseName  string         `json:"releaseName,omitempty"`
	ValuesObject map[string]any `json:"valuesObject,omitempty"`
}

// ApplicationSourceDirectory holds options for plain-manifest directories.
type ApplicationSourceDirectory struct {
	Recurse bool   `json:"recurse,omitempty"`
	Include string `json:"include,omitempty"` // glob of the files to read, relative to the path
}

// ApplicationDestination is the cluster and default namespace of an Application.
type ApplicationDestination struct {
	Server    string `json:"server"`
	Namespace string `json:"namespace,omitempty"`
}

// SyncPolicy controls automated sync.
type SyncPolicy struct {
	Automated                *SyncPolicyAutomated      `json:"automated,omitempty"`
	SyncOptions              []string                  `json:"syncOptions,omitempty"`
	Retry                    *RetryStrategy            `json:"retry,omitempty"`
	ManagedNamespaceMetadata *ManagedNamespaceMetadata `json:"managedNamespaceMetadata,omitempty"`
}

// SyncPolicyAutomated enables automated sync.
type SyncPolicyAutomated struct {
	Prune    bool `json:"prune"`
	SelfHeal bool `json:"selfHeal"`
}

// RetryStrategy retries failed syncs with backoff.
type RetryStrategy struct {
	Limit   int64    `json:"limit"`
	Backoff *Backoff `json:"backoff,omitempty"`
}

// Backoff is the retry backoff.
type Backoff struct {
	Duration    string `json:"duration"`
	Factor      *int64 `json:"factor,omitempty"`
	MaxDuration string `json:"maxDuration"`
}

// ManagedNamespaceMetadata labels a namespace created with CreateNamespace=true.
type ManagedNamespaceMetadata struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ResourceIgnoreDifferences ignores drift in the given fields.
type ResourceIgnoreDifferences struct {
	Group             string   `json:"group,omitempty"`
	Kind              string   `json:"kind"`
	Name              string   `json:"name,omitempty"`
	JQPathExpressions []string `json:"jqPathExpressions,omitempty"`
	JSONPointers      []string `json:"jsonPointers,omitempty"`
}

// AppProject is an Argo CD AppProject.
type AppProject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              AppProjectSpec `json:"spec"`
}

// AppProjectSpec restricts what a project's Applications may deploy.
type AppProjectSpec struct {
	Description                string                   `json:"description,omitempty"`
	SourceRepos                []string                 `json:"sourceRepos"`
	Destinations               []ApplicationDestination `json:"destinations"`
	ClusterResourceWhitelist   []metav1.GroupKind       `json:"clusterResourceWhitelist,omitempty"`
	NamespaceResourceWhitelist []metav1.GroupKind       `json:"namespaceResourceWhitelist,omitempty"`
	NamespaceResourceBlacklist []metav1.GroupKind       `json:"namespaceResourceBlacklist,omitempty"`
}

// ApplicationSet is an Argo CD ApplicationSet: its controller creates one Application
// from the template for each set of parameters its generators produce.
type ApplicationSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ApplicationSetSpec `json:"spec"`
}

// ApplicationSetSpec is an ApplicationSet's generators, template and policy.
type ApplicationSetSpec struct {
	GoTemplate        bool                      `json:"goTemplate,omitempty"`
	GoTemplateOptions []string                  `json:"goTemplateOptions,omitempty"`
	Generators        []ApplicationSetGenerator `json:"generators"`
	Template          ApplicationSetTemplate    `json:"template"`
	SyncPolicy        *ApplicationSetSyncPolicy `json:"syncPolicy,omitempty"`
}

// ApplicationSetGenerator produces parameter sets; krm-gen uses the list generator.
type ApplicationSetGenerator struct {
	List *ListGenerator `json:"list,omitempty"`
}

// ListGenerator produces one parameter set per element.
type ListGenerator struct {
	Elements []map[string]string `json:"elements"`
}

// ApplicationSetTemplate is the Application created for each parameter set; its
// strings are Go templates (with goTemplate) over the parameters.
type ApplicationSetTemplate struct {
	Metadata ApplicationSetTemplateMeta `json:"metadata"`
	Spec     ApplicationSpec            `json:"spec"`
}

// ApplicationSetTemplateMeta is the metadata of the Applications an ApplicationSet creates.
type ApplicationSetTemplateMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Finalizers  []string          `json:"finalizers,omitempty"`
}

// ApplicationSetSyncPolicy says what the controller may do to the Applications it created.
type ApplicationSetSyncPolicy struct {
	// PreserveResourcesOnDeletion keeps the Applications when the ApplicationSet is deleted.
	PreserveResourcesOnDeletion bool `json:"preserveResourcesOnDeletion,omitempty"`
	// ApplicationsSync: create-only, create-update, create-delete or sync (the default).
	ApplicationsSync string `json:"applicationsSync,omitempty"`
}
