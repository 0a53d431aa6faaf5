"""Each backend fuzzed through its own OpenAPI document by Schemathesis, every check it has plus
tests/fuzz_checks.py, on real PostgreSQL and Redis, with a valid access token: no 5xx, every
answer as documented, every error an ErrorBody, no stack trace."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.agent import sign_in
from tests.client import fetch
from tests.installed import Install, running_backends

pytestmark = pytest.mark.xdist_group("defaults")

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = {
    "auth-service": "/api/auth/openapi.json",
    "core-service": "/api/core/openapi.json",
    "mcp-server": "/api/mcp/openapi.json",
}
# Cases per operation and phase. A fixed seed: a failure in CI is replayed here with the same cases.
EXAMPLES = 100
SEED = 20261201


@pytest.fixture(scope="module")
def backends(built: Install, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    project = built("defaults")
    # A Redis database of their own: the fuzzer's failed sign-ins from 127.0.0.1 must not lock the
    # other tests of this worker out through the per-address throttle.
    with running_backends(
        project, tmp_path_factory.mktemp("fuzz"), REDIS_URL=project.env["REDIS_URL"] + "/7"
    ) as base:
        yield base


@pytest.fixture(scope="module")
def token(backends: dict[str, str]) -> str:
    return sign_in(backends["auth-service"], "fuzzer@acme.dev")["accessToken"]


@pytest.mark.parametrize("service", DOCUMENTS)
def test_the_fuzzer_finds_no_server_error_and_nothing_undocumented(
    backends: dict[str, str], token: str, service: str, tmp_path: Path
) -> None:
    base = backends[service]
    har = tmp_path / "requests.har"
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            base + DOCUMENTS[service],
            f"--url={base}",
            f"--header=Authorization: Bearer {token}",
            "--checks=all",
            f"--max-examples={EXAMPLES}",
            f"--seed={SEED}",
            "--workers=1",
            "--no-color",
            "--report=har",
            f"--report-har-path={har}",
            "--generation-database=none",
        ],
        # Run beside its report, so nothing it writes lands in the repository.
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "SCHEMATHESIS_HOOKS": "tests.fuzz_checks"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # It really fuzzed: every documented operation was sent requests, dozens on average.
    document = json.loads(fetch(base + DOCUMENTS[service]).body)
    operations = {
        (method.upper(), re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$"))
        for path, item in document["paths"].items()
        for method in item
    }
    sent = [
        (entry["request"]["method"], urlsplit(entry["request"]["url"]).path)
        for entry in json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    ]
    untried = [
        pattern.pattern
        for method, pattern in operations
        if not any(verb == method and pattern.match(path) for verb, path in sent)
    ]
    assert untried == [], untried
    print(f"{service}: {len(sent)} requests over {len(operations)} operations")
    assert len(sent) >= 20 * len(operations)
