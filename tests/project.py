"""Reading a rendered project by meaning: its files, manifests and lock."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

# `rendered(combination)`: a named combination's render (tests/conftest.py), made once a session.
Render = Callable[[str], Path]

SKIPPED_DIRS = {"node_modules", "dist", "coverage", ".git"}


def project_files(root: Path) -> Iterator[Path]:
    """Every file the template rendered (not installed or built ones)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
            yield path


def relative_files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in project_files(root)}


def capture(pattern: str, text: str, flags: int = 0) -> str:
    """The first group of `pattern`'s first match in `text`; fails when nothing matches."""
    match = re.search(pattern, text, flags)
    assert match, f"nothing matches {pattern!r}"
    return match[1]


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def recorded_answers(root: Path) -> dict[str, Any]:
    """The answers Copier recorded in the render, defaults included: never restated by tests."""
    return dict(load_yaml(root / ".copier-answers.yml"))


def workspace_dirs(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "packages").iterdir() if path.is_dir())


def substitute(path: Path, replacements: Mapping[str, str | Path]) -> None:
    """Replaces each string in the file; every one must be there, so a renamed line fails loudly."""
    text = path.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"{path.name} no longer contains {old!r}"
        text = text.replace(old, str(new))
    path.write_text(text, encoding="utf-8")
