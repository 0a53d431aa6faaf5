"""infra/postgres/postgresql.conf follows from the answers by the formulas its comments state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.matrix import SUPPORTED_COMBINATIONS
from tests.postgres_settings import expected_settings
from tests.project import Render, recorded_answers


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
def test_tuned_settings_follow_the_answers(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    settings = rendered_settings(project / "infra/postgres/postgresql.conf")
    expected = expected_settings(recorded_answers(project))
    assert {name: settings.get(name) for name in expected} == expected


def test_connections_over_the_network_need_tls_and_scram(rendered: Render) -> None:
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
