"""Renders the template from this working tree: the one way tests, benchmarks and scripts do it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from copier import run_copy

REPO_ROOT = Path(__file__).resolve().parent.parent

# A fixed identity and date make the snapshot's commit, and so `_commit` in every render, the same
# on every run: two renders of the same answers are then byte-identical.
_FIXED_COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "template-snapshot",
    "GIT_AUTHOR_EMAIL": "snapshot@localhost",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "template-snapshot",
    "GIT_COMMITTER_EMAIL": "snapshot@localhost",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def git(*args: str, cwd: Path) -> str:
    """git with a fixed identity and date, so that its commits are the same on every run; its output."""
    env = {**os.environ, **_FIXED_COMMIT_ENV}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def snapshot(destination: Path, source: Path = REPO_ROOT) -> Path:
    """A clean one-commit git repository holding the working tree as it is now (uncommitted and
    new files included, ignored ones left out), so Copier renders exactly what is being tested."""
    files = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=source).split("\0")
    for name in filter(None, files):
        if (source / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, destination / name)
    git("init", "--quiet", "--initial-branch=main", cwd=destination)
    git("add", "--all", cwd=destination)
    git("commit", "--quiet", "--no-gpg-sign", "--message=snapshot", cwd=destination)
    return destination


def render(destination: Path, answers: dict[str, Any], *, src: Path, vcs_ref: str = "HEAD") -> Path:
    """Render `src` at `vcs_ref` with `answers` (defaults for the rest) into `destination`."""
    run_copy(
        str(src), str(destination), data=answers, defaults=True, unsafe=True, vcs_ref=vcs_ref, quiet=True
    )
    return destination
