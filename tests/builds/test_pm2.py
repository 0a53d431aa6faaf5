"""The rendered PM2 process file, run by pm2-runtime in cluster mode on the built services."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.builds.pm2 import pm2_runtime, while_a_worker_stops, workers
from tests.builds.test_build import production_env
from tests.servers import free_port

pytestmark = [pytest.mark.build, pytest.mark.xdist_group("defaults")]


def hammer(url: str, until: float, outcomes: list[int]) -> None:
    """One client, a new connection per request (urllib closes it), until the deadline."""
    while time.monotonic() < until:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL we built)
                outcomes.append(response.status)
        except OSError:
            outcomes.append(0)


def test_cluster_runs_the_answered_worker_count_and_keeps_serving_when_one_stops(
    built: Any, tmp_path: Path
) -> None:
    project = built("defaults")
    port = free_port()
    with pm2_runtime(project, "auth-service", port, tmp_path, production_env(project.path, port)) as home:
        before = workers(project, home, "auth-service")
        assert len(before) == 2  # pm2_instances of the default answers
        assert {process["pm2_env"]["exec_mode"] for process in before} == {"cluster_mode"}

        # Bounded load from 4 clients while one worker is told to stop (as a deploy or PM2's
        # memory limit would): it drains, PM2 replaces it, and the cluster keeps serving. A
        # connection the cluster master hands over just as the worker closes can still be reset
        # (Node's round-robin race, seen at 1 in 2000 here): the gateway retries those on the
        # upstream (test_gateway asserts zero failures through it), so here a handful is allowed.
        outcomes = while_a_worker_stops(
            before[0]["pid"],
            lambda _, until, outcomes: hammer(f"http://127.0.0.1:{port}/health/live", until, outcomes),
            clients=4,
            seconds=4,
            stop_after=1,
        )
        assert len(outcomes) > 100
        failed = len(outcomes) - outcomes.count(200)
        assert failed <= len(outcomes) // 200, f"{failed} of {len(outcomes)} requests failed"
        assert set(outcomes) <= {200, 0}, "a request got an HTTP error instead of being served"

        def replaced() -> bool:
            after = workers(project, home, "auth-service")
            return (
                len(after) == 2
                and all(p["pm2_env"]["status"] == "online" for p in after)
                and (before[0]["pid"] not in {p["pid"] for p in after})
            )

        deadline = time.monotonic() + 15
        while not replaced():
            assert time.monotonic() < deadline, "PM2 did not replace the stopped worker"
            time.sleep(0.2)
        # The stopped worker drained and exited by itself, not by its shutdown timer.
        log = (tmp_path / "auth-service.log").read_text(encoding="utf-8")
        assert '"message":"stopped"' in log
        assert "shutdown timed out" not in log
