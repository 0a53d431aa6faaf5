"""`npm run template:diff` in a rendered project: the project against its recorded template version."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scripts.render import git, render
from tests.matrix import answers_for
from tests.tools import VENV_BIN


@pytest.fixture
def project(template_repo: Path, tmp_path: Path) -> Path:
    destination = render(tmp_path / "project", answers_for("services:no-frontend-no-mcp"), src=template_repo)
    git("init", "--quiet", "--initial-branch=main", cwd=destination)
    return destination


def template_diff(project: Path) -> str:
    # The Copier of this repository's virtual environment stands in for the user's.
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "scripts/template-diff.sh"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_an_untouched_project_shows_no_difference(project: Path) -> None:
    assert template_diff(project) == ""


def test_edits_show_as_a_diff_against_the_recorded_version(project: Path) -> None:
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n## Team notes\n")
    (project / "docs/architecture.md").unlink()
    (project / "node_modules").mkdir()
    (project / "node_modules/ignored.js").write_text("ignored\n", encoding="utf-8")

    output = template_diff(project)

    assert "+## Team notes" in output
    assert "docs/architecture.md" in output
    changed = [line.split()[-1] for line in output.splitlines() if line.startswith("diff ")]
    assert changed == ["./README.md", "./docs/architecture.md"]
