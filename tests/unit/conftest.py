"""Tiny fixture templates that load one real extension file each, rendered with Copier."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from copier import run_copy

from tests.conftest import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def render_fixture(tmp_path: Path) -> Any:
    """`render_fixture(name, extension, answers)`: the rendered folder of fixtures/<name>."""

    def render(name: str, extension: str, answers: dict[str, Any] | None = None) -> Path:
        template = tmp_path / "template"
        shutil.copytree(FIXTURES / name, template)
        (template / "extensions").mkdir()
        shutil.copy(REPO_ROOT / "extensions" / extension, template / "extensions" / extension)
        if (template / "locks").is_dir():
            shutil.move(template / "locks", template / "extensions" / "locks")
        destination = tmp_path / "out"
        run_copy(str(template), str(destination), data=answers or {}, defaults=True, unsafe=True, quiet=True)
        return destination

    return render
