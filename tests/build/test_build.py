"""Installed renders build, pass their own tests, and their services run as real processes."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.client import fetch
from tests.installed import Install, InstalledProject, build_params, production_env
from tests.project import workspace_dirs
from tests.servers import free_port, wait_for


@pytest.mark.parametrize("combination", build_params())
def test_runs_on_the_node_major_the_answers_name(installed: Install, combination: str) -> None:
    project = installed(combination)
    version = project.run("node", "--version").stdout.strip()
    assert version.startswith(f"v{project.node_major}.")
    project.run("node", "scripts/check-node.mjs")


@pytest.mark.parametrize("combination", build_params())
def test_installed_tree_is_complete_and_valid(installed: Install, combination: str) -> None:
    project = installed(combination)
    project.run("npm", "ls", "--all")
    # The rendered lock is the one npm would write: its next write changes nothing, so a user's
    # first `npm install` leaves it alone (and a later `copier update` has nothing to merge there).
    lock = project.path / "package-lock.json"
    rendered = lock.read_text(encoding="utf-8")
    project.run(
        "npm", "install", "--package-lock-only", "--ignore-scripts",
        npm_config_omit_lockfile_registry_resolved="false",
    )  # fmt: skip
    assert lock.read_text(encoding="utf-8") == rendered


@pytest.mark.parametrize("combination", build_params())
def test_build_emits_every_workspace(built: Install, combination: str) -> None:
    project = built(combination)
    for workspace in workspace_dirs(project.path):
        dist = project.path / "packages" / workspace / "dist"
        entry = {"shared": "index.js", "frontend": "index.html"}.get(workspace, "server.js")
        assert (dist / entry).is_file(), f"{workspace} has no dist/{entry}"


@pytest.mark.parametrize("combination", build_params())
def test_every_workspace_passes_its_tests_above_its_coverage_floor(
    installed: Install, combination: str, tmp_path: Path
) -> None:
    project = installed(combination)
    # As CI runs them: the API suites may not skip, and a package under its floor fails.
    output = project.run(
        "npm", "run", "test:coverage", INTEGRATION_TESTS="required", TMPDIR=str(tmp_path)
    ).stdout
    summaries = re.findall(r"Tests\s+(\d+) passed \((\d+)\)", re.sub(r"\x1b\[[0-9;]*m", "", output))
    workspaces = workspace_dirs(project.path)
    assert len(summaries) == len(workspaces), output
    assert all(int(passed) == int(total) > 0 for passed, total in summaries)
    # The tests remove the folders they make; only the tools' own caches stay.
    left = [item.name for item in tmp_path.iterdir()]
    assert all(re.fullmatch(r"tsx-\d+|node-compile-cache", name) for name in left), left
    # The job summary's table: one row per workspace, each metric a percentage.
    table = project.run("node", "scripts/coverage-summary.mjs").stdout.splitlines()
    assert table[0] == "| package | lines | branches | functions | statements |"
    assert [row.split(" | ")[0].removeprefix("| ") for row in table[2:]] == workspaces
    assert all(re.fullmatch(r"\|( [^|]+ \|)( \d+(\.\d+)? % \|){4}", row) for row in table[2:]), table
    # The README's badge: the line coverage of every workspace together, rounded down.
    badge = json.loads(project.run("node", "scripts/coverage-summary.mjs", "--badge").stdout)
    totals = [
        json.loads((project.path / "packages" / name / "coverage/coverage-summary.json").read_text())["total"]
        for name in workspaces
    ]
    covered, lines = (sum(total["lines"][key] for total in totals) for key in ("covered", "total"))
    assert badge["schemaVersion"] == 1
    assert badge["label"] == "coverage"
    assert badge["message"] == f"{math.floor(covered * 1000 / lines) / 10:g}%"  # as JavaScript prints it
    assert badge["color"] in {"brightgreen", "green", "yellow", "red"}


def start_service(project: InstalledProject, service: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["node", f"packages/{service}/dist/server.js"],
        cwd=project.path,
        env={**project.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("combination", build_params())
def test_built_service_serves_logs_json_and_stops_gracefully_on_sigterm(
    built: Install, combination: str
) -> None:
    project = built(combination)
    port = free_port()
    process = start_service(project, "auth-service", **production_env(project.path, port))
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/health/live", headers={"X-Request-ID": "build-tier-1"}
        )
        wait_for(f"http://127.0.0.1:{port}/health/ready", process)
        response = urllib.request.urlopen(request, timeout=5)  # noqa: S310
        assert json.loads(response.read()) == {"status": "ok"}
        assert response.headers["X-Request-ID"] == "build-tier-1"
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    access = [line for line in lines if line.get("requestId") == "build-tier-1"]
    assert len(access) == 1
    assert access[0]["message"] == "request completed"
    assert access[0]["service"] == "auth-service"
    assert access[0]["environment"] == "production"
    assert [line["message"] for line in lines][-2:] == ["shutting down", "stopped"]


# Each backend with each server it needs unreachable: nothing listens where it points.
DEPENDENCIES = {
    "auth-service": {"postgres": "DATABASE_URL", "redis": "REDIS_URL"},
    "core-service": {"postgres": "DATABASE_URL", "redis": "REDIS_URL"},
    "mcp-server": {"core-service": "CORE_SERVICE_URL"},
}
SCHEMES = {"postgres": "postgres://acme@", "redis": "redis://", "core-service": "http://"}


@pytest.mark.xdist_group("defaults")
@pytest.mark.parametrize(
    ("service", "down"), [(service, down) for service, needs in DEPENDENCIES.items() for down in needs]
)
def test_built_service_stops_at_once_on_sigterm_while_a_dependency_is_down(
    built: Install, service: str, down: str
) -> None:
    project = built("defaults")
    port = free_port()
    env = {
        **production_env(project.path, port),
        DEPENDENCIES[service][down]: f"{SCHEMES[down]}127.0.0.1:{free_port()}",
    }
    process = start_service(project, service, **env)
    try:
        wait_for(f"http://127.0.0.1:{port}/health/live", process)
        if service == "auth-service":
            # A sign-in needs both (the account, and the throttle's counters): a JSON 503 to retry.
            credentials = {"email": "ada@acme.dev", "password": "a long enough passphrase"}
            answer = fetch(
                f"http://127.0.0.1:{port}/api/auth/login",
                method="POST",
                body=json.dumps(credentials).encode(),
                headers={"content-type": "application/json"},
            )
            assert answer.status == 503, answer.body
            assert answer.header("retry-after") == "5"
            assert json.loads(answer.body)["statusCode"] == 503
    finally:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    seconds = time.monotonic() - started
    assert process.returncode == 0, stderr
    # Nothing to drain: the process is gone within about a second (its log flushed), never the
    # shutdown timeout.
    assert seconds < 1.5, seconds
    messages = [json.loads(line)["message"] for line in stdout.splitlines()]
    # What could not be closed is said between the two.
    closing = ["redis unreachable at shutdown; its connection dropped"] if down == "redis" else []
    assert messages[messages.index("shutting down") :] == ["shutting down", *closing, "stopped"]


@pytest.mark.parametrize("combination", build_params())
def test_built_service_refuses_a_bad_environment_naming_the_variable(
    built: Install, combination: str
) -> None:
    project = built(combination)
    process = start_service(
        project, "auth-service", **{**production_env(project.path, 0), "PORT": "not-a-port"}
    )
    _, stderr = process.communicate(timeout=15)
    assert process.returncode != 0
    assert "Invalid environment" in stderr
    assert "PORT" in stderr


@pytest.mark.xdist_group("defaults")
def test_frontend_build_is_a_static_site(built: Install) -> None:
    project = built("defaults")
    dist = project.path / "packages/frontend/dist"
    index = (dist / "index.html").read_text(encoding="utf-8")
    assert "<title>Acme AI Hub</title>" in index
    assert list(Path(dist / "assets").glob("*.js")), "no JavaScript bundle"


@pytest.mark.xdist_group("defaults")
@pytest.mark.parametrize("service", ["auth-service", "core-service"])
def test_migrations_go_down_and_up_again_on_a_real_database(installed: Install, service: str) -> None:
    project = installed("defaults")
    schema = service.split("-", maxsplit=1)[0]
    table = {"auth": "users", "core": "workspaces"}[schema]
    query = [
        "psql",
        project.env["DATABASE_URL"],
        "-tAc",
        f"SELECT to_regclass('{schema}.{table}') IS NOT NULL",
    ]

    project.run("npm", "run", "db:migrate:down", "-w", f"packages/{service}")
    assert project.run(*query).stdout.strip() == "f"
    project.run("npm", "run", "db:migrate", "-w", f"packages/{service}")
    assert project.run(*query).stdout.strip() == "t"
