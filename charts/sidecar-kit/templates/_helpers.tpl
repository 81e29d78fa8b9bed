{{/*
Names. Every object is prefixed with the release's full name (never `istio*`), so the chart can
share a cluster with an Istio install; a revision suffixes them like Istio's `-<revision>`.
*/}}
{{- define "sidecar-kit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sidecar-kit.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "-<revision>" for a named revision, "" for the default one. */}}
{{- define "sidecar-kit.revSuffix" -}}
{{- if and .Values.revision (ne .Values.revision "default") }}-{{ .Values.revision }}{{ end }}
{{- end }}

{{/* The revision as webhook selectors and labels write it. */}}
{{- define "sidecar-kit.revLabel" -}}
{{- if and .Values.revision (ne .Values.revision "default") }}{{ .Values.revision }}{{ else }}default{{ end }}
{{- end }}

{{- define "sidecar-kit.webhookName" -}}
{{ include "sidecar-kit.fullname" . }}-webhook{{ include "sidecar-kit.revSuffix" . }}
{{- end }}

{{- define "sidecar-kit.cniName" -}}
{{ include "sidecar-kit.fullname" . }}-cni-node{{ include "sidecar-kit.revSuffix" . }}
{{- end }}

{{/* Istio's `istio-sidecar-injector[-<rev>]` ConfigMap (keys `config`, `values`). */}}
{{- define "sidecar-kit.injectorConfigMapName" -}}
{{ include "sidecar-kit.fullname" . }}-sidecar-injector{{ include "sidecar-kit.revSuffix" . }}
{{- end }}

{{/* Istio's `istio[-<rev>]` ConfigMap (key `mesh`). */}}
{{- define "sidecar-kit.meshConfigMapName" -}}
{{ include "sidecar-kit.fullname" . }}-mesh{{ include "sidecar-kit.revSuffix" . }}
{{- end }}

{{/* The MutatingWebhookConfiguration (cluster-scoped). */}}
{{- define "sidecar-kit.mwcName" -}}
{{ include "sidecar-kit.fullname" . }}-sidecar-injector{{ include "sidecar-kit.revSuffix" . }}
{{- end }}

{{/* A revision tag's MutatingWebhookConfiguration; pass (list $ "<tag>"). */}}
{{- define "sidecar-kit.tagMwcName" -}}
{{ include "sidecar-kit.fullname" (index . 0) }}-revision-tag-{{ index . 1 }}
{{- end }}

{{/* Every MutatingWebhookConfiguration of the release (its own, then one per tag), comma-separated. */}}
{{- define "sidecar-kit.mwcNames" -}}
{{- $names := list (include "sidecar-kit.mwcName" .) }}
{{- range .Values.revisionTags }}
{{- $names = append $names (include "sidecar-kit.tagMwcName" (list $ .)) }}
{{- end }}
{{- join "," $names }}
{{- end }}

{{- define "sidecar-kit.tlsSecretName" -}}
{{- if eq .Values.certificates.mode "secret" }}{{ required "certificates.secret.name is required with certificates.mode=secret" .Values.certificates.secret.name }}{{ else }}{{ include "sidecar-kit.webhookName" . }}-tls{{ end }}
{{- end }}

{{- define "sidecar-kit.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "sidecar-kit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
sidecar-kit.io/rev: {{ include "sidecar-kit.revLabel" . }}
{{- end }}

{{- define "sidecar-kit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sidecar-kit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
sidecar-kit.io/rev: {{ include "sidecar-kit.revLabel" . }}
{{- end }}

{{/* `<hub>/<name>:<tag>` of a sidecar-kit image; pass (list $ "webhook"). */}}
{{- define "sidecar-kit.image" -}}
{{- $root := index . 0 }}
{{- printf "%s/%s:%s" $root.Values.images.hub (index . 1) (toString (default $root.Chart.AppVersion $root.Values.images.tag)) }}
{{- end }}

{{- define "sidecar-kit.pullSecrets" -}}
{{- with .Values.images.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end }}

{{/* Replicas: every certificate mode supports several (selfSigned shares its CA through a Secret). */}}
{{- define "sidecar-kit.webhookReplicas" -}}
{{ .Values.webhook.replicaCount }}
{{- end }}

{{/* selfSigned: the Secret holding the CA the replicas share (created by the webhook). */}}
{{- define "sidecar-kit.caSecretName" -}}
{{- if .Values.certificates.selfSigned.caSecretName }}{{ .Values.certificates.selfSigned.caSecretName }}{{ else }}{{ include "sidecar-kit.webhookName" . }}-ca{{ end }}
{{- end }}

{{/* Injector CNI mode: the DaemonSet installs our plugin, or another istio-cni runs. */}}
{{- define "sidecar-kit.cniMode" -}}
{{- if or .Values.cni.enabled .Values.pilot.cni.enabled }}true{{ else }}false{{ end }}
{{- end }}
