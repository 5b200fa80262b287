package schema

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ForEnvironment returns a copy of the defaulted spec with environment env's overrides
// applied and no environments of its own. Overrides that cannot apply are errors
// whose field paths name the environment.
func (p *Platform) ForEnvironment(env string) (*Platform, field.ErrorList) {
	o, ok := p.Spec.Environments[env]
	ep := field.NewPath("spec", "environments").Key(env)
	if !ok {
		return nil, field.ErrorList{field.NotFound(ep, env)}
	}
	c, err := p.deepCopy()
	if err != nil {
		return nil, field.ErrorList{field.InternalError(ep, err)}
	}
	var errs field.ErrorList
	c.Spec.Environments = nil
	c.Metadata.Name = fmt.Sprintf("%s-%s", p.Metadata.Name, env)
	c.Spec.Git.Path = p.Spec.Git.Path + "/" + env
	if o.Revision != "" {
		c.Spec.Git.Revision = o.Revision
	}
	if o.Server != "" {
		c.Spec.ArgoCD.Server = o.Server
	}
	if o.Hostname != "" {
		c.Spec.Gateway.Hostname = o.Hostname
	}
	if len(o.Hostnames) > 0 {
		for i := range c.Spec.Routes {
			c.Spec.Routes[i].Hostnames = append([]string(nil), o.Hostnames...)
		}
	}
	if o.GatewayReplicas < 0 {
		errs = append(errs, field.Invalid(ep.Child("gatewayReplicas"), o.GatewayReplicas, "must be at least 1"))
	} else if o.GatewayReplicas > 0 {
		c.Spec.Gateway.Replicas = o.GatewayReplicas
	}
	if o.AppReplicas < 0 {
		errs = append(errs, field.Invalid(ep.Child("appReplicas"), o.AppReplicas, "must not be negative"))
	} else if o.AppReplicas > 0 {
		for i := range c.Spec.Apps {
			c.Spec.Apps[i].Replicas = o.AppReplicas
		}
	}
	if o.CertificateSecret != "" {
		if c.Spec.Gateway.HTTPS == nil {
			errs = append(errs, field.Invalid(ep.Child("certificateSecret"), o.CertificateSecret, "the platform has no HTTPS listener (spec.gateway.https)"))
		} else {
			c.Spec.Gateway.HTTPS.CertificateSecret = o.CertificateSecret
		}
	}
	if o.VPCCIDR != "" {
		c.Spec.Network.VPCCIDR = o.VPCCIDR
	}
	if o.LoadBalancer != nil {
		c.Spec.Gateway.LoadBalancer = *o.LoadBalancer
		// Re-apply defaults for the replaced block only.
		c.Spec.Gateway.LoadBalancer.Scheme = or(c.Spec.Gateway.LoadBalancer.Scheme, "internal")
		if c.Spec.Provider == ProviderEKS {
			c.Spec.Gateway.LoadBalancer.Mode = or(c.Spec.Gateway.LoadBalancer.Mode, ModeNLB)
		}
	}
	return c, errs
}

func (p *Platform) deepCopy() (*Platform, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var c Platform
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
