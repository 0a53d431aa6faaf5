"""infra/postgres/postgresql.conf follows from the answers by the formulas its comments state."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.matrix import SUPPORTED_COMBINATIONS
from tests.project import recorded_answers

pytestmark = pytest.mark.render


def expected_settings(answers: dict[str, Any]) -> dict[str, str]:
    """The tuned settings, computed here independently of the template (memory in kB)."""
    memory = answers["postgres_memory_mb"]
    cpus = answers["postgres_cpus"]
    ssd = answers["postgres_storage"] == "ssd"
    connections = answers["postgres_max_connections"]
    shared_buffers = memory // 4
    half = max(1, min(4, cpus // 2))
    return {
        "max_connections": str(connections),
        "shared_buffers": f"{shared_buffers * 1024}kB",
        "effective_cache_size": f"{memory * 3 // 4 * 1024}kB",
        "maintenance_work_mem": f"{min(memory // 16, 2048) * 1024}kB",
        "work_mem": f"{max((memory - shared_buffers) * 1024 // (connections * 3), 4096)}kB",
        "wal_buffers": f"{min(shared_buffers * 1024 // 32, 16384)}kB",
        "random_page_cost": "1.1" if ssd else "4",
        "effective_io_concurrency": "200" if ssd else "2",
        "max_worker_processes": str(max(cpus, 8)),
        "max_parallel_workers": str(cpus),
        "max_parallel_workers_per_gather": str(half),
        "max_parallel_maintenance_workers": str(half),
        "password_encryption": "scram-sha-256",
        "ssl": "on",
    }


def rendered_settings(conf: Path) -> dict[str, str]:
    settings = {}
    for line in conf.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(\w+) = '?([^']*?)'?", line.strip())
        if match:
            value = match[2]
            if unit := re.fullmatch(r"(\d+)(kB|MB|GB)", value):
                value = f"{int(unit[1]) * {'kB': 1, 'MB': 1024, 'GB': 1024 * 1024}[unit[2]]}kB"
            settings[match[1]] = value.removesuffix(".0")
    return settings


@pytest.mark.parametrize("combination", list(SUPPORTED_COMBINATIONS))
def test_tuned_settings_follow_the_answers(rendered: Any, combination: str) -> None:
    project = rendered(combination)
    settings = rendered_settings(project / "infra/postgres/postgresql.conf")
    expected = expected_settings(recorded_answers(project))
    assert {name: settings.get(name) for name in expected} == expected


def test_connections_over_the_network_need_tls_and_scram(rendered: Any) -> None:
    rules = [
        line.split()
        for line in (rendered("defaults") / "infra/postgres/pg_hba.conf")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules == [
        ["local", "all", "all", "scram-sha-256"],
        ["hostssl", "all", "all", "all", "scram-sha-256"],
        ["hostnossl", "all", "all", "all", "reject"],
    ]
