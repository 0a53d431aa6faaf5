"""GitHub workflows, the template's own and the rendered ones: schema, actionlint, zizmor, policy;
and what the rendered CI, deploy and Dependabot files do, read by their meaning."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from extensions.context import SEVERITIES
from scripts.render import REPO_ROOT
from tests.project import Render, load_yaml, recorded_answers
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
            if "uses" in job:  # a call of a reusable workflow: its own jobs have the timeouts
                assert job["uses"].startswith("./.github/workflows/"), job["uses"]
                continue
            assert "timeout-minutes" in job, path.name
            for step in job["steps"]:
                if "uses" in step:
                    assert PINNED.match(step["uses"]), step["uses"]
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(f"{action}@")]


@pytest.mark.parametrize("combination", ["defaults", "services:auth-only", "registry:dockerhub"])
def test_ci_checks_then_builds_scans_and_pushes_every_image(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    answers = recorded_answers(project)
    ci = load_yaml(project / ".github/workflows/ci.yml")
    check, images, staging = ci["jobs"]["check"], ci["jobs"]["images"], ci["jobs"]["staging"]
    # The project's own commands, in the order a contributor runs them.
    assert runs(check) == [
        "npm ci --no-audit --no-fund",
        "npm run format:check",
        "npm run lint",
        "npm run typecheck",
        "npm run build",
        "npm run db:migrate",
        "npm run test:coverage",
        'node scripts/coverage-summary.mjs >>"$GITHUB_STEP_SUMMARY"',
        'echo "badge=$(node scripts/coverage-summary.mjs --badge)" >>"$GITHUB_OUTPUT"',
    ]
    scripts = load_json(project / "package.json")["scripts"]
    assert {"format:check", "lint", "typecheck", "build", "db:migrate", "test:coverage"} <= set(scripts)
    # The API tests run against the same PostgreSQL and Redis images as production, never skipped.
    compose = load_yaml(project / "docker-compose.prod.yml")["services"]
    assert {name: service["image"] for name, service in check["services"].items()} == {
        "postgres": compose["postgres"]["image"],
        "redis": compose["redis"]["image"],
    }
    assert check["env"]["INTEGRATION_TESTS"] == "required"
    assert check["env"]["TEST_DATABASE_URL"] == check["env"]["DATABASE_URL"]
    # One image per service, from its own Dockerfile, named as the production Compose file names it.
    assert images["needs"] == "check"
    assert images["strategy"]["matrix"]["service"] == answers["services"]
    for service in answers["services"]:
        assert (project / "packages" / service / "Dockerfile").is_file()
        image = f"{answers['project_slug']}-{service}:${{IMAGE_TAG:?set IMAGE_TAG}}"
        assert compose[service]["image"] == f"${{IMAGE_REGISTRY:?set IMAGE_REGISTRY}}/{image}"
    assert (
        images["env"]["IMAGE"]
        == f"{answers['image_registry']}/{answers['project_slug']}-${{{{ matrix.service }}}}"
    )
    [scan] = uses(images, "aquasecurity/trivy-action")
    # The answered severity and every one above it, in Trivy's order.
    lowest = SEVERITIES.index(answers["scan_severity"])
    assert scan["with"]["severity"].split(",") == list(SEVERITIES[lowest:])
    assert scan["with"]["exit-code"] == "1"
    build, push = uses(images, "docker/build-push-action")
    assert build["with"]["load"] is True
    assert "push" not in build["with"]
    assert (push["with"]["push"], push["with"]["sbom"], push["with"]["provenance"]) == (
        True,
        True,
        "mode=max",
    )
    # Pushed only from main, under the commit's SHA; then staging gets that release.
    assert images["env"]["PUSH"] == "${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}"
    assert push["if"] == "env.PUSH == 'true'"
    assert push["with"]["tags"].endswith(":${{ github.sha }}")
    [login] = uses(images, "docker/login-action")
    assert login["with"]["registry"] == answers["image_registry"].split("/")[0]
    assert ("packages" in images["permissions"]) == answers["image_registry"].startswith("ghcr.io/")
    assert staging["uses"] == "./.github/workflows/deploy.yml"
    assert staging["with"] == {"environment": "staging", "release": "${{ github.sha }}"}


def test_deploy_runs_the_projects_deploy_script_over_ssh(rendered: Render) -> None:
    project = rendered("defaults")
    deploy = load_yaml(project / ".github/workflows/deploy.yml")
    triggers = deploy[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"workflow_call", "workflow_dispatch"}
    assert triggers["workflow_dispatch"]["inputs"]["environment"]["options"] == ["staging", "production"]
    [job] = deploy["jobs"].values()
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    resolve, remote = runs(job)
    assert remote == 'scripts/remote-deploy.sh "$RELEASE" "$RELEASE"'
    assert os.access(project / "scripts/remote-deploy.sh", os.X_OK)
    # The server pulls by digest: each image's, read from the registry the answers name.
    answers = recorded_answers(project)
    assert "for service in auth-service core-service mcp-server frontend; do" in resolve
    assert f'"{answers["image_registry"]}/acme-ai-hub-$service:$RELEASE"' in resolve
    assert "docker buildx imagetools inspect --format '{{.Manifest.Digest}}'" in resolve
    [login] = uses(job, "docker/login-action")
    assert login["with"]["registry"] == answers["image_registry"].split("/")[0]
    [digests, step] = [step for step in job["steps"] if "run" in step]
    assert step["env"]["DEPLOY_DIGESTS"] == f"${{{{ steps.{digests['id']}.outputs.digests }}}}"
    assert set(step["env"]) >= {
        "DEPLOY_HOST",
        "DEPLOY_USER",
        "DEPLOY_PATH",
        "DEPLOY_SSH_KEY",
        "DEPLOY_KNOWN_HOSTS",
    }


def test_dependabot_watches_every_ecosystem_with_a_cooldown(rendered: Render) -> None:
    project = rendered("services:auth-only")
    path = project / ".github/dependabot.yml"
    run_tool("check-jsonschema", "--builtin-schema", "vendor.dependabot", path)
    updates = {update["package-ecosystem"]: update for update in load_yaml(path)["updates"]}
    assert set(updates) == {"npm", "docker", "docker-compose", "github-actions"}
    assert updates["docker"]["directories"] == ["/packages/auth-service"]
    assert all(update["cooldown"]["default-days"] >= 7 for update in updates.values())


def test_readme_badges_point_at_the_projects_repository(rendered: Render) -> None:
    project = rendered("registry:dockerhub")
    repository = recorded_answers(project)["github_repository"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    for workflow in ("ci.yml", "deploy.yml"):
        badge = f"https://github.com/{repository}/actions/workflows/{workflow}/badge.svg"
        assert badge in readme
    coverage = f"https://raw.githubusercontent.com/{repository}/badges/coverage.json"
    assert f"https://img.shields.io/endpoint?url={coverage}" in readme
    assert "smart-ai-hub-template" not in readme.lower()


def test_the_coverage_badge_is_published_by_a_job_that_runs_no_project_code(rendered: Render) -> None:
    ci = load_yaml(rendered("defaults") / ".github/workflows/ci.yml")
    check, badge = ci["jobs"]["check"], ci["jobs"]["coverage-badge"]
    [made] = [step for step in check["steps"] if step.get("id") == "badge"]
    assert made["run"] == 'echo "badge=$(node scripts/coverage-summary.mjs --badge)" >>"$GITHUB_OUTPUT"'
    assert check["outputs"] == {"badge": "${{ steps.badge.outputs.badge }}"}
    # The one job that may write: on main only, after the tests, with no checkout and no action.
    assert badge["needs"] == "check"
    assert badge["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert badge["permissions"] == {"contents": "write"}
    assert all("uses" not in step for step in badge["steps"])
    [publish] = badge["steps"]
    assert publish["env"]["BADGE"] == "${{ needs.check.outputs.badge }}"
    assert "printf '%s\\n' \"$BADGE\" >coverage.json" in publish["run"]
    assert (
        publish["run"]
        .rstrip()
        .endswith('git push -q --force "https://x-access-token:$TOKEN@github.com/$REPOSITORY.git" badges')
    )
    # No other job may write.
    for name, job in ci["jobs"].items():
        if name != "coverage-badge":
            assert "write" not in str(job.get("permissions", {}).get("contents", "read")), name
