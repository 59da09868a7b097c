"""install.yaml trimmed to the workloads the harness needs, on images built here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chaosgate.argocd.localize import LocalArgoCDImages, localize_install

IMAGES = LocalArgoCDImages(
    argocd="chaosgate.local/argocd:v3.2.11", redis="chaosgate/redis:bookworm"
)


def workload(
    kind: str, name: str, *containers: dict[str, Any], init: tuple[dict[str, Any], ...] = ()
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": list(containers)}
    if init:
        spec["initContainers"] = list(init)
    return {"kind": kind, "metadata": {"name": name}, "spec": {"template": {"spec": spec}}}


def install() -> list[dict[str, Any]]:
    argocd = "quay.io/argoproj/argocd:v3.2.11"
    return [
        {"kind": "CustomResourceDefinition", "metadata": {"name": "applications.argoproj.io"}},
        workload("StatefulSet", "argocd-application-controller", {"name": "c", "image": argocd}),
        workload(
            "Deployment",
            "argocd-repo-server",
            {"name": "r", "image": argocd, "args": ["/usr/local/bin/argocd-repo-server"]},
            init=({"name": "copyutil", "image": argocd, "command": ["/bin/cp"]},),
        ),
        workload(
            "Deployment",
            "argocd-redis",
            {
                "name": "redis",
                "image": "public.ecr.aws/docker/library/redis:8.2.2-alpine",
                "args": ["--save", ""],
            },
            init=({"name": "secret-init", "image": argocd},),
        ),
        workload("Deployment", "argocd-server", {"name": "s", "image": argocd}),
        workload(
            "Deployment",
            "argocd-dex-server",
            {"name": "dex", "image": "ghcr.io/dexidp/dex:v2.43.0"},
        ),
    ]


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_only_the_controller_repo_server_and_redis_are_kept_beside_everything_else() -> None:
    out = localize_install(install(), IMAGES)
    assert [d["metadata"]["name"] for d in out] == [
        "applications.argoproj.io",
        "argocd-application-controller",
        "argocd-repo-server",
        "argocd-redis",
    ]


def test_every_container_runs_a_local_image_and_never_pulls() -> None:
    for doc in localize_install(install(), IMAGES)[1:]:
        for container in containers(doc):
            assert container["image"] in (IMAGES.argocd, IMAGES.redis)
            assert container["imagePullPolicy"] == "Never"


def test_redis_is_started_by_name_with_upstream_args() -> None:
    redis = localize_install(install(), IMAGES)[3]["spec"]["template"]["spec"]["containers"][0]
    assert redis["command"] == ["redis-server"]
    assert redis["args"] == ["--save", ""]


def test_the_input_is_not_modified() -> None:
    docs = install()
    localize_install(docs, IMAGES)
    assert docs == install()


def test_an_image_we_do_not_build_is_refused() -> None:
    docs = [
        workload("Deployment", "argocd-repo-server", {"name": "x", "image": "example.com/other:1"})
    ]
    with pytest.raises(ValueError, match=re.escape("does not build: example.com/other:1")):
        localize_install(docs, IMAGES)


def test_the_repo_server_runs_without_gpg() -> None:
    repo_server = localize_install(install(), IMAGES)[2]["spec"]["template"]["spec"]["containers"][
        0
    ]
    assert {"name": "ARGOCD_GPG_ENABLED", "value": "false"} in repo_server["env"]
