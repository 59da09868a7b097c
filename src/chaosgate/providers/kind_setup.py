"""How a KindProvider is put together for each image source.

- local: the node image `chaosgate images build` made here, with every image
  preloaded; kubeadm uses the chaosgate.local images, metrics-server runs from
  the local build, and nothing is ever pulled.
- official: kind's digest-pinned kindest/node from its registry, the heart
  stack's local images loaded into the nodes, metrics-server from its registry.

Both run a Prometheus on the control-plane node that scrapes heart-display
(chaosgate.prometheus.incluster): the local build's image, or the pinned
upstream one.
"""

from __future__ import annotations

import logging

from chaosgate.containers.engine import ensure_docker, ensure_privileged_works
from chaosgate.errors import ClusterError
from chaosgate.prometheus.incluster import InClusterPrometheus
from chaosgate.providers.kind import KindProvider, MetricsServer
from chaosgate.providers.kind_config import OfflineImages
from chaosgate.providers.kind_dns import ClusterDNS
from chaosgate.tools.cache import ToolCache

LOGGER = logging.getLogger("chaosgate.providers.kind")
OFFICIAL_METRICS_SERVER = "registry.k8s.io/metrics-server/metrics-server"
# The CoreDNS kindest/node preloads for kubeadm (tools.coredns pins its version).
OFFICIAL_COREDNS = "registry.k8s.io/coredns/coredns"


def _engine_ready() -> None:
    ensure_docker(say=LOGGER.info)
    ensure_privileged_works()


def local_kind_provider() -> KindProvider:
    from chaosgate.containers.images import image_exists
    from chaosgate.containers.node_image import LOCAL_REPOSITORY, cluster_images, node_image_tag

    cache = ToolCache.default()
    images = cluster_images(cache.versions)
    node_image = node_image_tag(cache.versions, images)

    def prepare() -> None:
        _engine_ready()
        if not image_exists(node_image):
            raise ClusterError(
                f"The offline kind node image {node_image} is not built; run `chaosgate images "
                "build` (or `make images`) first."
            )

    return KindProvider(
        cache.binary("kind"),
        node_image,
        kubectl=cache.binary("kubernetes", "kubectl"),
        dns=ClusterDNS(f"{LOCAL_REPOSITORY}/coredns:{images.coredns_tag}", pull_policy="Never"),
        offline=OfflineImages(LOCAL_REPOSITORY, images.etcd_tag),
        metrics_server=MetricsServer(
            cache.version_dir("metrics-server") / "manifests",
            images.metrics_server,
            cache.binary("kustomize"),
            pull_policy="Never",
        ),
        prometheus=InClusterPrometheus(images.prometheus, pull_policy="Never"),
        prepare_engine=prepare,
        log=LOGGER.info,
    )


def official_kind_provider() -> KindProvider:
    from chaosgate.containers.images import image_refs

    cache = ToolCache.default()
    refs = image_refs()
    metrics_version = cache.versions.tool("metrics-server")
    return KindProvider(
        cache.binary("kind"),
        cache.versions.images["kind-node"],
        (refs.heart, refs.redis),
        kubectl=cache.binary("kubernetes", "kubectl"),
        dns=ClusterDNS(f"{OFFICIAL_COREDNS}:{cache.versions.tool('coredns')}"),
        metrics_server=MetricsServer(
            cache.version_dir("metrics-server") / "manifests",
            f"{OFFICIAL_METRICS_SERVER}:{metrics_version}",
            cache.binary("kustomize"),
            pull_policy="IfNotPresent",
        ),
        prometheus=InClusterPrometheus(cache.versions.images["prometheus"], "IfNotPresent"),
        prepare_engine=_engine_ready,
        log=LOGGER.info,
    )
