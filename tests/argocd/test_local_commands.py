"""The local Argo CD's objects and process commands, without starting anything."""

from __future__ import annotations

import base64
import ipaddress
from pathlib import Path

from chaosgate.argocd.config import (
    CONFIG_MAPS,
    Tuning,
    argocd_secret,
    config_maps,
    default_project,
    settings_overlay,
)
from chaosgate.argocd.local import (
    MAX_SOCKET_PATH,
    LocalArgoCDSettings,
    Ports,
    askpass_socket,
    controller_command,
    redis_command,
    repo_server_command,
)

PORTS = Ports(redis=16379, repo_server=18081, repo_server_metrics=18084, controller_metrics=18082)
GITOPS_CM = Path(__file__).resolve().parents[2] / "gitops" / "argocd" / "config" / "argocd-cm.yaml"


def install_docs() -> list[dict[str, object]]:
    docs: list[dict[str, object]] = [
        {"kind": "ConfigMap", "metadata": {"name": name}, "data": {"upstream": name}}
        for name in (*CONFIG_MAPS, "argocd-notifications-cm")
    ]
    docs.append({"kind": "Secret", "metadata": {"name": "argocd-secret"}, "type": "Opaque"})
    return docs


def test_config_maps_keep_upstream_data_and_add_ours_labelled() -> None:
    tuning = Tuning(extra_settings=settings_overlay(GITOPS_CM))
    maps = {cm["metadata"]["name"]: cm for cm in config_maps(install_docs(), tuning)}
    assert list(maps) == list(CONFIG_MAPS)  # notifications are not run, not applied
    cm = maps["argocd-cm"]
    assert cm["metadata"]["namespace"] == "argocd"
    assert cm["metadata"]["labels"]["app.kubernetes.io/part-of"] == "argocd"
    assert cm["data"]["upstream"] == "argocd-cm"
    assert cm["data"]["timeout.reconciliation"] == "10s"
    assert (
        "obj.status.health" in cm["data"]["resource.customizations.health.argoproj.io_Application"]
    )
    assert maps["argocd-cmd-params-cm"]["data"]["controller.resource.health.persist"] == "true"


def test_secret_gets_a_random_signing_key_and_project_allows_all() -> None:
    first = argocd_secret(install_docs())
    second = argocd_secret(install_docs())
    key = base64.b64decode(first["data"]["server.secretkey"])
    assert len(key) == 32
    assert first["data"] != second["data"]
    assert first["metadata"]["labels"]["app.kubernetes.io/part-of"] == "argocd"
    project = default_project()
    assert project["spec"]["sourceRepos"] == ["*"]
    assert project["metadata"] == {"name": "default", "namespace": "argocd"}


def _loopback_flags(argv: list[str]) -> list[str]:
    hosts = []
    for arg in argv:
        value = arg.split("=", 1)[-1]
        host = value.rsplit(":", 1)[0] if ":" in value else value
        try:
            hosts.append(str(ipaddress.ip_address(host)))
        except ValueError:
            continue
    return hosts


def test_redis_binds_loopback_and_persists_nothing(tmp_path: Path) -> None:
    command = redis_command("redis-server", 16379, tmp_path)
    argv = command.argv
    assert argv[argv.index("--bind") + 1] == "127.0.0.1"
    assert argv[argv.index("--save") + 1] == ""
    assert argv[argv.index("--appendonly") + 1] == "no"


def test_repo_server_listens_on_loopback_without_tls(tmp_path: Path) -> None:
    command = repo_server_command(Path("/bin/argocd"), PORTS, tmp_path, [Path("/h")], "info")
    assert command.argv[1:7] == [
        "--address=127.0.0.1",
        "--port=18081",
        "--metrics-address=127.0.0.1",
        "--metrics-port=18084",
        "--redis=127.0.0.1:16379",
        "--disable-tls",
    ]
    assert set(_loopback_flags(command.argv)) == {"127.0.0.1"}
    env = command.env
    assert env["ARGOCD_BINARY_NAME"] == "argocd-repo-server"
    assert env["ARGOCD_GPG_ENABLED"] == "false"
    assert env["TMPDIR"] == str(tmp_path / "tmp")
    assert env["PATH"].startswith("/h:")


def test_controller_runs_fake_in_cluster_on_the_cluster_kubeconfig(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    command = controller_command(Path("/bin/argocd"), PORTS, kubeconfig, LocalArgoCDSettings())
    assert command.env == {
        "ARGOCD_BINARY_NAME": "argocd-application-controller",
        "ARGOCD_FAKE_IN_CLUSTER": "true",
        "ARGOCD_GPG_ENABLED": "false",
        "KUBECONFIG": str(kubeconfig.resolve()),
    }
    argv = command.argv
    for flag in (
        "--namespace=argocd",
        "--redis=127.0.0.1:16379",
        "--repo-server=127.0.0.1:18081",
        "--repo-server-plaintext",
        "--metrics-port=18082",
        "--app-resync=10",
        "--app-resync-jitter=0",
        "--persist-resource-health=true",
    ):
        assert flag in argv
    assert set(_loopback_flags(argv)) == {"127.0.0.1"}


def test_askpass_socket_fits_in_a_unix_socket_path(tmp_path: Path) -> None:
    assert askpass_socket(Path("/s")) == Path("/s/askpass.sock")
    deep = tmp_path / ("d" * 120)
    short = askpass_socket(deep)
    assert len(str(short)) <= MAX_SOCKET_PATH
    assert short == askpass_socket(deep)  # stable for one workdir
    assert short != askpass_socket(tmp_path / ("e" * 120))
