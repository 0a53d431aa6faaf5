"""`copier update` from the previous release to HEAD on a project with typical user edits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from copier import run_update

from scripts.render import git, render
from tests.matrix import answers_for
from tests.project import relative_files

# Owned by the project after the first render (copier.yml `_skip_if_exists`): never updated.
PROJECT_OWNED = {"README.md", "package-lock.json", "packages/frontend/public/favicon.svg"}

NEW_ROUTE = """import type { FastifyPluginAsync } from 'fastify';

const hello: FastifyPluginAsync = async (app) => {
  app.get('/api/auth/hello', () => ({ hello: 'world' }));
};

export default hello;
"""


def make_user_edits(project: Path) -> dict[str, str]:
    """What a team does in its first days: a route, docs, settings and a dependency."""
    service = project / "packages/auth-service"
    (service / "src/routes").mkdir(exist_ok=True)
    (service / "src/routes/hello.ts").write_text(NEW_ROUTE, encoding="utf-8")
    app = (service / "src/app.ts").read_text(encoding="utf-8")
    edited = app.replace(
        "\nimport type { Config }", "\nimport hello from './routes/hello.js';\nimport type { Config }", 1
    )
    edited = edited.replace(
        "\n};\n\nexport default app;", "\n  await fastify.register(hello);\n};\n\nexport default app;"
    )
    assert edited.count("hello") == 3, "the edit did not apply: adjust it to the rendered app.ts"
    app = edited
    (service / "src/app.ts").write_text(app, encoding="utf-8")
    with (project / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n## Team notes\n\nOn-call rotation lives in the wiki.\n")
    with (project / ".env.example").open("a", encoding="utf-8") as env:
        env.write("\n# Our feature flag.\nFEATURE_AGENTS=1\n")
    manifest_path = service / "package.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["dependencies"]["undici"] = "^7.16.0"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return {
        "packages/auth-service/src/routes/hello.ts": "hello: 'world'",
        "packages/auth-service/src/app.ts": "await fastify.register(hello);",
        "README.md": "On-call rotation lives in the wiki.",
        ".env.example": "FEATURE_AGENTS=1",
        "packages/auth-service/package.json": '"undici": "^7.16.0"',
    }


def commit_all(project: Path, message: str) -> str:
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "--no-gpg-sign", "--allow-empty", f"--message={message}", cwd=project)
    return git("rev-parse", "HEAD", cwd=project)


# A conflict marker starts a line; the docs may quote one inside a sentence.
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)


def assert_no_conflicts(project: Path) -> None:
    assert git("ls-files", "--unmerged", cwd=project) == ""
    leftovers = [
        name
        for name in relative_files(project)
        if name.endswith(".rej")
        or CONFLICT_MARKER.search((project / name).read_text(encoding="utf-8", errors="replace"))
    ]
    assert leftovers == []


@pytest.fixture
def fresh_head(template_repo: Path, tmp_path: Path) -> Any:
    def fresh(answers: dict[str, Any]) -> Path:
        return render(tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}", answers, src=template_repo)

    return fresh


@pytest.fixture
def project(template_repo: Path, previous_release: str, tmp_path: Path) -> Path:
    """The previous release rendered with the base answers, committed as the project's first commit."""
    destination = render(
        tmp_path / "project", answers_for("defaults"), src=template_repo, vcs_ref=previous_release
    )
    git("init", "--quiet", "--initial-branch=main", cwd=destination)
    git("config", "user.email", "team@acme.dev", cwd=destination)
    commit_all(destination, "chore: scaffold")
    return destination


def update(project: Path, **answers: Any) -> None:
    run_update(
        str(project), data=answers, defaults=True, overwrite=True, unsafe=True, vcs_ref="HEAD", quiet=True
    )


def test_update_of_an_edited_project_keeps_edits_without_conflicts(project: Path, fresh_head: Any) -> None:
    edits = make_user_edits(project)
    head_before = commit_all(project, "feat: our first changes")
    git_config = (project / ".git/config").read_text(encoding="utf-8")

    update(project)

    assert_no_conflicts(project)
    for name, fragment in edits.items():
        assert fragment in (project / name).read_text(encoding="utf-8"), f"edit lost in {name}"
    # The project's repository is its own: same history, same settings, nothing of the template's.
    assert git("rev-parse", "HEAD", cwd=project) == head_before
    assert (project / ".git/config").read_text(encoding="utf-8") == git_config
    assert not [path for path in project.rglob(".git") if path != project / ".git"]
    # Every file the team did not touch is exactly what a fresh render of HEAD gives.
    fresh = fresh_head(answers_for("defaults"))
    untouched = relative_files(fresh) - set(edits) - PROJECT_OWNED
    assert relative_files(project) - set(edits) - PROJECT_OWNED == untouched
    differing = [
        name for name in sorted(untouched) if (project / name).read_bytes() != (fresh / name).read_bytes()
    ]
    assert differing == []


def test_update_of_an_untouched_project_equals_a_fresh_render(project: Path, fresh_head: Any) -> None:
    update(project)
    assert_no_conflicts(project)
    fresh = fresh_head(answers_for("defaults"))
    assert relative_files(project) == relative_files(fresh)
    differing = [
        name
        for name in sorted(relative_files(fresh) - PROJECT_OWNED)
        if (project / name).read_bytes() != (fresh / name).read_bytes()
    ]
    assert differing == []


def test_dropping_a_service_on_update_removes_it_and_adding_it_back_restores_it(
    project: Path, fresh_head: Any
) -> None:
    update(project)
    commit_all(project, "chore: update template")
    without = ["auth-service", "core-service", "mcp-server"]

    update(project, services=without)
    assert_no_conflicts(project)
    assert not (project / "packages/frontend").exists()
    assert "packages/frontend" not in (project / "docs/development.md").read_text(encoding="utf-8")
    commit_all(project, "chore: drop the frontend")

    update(project, services=[*without, "frontend"])
    assert_no_conflicts(project)
    fresh = fresh_head(answers_for("defaults"))
    restored = {name for name in relative_files(fresh) if name.startswith("packages/frontend/")}
    assert restored
    assert {name for name in relative_files(project) if name.startswith("packages/frontend/")} == restored
    assert all((project / name).read_bytes() == (fresh / name).read_bytes() for name in restored)
