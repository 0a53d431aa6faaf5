"""Installed renders: `npm ci` once per named combination, on the Node major its answers name, and
what their built services need to run as production processes. Registered as a plugin by
tests/conftest.py, so the build, static, e2e and container tiers share one install of each render."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts.node_toolchain import CACHE_DIR, node_env
from tests.matrix import BUILD_COMBINATIONS
from tests.project import Render, recorded_answers
from tests.servers import free_port, postgres, redis, wait_for

# `installed(combination)` and `built(combination)`: a render installed (and built), once a session.
Install = Callable[[str], "InstalledProject"]


@dataclass
class InstalledProject:
    path: Path
    node_major: int
    env: dict[str, str]

    def run(
        self, *command: str, check: bool = True, cwd: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            command,
            cwd=cwd or self.path,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
        return result


def production_env(project: Path, port: int) -> dict[str, str]:
    """What a production process of auth-service needs, its signing key file included: made once,
    beside the project, never in it (its tree stays as rendered, for the hooks that scan it)."""
    key = project.with_name(f"{project.name}.jwt-test-key.pem")
    if not key.exists():
        subprocess.run(
            [
                "openssl",
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                str(key),
            ],
            check=True,
        )
    return {
        "NODE_ENV": "production",
        "PORT": str(port),
        "JWT_ISSUER": "https://hub.acme.dev/api/auth",
        "JWT_AUDIENCE": "acme-ai-hub-api",
        "JWT_PRIVATE_KEY_FILE": str(key),
    }


BACKENDS = ("auth-service", "core-service", "mcp-server")


@contextmanager
def running_backends(project: InstalledProject, folder: Path, **env: str) -> Iterator[dict[str, str]]:
    """The built auth-service, core-service and mcp-server as production processes on free ports,
    wired to each other, each logging to `folder/<service>.log`; yields their base URLs. `env`
    overrides what they share. Each must stop by itself, with status 0, on SIGTERM."""
    ports = {service: free_port() for service in BACKENDS}
    shared = {
        **project.env,
        **production_env(project.path, 0),
        "AUTH_JWKS_URL": f"http://127.0.0.1:{ports['auth-service']}/.well-known/jwks.json",
        "CORE_SERVICE_URL": f"http://127.0.0.1:{ports['core-service']}",
        **env,
    }
    processes = {}
    for service, port in ports.items():
        with (folder / f"{service}.log").open("w") as log:
            processes[service] = subprocess.Popen(
                ["node", f"packages/{service}/dist/server.js"],
                cwd=project.path,
                env={**shared, "PORT": str(port)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
    try:
        for service, port in ports.items():
            wait_for(f"http://127.0.0.1:{port}/health/ready", processes[service])
        yield {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            assert process.wait(timeout=15) == 0


def build_params() -> list[Any]:
    """One parameter per build combination, grouped so one xdist worker installs each render once."""
    return [pytest.param(name, id=name, marks=pytest.mark.xdist_group(name)) for name in BUILD_COMBINATIONS]


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Real PostgreSQL and Redis on loopback for this worker: {"DATABASE_URL": ..., "REDIS_URL": ...}."""
    folder = tmp_path_factory.mktemp("servers")
    with postgres() as database_url, redis(folder / "redis") as redis_url:
        yield {"DATABASE_URL": database_url, "REDIS_URL": redis_url}


@pytest.fixture(scope="session")
def installed(rendered: Render, databases: dict[str, str]) -> Install:
    cache: dict[str, InstalledProject] = {}

    def install(combination: str) -> InstalledProject:
        if combination not in cache:
            path = rendered(combination)
            major = int(recorded_answers(path)["node_version"])
            # One npm cache for every render: packages are downloaded once per machine.
            env = node_env(major, CACHE_DIR / "npm")
            # The rendered integration tests run against the real servers, never skipped.
            env.update(
                databases, TEST_DATABASE_URL=databases["DATABASE_URL"], TEST_REDIS_URL=databases["REDIS_URL"]
            )
            project = InstalledProject(rendered(combination), major, env)
            project.run("npm", "ci", "--no-audit", "--no-fund")
            project.run("npm", "run", "db:migrate")
            cache[combination] = project
        return cache[combination]

    return install


@pytest.fixture(scope="session")
def built(installed: Install) -> Install:
    done: set[str] = set()

    def build(combination: str) -> InstalledProject:
        project = installed(combination)
        if combination not in done:
            project.run("npm", "run", "build")
            done.add(combination)
        return project

    return build
