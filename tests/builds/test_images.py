"""Each rendered Dockerfile, built stage by stage without an engine (tests/dockerfile.py), then run
as its CMD and probed with its own HEALTHCHECK command."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from extensions.context import SERVICE_PORTS
from scripts.node_toolchain import CACHE_DIR, node_env
from tests.builds.conftest import InstalledProject
from tests.builds.test_build import production_env
from tests.dockerfile import Stage, build
from tests.gateway import nginx, spa_config
from tests.servers import free_port, wait_until

pytestmark = [pytest.mark.build, pytest.mark.xdist_group("images")]

DEV_ONLY = ("typescript", "vitest", "eslint", "prettier", "tsx", "vite", "concurrently")


def healthcheck(stage: Stage, image_port: int, port: int) -> list[str]:
    """The image's HEALTHCHECK command, pointed at the port the test chose."""
    return [part.replace(f":{image_port}/", f":{port}/") for part in stage.healthcheck]


@pytest.mark.parametrize("service", ["auth-service", "core-service", "mcp-server"])
def test_service_image_ships_production_dependencies_only_and_runs_healthy(
    rendered: Any, databases: dict[str, str], service: str, tmp_path: Path
) -> None:
    project = rendered("defaults")
    toolchain = node_env(24, CACHE_DIR / "npm")
    runtime = build(project / f"packages/{service}/Dockerfile", project, tmp_path / "image", toolchain)

    assert runtime.user == "1000:1000"
    app = runtime.path(".")
    assert (app / f"packages/{service}/dist/server.js").is_file()
    assert not (app / f"packages/{service}/src").exists(), "sources are not shipped"
    assert (app / "node_modules/pm2").is_dir()
    shipped_dev = [name for name in DEV_ONLY if (app / "node_modules" / name).exists()]
    assert shipped_dev == [], "development dependencies in the runtime image"
    others = {"auth-service", "core-service", "mcp-server", "frontend"} - {service}
    assert not any((app / "packages" / other).exists() for other in others)

    port = free_port()
    env = {
        **toolchain,
        **runtime.env,
        **databases,
        **production_env(tmp_path, port),
        "AUTH_JWKS_URL": "http://127.0.0.1:9/.well-known/jwks.json",
        "CORE_SERVICE_URL": "http://127.0.0.1:9",
    }
    if (app / f"packages/{service}/migrations").is_dir():
        # The migration command the deploy runs from this image.
        InstalledProject(app, 24, env).run("npm", "run", "db:migrate", "-w", f"packages/{service}")
    probe = healthcheck(runtime, SERVICE_PORTS[service], port)

    def healthy() -> bool:
        return subprocess.run(probe, env=env, capture_output=True, timeout=10, check=False).returncode == 0

    process = subprocess.Popen(
        runtime.cmd,
        cwd=app,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until(lambda: healthy() or process.poll() is not None, f"{service}'s image", timeout=30)
        assert process.poll() is None, "the CMD exited"
        # What `docker stop` does: SIGTERM to the container's first process only.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, "SIGTERM did not stop the container's process cleanly"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_frontend_image_serves_the_spa_and_its_health(rendered: Any, tmp_path: Path) -> None:
    project = rendered("defaults")
    runtime = build(
        project / "packages/frontend/Dockerfile", project, tmp_path / "image", node_env(24, CACHE_DIR / "npm")
    )
    assert runtime.user == "101:101"
    html = runtime.path("/usr/share/nginx/html")
    assert (html / "index.html").is_file()
    assert list((html / "assets").glob("*.js"))
    port = free_port()
    conf = spa_config(runtime.path("/etc/nginx/nginx.conf"), tmp_path / "nginx", port=port, root=html)
    with nginx(conf, port):
        probe = healthcheck(runtime, 8080, port)
        assert subprocess.run(probe, capture_output=True, check=False).returncode == 0
