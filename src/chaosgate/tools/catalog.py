"""What each pinned tool is made of and how it is built.

Most tools build with a plain `go install module/cmd@version`. Three cannot:
k8s.io/kubernetes, etcd's server and Argo CD replace their own sub-modules with
local paths in go.mod, which `go install` refuses, so they are built from a
small generated wrapper module (see gobuild.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ToolSpec:
    """One pinned tool: its binaries and the Go packages they come from."""

    name: str
    module: str
    packages: tuple[str, ...]
    binaries: tuple[str, ...]
    strategy: str = "install"  # install | kubernetes | etcd | argocd
    # Directories of the module source copied next to the binaries (manifests).
    copy_dirs: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # Extra -ldflags, formatted with {version} and {k8s_minor} (the minor of the
    # k8s.io/client-go the module requires), to stamp what upstream's Makefile stamps.
    ldflags: str = ""


CATALOG: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            name="helm",
            module="helm.sh/helm/v3",
            packages=("helm.sh/helm/v3/cmd/helm",),
            binaries=("helm",),
            # Unstamped, helm calls itself "v3.19" and assumes Kubernetes v1.20.
            ldflags=(
                "-X helm.sh/helm/v3/internal/version.version={version}"
                " -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1"
                " -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor={k8s_minor}"
                " -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1"
                " -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor={k8s_minor}"
            ),
        ),
        ToolSpec(
            name="kustomize",
            module="sigs.k8s.io/kustomize/kustomize/v5",
            packages=("sigs.k8s.io/kustomize/kustomize/v5",),
            binaries=("kustomize",),
        ),
        ToolSpec(
            name="kwok",
            module="sigs.k8s.io/kwok",
            packages=("sigs.k8s.io/kwok/cmd/kwok", "sigs.k8s.io/kwok/cmd/kwokctl"),
            binaries=("kwok", "kwokctl"),
            # kwok's default Stages, listed again when the local provider adds its own.
            copy_dirs=(("kustomize/stage", "stages"),),
        ),
        ToolSpec(
            name="metrics-server",
            module="sigs.k8s.io/metrics-server",
            packages=("sigs.k8s.io/metrics-server/cmd/metrics-server",),
            binaries=("metrics-server",),
            copy_dirs=(("manifests", "manifests"),),
        ),
        ToolSpec(
            name="kind",
            module="sigs.k8s.io/kind",
            packages=("sigs.k8s.io/kind",),
            binaries=("kind",),
        ),
        ToolSpec(
            name="etcd",
            module="go.etcd.io/etcd/server/v3",
            packages=("go.etcd.io/etcd/server/v3/etcdmain",),
            binaries=("etcd",),
            strategy="etcd",
        ),
        ToolSpec(
            name="kubernetes",
            module="k8s.io/kubernetes",
            packages=(
                "k8s.io/kubernetes/cmd/kube-apiserver",
                "k8s.io/kubernetes/cmd/kube-controller-manager",
                "k8s.io/kubernetes/cmd/kube-scheduler",
                "k8s.io/kubernetes/cmd/kubectl",
                # The node side, for the offline kind node image.
                "k8s.io/kubernetes/cmd/kubelet",
                "k8s.io/kubernetes/cmd/kubeadm",
                "k8s.io/kubernetes/cmd/kube-proxy",
            ),
            binaries=(
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler",
                "kubectl",
                "kubelet",
                "kubeadm",
                "kube-proxy",
            ),
            strategy="kubernetes",
            copy_dirs=(("api/openapi-spec", "openapi-spec"),),
        ),
        ToolSpec(
            name="coredns",
            module="github.com/coredns/coredns",
            packages=("github.com/coredns/coredns",),
            binaries=("coredns",),
        ),
        ToolSpec(
            name="crictl",
            module="sigs.k8s.io/cri-tools",
            packages=("sigs.k8s.io/cri-tools/cmd/crictl",),
            binaries=("crictl",),
        ),
        ToolSpec(
            name="prometheus",
            module="github.com/prometheus/prometheus",
            # promtool checks and unit-tests the rules in monitoring/; the server
            # scrapes heart-display during each scenario (SLOs are PromQL).
            packages=(
                "github.com/prometheus/prometheus/cmd/prometheus",
                "github.com/prometheus/prometheus/cmd/promtool",
            ),
            binaries=("prometheus", "promtool"),
            ldflags="-X github.com/prometheus/common/version.Version={version}",
        ),
        ToolSpec(
            name="argocd",
            module="github.com/argoproj/argo-cd/v3",
            packages=("github.com/argoproj/argo-cd/v3/cmd",),
            binaries=("argocd",),
            strategy="argocd",
            copy_dirs=(("manifests", "manifests"),),
        ),
    )
}

# Build order: cheap and widely needed first, so a partial setup is still useful.
BUILD_ORDER = (
    "helm",
    "kustomize",
    "kwok",
    "metrics-server",
    "etcd",
    "kubernetes",
    "argocd",
    "kind",
    "coredns",
    "crictl",
    "prometheus",
)
