from pathlib import Path

import yaml

from chaosgate.containers.images import heart_version, image_refs
from chaosgate.containers.rootfs import DEFAULT_MIRROR, debian_mirror


def test_mirror_comes_from_apt_sources(tmp_path: Path) -> None:
    sources = tmp_path / "debian.sources"
    sources.write_text("Types: deb\n# comment\nURIs: http://mirror.example/debian\nSuites: x\n")
    assert debian_mirror(sources) == "http://mirror.example/debian"


def test_mirror_falls_back_to_debian(tmp_path: Path) -> None:
    assert debian_mirror(tmp_path / "missing") == DEFAULT_MIRROR


def test_chart_uses_the_images_we_build(repo_root: Path) -> None:
    values = yaml.safe_load((repo_root / "gitops/charts/heart-display/values.yaml").read_text())
    refs = image_refs()
    assert f"{values['image']['repository']}:{values['image']['tag']}" == refs.heart
    assert values["image"]["tag"] == heart_version()
