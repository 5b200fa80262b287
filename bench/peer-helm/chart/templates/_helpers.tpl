{{/* peer.labels: the labels of every object. Context: the root. */}}
{{- define "peer.labels" -}}
app.kubernetes.io/managed-by: krm-gen
app.kubernetes.io/part-of: {{ .Values.platform }}
{{- end }}

{{/* peer.appLabels: the labels of an app's objects. Context: dict root, app. */}}
{{- define "peer.appLabels" -}}
app.kubernetes.io/managed-by: krm-gen
app.kubernetes.io/name: {{ .app.name }}
app.kubernetes.io/part-of: {{ .root.Values.platform }}
{{- end }}

{{/* peer.selector: the labels that select an app's pods. Context: the app. */}}
{{- define "peer.selector" -}}
app.kubernetes.io/name: {{ .name }}
{{- end }}

{{/* peer.tolerations: the tolerations of a node pool's taints. Context: the pool. */}}
{{- define "peer.tolerations" -}}
{{- range .taints }}
- key: {{ .key }}
{{- if .value }}
  operator: Equal
  value: {{ .value | toYaml }}
{{- else }}
  operator: Exists
{{- end }}
  effect: {{ .effect }}
{{- end }}
{{- end }}

{{/* peer.tolerationsJSON: the same as a JSON array. Context: the pool. */}}
{{- define "peer.tolerationsJSON" -}}
{{- $t := list }}
{{- range .taints }}
{{- if .value }}
{{- $t = append $t (printf "{\"key\":%s,\"operator\":\"Equal\",\"value\":%s,\"effect\":%s}" (toJson .key) (toJson .value) (toJson .effect)) }}
{{- else }}
{{- $t = append $t (printf "{\"key\":%s,\"operator\":\"Exists\",\"effect\":%s}" (toJson .key) (toJson .effect)) }}
{{- end }}
{{- end }}
{{- printf "[%s]" (join "," $t) }}
{{- end }}

{{/* peer.placementPatch: the JSON patch that places a git app's pods on its pool. Context: the pool. */}}
{{- define "peer.placementPatch" -}}
{{- $ops := list (printf "{\"op\":\"add\",\"path\":\"/spec/template/spec/nodeSelector\",\"value\":%s}" (toJson .labels)) }}
{{- if .taints }}
{{- $ops = append $ops (printf "{\"op\":\"add\",\"path\":\"/spec/template/spec/tolerations\",\"value\":%s}" (include "peer.tolerationsJSON" .)) }}
{{- end }}
{{- printf "[%s]" (join "," $ops) }}
{{- end }}

{{/* peer.source: where an app's pods come from: inline, helm or git. Context: the app. */}}
{{- define "peer.source" -}}
{{- if .helm }}helm{{ else if .git }}git{{ else }}inline{{ end }}
{{- end }}

{{/* peer.serviceName: the Service routes reach for an app. Context: the app. */}}
{{- define "peer.serviceName" -}}
{{- if .service }}{{ .service.name }}{{ else }}{{ .name }}{{ end }}
{{- end }}

{{/* peer.servicePort: its port. Context: the app. */}}
{{- define "peer.servicePort" -}}
{{- if .service }}{{ .service.port }}{{ else }}{{ .port }}{{ end }}
{{- end }}

{{/* peer.filesHash: rolls the pods when their mounted files change. Context: the app. */}}
{{- define "peer.filesHash" -}}
{{- $h := "" }}
{{- range .files }}
{{- $h = print $h .path "\x00" .content "\x00" }}
{{- end }}
{{- $h | sha256sum | trunc 16 }}
{{- end }}
