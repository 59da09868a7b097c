{{/*
Name of the heart-display objects. It does not include the release name: the stack runs
once per namespace and the harness addresses pods as heart-display-0, -1, ...
*/}}
{{- define "heart-display.fullname" -}}
{{- default .Chart.Name .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/* Name of the headless Service that gives each pod a stable DNS name. */}}
{{- define "heart-display.headlessName" -}}
{{- printf "%s-headless" (include "heart-display.fullname" .) }}
{{- end }}

{{/* Name of the Redis Deployment and Service: <release>-redis. */}}
{{- define "heart-display.redisName" -}}
{{- printf "%s-redis" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "heart-display.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. Call with (dict "root" $ "component" "display"). */}}
{{- define "heart-display.labels" -}}
helm.sh/chart: {{ include "heart-display.chart" .root }}
{{ include "heart-display.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: heart
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/*
Selector labels. The component keeps the heart-display and Redis selectors disjoint, so the
PDB, the Services and the spread constraints never count Redis pods as heart-display pods.
*/}}
{{- define "heart-display.selectorLabels" -}}
app.kubernetes.io/name: heart-display
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Image reference: repository@digest when a digest is set, else repository:tag. */}}
{{- define "heart-display.image" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{/* Pod placement shared by heart-display and Redis (e.g. kwok nodes on the local provider). */}}
{{- define "heart-display.placement" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Restricted-profile security context of every container. */}}
{{- define "heart-display.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* Pod security context: non-root (65532, as the images are built) and RuntimeDefault seccomp. */}}
{{- define "heart-display.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}
