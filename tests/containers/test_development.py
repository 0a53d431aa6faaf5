"""The development Compose file as docs/development.md says: PostgreSQL and Redis up and healthy
on loopback ports, the migrations and the services run from the host against them. The commands
run in the engine's network namespace, which plays the developer's machine's network (the files
and processes are the machine's own). The images are stand-ins (tests/standins/README.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from scripts.node_toolchain import CACHE_DIR, node_env
from tests.client import fetch
from tests.engine import Engine
from tests.installed import InstalledProject
from tests.project import Render, recorded_answers
from tests.servers import wait_for

pytestmark = pytest.mark.xdist_group("engine")

COMBINATION = "services:no-frontend-no-mcp"


def docs_commands(development: Path) -> list[str]:
    text = development.read_text(encoding="utf-8")
    [block] = re.findall(
        r"With Docker Compose for PostgreSQL and Redis:\n\n```sh\n(.*?)```", text, flags=re.DOTALL
    )
    return [line.split("  #")[0].strip() for line in block.splitlines()]


def test_the_development_stack_serves_the_services_run_from_the_host(
    engine: Engine, rendered: Render, tmp_path: Path
) -> None:
    project = tmp_path / "platform"
    shutil.copytree(rendered(COMBINATION), project, ignore=shutil.ignore_patterns("node_modules", "dist"))
    major = int(recorded_answers(project)["node_version"])
    # The render's Node major on PATH, and the engine's DOCKER_HOST for the docker commands.
    host = InstalledProject(project, major, {**engine.env, **node_env(major, CACHE_DIR / "npm")})
    host.run("npm", "ci", "--no-audit", "--no-fund")
    *setup, dev = docs_commands(project / "docs/development.md")
    assert dev == "npm run dev", dev
    try:
        host.run(*engine.inside("bash", "-euo", "pipefail", "-c", "\n".join(setup)))
        listed = engine.docker("compose", "ps", "--format", "json", cwd=project).stdout.splitlines()
        states = {entry["Service"]: entry["Health"] for entry in map(json.loads, listed)}
        assert states == {"postgres": "healthy", "redis": "healthy"}
        for entry in map(json.loads, listed):
            published = {port["URL"] for port in entry["Publishers"] if port["PublishedPort"]}
            assert published <= {"127.0.0.1"}, entry
        ports = {service: engine.forward(port) for service, port in (("auth", 3001), ("core", 3002))}
        with (tmp_path / "dev.log").open("w") as log:
            process = subprocess.Popen(
                engine.inside("npm", "run", "dev"),
                cwd=project, env=host.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            for port in ports.values():
                wait_for(f"http://127.0.0.1:{port}/health/ready", process, timeout=90)
            body = {"email": "dev-ada@acme.dev", "password": "correct horse battery staple dev"}
            registered = fetch(
                f"http://127.0.0.1:{ports['auth']}/api/auth/register",
                "POST",
                body=json.dumps(body).encode(),
                headers={"content-type": "application/json"},
            )
            assert registered.status == 201, registered.body
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    finally:
        engine.docker("compose", "down", "-v", cwd=project, check=False)
