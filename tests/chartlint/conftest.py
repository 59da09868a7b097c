"""Fixtures of the chart linter tests.

Tests that need the pinned helm (or the Kubernetes OpenAPI spec from the Go
module cache) are marked needs_tools and use these fixtures; when the tool is
missing the fixture raises ToolError/LintError, so the test fails and says to
run `make setup` instead of being skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.chartlint.schema import SchemaSet, load_schema_set
from chaosgate.tools.cache import tool_path
from chaosgate.versions import load_versions

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "gitops" / "charts" / "heart-display"
PROVIDER_VALUES = REPO_ROOT / "gitops" / "values"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "chartlint"


@pytest.fixture
def pinned_helm() -> Path:
    """The pinned helm binary (ToolError naming `make setup` when it is not built)."""
    return tool_path("helm")


@pytest.fixture(scope="session")
def kube_version() -> str:
    return load_versions().tool("kubernetes")


@pytest.fixture(scope="session")
def kubernetes_schemas(kube_version: str) -> SchemaSet:
    """Strict schemas of the pinned Kubernetes release (from its Go module)."""
    return load_schema_set(kube_version)
