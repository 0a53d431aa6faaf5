"""Every YAML file of a render passes yamllint with the project's own rules (.yamllint.yml)."""

from __future__ import annotations

import pytest

from tests.project import Render
from tests.tools import tool


@pytest.mark.parametrize("combination", ["defaults", "logs:none", "services:auth-only"])
def test_rendered_yaml_passes_yamllint(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    result = tool("yamllint", "--strict", "--config-file", project / ".yamllint.yml", project)
    assert result.returncode == 0, result.stdout + result.stderr
