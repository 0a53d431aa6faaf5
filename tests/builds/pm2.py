"""The rendered PM2 process file, run by pm2-runtime as a container would run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.builds.conftest import InstalledProject
from tests.servers import wait_for


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


def while_a_worker_stops(
    worker: int,
    load: Callable[[int, float, list[int]], None],
    clients: int,
    seconds: float,
    stop_after: float,
) -> list[int]:
    """Runs `clients` threads of `load(index, deadline, outcomes)` for `seconds`, and sends SIGTERM
    to the `worker` PID after `stop_after` seconds, as a deploy or PM2's memory limit would.
    Returns every outcome the clients recorded."""
    outcomes: list[int] = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=load, args=(index, until, outcomes)) for index in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(stop_after)
    os.kill(worker, signal.SIGTERM)
    for thread in threads:
        thread.join()
    return outcomes
