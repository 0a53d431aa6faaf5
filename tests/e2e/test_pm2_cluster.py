"""PM2's cluster mode as the images run it (the Dockerfile's environment), killed hard under load:
no connection is ever left hanging.

Node's round-robin cluster scheduler hands each accepted connection to a worker over IPC; when the
worker dies before it takes the handle, the primary keeps the connection open and nobody answers it
(nodejs/node-v0.x-archive#7006). The gateway then waits for its read timeout and the client times
out. With the operating system's scheduling (`NODE_CLUSTER_SCHED_POLICY=none`), the workers accept
from the shared socket themselves: a killed worker's connections are reset (the gateway retries an
idempotent request on another), and the queue it leaves is taken by the others."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.client import Load, fetch
from tests.dockerfiles import runtime_environment
from tests.installed import Install, production_env
from tests.pm2 import pm2_runtime, workers
from tests.servers import free_port

pytestmark = pytest.mark.xdist_group("defaults")

RESET = ("ConnectionResetError", "RemoteDisconnected", "BrokenPipeError")


def test_a_worker_killed_under_load_leaves_no_connection_hanging(built: Install, tmp_path: Path) -> None:
    project = built("defaults")
    environment = runtime_environment(project.path / "packages/core-service/Dockerfile")
    assert environment["NODE_CLUSTER_SCHED_POLICY"] == "none"
    port = free_port()
    env = {
        **production_env(project.path, port),
        "NODE_CLUSTER_SCHED_POLICY": environment["NODE_CLUSTER_SCHED_POLICY"],
        # Liveness needs no token: the JWKS is never fetched.
        "AUTH_JWKS_URL": "http://127.0.0.1:9/.well-known/jwks.json",
    }
    with pm2_runtime(project, "core-service", port, tmp_path, env) as home:
        # A new connection for every request, as the gateway opens them after a worker is gone.
        load = Load(lambda _: fetch(f"http://127.0.0.1:{port}/health/live", timeout=8), clients=4)
        with load:
            for _ in range(8):
                time.sleep(0.4)
                online = [worker for worker in workers(project, home, "core-service") if worker["pid"]]
                os.kill(online[0]["pid"], signal.SIGKILL)
            time.sleep(1)
    hung = [outcome for outcome in load.outcomes if "timed out" in str(outcome)]
    assert len(load.outcomes) > 200
    assert hung == [], f"{len(hung)} of {len(load.outcomes)} requests hung"
    # Only what a killed worker had accepted fails, and at once: reset or closed unanswered (the
    # gateway retries both).
    assert all(str(failure).startswith(RESET) for failure in load.failures()), set(load.failures())
    assert load.slowest < 5, load.slowest
