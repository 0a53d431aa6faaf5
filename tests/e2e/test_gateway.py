"""The rendered gateway for real: nginx from infra/nginx (ports, upstreams and certificate paths
substituted) with TLS from a throwaway CA, in front of the built services under pm2-runtime in
cluster mode on real PostgreSQL and Redis, and of the built SPA served by the frontend image's
own nginx.conf."""

from __future__ import annotations

import json
import re
import signal
import ssl
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.agent import run_agent, sign_in
from tests.client import Load, Response, fetch
from tests.gateway import (
    API_HEADERS,
    SPA_HEADERS,
    assert_header_set,
    gateway_config,
    nginx,
    spa_config,
)
from tests.installed import Install, InstalledProject, production_env
from tests.matrix import BASE_ANSWERS
from tests.pm2 import pm2_runtime, reload, while_a_worker_stops, workers
from tests.servers import free_port, json_lines, wait_until
from tests.tls import authority, leaf
from tests.tools import tool

pytestmark = pytest.mark.xdist_group("defaults")

DOMAIN = BASE_ANSWERS["domain"]
SERVICES = ("auth-service", "core-service", "mcp-server")
NGINX_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Gateway:
    project: InstalledProject
    https: str
    http: str
    context: ssl.SSLContext
    ca: Path
    folder: Path
    homes: dict[str, Path]
    spa: subprocess.Popen[bytes]
    # How the SPA's server starts, and the fixture's stack that stops what runs when the module ends.
    spa_start: Callable[[], AbstractContextManager[subprocess.Popen[bytes]]]
    running: ExitStack

    @contextmanager
    def spa_stopped(self) -> Iterator[None]:
        """The SPA's server down for the block, then started again: no other test sees it down."""
        self.spa.send_signal(signal.SIGQUIT)
        self.spa.wait(timeout=15)
        try:
            yield
        finally:
            self.spa = self.running.enter_context(self.spa_start())

    def get(self, path: str, **options: Any) -> Response:
        return fetch(self.https + path, context=self.context, **options)

    def post(self, path: str, body: object, **headers: str) -> Response:
        return fetch(
            self.https + path,
            "POST",
            body=json.dumps(body).encode(),
            headers={"content-type": "application/json", **headers},
            context=self.context,
        )

    def lines(self, log: str) -> list[dict[str, Any]]:
        """The JSON lines of a service's log (PM2's own lines are plain text) or of the gateway's."""
        return json_lines(self.folder / ("nginx/stdout.log" if log == "gateway" else f"{log}.log"))


@pytest.fixture(scope="module")
def gateway(built: Install, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    project: InstalledProject = built("defaults")
    folder = tmp_path_factory.mktemp("gateway")
    ports = {service: free_port() for service in SERVICES}
    env = {
        **production_env(project.path, 0),
        "AUTH_JWKS_URL": f"http://127.0.0.1:{ports['auth-service']}/.well-known/jwks.json",
        "CORE_SERVICE_URL": f"http://127.0.0.1:{ports['core-service']}",
        "TRUST_PROXY": "127.0.0.1",
    }
    ca = authority(folder / "ca")
    leaf(ca, folder / "tls", DOMAIN, "127.0.0.1")
    challenges = folder / "acme/.well-known/acme-challenge"
    challenges.mkdir(parents=True)
    (challenges / "token-1").write_text("token-1.thumbprint", encoding="utf-8")
    http_port, https_port, spa_port = free_port(), free_port(), free_port()
    with ExitStack() as running:
        homes = {
            service: running.enter_context(pm2_runtime(project, service, port, folder, env))
            for service, port in ports.items()
        }
        spa_conf = spa_config(
            project.path / "packages/frontend/nginx.conf",
            folder / "spa",
            port=spa_port,
            root=project.path / "packages/frontend/dist",
        )
        spa_start = partial(nginx, spa_conf, spa_port)
        spa = running.enter_context(spa_start())
        conf = gateway_config(
            project.path,
            folder / "nginx",
            http_port=http_port,
            https_port=https_port,
            upstreams={**ports, "frontend": spa_port},
            tls_dir=folder / "tls",
            webroot=folder / "acme",
        )
        running.enter_context(nginx(conf, http_port, https_port))
        yield Gateway(
            project,
            f"https://127.0.0.1:{https_port}",
            f"http://127.0.0.1:{http_port}",
            ssl.create_default_context(cafile=ca.pem),
            ca.pem,
            folder,
            homes,
            spa,
            spa_start,
            running,
        )


def test_one_request_id_in_the_gateway_core_and_auth_logs(gateway: Gateway) -> None:
    # Fresh core-service workers have not fetched auth-service's keys yet, so the request's id
    # travels gateway -> core-service -> auth-service, whichever tests ran before.
    reload(gateway.project, gateway.homes["core-service"], "core-service")
    tokens = sign_in(gateway.https, "gateway-ada@acme.dev", context=gateway.context)
    flow = "gateway-flow-0001"
    reply = gateway.get(
        "/api/core/workspaces",
        headers={"authorization": f"Bearer {tokens['accessToken']}", "x-request-id": flow},
    )
    assert reply.status == 200
    assert reply.header("x-request-id") == flow

    def logged(log: str) -> list[dict[str, Any]]:
        return [line for line in gateway.lines(log) if line.get("requestId") == flow]

    wait_until(lambda: bool(logged("gateway")), "the gateway's access line", timeout=5)
    [access] = logged("gateway")
    assert access["path"] == "/api/core/workspaces"
    assert access["statusCode"] == 200
    assert access["upstreamStatus"] == "200"
    # Both in seconds, at millisecond resolution from separate clocks.
    assert 0 <= float(access["upstreamResponseTime"]) <= access["durationSeconds"] + 0.002
    assert access["upstream"].startswith("127.0.0.1:")
    # Each service's lines reach its log through PM2 a moment after the response.
    wait_until(
        lambda: any(line.get("message") == "request completed" for line in logged("core-service")),
        "core-service's access line",
        timeout=5,
    )
    # core-service's outgoing key fetch carried the id into auth-service.
    wait_until(
        lambda: any(line.get("route") == "/.well-known/jwks.json" for line in logged("auth-service")),
        "auth-service's line for the key fetch",
        timeout=5,
    )


def test_every_route_class_answers_through_tls(gateway: Gateway) -> None:
    tokens = sign_in(gateway.https, "gateway-alan@acme.dev", context=gateway.context)
    bearer = {"authorization": f"Bearer {tokens['accessToken']}"}
    created = gateway.post("/api/core/workspaces", {"name": "Through nginx"}, **bearer)
    assert created.status == 201
    listed = gateway.get("/api/core/workspaces", headers=bearer)
    assert [item["name"] for item in json.loads(listed.body)["items"]] == ["Through nginx"]
    assert_header_set(listed, API_HEADERS)

    # The MCP route streams: the SDK's client runs a full session through the gateway.
    outcome = run_agent(
        gateway.project,
        f"{gateway.https}/mcp",
        tokens["accessToken"],
        "gateway-mcp-0001",
        ca=gateway.ca,
    )
    assert outcome["tools"] == ["create_workspace", "list_workspaces"]
    assert outcome["created"]["name"] == "From an agent"
    # Each service's OpenAPI document is public through the gateway.
    for service in ("auth", "core", "mcp"):
        document = gateway.get(f"/api/{service}/openapi.json")
        assert document.status == 200, service
        assert json.loads(document.body)["info"]["title"].startswith(service), service

    index = gateway.get("/")
    assert index.status == 200
    assert b'<div id="root">' in index.body
    assert index.header("cache-control") == "no-cache"
    client_route = gateway.get("/workspaces/some-client-side-route")
    assert client_route.status == 200
    assert client_route.body == index.body
    [script] = re.findall(rb'src="(/assets/[^"]+\.js)"', index.body)
    asset = gateway.get(script.decode(), headers={"accept-encoding": "gzip"})
    assert asset.status == 200
    assert asset.header("cache-control") == "public, max-age=31536000, immutable"
    assert asset.header("content-encoding") == "gzip"

    challenge = fetch(f"{gateway.http}/.well-known/acme-challenge/token-1")
    assert (challenge.status, challenge.body) == (200, b"token-1.thumbprint")
    redirect = fetch(f"{gateway.http}/api/core/workspaces?page=2")
    assert redirect.status == 308
    assert redirect.header("location") == f"https://{DOMAIN}/api/core/workspaces?page=2"


def test_every_status_carries_the_whole_header_set(gateway: Gateway) -> None:
    assert_header_set(gateway.get("/"), SPA_HEADERS)
    cases = [
        (gateway.get("/api/core/openapi.json"), 200),
        (gateway.get("/api/nowhere"), 404),  # answered by nginx
        (gateway.get("/api/core/nowhere"), 404),  # answered by core-service
        (gateway.get("/api/core/workspaces"), 401),
        (gateway.post("/api/auth/login", {"email": "x@acme.dev", "password": "p" * 2_000_000}), 413),
        (fetch(f"{gateway.http}/"), 308),
        (fetch(f"{gateway.http}/.well-known/acme-challenge/missing"), 404),
    ]
    for response, status in cases:
        assert response.status == status
        assert_header_set(response, API_HEADERS)
        if status >= 400:
            body = json.loads(response.body)
            assert body["statusCode"] == status
            assert body["requestId"] == response.header("x-request-id")
            assert "stack" not in body


@pytest.mark.parametrize(
    "sent",
    ["", "../../etc/passwd", "<script>alert(1)</script>", "x" * 200, "id with spaces", "-leading-dash"],
)
def test_hostile_or_missing_request_ids_are_replaced(gateway: Gateway, sent: str) -> None:
    reply = gateway.get("/api/core/nowhere", headers={"x-request-id": sent} if sent else {})
    answered = reply.header("x-request-id") or ""
    assert NGINX_REQUEST_ID.match(answered), answered
    # The service got the gateway's id, not the caller's.
    assert json.loads(reply.body)["requestId"] == answered


def test_a_safe_request_id_is_kept_and_passed_on(gateway: Gateway) -> None:
    reply = gateway.get("/api/core/nowhere", headers={"x-request-id": "client.trace:42-a_b"})
    assert reply.header("x-request-id") == "client.trace:42-a_b"
    assert json.loads(reply.body)["requestId"] == "client.trace:42-a_b"


def test_a_burst_beyond_the_auth_limit_gets_429_as_json(gateway: Gateway) -> None:
    # From an address of its own: limits count per client address, and the other tests use 127.0.0.1.
    replies = [gateway.get("/api/auth/me", source="127.0.0.9") for _ in range(60)]
    statuses = [reply.status for reply in replies]
    limited = [reply for reply in replies if reply.status == 429]
    # burst=20 at 5 r/s: the first 21 pass (a few more as the bucket refills), the rest are refused.
    assert statuses[:21] == [401] * 21
    assert len(limited) >= 25, statuses
    assert_header_set(limited[0], API_HEADERS)
    assert limited[0].header("retry-after") == "1"
    body = json.loads(limited[0].body)
    assert body["statusCode"] == 429
    assert body["requestId"] == limited[0].header("x-request-id")
    # Another address is not affected.
    assert gateway.get("/api/auth/me", source="127.0.0.10").status == 401


def test_tls_is_compliant_with_mozilla_intermediate(gateway: Gateway) -> None:
    port = gateway.https.rsplit(":", 1)[1]
    result = tool(
        "sslyze",
        "--mozilla_config=intermediate",
        f"--certinfo_ca_file={gateway.ca}",
        f"{DOMAIN}:{port}{{127.0.0.1}}",
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is compliant with the Mozilla intermediate configuration" in result.stdout or (
        "OK - Compliant" in result.stdout
    ), result.stdout


def test_stopping_a_worker_under_load_fails_no_request_through_the_gateway(gateway: Gateway) -> None:
    tokens = sign_in(gateway.https, "gateway-grace@acme.dev", context=gateway.context)
    bearer = f"Bearer {tokens['accessToken']}"
    home = gateway.homes["core-service"]
    before = workers(gateway.project, home, "core-service")
    assert len(before) == 2

    # 20 paced clients, each on its own loopback address at 10 requests a second (under the limit).
    def send(index: int) -> Response:
        return gateway.get(
            "/api/core/workspaces", headers={"authorization": bearer}, source=f"127.0.1.{index + 1}"
        )

    load = while_a_worker_stops(before[0]["pid"], Load(send, clients=20, rate=200), seconds=5, stop_after=1.5)
    assert len(load.outcomes) > 300
    # On a failure only: nginx's own error lines (not JSON, unlike its access lines) say why.
    assert load.failures() == [], [
        line for line in (gateway.folder / "nginx/stdout.log").read_text().splitlines() if "[error]" in line
    ][-10:]

    def replaced() -> bool:
        after = workers(gateway.project, home, "core-service")
        return len(after) == 2 and before[0]["pid"] not in {process["pid"] for process in after}

    wait_until(replaced, "PM2's replacement worker", timeout=15)


def test_a_service_that_is_down_gets_a_502_json_with_the_header_set(gateway: Gateway) -> None:
    with gateway.spa_stopped():
        reply = gateway.get("/")
    assert reply.status == 502
    assert_header_set(reply, API_HEADERS)
    body = json.loads(reply.body)
    assert body["statusCode"] == 502
    assert body["requestId"] == reply.header("x-request-id")
