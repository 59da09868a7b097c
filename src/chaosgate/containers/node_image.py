"""The offline kind node image and every image a kind cluster runs, built here.

Nothing is pulled. Static Go binaries go into images FROM scratch; what needs a
distribution (kube-proxy's iptables, Argo CD's git, Redis) starts from the
userland rootfs; the node itself from the node rootfs (systemd, containerd,
runc, the CNI plugins). The node image carries every cluster image in its
containerd store, imported without unpacking as kind's own node images do, so
a node never needs a registry.

In-cluster images are named chaosgate.local/<name>:<version>: kubeadm is told
that image repository, so nothing refers to a registry image that could be
pulled instead of the local build.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from chaosgate.containers.engine import DOCKER_ENV, ensure_docker, node_binary
from chaosgate.containers.images import (
    build_images,
    ensure_userland_image,
    image_exists,
    image_refs,
)
from chaosgate.containers.recipes import node_recipe, userland_recipe
from chaosgate.containers.rootfs import ImageBuildError, import_rootfs, rootfs_tarball
from chaosgate.process import run
from chaosgate.tools.cache import ToolCache
from chaosgate.versions import REPO_ROOT, Versions

LOCAL_REPOSITORY = "chaosgate.local"
NODE_IMAGE_REPOSITORY = "chaosgate/kind-node"
NODE_ASSETS = REPO_ROOT / "node" / "image"
# Our own pause (node/cmd/pause); its version moves when that program changes.
PAUSE_VERSION = "1.0"
# The pod network DaemonSet's image (node/image/pod-network); its version moves
# when that script changes, since an image already present is not rebuilt.
POD_NETWORK_VERSION = "1.2"
# Bump when the way images are assembled changes, so cached node images rebuild.
RECIPE_REVISION = "2"
SCRATCH_PATH = "PATH=/usr/local/bin:/usr/bin:/bin"
PRELOAD_LABEL = "io.cri-containerd.pinned=pinned"

Log = Callable[[str], None]


@dataclass(frozen=True)
class ClusterImages:
    """The references of every image a chaosgate kind cluster runs."""

    kubernetes_version: str
    etcd_tag: str
    coredns_tag: str
    pause: str
    pod_network: str
    metrics_server: str
    argocd: str
    prometheus: str
    heart: str
    redis: str

    def control_plane(self, component: str) -> str:
        return f"{LOCAL_REPOSITORY}/{component}:{self.kubernetes_version}"

    def all(self) -> tuple[str, ...]:
        components = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")
        return (
            *(self.control_plane(c) for c in components),
            f"{LOCAL_REPOSITORY}/etcd:{self.etcd_tag}",
            f"{LOCAL_REPOSITORY}/coredns:{self.coredns_tag}",
            self.pause,
            self.pod_network,
            self.metrics_server,
            self.argocd,
            self.prometheus,
            self.heart,
            self.redis,
        )


def cluster_images(versions: Versions) -> ClusterImages:
    refs = image_refs()
    return ClusterImages(
        kubernetes_version=versions.tool("kubernetes"),
        etcd_tag=versions.tool("etcd"),
        coredns_tag=versions.tool("coredns"),
        pause=f"{LOCAL_REPOSITORY}/pause:{PAUSE_VERSION}",
        pod_network=f"{LOCAL_REPOSITORY}/pod-network:{POD_NETWORK_VERSION}",
        metrics_server=f"{LOCAL_REPOSITORY}/metrics-server:{versions.tool('metrics-server')}",
        argocd=f"{LOCAL_REPOSITORY}/argocd:{versions.tool('argocd')}",
        prometheus=f"{LOCAL_REPOSITORY}/prometheus:{versions.tool('prometheus')}",
        heart=refs.heart,
        redis=refs.redis,
    )


def node_image_tag(versions: Versions, images: ClusterImages | None = None) -> str:
    """chaosgate/kind-node:<kubernetes>-<digest of everything that goes into it>."""
    images = images or cluster_images(versions)
    digest = hashlib.sha256()
    for part in _node_inputs(versions, images):
        digest.update(part.encode() + b"\0")
    return f"{NODE_IMAGE_REPOSITORY}:{images.kubernetes_version}-{digest.hexdigest()[:12]}"


def _node_inputs(versions: Versions, images: ClusterImages) -> Iterable[str]:
    yield RECIPE_REVISION
    yield from images.all()
    yield node_recipe(versions).tarball_name()
    yield userland_recipe(versions).tarball_name()
    yield versions.tool("crictl")
    for path in sorted(p for p in NODE_ASSETS.rglob("*") if p.is_file()):
        yield str(path.relative_to(NODE_ASSETS))
        yield hashlib.sha256(path.read_bytes()).hexdigest()
    for name in ("pause",):
        yield hashlib.sha256(
            (REPO_ROOT / "node" / "cmd" / name / "main.go").read_bytes()
        ).hexdigest()


# ---------------------------------------------------------------------------
# Component images


def _docker_build(context: Path, dockerfile: str, tag: str) -> None:
    (context / "Dockerfile").write_text(dockerfile)
    run(["docker", "build", "-q", "-t", tag, str(context)], timeout=1200, env=DOCKER_ENV)


def scratch_image(tag: str, binaries: dict[str, Path], entrypoint: list[str], user: str) -> None:
    """An image FROM scratch holding static binaries in /usr/local/bin."""
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        lines = ["FROM scratch"]
        for name, source in binaries.items():
            shutil.copy2(source, context / name)
            lines.append(f"COPY {name} /usr/local/bin/{name}")
        lines += [f"ENV {SCRATCH_PATH}", f"USER {user}", f"ENTRYPOINT {json.dumps(entrypoint)}"]
        _docker_build(context, "\n".join(lines) + "\n", tag)


def userland_image(
    tag: str, base: str, binaries: dict[str, Path], extra: Iterable[str] = ()
) -> None:
    """An image FROM the userland rootfs with binaries added to /usr/local/bin."""
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        lines = [f"FROM {base}"]
        for name, source in binaries.items():
            shutil.copy2(source, context / name)
            lines.append(f"COPY {name} /usr/local/bin/{name}")
        lines += list(extra)
        _docker_build(context, "\n".join(lines) + "\n", tag)


# Argo CD is one binary; the role comes from the name it is started as.
ARGOCD_ROLES = (
    "argocd-server",
    "argocd-repo-server",
    "argocd-application-controller",
    "argocd-applicationset-controller",
    "argocd-cmp-server",
    "argocd-commit-server",
    "argocd-dex",
    "argocd-notifications",
    "argocd-k8s-auth",
    "argocd-git-ask-pass",
    "argocd-helm-registry-auth-helper",
)


def _argocd_extra() -> list[str]:
    links = " && ".join(f"ln -s argocd /usr/local/bin/{role}" for role in ARGOCD_ROLES)
    return [
        f"RUN {links} && useradd --uid 999 --create-home --home-dir /home/argocd argocd",
        "ENV HOME=/home/argocd",
        "USER 999",
        # No entrypoint: install.yaml names each role's program in `args`.
    ]


def _component_builds(
    cache: ToolCache, images: ClusterImages, userland: str
) -> dict[str, Callable[[], None]]:
    """Each in-cluster image's tag and how to build it."""
    kube = cache.version_dir("kubernetes")

    def scratch(tag: str, name: str, binary: Path, user: str) -> tuple[str, Callable[[], None]]:
        return tag, partial(scratch_image, tag, {name: binary}, [f"/usr/local/bin/{name}"], user)

    builds = dict(
        scratch(images.control_plane(c), c, kube / c, "0")
        for c in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
    )
    builds.update(
        [
            scratch(
                f"{LOCAL_REPOSITORY}/etcd:{images.etcd_tag}", "etcd", cache.binary("etcd"), "0"
            ),
            # Root, so the NET_BIND_SERVICE kubeadm's Deployment grants (after
            # dropping every other capability) lets it bind port 53; upstream's
            # image runs as non-root with a file capability instead.
            scratch(
                f"{LOCAL_REPOSITORY}/coredns:{images.coredns_tag}",
                "coredns",
                cache.binary("coredns"),
                "0",
            ),
            scratch(images.pause, "pause", node_binary("pause"), "65535"),
            scratch(
                images.metrics_server,
                "metrics-server",
                cache.binary("metrics-server"),
                "65534",
            ),
            scratch(images.prometheus, "prometheus", cache.binary("prometheus"), "65534"),
        ]
    )
    proxy = images.control_plane("kube-proxy")
    builds[proxy] = partial(userland_image, proxy, userland, {"kube-proxy": kube / "kube-proxy"})
    network = {"chaosgate-pod-network": NODE_ASSETS / "pod-network" / "chaosgate-pod-network"}
    network["kubectl"] = kube / "kubectl"
    builds[images.pod_network] = partial(
        userland_image,
        images.pod_network,
        userland,
        network,
        ['ENTRYPOINT ["/usr/local/bin/chaosgate-pod-network"]'],
    )
    argocd_binaries = {name: cache.binary(name) for name in ("argocd", "helm", "kustomize")}
    builds[images.argocd] = partial(
        userland_image, images.argocd, userland, argocd_binaries, _argocd_extra()
    )
    return builds


def build_cluster_images(cache: ToolCache, images: ClusterImages, log: Log) -> None:
    """Build each in-cluster image that is not present yet."""
    userland = ensure_userland_image(log)
    for tag, build in _component_builds(cache, images, userland).items():
        if not image_exists(tag):
            build()
            log(f"built {tag}")


# ---------------------------------------------------------------------------
# The node image


def _node_stage(cache: ToolCache, images: ClusterImages, base: str, tag: str) -> None:
    """The node's filesystem: rootfs assets, node binaries, containerd config, /kind/version."""
    kube = cache.version_dir("kubernetes")
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        shutil.copytree(NODE_ASSETS / "rootfs", context / "rootfs", symlinks=True)
        config = (NODE_ASSETS / "containerd-config.toml.in").read_text()
        config_path = context / "rootfs/etc/containerd/config.toml"
        config_path.write_text(config.replace("@PAUSE_IMAGE@", images.pause))
        cni = (NODE_ASSETS / "default-cni.yaml.in").read_text()
        cni_path = context / "rootfs/kind/manifests/default-cni.yaml"
        cni_path.write_text(cni.replace("@POD_NETWORK_IMAGE@", images.pod_network))
        (context / "rootfs/kind/version").write_text(images.kubernetes_version + "\n")
        bin_dir = context / "bin"
        bin_dir.mkdir()
        for name in ("kubelet", "kubeadm", "kubectl"):
            shutil.copy2(kube / name, bin_dir / name)
        shutil.copy2(cache.binary("crictl"), bin_dir / "crictl")
        dockerfile = "\n".join(
            [
                f"FROM {base}",
                "COPY rootfs/ /",
                "COPY bin/ /usr/bin/",
                "RUN systemctl enable kubelet.service"
                " && mkdir -p /var/lib/kubelet /etc/kubernetes/manifests",
                "ENV container=docker",
                "STOPSIGNAL SIGRTMIN+3",
                'ENTRYPOINT ["/usr/local/bin/entrypoint"]',
            ]
        )
        _docker_build(context, dockerfile + "\n", tag)


def _preload(stage: str, images: ClusterImages, tag: str, log: Log) -> None:
    """Import every cluster image into the stage's containerd, then commit it as tag."""
    container = f"chaosgate-preload-{hashlib.sha256(tag.encode()).hexdigest()[:8]}"
    run(["docker", "rm", "-f", container], timeout=60, check=False)
    with tempfile.TemporaryDirectory() as tmp:
        archives = Path(tmp)
        for i, ref in enumerate(images.all()):
            run(["docker", "save", "-o", str(archives / f"{i}.tar"), ref], timeout=600)
        run(
            [
                "docker",
                "run",
                "-d",
                "--name",
                container,
                "--privileged",
                "-v",
                f"{archives}:/preload:ro",
                "--entrypoint",
                "/usr/bin/containerd",
                stage,
            ],
            timeout=120,
        )
        try:
            _wait_for_containerd(container)
            ctr = ["docker", "exec", container, "ctr", "--namespace=k8s.io"]
            for archive in sorted(archives.iterdir()):
                run(
                    [*ctr, "images", "import", "--no-unpack", f"/preload/{archive.name}"],
                    timeout=900,
                )
            # Pinned: the kubelet's image garbage collector never removes them.
            for ref in run([*ctr, "images", "ls", "-q"], timeout=60).stdout.split():
                run([*ctr, "images", "label", ref, PRELOAD_LABEL], timeout=60)
            log(f"preloaded {len(images.all())} images into the node's containerd")
            run(["docker", "stop", "-t", "30", container], timeout=120)
            changes = ['ENTRYPOINT ["/usr/local/bin/entrypoint"]', "CMD []"]
            flags = [arg for change in changes for arg in ("--change", change)]
            run(["docker", "commit", *flags, container, tag], timeout=900)
        finally:
            run(["docker", "rm", "-f", container], timeout=120, check=False)


def _wait_for_containerd(container: str) -> None:
    for _ in range(60):
        probe = run(["docker", "exec", container, "ctr", "version"], timeout=30, check=False)
        if probe.returncode == 0:
            return
        run(["sleep", "1"], timeout=5)
    raise ImageBuildError(
        f"containerd did not start in {container}; see `docker logs {container}`."
    )


def build_node_image(cache: ToolCache, log: Log) -> str:
    """Build (or find) the offline kind node image for the pinned versions; return its tag."""
    ensure_docker(say=log)
    versions = cache.versions
    images = cluster_images(versions)
    tag = node_image_tag(versions, images)
    if image_exists(tag):
        log(f"{tag} already present")
        return tag
    if not (image_exists(images.heart) and image_exists(images.redis)):
        build_images(log)
    build_cluster_images(cache, images, log)
    recipe = node_recipe(versions)
    base = f"chaosgate/kind-node-base:{recipe.suite}-{recipe.key()}"
    if not image_exists(base):
        import_rootfs(rootfs_tarball(recipe, log), base)
    stage = f"{tag}-stage"
    _node_stage(cache, images, base, stage)
    _preload(stage, images, tag, log)
    run(["docker", "rmi", stage], timeout=120, check=False)
    log(f"built {tag}")
    return tag
