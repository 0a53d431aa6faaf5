"""The built services as real processes on real PostgreSQL and Redis, driven over HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.agent import PASSWORD, run_agent, sign_in
from tests.client import fetch
from tests.installed import Install, InstalledProject, running_backends
from tests.servers import free_port, json_lines, wait_for, wait_until
from tests.tls import authority, leaf

pytestmark = pytest.mark.xdist_group("defaults")

FLOW_ID = "e2e-flow-0001"


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def call(method: str, url: str, body: object | bytes | None = None, **headers: str) -> Reply:
    """A JSON request (header names with `_` for `-`), its answer parsed."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    if data is not None:
        sent["content-type"] = "application/json"
    response = fetch(url, method, body=data, headers=sent)
    return Reply(
        response.status,
        json.loads(response.body) if response.body else None,
        {name.lower(): value for name, value in response.headers},
    )


@dataclass
class Stack:
    project: InstalledProject
    auth: str
    core: str
    mcp: str
    logs: dict[str, Path]


@pytest.fixture(scope="module")
def stack(built: Install, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    project: InstalledProject = built("defaults")
    folder = tmp_path_factory.mktemp("e2e")
    with running_backends(project, folder) as base:
        logs = {service: folder / f"{service}.log" for service in base}
        yield Stack(project, base["auth-service"], base["core-service"], base["mcp-server"], logs)


def test_register_login_then_workspaces_through_core_with_one_request_id(stack: Stack) -> None:
    tokens = sign_in(stack.auth, "ada@acme.dev")
    bearer = f"Bearer {tokens['accessToken']}"

    created = call(
        "POST",
        f"{stack.core}/api/core/workspaces",
        {"name": "Agents"},
        authorization=bearer,
        x_request_id=FLOW_ID,
    )
    assert created.status == 201
    assert created.headers["x-request-id"] == FLOW_ID
    listed = call("GET", f"{stack.core}/api/core/workspaces", authorization=bearer)
    assert [item["name"] for item in listed.body["items"]] == ["Agents"]
    me = call("GET", f"{stack.auth}/api/auth/me", authorization=bearer)
    assert me.body["email"] == "ada@acme.dev"


def test_an_agent_uses_the_mcp_tools_with_the_users_token(stack: Stack) -> None:
    tokens = sign_in(stack.auth, "alan@acme.dev")
    outcome = run_agent(stack.project, f"{stack.mcp}/mcp", tokens["accessToken"], "e2e-mcp-0001")
    assert outcome["tools"] == ["create_workspace", "list_workspaces"]
    assert outcome["created"]["name"] == "From an agent"
    assert [item["name"] for item in outcome["listed"]["items"]] == ["From an agent"]
    # The workspace belongs to the user whose token the agent used.
    listed = call("GET", f"{stack.core}/api/core/workspaces", authorization=f"Bearer {tokens['accessToken']}")
    assert [item["name"] for item in listed.body["items"]] == ["From an agent"]
    # The agent's request id crossed into core-service with the tool call (its line is written
    # a moment after the answer).
    wait_until(
        lambda: any(
            line.get("requestId") == "e2e-mcp-0001" and line.get("method") == "POST"
            for line in json_lines(stack.logs["core-service"])
        ),
        "core-service's line of the agent's tool call",
        timeout=5,
    )


def test_refresh_rotates_and_reuse_revokes_the_family(stack: Stack) -> None:
    first = sign_in(stack.auth, "grace@acme.dev")
    rotated = call("POST", f"{stack.auth}/api/auth/refresh", {"refreshToken": first["refreshToken"]})
    assert rotated.status == 200
    assert (
        call("POST", f"{stack.auth}/api/auth/refresh", {"refreshToken": first["refreshToken"]}).status == 401
    )
    assert (
        call("POST", f"{stack.auth}/api/auth/refresh", {"refreshToken": rotated.body["refreshToken"]}).status
        == 401
    )


def test_logout_ends_the_session(stack: Stack) -> None:
    tokens = sign_in(stack.auth, "linus@acme.dev")
    assert (
        call("POST", f"{stack.auth}/api/auth/logout", {"refreshToken": tokens["refreshToken"]}).status == 204
    )
    assert (
        call("POST", f"{stack.auth}/api/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status == 401
    )


def test_bad_requests_get_a_4xx_json_error_never_a_5xx(stack: Stack) -> None:
    unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0."
    cases = [
        ("POST", f"{stack.auth}/api/auth/register", b'{"email":', {}),
        ("POST", f"{stack.auth}/api/auth/register", {"email": 7, "password": None}, {}),
        ("POST", f"{stack.auth}/api/auth/refresh", {}, {}),
        ("GET", f"{stack.auth}/api/auth/me", None, {"authorization": f"Bearer {unsigned}"}),
        ("GET", f"{stack.core}/api/core/workspaces", None, {}),
        ("GET", f"{stack.core}/api/core/workspaces", None, {"authorization": "Bearer forged.token.value"}),
        ("GET", f"{stack.core}/api/core/workspaces", None, {"authorization": f"Bearer {unsigned}"}),
        ("GET", f"{stack.core}/api/core/nowhere", None, {}),
        ("POST", f"{stack.mcp}/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, {}),
        ("GET", f"{stack.mcp}/mcp", None, {}),
    ]
    for method, url, body, headers in cases:
        reply = call(method, url, body, **headers)
        assert 400 <= reply.status < 500, (method, url, reply.status)
        assert set(reply.body) >= {"statusCode", "error", "message", "requestId"}
        assert "stack" not in json.dumps(reply.body)


def test_a_known_path_asked_with_another_method_gets_405_naming_the_allowed_ones(stack: Stack) -> None:
    for url, allowed in (
        (f"{stack.core}/api/core/workspaces", "GET, HEAD, POST"),
        (
            f"{stack.core}/api/core/workspaces/00000000-0000-0000-0000-000000000000",
            "DELETE, GET, HEAD, PATCH",
        ),
        (f"{stack.auth}/api/auth/login", "POST"),
    ):
        reply = call("PUT", url, {})
        assert (reply.status, reply.headers.get("allow")) == (405, allowed), url
        assert reply.body["error"] == "Method Not Allowed"
        assert reply.body["requestId"] == reply.headers["x-request-id"]


def test_an_address_with_non_ascii_letters_signs_up_and_in(stack: Stack) -> None:
    tokens = sign_in(stack.auth, "jörg.müller@bücher.example")
    me = call("GET", f"{stack.auth}/api/auth/me", authorization=f"Bearer {tokens['accessToken']}")
    assert (me.status, me.body["email"]) == (200, "jörg.müller@bücher.example")


def test_an_oversized_body_gets_413(stack: Stack) -> None:
    # curl, because the service answers before the body is through, which urllib reports as a
    # broken pipe instead of reading the answer.
    result = subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "content-type: application/json",
            "--data-binary",
            "@-",
            f"{stack.auth}/api/auth/login",
        ],
        input=json.dumps({"email": "x@acme.dev", "password": "p" * 3_000_000}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout == "413"


def test_logs_correlate_by_request_id_and_never_hold_secrets(stack: Stack) -> None:
    tokens = sign_in(stack.auth, "margaret@acme.dev")
    bearer = f"Bearer {tokens['accessToken']}"
    call("GET", f"{stack.core}/api/core/workspaces", authorization=bearer, x_request_id=FLOW_ID)
    call("POST", f"{stack.auth}/api/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    run_agent(stack.project, f"{stack.mcp}/mcp", tokens["accessToken"], "e2e-mcp-logs")

    # Lines are written a moment after the answers: wait for the last flow's in both services.
    def flows_logged() -> bool:
        ids = {
            line.get("requestId")
            for service in ("core-service", "mcp-server")
            for line in json_lines(stack.logs[service])
        }
        return {FLOW_ID, "e2e-mcp-logs"} <= ids

    wait_until(flows_logged, "the flows' lines in core-service and mcp-server", timeout=5)
    texts = {service: path.read_text(encoding="utf-8") for service, path in stack.logs.items()}
    lines = {service: json_lines(path) for service, path in stack.logs.items()}
    core_ids = {line.get("requestId") for line in lines["core-service"]}
    # One id per flow, in every service the flow crossed. The agent's flow went from mcp-server into
    # core-service; a browser flow reached auth-service through core-service's key fetch, made by
    # whichever request reached core first on this stack (not necessarily one of this test's).
    assert {FLOW_ID, "e2e-mcp-logs"} <= core_ids
    assert any(line.get("requestId") == "e2e-mcp-logs" for line in lines["mcp-server"])
    fetches = {
        line["requestId"] for line in lines["auth-service"] if line.get("route") == "/.well-known/jwks.json"
    }
    assert fetches, "core-service never fetched auth-service's keys"
    assert fetches <= core_ids, "a key fetch did not carry the id of the core-service request behind it"
    for service, text in texts.items():
        assert lines[service], service
        for secret in (PASSWORD, tokens["accessToken"], tokens["refreshToken"], "Bearer "):
            assert secret not in text, f"{service} logged a secret"


@contextmanager
def vite_preview(stack: Stack, port: int, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """The built SPA served by `vite preview` in front of the running services."""
    preview = subprocess.Popen(
        ["npx", "vite", "preview", "--host", "127.0.0.1", "--port", str(port), "--strictPort"],
        cwd=stack.project.path / "packages/frontend",
        env={**stack.project.env, "AUTH_SERVICE_URL": stack.auth, "CORE_SERVICE_URL": stack.core, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group: npx starts vite as a child, and both must stop.
        start_new_session=True,
    )
    try:
        yield preview
    finally:
        os.killpg(preview.pid, signal.SIGTERM)
        preview.wait(timeout=10)


def test_the_spa_in_chromium_signs_up_creates_a_workspace_and_lists_it(stack: Stack) -> None:
    """The built SPA, served by `vite preview` in front of the running services, in headless
    Chromium driven by playwright-core: the rendered project's own browser test."""
    port = free_port()
    with vite_preview(stack, port) as preview:
        wait_for(f"http://127.0.0.1:{port}/", preview)
        result = stack.project.run(
            "npm", "run", "test:e2e", "-w", "packages/frontend", E2E_BASE_URL=f"http://127.0.0.1:{port}/"
        )
    summary = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert re.search(r"Tests\s+1 passed \(1\)", summary), summary


def test_vite_serves_over_tls_from_the_dev_tls_folder(stack: Stack, tmp_path: Path) -> None:
    """DEV_TLS_DIR: the development server (and the preview, which shares its settings) speaks
    HTTPS with the pair in that folder, in front of the same proxy to the services."""
    ca = authority(tmp_path / "ca")
    leaf(ca, tmp_path / "tls", "localhost", "127.0.0.1")
    context = ssl.create_default_context(cafile=ca.pem)
    port = free_port()
    base = f"https://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return fetch(f"{base}/", context=context).status == 200
        except OSError:
            return False

    with vite_preview(stack, port, DEV_TLS_DIR=str(tmp_path / "tls")):
        wait_until(answers, "vite preview over TLS", timeout=20)
        index = fetch(f"{base}/", context=context)
        assert b'<div id="root">' in index.body
        api = fetch(f"{base}/api/core/workspaces", context=context)
        assert api.status == 401
        assert json.loads(api.body)["statusCode"] == 401
