"""Tiny fixture templates (tests/unit/fixtures/) that load one real extension file each, rendered
with Copier."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from copier import run_copy

from scripts.render import REPO_ROOT

# `render_fixture(name, extension, answers)`: a fixture template rendered in the test's folder.
RenderFixture = Callable[..., Path]

FIXTURES = Path(__file__).parent / "fixtures"


def render_fixture(folder: Path, name: str, extension: str, answers: dict[str, Any] | None = None) -> Path:
    """fixtures/<name> with extensions/<extension>, rendered in `folder`; the output folder."""
    template = folder / "template"
    shutil.copytree(FIXTURES / name, template)
    (template / "extensions").mkdir()
    shutil.copy(REPO_ROOT / "extensions" / extension, template / "extensions" / extension)
    if (template / "locks").is_dir():
        shutil.move(template / "locks", template / "extensions" / "locks")
    destination = folder / "out"
    run_copy(str(template), str(destination), data=answers or {}, defaults=True, unsafe=True, quiet=True)
    return destination
