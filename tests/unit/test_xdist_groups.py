"""The suite's parallel grouping works: tests of one xdist_group share a worker (and so share the
renders and servers their session fixtures made)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# Six tests of one group and two of another; the verbose report names each one's worker.
CASES = """
import pytest


@pytest.mark.xdist_group("first")
@pytest.mark.parametrize("n", range(6))
def test_first(n):
    pass


@pytest.mark.xdist_group("second")
@pytest.mark.parametrize("n", range(2))
def test_second(n):
    pass
"""


def test_each_group_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_cases.py").write_text(CASES)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    workers: dict[str, set[str]] = {}
    for worker, group in re.findall(r"\[(gw\d+)\].* PASSED \S+::test_(first|second)\[", result.stdout):
        workers.setdefault(group, set()).add(worker)
    assert sum(len(re.findall(r" PASSED ", line)) for line in result.stdout.splitlines()) == 8
    assert {group: len(names) for group, names in workers.items()} == {"first": 1, "second": 1}
