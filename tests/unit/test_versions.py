from pathlib import Path

import pytest

from chaosgate.errors import ConfigError
from chaosgate.versions import load_versions, override_key, pip_constraints

SAMPLE = """
[tools]
kubernetes = "v1.34.4"
metrics-server = "v0.8.1"

[python]
typer = "0.29.2"
"""


@pytest.fixture
def versions_file(tmp_path: Path) -> Path:
    path = tmp_path / "versions.toml"
    path.write_text(SAMPLE)
    return path


def test_reads_pins(versions_file: Path) -> None:
    versions = load_versions(versions_file, env={})
    assert versions.tool("kubernetes") == "v1.34.4"
    assert versions.python == {"typer": "0.29.2"}


def test_environment_overrides_one_pin(versions_file: Path) -> None:
    env = {"CHAOSGATE_VERSION_METRICS_SERVER": "v0.9.0"}
    versions = load_versions(versions_file, env=env)
    assert versions.tool("metrics-server") == "v0.9.0"
    assert versions.tool("kubernetes") == "v1.34.4"


@pytest.mark.parametrize(
    ("name", "key"),
    [("kubernetes", "CHAOSGATE_VERSION_KUBERNETES"), ("kind-node", "CHAOSGATE_VERSION_KIND_NODE")],
)
def test_override_key(name: str, key: str) -> None:
    assert override_key(name) == key


def test_unknown_tool_names_the_file(versions_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"No version for tool 'helm' in .*versions.toml"):
        load_versions(versions_file, env={}).tool("helm")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tools\n", "not valid TOML"),
        ('tools = "x"\n', r"\[tools\] .* must be a table"),
        ('[tools]\nhelm = ""\n', "must be a non-empty string"),
        ("[tools]\nhelm = 3\n", "must be a non-empty string"),
    ],
)
def test_malformed_files_are_explained(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "v.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_versions(path, env={})


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CHAOSGATE_VERSIONS_FILE"):
        load_versions(tmp_path / "nope.toml", env={})


def test_constraints_are_exact_pins(versions_file: Path) -> None:
    assert pip_constraints(load_versions(versions_file, env={})) == "typer==0.29.2\n"


def test_repository_pins_every_declared_dependency(repo_root: Path) -> None:
    import tomllib

    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    pinned = load_versions(repo_root / "versions.toml", env={}).python
    assert sorted(set(declared) - set(pinned)) == []
