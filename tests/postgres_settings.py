"""PostgreSQL's tuned settings, computed independently of the template from the capacity answers:
the render tier checks the rendered file against them, the e2e tier a real server."""

from __future__ import annotations

from typing import Any


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
