package render

import (
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/krm-gen/krm-gen/pkg/model"
)

// waypoints renders each namespace's waypoint (a Gateway of class istio-waypoint, as
// istioctl waypoint generate writes it) and its parametersRef ConfigMap, which places
// its pods like the ingress gateway's. The gateway Application deploys them
// (gateway/waypoints/<namespace>.yaml), before the routes.
func waypoints(m *model.Model, t *Tree) error {
	for _, w := range m.Waypoints {
		params, err := parameters(m, proxy{
			gateway: w.Name, namespace: w.Namespace, configMap: w.ParamsName,
			placement: w.Placement, replicas: w.Replicas, resources: w.Resources,
		})
		if err != nil {
			return err
		}
		gw := &gwv1.Gateway{
			TypeMeta:   typeMeta(gwv1.GroupVersion.String(), model.KindGateway),
			ObjectMeta: meta(m, w.Name, w.Namespace, nil),
			Spec: gwv1.GatewaySpec{
				GatewayClassName: model.WaypointClassName,
				Infrastructure: &gwv1.GatewayInfrastructure{
					ParametersRef: &gwv1.LocalParametersReference{Group: "", Kind: "ConfigMap", Name: w.ParamsName},
				},
				Listeners: []gwv1.Listener{{Name: model.WaypointListener, Port: model.WaypointPort, Protocol: "HBONE"}},
			},
		}
		t.add(DirGateway+"/waypoints/"+w.Namespace+".yaml", params, gw)
	}
	return nil
}
