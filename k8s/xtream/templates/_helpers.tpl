{{/* Release-wide name prefix: the release name, or <release>-xtream when the release name lacks "xtream". */}}
{{- define "xtream.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries, besides its selector labels (name + instance). */}}
{{- define "xtream.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: xtream
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "name" "catalog"). */}}
{{- define "xtream.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* The object name of one component: <fullname>-<name>. */}}
{{- define "xtream.componentName" -}}
{{- printf "%s-%s" (include "xtream.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The image of a service: its own override merged over the chart-wide image. */}}
{{- define "xtream.image" -}}
{{- $img := merge (deepCopy (default dict .svc.image)) (deepCopy .root.Values.image) -}}
{{- printf "%s:%s" $img.repository (default .root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/* The first port of a service (the one other services call). */}}
{{- define "xtream.firstPort" -}}
{{- (first .ports).containerPort -}}
{{- end -}}

{{/* Whether a service gets an HPA: the chart-wide switch, unless its block opts out. */}}
{{- define "xtream.hpaEnabled" -}}
{{- $own := default dict .svc.autoscaling -}}
{{- if and .root.Values.autoscaling.enabled (ne (toString (index $own "enabled")) "false") -}}true{{- end -}}
{{- end -}}

{{/* Whether KEDA scales this service (keda.enabled, the transcoder only): then no HPA of ours. */}}
{{- define "xtream.kedaEnabled" -}}
{{- if and .root.Values.keda.enabled (eq .name "transcoder") -}}true{{- end -}}
{{- end -}}
