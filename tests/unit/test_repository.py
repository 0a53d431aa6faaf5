"""This repository's own hygiene: copier.yml's shape, linters, pre-commit, CI entry point."""

from __future__ import annotations

import re

import pytest
import yaml

from scripts.render import REPO_ROOT
from tests.tools import tool

COPIER = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
QUESTIONS = {key: value for key, value in COPIER.items() if not key.startswith("_")}


def test_copier_yml_opens_with_its_settings() -> None:
    keys = list(COPIER)
    settings = [key for key in keys if key.startswith("_")]
    assert keys[: len(settings)] == settings
    assert COPIER["_subdirectory"] == "template"
    assert COPIER["_templates_suffix"] == ".jinja"
    assert COPIER["_envops"] == {"keep_trailing_newline": True, "undefined": "jinja2.StrictUndefined"}
    # Copier's default exclusions (.git among them) must stay: a custom _exclude replaces them.
    assert "_exclude" not in COPIER


@pytest.mark.parametrize("name", list(QUESTIONS))
def test_every_question_has_a_type_and_help(name: str) -> None:
    assert {"type", "help"} <= set(QUESTIONS[name])


def test_no_question_asks_for_a_secret() -> None:
    assert not [name for name in QUESTIONS if re.search(r"secret|password|token|key", name)]


def test_ci_runs_the_test_command_of_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci/run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["scripts/test"]
    assert "```sh\nscripts/test\n```" in readme


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["pre-commit", "validate-config"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "pre-commit-config", "mypy"],
)
def test_repository_tools_pass(command: list[str]) -> None:
    result = tool(*command, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
