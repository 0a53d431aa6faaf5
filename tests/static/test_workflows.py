"""GitHub workflows, the template's own and the rendered ones: schema, actionlint, zizmor, policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.render import REPO_ROOT
from tests.project import Render, load_yaml
from tests.tools import tool

PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


@pytest.fixture(params=["template", "rendered"])
def workflows(request: pytest.FixtureRequest, rendered: Render) -> list[Path]:
    root = REPO_ROOT if request.param == "template" else rendered("defaults")
    found = sorted((root / ".github/workflows").glob("*.yml"))
    assert found
    return found


def run_tool(*command: str | Path) -> None:
    result = tool(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_match_the_github_schema(workflows: list[Path]) -> None:
    run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)


def test_actionlint_finds_nothing(workflows: list[Path]) -> None:
    run_tool("actionlint", "-shellcheck=", *workflows)


def test_zizmor_finds_nothing(workflows: list[Path]) -> None:
    run_tool("zizmor", "--offline", "--no-progress", *workflows)


def test_workflows_read_only_by_default_and_pin_actions_by_sha(workflows: list[Path]) -> None:
    for path in workflows:
        workflow = load_yaml(path)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for job in workflow["jobs"].values():
            assert "timeout-minutes" in job, path.name
            for step in job["steps"]:
                if "uses" in step:
                    assert PINNED.match(step["uses"]), step["uses"]
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False
