{{/* The repository URL, which the root Application must pass. */}}
{{- define "heart-apps.repoURL" -}}
{{- required "repoURL is not set: the root Application passes it as a helm parameter" .Values.repoURL }}
{{- end }}

{{/* The revision, which the root Application must pass. */}}
{{- define "heart-apps.targetRevision" -}}
{{- required "targetRevision is not set: the root Application passes it as a helm parameter" .Values.targetRevision }}
{{- end }}

{{/*
valuesFile is relative to the repository root, but Argo CD resolves valueFiles relative to
the chart directory: prefix one "../" per component of chartPath.
*/}}
{{- define "heart-apps.valueFile" -}}
{{- $depth := len (splitList "/" (trimSuffix "/" .Values.chartPath)) }}
{{- printf "%s%s" (repeat $depth "../") .Values.valuesFile }}
{{- end }}

{{/*
One child Application of the heart stack. Both children render the same chart; their
valuesObject switches on only their part. Call with
(dict "root" $ "name" "..." "wave" "..." "parts" (dict ...)).
*/}}
{{- define "heart-apps.child" -}}
{{- $v := .root.Values -}}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .name }}
  namespace: {{ $v.argocdNamespace }}
  annotations:
    argocd.argoproj.io/sync-wave: {{ .wave | quote }}
  finalizers:
    # Deleting the Application deletes what it deployed (the harness tears down this way).
    - resources-finalizer.argocd.argoproj.io
  labels:
    app.kubernetes.io/part-of: heart
spec:
  project: heart
  source:
    repoURL: {{ include "heart-apps.repoURL" .root }}
    targetRevision: {{ include "heart-apps.targetRevision" .root | quote }}
    path: {{ $v.chartPath }}
    helm:
      releaseName: {{ $v.releaseName }}
      {{- with $v.valuesFile }}
      valueFiles:
        - {{ include "heart-apps.valueFile" $.root }}
      {{- end }}
      # valuesObject outranks valueFiles, so a provider file cannot switch the parts back on.
      valuesObject:
        {{- toYaml .parts | nindent 8 }}
  destination:
    server: {{ $v.server }}
    namespace: {{ $v.namespace }}
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
    retry:
      limit: 5
      backoff:
        duration: 5s
        factor: 2
        maxDuration: 3m
{{- end }}
