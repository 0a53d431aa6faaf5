"""The rendered PM2 process file, run by pm2-runtime as a container would run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.client import Load
from tests.installed import InstalledProject
from tests.servers import wait_for, wait_until


@contextmanager
def pm2_runtime(
    project: InstalledProject, service: str, port: int, folder: Path, env: dict[str, str]
) -> Iterator[Path]:
    """`pm2-runtime start ecosystem.config.cjs --only <service>` on `port`, ready when it yields the
    PM2 home (for `pm2 jlist`). The workers' JSON lines go to `folder/<service>.log`."""
    home = folder / f"pm2-{service}"
    log_path = folder / f"{service}.log"
    with log_path.open("w") as log:
        runtime = subprocess.Popen(
            ["node_modules/.bin/pm2-runtime", "start", "ecosystem.config.cjs", "--only", service],
            cwd=project.path,
            env={**project.env, **env, "PORT": str(port), "PM2_HOME": str(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: stopping the group stops PM2 and every worker it started.
            start_new_session=True,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/health/ready", runtime)
        yield home
    finally:
        os.killpg(runtime.pid, signal.SIGTERM)
        try:
            runtime.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(runtime.pid, signal.SIGKILL)
            runtime.wait(timeout=10)


def workers(project: InstalledProject, home: Path, service: str) -> list[dict[str, Any]]:
    listing = project.run("npx", "pm2", "jlist", PM2_HOME=str(home)).stdout
    return [process for process in json.loads(listing) if process["name"] == service]


def reload(project: InstalledProject, home: Path, service: str) -> None:
    """`pm2 reload`: every worker of `service` replaced by a new process, as a deploy does."""
    before = {process["pid"] for process in workers(project, home, service)}
    project.run("npx", "pm2", "reload", service, PM2_HOME=str(home))

    def replaced() -> bool:
        after = workers(project, home, service)
        online = all(process["pm2_env"]["status"] == "online" for process in after)
        return len(after) == len(before) and online and not before & {process["pid"] for process in after}

    wait_until(replaced, f"{service}'s new workers", timeout=30)


def while_a_worker_stops(worker: int, load: Load, seconds: float, stop_after: float) -> Load:
    """Runs `load` for `seconds`, and sends SIGTERM to the `worker` PID after `stop_after` seconds,
    as a deploy or PM2's memory limit would. Returns the load, with every outcome it recorded."""
    with load:
        time.sleep(stop_after)
        os.kill(worker, signal.SIGTERM)
        time.sleep(seconds - stop_after)
    return load
