"""A template repository with its release history, and HEAD holding the working tree."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scripts.render import REPO_ROOT, git


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository (tags included) whose HEAD commit is the working tree as it is now."""
    clone = tmp_path_factory.mktemp("template-history") / "template"
    git("clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(clone), cwd=REPO_ROOT)
    git("fetch", "--quiet", "--tags", str(REPO_ROOT), cwd=clone)
    tracked = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=REPO_ROOT).split("\0")
    for name in git("ls-files", "-z", cwd=clone).split("\0"):
        if name and not (REPO_ROOT / name).exists():
            (clone / name).unlink()
    for name in filter(None, tracked):
        if (REPO_ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, clone / name)
    git("add", "--all", cwd=clone)
    if git("status", "--porcelain", cwd=clone):
        git("commit", "--quiet", "--no-gpg-sign", "--message=working tree", cwd=clone)
    return clone


RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.MULTILINE)


def release_commits(repo: Path) -> list[tuple[str, str]]:
    """(name, commit) of every release, newest first: git tags, or where there are none (a clone
    without tags), the commits that added each version heading to CHANGELOG.md."""
    tags = git("tag", "--merged", "HEAD", "--sort=-version:refname", cwd=repo).splitlines()
    if tags:
        return [(tag, git("rev-list", "-n", "1", tag, cwd=repo)) for tag in tags]
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = []
    for version in RELEASE_HEADING.findall(changelog):
        added = git("log", "--format=%H", f"-S## [{version}]", "--", "CHANGELOG.md", cwd=repo).splitlines()
        if added:
            releases.append((version, added[-1]))
    return releases


@pytest.fixture(scope="session")
def previous_release(template_repo: Path) -> str:
    """The newest release before HEAD, as a commit.

    Until a release exists before HEAD (HEAD is the first release), HEAD stands in: the update then
    proves that user edits survive and nothing conflicts, with no template change to bring.
    """
    head = git("rev-parse", "HEAD", cwd=template_repo)
    for _name, commit in release_commits(template_repo):
        if commit != head:
            return commit
    return head
