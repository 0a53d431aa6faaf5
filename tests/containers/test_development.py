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
from typing import Any

import pytest

from scripts.node_toolchain import CACHE_DIR, node_env
from tests.engine import Engine
from tests.servers import wait_until

pytestmark = [pytest.mark.containers, pytest.mark.xdist_group("engine")]

COMBINATION = "services:no-frontend-no-mcp"


def docs_commands(development: Path) -> list[str]:
    text = development.read_text(encoding="utf-8")
    [block] = re.findall(
        r"With Docker Compose for PostgreSQL and Redis:\n\n```sh\n(.*?)```", text, flags=re.DOTALL
    )
    return [line.split("  #")[0].strip() for line in block.splitlines()]


def test_the_development_stack_serves_the_services_run_from_the_host(
    engine: Engine, rendered: Any, tmp_path: Path
) -> None:
    project = tmp_path / "platform"
    shutil.copytree(rendered(COMBINATION), project, ignore=shutil.ignore_patterns("node_modules", "dist"))
    # The render's Node major on PATH, and the engine's DOCKER_HOST for the docker commands.
    env = {**engine.env, **node_env(24, CACHE_DIR / "npm")}
    installed = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    *setup, dev = docs_commands(project / "docs/development.md")
    assert dev == "npm run dev", dev
    ran = subprocess.run(
        engine.inside("bash", "-euo", "pipefail", "-c", "\n".join(setup)),
        cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    try:
        assert ran.returncode == 0, f"{ran.stdout}\n{ran.stderr}"
        listed = engine.docker("compose", "ps", "--format", "json", cwd=project).stdout.splitlines()
        states = {entry["Service"]: entry["Health"] for entry in map(json.loads, listed)}
        assert states == {"postgres": "healthy", "redis": "healthy"}
        for entry in map(json.loads, listed):
            assert {port["URL"] for port in entry["Publishers"] if port["PublishedPort"]} <= {"127.0.0.1"}, (
                entry
            )
        with (tmp_path / "dev.log").open("w") as log:
            process = subprocess.Popen(
                engine.inside("npm", "run", "dev"),
                cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            answers: dict[int, str] = {}

            def ready(port: int) -> bool:
                probe = engine.inside("curl", "-sS", f"http://127.0.0.1:{port}/health/ready")
                answers[port] = subprocess.run(probe, capture_output=True, text=True, check=False).stdout
                return answers[port] == '{"status":"ok"}'

            try:
                wait_until(lambda: ready(3001) and ready(3002), "the services of npm run dev", timeout=90)
            except RuntimeError as error:
                raise AssertionError(answers) from error
            body = json.dumps({"email": "dev-ada@acme.dev", "password": "correct horse battery staple dev"})
            registered = subprocess.run(
                engine.inside(
                    "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                    "-H", "content-type: application/json", "--data", body,
                    "http://127.0.0.1:3001/api/auth/register",
                ),
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            assert registered.stdout == "201"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    finally:
        engine.docker("compose", "down", "-v", cwd=project, check=False)
