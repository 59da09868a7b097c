"""Chart linter: the heart-display chart and its Argo CD tree, checked before any cluster exists.

`lint_chart` renders the chart with the pinned helm, validates every object
against the pinned Kubernetes version's schema, and applies resilience rules
(PDB vs. replicas, zone loss, HPA, probes, limits, pinned images) plus checks
of the Argo CD Applications in gitops/argocd.
"""

from chaosgate.chartlint.finding import Finding
from chaosgate.chartlint.lint import lint_chart

__all__ = ["Finding", "lint_chart"]
