"""The rendered .pre-commit-config.yaml: every hook runs on an installed render and leaves it
unchanged, and commit messages are held to Conventional Commits.

GitHub cannot be reached here, so each upstream hook repository is swapped for a local hook that
runs the same tool from this run's virtual environment (pyproject.toml pins it; hadolint and
actionlint at other versions than the config's revs), with the file selection of that hook's
manifest (`.pre-commit-hooks.yaml` at the pinned rev, written out below) and the arguments,
exclusions and stages the rendered config gives it. Prettier and ESLint are local hooks already:
they run as rendered, with the project's own installed tools."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.installed import Install, InstalledProject
from tests.project import load_yaml
from tests.tools import VENV_BIN

pytestmark = pytest.mark.xdist_group("defaults")

# Each upstream hook: the command its manifest runs and the files it selects.
UPSTREAM: dict[str, dict[str, Any]] = {
    "trailing-whitespace": {"entry": "trailing-whitespace-fixer", "types": ["text"]},
    "end-of-file-fixer": {"entry": "end-of-file-fixer", "types": ["text"]},
    "check-merge-conflict": {"entry": "check-merge-conflict", "types": ["text"]},
    "check-added-large-files": {"entry": "check-added-large-files"},
    "detect-private-key": {"entry": "detect-private-key", "types": ["text"]},
    "detect-secrets": {"entry": "detect-secrets-hook"},
    "shellcheck": {"entry": "shellcheck", "types": ["shell"]},
    "hadolint": {"entry": "hadolint", "types": ["dockerfile"]},
    "actionlint": {"entry": "actionlint", "files": r"^\.github/workflows/", "types": ["yaml"]},
    "check-github-workflows": {
        "entry": "check-jsonschema --builtin-schema vendor.github-workflows",
        "files": r"^\.github/workflows/",
        "types": ["yaml"],
    },
    "check-dependabot": {
        "entry": "check-jsonschema --builtin-schema vendor.dependabot",
        "files": r"^\.github/dependabot\.ya?ml$",
        "types": ["yaml"],
    },
    "check-compose-spec": {
        "entry": "check-jsonschema --builtin-schema vendor.compose-spec",
        "files": r"^(.*/)?(docker-)?compose(\.[\w-]+)?\.ya?ml$",
        "types": ["yaml"],
    },
    "yamllint": {"entry": "yamllint", "types": ["yaml"]},
    "conventional-pre-commit": {"entry": "conventional-pre-commit"},
}
# What the rendered config may set on a hook, carried over to its local stand-in.
CARRIED = ("args", "exclude", "stages")


def offline(config: dict[str, Any]) -> dict[str, Any]:
    """The config with every upstream hook run locally from this test run's virtual environment."""
    swapped = []
    for repo in config["repos"]:
        if repo["repo"] == "local":
            swapped.append(repo)
            continue
        hooks = []
        for hook in repo["hooks"]:
            manifest = UPSTREAM[hook["id"]]
            command, *rest = manifest["entry"].split()
            hooks.append(
                {
                    **manifest,
                    "id": hook["id"],
                    "name": hook["id"],
                    "entry": " ".join([str(VENV_BIN / command), *rest]),
                    "language": "system",
                    **{key: hook[key] for key in CARRIED if key in hook},
                }
            )
        swapped.append({"repo": "local", "hooks": hooks})
    return {**config, "repos": swapped}


@pytest.fixture(scope="module")
def clone(installed: Install, tmp_path_factory: pytest.TempPathFactory) -> InstalledProject:
    """The installed defaults render as a fresh clone with one commit: the sources copied (so the
    fixers can never touch the shared install), the node_modules folders hard-linked (no hook
    writes there)."""
    project = installed("defaults")
    path = tmp_path_factory.mktemp("pre-commit") / "clone"
    shutil.copytree(project.path, path, ignore=shutil.ignore_patterns("node_modules", ".git"))
    for modules in [project.path / "node_modules", *project.path.glob("packages/*/node_modules")]:
        subprocess.run(["cp", "-al", modules, path / modules.relative_to(project.path)], check=True)
    clone = InstalledProject(
        path, project.node_major, {**project.env, "PRE_COMMIT_HOME": str(path.parent / "cache")}
    )
    identity = ("-c", "user.name=Ada", "-c", "user.email=ada@acme.dev")
    clone.run("git", "init", "-q", "-b", "main")
    clone.run("git", "add", "-A")
    clone.run("git", *identity, "commit", "-q", "--no-verify", "-m", "chore: scaffold")
    config = load_yaml(path / ".pre-commit-config.yaml")
    (path.parent / "offline.yaml").write_text(
        yaml.safe_dump(offline(config), sort_keys=False), encoding="utf-8"
    )
    return clone


def pre_commit(clone: InstalledProject, *arguments: str) -> subprocess.CompletedProcess[str]:
    return clone.run(
        str(VENV_BIN / "pre-commit"),
        "run",
        "--config",
        str(clone.path.parent / "offline.yaml"),
        *arguments,
        check=False,
    )


def test_the_config_names_only_hooks_this_test_can_stand_in_for(clone: InstalledProject) -> None:
    config = load_yaml(clone.path / ".pre-commit-config.yaml")
    upstream = [hook["id"] for repo in config["repos"] if repo["repo"] != "local" for hook in repo["hooks"]]
    assert sorted(upstream) == sorted(UPSTREAM)
    local = [hook["id"] for repo in config["repos"] if repo["repo"] == "local" for hook in repo["hooks"]]
    assert local == ["prettier", "eslint"]


def test_every_hook_passes_on_a_render_and_changes_nothing(clone: InstalledProject) -> None:
    ran = pre_commit(clone, "--all-files", "--show-diff-on-failure")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    # Every hook of the commit stage ran on something (one that selects no file says "Skipped").
    assert "Skipped" not in ran.stdout, ran.stdout
    assert clone.run("git", "status", "--porcelain").stdout == ""


def test_the_hooks_catch_what_they_are_there_for(clone: InstalledProject) -> None:
    script = clone.path / "scripts/broken.sh"
    key = clone.path / "infra/leaked.pem"
    script.write_text("#!/usr/bin/env bash\necho $1 \n", encoding="utf-8")
    key.write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    try:
        clone.run("git", "add", str(script), str(key))
        ran = pre_commit(clone, "--files", str(script), str(key))
        assert ran.returncode == 1
        failed = {line.split(".")[0].strip() for line in ran.stdout.splitlines() if line.endswith("Failed")}
        assert {"trailing-whitespace", "shellcheck", "detect-private-key"} <= failed, ran.stdout
    finally:
        clone.run("git", "reset", "-q", "--", str(script), str(key))
        script.unlink()
        key.unlink()


@pytest.mark.parametrize(
    ("message", "accepted"),
    [("feat(core-service): workspaces have tags", True), ("fix: a typo", True), ("Fixed stuff", False)],
)
def test_commit_messages_follow_conventional_commits(
    clone: InstalledProject, message: str, accepted: bool
) -> None:
    path = clone.path.parent / "COMMIT_EDITMSG"
    path.write_text(message + "\n", encoding="utf-8")
    ran = pre_commit(clone, "--hook-stage", "commit-msg", "--commit-msg-filename", str(path))
    assert (ran.returncode == 0) is accepted, ran.stdout
