"""Pure parts of the tool builder: turning upstream go.mod files into wrapper modules."""

from chaosgate.tools.catalog import CATALOG
from chaosgate.tools.gobuild import kubernetes_replaces, remote_replaces, stamp_ldflags

KUBERNETES_GO_MOD = """module k8s.io/kubernetes

go 1.24.0

require (
\tk8s.io/api v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tk8s.io/kube-openapi => k8s.io/kube-openapi v0.0.0-2025
)
"""

ARGOCD_GO_MOD = """module github.com/argoproj/argo-cd/v3

replace (
\tgithub.com/golang/protobuf => github.com/golang/protobuf v1.5.4
\tk8s.io/api => k8s.io/api v0.34.0
\tgithub.com/argoproj/argo-cd/gitops-engine => ./gitops-engine
)

replace github.com/go-git/go-git/v5 v5.0.0 => github.com/argoproj-labs/go-git/v5 v5.1.0
"""


def test_staging_modules_map_to_published_v0_versions() -> None:
    assert kubernetes_replaces(KUBERNETES_GO_MOD, "v1.34.4") == [
        "k8s.io/api => k8s.io/api v0.34.4",
        "k8s.io/client-go => k8s.io/client-go v0.34.4",
    ]


def test_only_replaces_pointing_at_published_modules_are_kept() -> None:
    assert remote_replaces(ARGOCD_GO_MOD) == [
        "github.com/golang/protobuf => github.com/golang/protobuf v1.5.4",
        "k8s.io/api => k8s.io/api v0.34.0",
        "github.com/go-git/go-git/v5 v5.0.0 => github.com/argoproj-labs/go-git/v5 v5.1.0",
    ]


def test_helm_is_stamped_with_its_version_and_kubernetes_minor() -> None:
    go_mod = "require (\n\tk8s.io/client-go v0.34.0\n)\n"
    flags = stamp_ldflags(CATALOG["helm"], "v3.19.0", go_mod)
    assert "internal/version.version=v3.19.0" in flags
    assert "chartutil.k8sVersionMinor=34" in flags
