"""Pinned upstream versions, read from versions.toml with environment overrides.

versions.toml at the repository root is the one place where versions live.
CHAOSGATE_VERSIONS_FILE points at another file; CHAOSGATE_VERSION_<NAME>
overrides one entry (NAME upper-cased, '-' written as '_').
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chaosgate.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VERSIONS_FILE = REPO_ROOT / "versions.toml"


@dataclass(frozen=True)
class Versions:
    """All pins of one versions file, after overrides."""

    tools: Mapping[str, str]
    images: Mapping[str, str]
    python: Mapping[str, str]
    source: Path

    def tool(self, name: str) -> str:
        """Return the pinned version of a tool, or raise naming the file to fix."""
        try:
            return self.tools[name]
        except KeyError:
            raise ConfigError(
                f'No version for tool {name!r} in {self.source}; add `{name} = "vX.Y.Z"` '
                "under [tools]."
            ) from None


def override_key(name: str) -> str:
    """The environment variable that overrides the pin called name."""
    return "CHAOSGATE_VERSION_" + name.upper().replace("-", "_")


def _apply_overrides(section: Mapping[str, object], env: Mapping[str, str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for name, value in section.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(f"Version of {name!r} must be a non-empty string, got {value!r}.")
        pins[name] = env.get(override_key(name), value)
    return pins


def load_versions(path: Path | None = None, env: Mapping[str, str] | None = None) -> Versions:
    """Read the versions file (default: the repository's versions.toml)."""
    env = os.environ if env is None else env
    path = path or Path(env.get("CHAOSGATE_VERSIONS_FILE", DEFAULT_VERSIONS_FILE))
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(
            f"Versions file {path} does not exist; set CHAOSGATE_VERSIONS_FILE to a valid file."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Versions file {path} is not valid TOML: {exc}.") from None
    sections = {key: data.get(key, {}) for key in ("tools", "images", "python")}
    for key, section in sections.items():
        if not isinstance(section, dict):
            raise ConfigError(f'[{key}] in {path} must be a table of name = "version".')
    return Versions(
        tools=_apply_overrides(sections["tools"], env),
        images=_apply_overrides(sections["images"], env),
        python=_apply_overrides(sections["python"], env),
        source=path,
    )


def pip_constraints(versions: Versions) -> str:
    """The [python] pins as a pip constraints file."""
    return "".join(f"{name}=={version}\n" for name, version in sorted(versions.python.items()))


if __name__ == "__main__":
    # `python -m chaosgate.versions` runs before chaosgate is installed (make setup).
    print(pip_constraints(load_versions()), end="")
