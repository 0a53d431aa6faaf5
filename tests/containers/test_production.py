"""The production stack by the book, on the real Docker Engine: the images pushed to a registry,
docs/operations.md's first-deploy commands run as written, then the platform used through the
gateway over TLS, its hardening read back from the running containers, and broken on purpose.

The base images are stand-ins (tests/standins/README.md). The render is `logs:none`, so the stack
comes up whole: VictoriaLogs and Vector images cannot be had on this machine."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import stat
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.agent import MCP_CLIENT
from tests.client import fetch
from tests.containers.images import BuildImages
from tests.containers.stack import (
    BACKENDS,
    DOMAIN,
    MEMORY,
    PASSWORD,
    RUNNING,
    STATEFUL,
    Production,
    a_workspace,
    deployed,
    healthy_services,
    paced,
)
from tests.engine import Engine
from tests.gateway import API_HEADERS, COMMON_HEADERS, SPA_HEADERS, assert_header_set
from tests.servers import wait_until

pytestmark = pytest.mark.xdist_group("engine")

COMBINATION = "logs:none"


@pytest.fixture(scope="module")
def production(
    engine: Engine, images: BuildImages, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Production]:
    with deployed(engine, images(COMBINATION), tmp_path_factory.mktemp("server") / "platform") as stack:
        yield stack


def test_the_first_deploy_by_the_book_brings_every_service_up_healthy(production: Production) -> None:
    states = healthy_services(production)
    print(f"first deploy: {production.deploy_seconds:.0f}s")  # a figure for the closing note
    expected = {name: "healthy" for name in RUNNING}
    assert states == expected, production.compose("logs", "--tail", "20", "gateway").stdout
    # The migration jobs ran to completion and left nothing running.
    assert not [name for name in states if name.startswith("migrate-")]


def test_the_platform_works_through_the_gateway_over_tls(production: Production) -> None:
    tokens = production.sign_in("prod-ada@acme.dev")
    bearer = f"Bearer {tokens['accessToken']}"
    flow = "prod-flow-0001"
    created = production.request("POST", "/api/core/workspaces", {"name": "Production"}, authorization=bearer)
    assert created.status == 201, created.body
    listed = production.request("GET", "/api/core/workspaces", authorization=bearer, x_request_id=flow)
    assert listed.status == 200
    assert listed.header("x-request-id") == flow
    assert [item["name"] for item in json.loads(listed.body)["items"]] == ["Production"]
    me = production.request("GET", "/api/auth/me", authorization=bearer)
    assert json.loads(me.body)["email"] == "prod-ada@acme.dev"
    rotated = production.request("POST", "/api/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert rotated.status == 200
    reused = production.request("POST", "/api/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert reused.status == 401

    # One request id in the gateway's and core-service's container logs.
    def logged(service: str) -> list[dict[str, Any]]:
        return [line for line in production.log_lines(service) if line.get("requestId") == flow]

    wait_until(lambda: bool(logged("gateway")) and bool(logged("core-service")), "the flow's log lines", 10)
    [access] = logged("gateway")
    assert access["statusCode"] == 200
    assert access["upstream"].endswith(":3002"), "the gateway reached core-service by its Compose name"


def test_an_agent_calls_the_mcp_tools_through_the_gateway(production: Production) -> None:
    tokens = production.sign_in("prod-alan@acme.dev")
    # The MCP SDK's own client, run from the mcp-server image (its SDK) in the engine's network, for
    # the domain on the published port, trusting the stack's self-signed certificate.
    outcome = production.engine.docker(
        "run", "--rm", "--network", "host", "--add-host", f"{DOMAIN}:127.0.0.1",
        "-v", f"{MCP_CLIENT}:/app/mcp_client.mjs:ro",
        "-v", f"{production.folder / 'tls/fullchain.pem'}:/ca.pem:ro",
        "-e", "NODE_EXTRA_CA_CERTS=/ca.pem", "--entrypoint", "node",
        production.images["mcp-server"],
        "/app/mcp_client.mjs", f"https://{DOMAIN}/mcp", tokens["accessToken"], "prod-mcp-0001",
    )  # fmt: skip
    result = json.loads(outcome.stdout)
    assert result["tools"] == ["create_workspace", "list_workspaces"]
    assert result["created"]["name"] == "From an agent"
    assert [item["name"] for item in result["listed"]["items"]] == ["From an agent"]
    assert any(line.get("requestId") == "prod-mcp-0001" for line in production.log_lines("core-service"))


def test_the_spa_its_assets_and_the_gateways_own_answers(production: Production) -> None:
    index = production.request("GET", "/")
    assert index.status == 200
    assert b'<div id="root">' in index.body
    assert index.header("cache-control") == "no-cache"
    assert_header_set(index, SPA_HEADERS)
    [script] = re.findall(rb'src="(/assets/[^"]+\.js)"', index.body)
    asset = production.request("GET", script.decode())
    assert asset.status == 200
    assert asset.header("cache-control") == "public, max-age=31536000, immutable"
    assert_header_set(asset, COMMON_HEADERS)
    missing = production.request("GET", "/api/nowhere")
    assert missing.status == 404
    body = json.loads(missing.body)
    assert (body["statusCode"], body["requestId"]) == (404, missing.header("x-request-id"))
    assert_header_set(missing, API_HEADERS)
    redirect = fetch(f"{production.http}/api/core/workspaces", headers={"Host": DOMAIN})
    assert (redirect.status, redirect.header("location")) == (308, f"https://{DOMAIN}/api/core/workspaces")


def test_every_container_runs_as_the_compose_file_says(production: Production) -> None:
    secrets = {path.read_text(encoding="utf-8").strip() for path in production.unlocked.iterdir()}
    for service in RUNNING:
        container = production.inspect(service)
        host = container["HostConfig"]
        assert host["ReadonlyRootfs"] is True, service
        assert host["CapDrop"] == ["ALL"], service
        assert not host["CapAdd"], f"{service} adds capabilities: {host['CapAdd']}"
        assert "no-new-privileges:true" in host["SecurityOpt"], service
        limits = {key: host[key] for key in ("Memory", "NanoCpus", "PidsLimit")}
        assert all(value and value > 0 for value in limits.values()), f"{service}: {limits}"
        assert container["Config"]["User"] not in ("", "0", "root", "0:0"), service
        uid = production.exec(service, "id", "-u").stdout.strip()
        assert uid != "0", f"{service} runs as root"
        # The root filesystem refuses writes; only the tmpfs mounts and volumes take them.
        written = production.exec(service, "sh", "-c", "echo x > /written-by-test", check=False)
        assert written.returncode != 0, f"{service} wrote to its root filesystem"
        assert "Read-only file system" in written.stderr, written.stderr
        writable = "/data" if service == "redis" else "/tmp"  # noqa: S108 (inside the container)
        assert production.exec(service, "sh", "-c", f"echo x > {writable}/written-by-test").returncode == 0
        leaked = [value for value in container["Config"]["Env"] if any(secret in value for secret in secrets)]
        assert leaked == [], f"{service} has a secret in its environment"
        ports = container["NetworkSettings"]["Ports"] or {}
        published = [binding for bindings in ports.values() for binding in bindings or []]
        if service == "gateway":
            assert {binding["HostPort"] for binding in published} == {"443", "80"}
        else:
            assert published == [], f"{service} publishes {published}"
    # Secrets are files the service's own user reads.
    assert production.exec("core-service", "cat", "/run/secrets/database_url").stdout.startswith(
        "postgres://"
    )
    # PostgreSQL and Redis are on the internal network only: the gateway cannot even resolve them.
    for name, port in (("postgres", 5432), ("redis", 6379)):
        probe = production.exec("gateway", "curl", "-sS", "-m", "3", f"telnet://{name}:{port}", check=False)
        assert probe.returncode != 0, f"the gateway reaches {name}"
        assert "resolv" in probe.stderr.lower(), probe.stderr


def test_secrets_are_ciphertext_at_rest_and_each_file_is_its_readers_alone(production: Production) -> None:
    unlocked = {path.name: path for path in production.unlocked.iterdir()}
    values = {name: path.read_text(encoding="utf-8").strip() for name, path in unlocked.items()}
    # At rest, in the project folder (what a copy or a backup of it holds), no value appears.
    for path in production.folder.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert not [name for name, value in values.items() if value.encode() in text], path
    assert {path.name for path in (production.folder / "secrets").iterdir()} == {
        *(f"{name}.age" for name in unlocked),
        "recipients.txt",
    }
    # Decrypted with the server's identity, outside the folder: what the containers read.
    assert production.secrets("show", "database_url").stdout.strip() == values["database_url"]
    assert stat.S_IMODE(production.unlocked.stat().st_mode) == 0o700
    # Each file belongs to the one container user that reads it, mode 600 (the certificate, which
    # is not secret, is readable by all).
    for service, name, owner in (
        ("core-service", "database_url", "1000 600"),
        ("auth-service", "jwt_private_key", "1000 600"),
        ("postgres", "postgres_tls_key", "999 600"),
        ("postgres", "postgres_password", "999 600"),
        ("redis", "redis_users", "999 600"),
        ("core-service", "postgres_tls_crt", "0 644"),
    ):
        assert production.exec(service, "stat", "-c", "%u %a", f"/run/secrets/{name}").stdout.strip() == owner
        assert production.exec(service, "cat", f"/run/secrets/{name}").stdout.strip() == values[name]
    for service, name, other in (
        ("postgres", "postgres_password", "1000"),
        ("core-service", "database_url", "999"),
    ):
        refused = production.compose(
            "exec", "-T", "--user", other, service, "cat", f"/run/secrets/{name}", check=False
        )
        assert refused.returncode != 0
        assert "Permission denied" in refused.stderr, refused.stderr


def test_the_deploy_hook_installs_a_new_pair_and_the_gateway_serves_it(
    production: Production, tmp_path: Path
) -> None:
    lineage = tmp_path / "live" / DOMAIN
    lineage.mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-days", "5", "-subj", f"/CN={DOMAIN}", "-addext", f"subjectAltName=DNS:{DOMAIN}",
         "-keyout", lineage / "privkey.pem", "-out", lineage / "fullchain.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    hooked = subprocess.run(
        ["infra/certbot/deploy-hook.sh"],
        cwd=production.folder,
        env={**production.engine.env, "RENEWED_LINEAGE": str(lineage)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert hooked.returncode == 0, hooked.stderr
    key = (production.folder / "tls/privkey.pem").stat()
    assert (key.st_gid, stat.S_IMODE(key.st_mode)) == (101, 0o640), "the key is the gateway group's alone"
    new = (lineage / "fullchain.pem").read_text(encoding="utf-8").strip()
    port = int(production.https.rsplit(":", 1)[1])
    # The tests after this one trust the new pair, whatever happens here.
    production.context = ssl.create_default_context(cafile=lineage / "fullchain.pem")

    # A reload starts new workers while the old ones finish their connections, and for a moment
    # both accept: the new pair is served once ten new connections in a row all get it.
    def served() -> bool:
        return all(ssl.get_server_certificate(("127.0.0.1", port)).strip() == new for _ in range(10))

    wait_until(served, "the new pair served", 15)
    reply = fetch(production.https + "/", context=production.context, server_name=DOMAIN)
    assert reply.status == 200


# ---- faults, under a bounded load through the gateway ----


def pm2_workers(production: Production, service: str) -> list[int]:
    listing = production.exec(service, "node_modules/.bin/pm2", "jlist").stdout
    processes = json.loads(listing[listing.index("[") :])
    return [process["pid"] for process in processes if process["pm2_env"]["status"] == "online"]


def crash(production: Production, service: str) -> None:
    """What the OOM killer does: SIGKILL to the container's main process, from the host. (`docker
    kill` counts as a manual stop, after which the restart policy does not apply.)"""
    os.kill(production.inspect(service)["State"]["Pid"], signal.SIGKILL)


def healthy(production: Production, service: str) -> bool:
    return bool(production.inspect(service)["State"].get("Health", {}).get("Status") == "healthy")


def healthy_again(production: Production, service: str, restarts: int, timeout: float = 120) -> float:
    """Seconds until the service has restarted `restarts` times in all and is healthy."""
    started = time.monotonic()

    def back() -> bool:
        return production.inspect(service)["RestartCount"] >= restarts and healthy(production, service)

    wait_until(back, f"{service} healthy after its restart", timeout=timeout)
    return round(time.monotonic() - started, 1)


def test_a_killed_pm2_worker_fails_no_request(production: Production) -> None:
    bearer, path = a_workspace(production, "prod-worker@acme.dev")
    before = pm2_workers(production, "core-service")
    assert len(before) == 2
    with paced(production, path, bearer) as load:
        time.sleep(2)
        production.exec("core-service", "sh", "-c", f"kill -KILL {before[0]}")
        time.sleep(4)
    assert len(load.outcomes) > 50
    assert load.failures() == []
    wait_until(
        lambda: len(set(pm2_workers(production, "core-service")) - {before[0]}) == 2, "PM2's new worker", 20
    )


def test_a_crashed_backend_restarts_and_the_gateway_never_hangs(production: Production) -> None:
    bearer, path = a_workspace(production, "prod-crash@acme.dev")
    restarts = production.inspect("core-service")["RestartCount"]
    with paced(production, path, bearer) as load:
        time.sleep(1)
        crash(production, "core-service")
        seconds = healthy_again(production, "core-service", restarts + 1)
        time.sleep(2)
    print(f"core-service healthy again {seconds}s after a crash")  # a figure for the closing note
    # Meanwhile a JSON 502/503 (checked by the load), never a hang; then served again, no reload.
    slow = [line for line in production.log_lines("gateway") if line["durationSeconds"] > 3]
    assert set(load.failures()) <= {502, 503, 504}, (load.failures(), slow)
    assert load.slowest < 8, (load.slowest, slow)
    assert load.outcomes[-3:] == [200, 200, 200]


def test_postgres_down_answers_503_and_recovers_without_a_restart(production: Production) -> None:
    bearer, _ = a_workspace(production, "prod-pg@acme.dev")
    restarts = {name: production.inspect(name)["RestartCount"] for name in BACKENDS}
    production.compose("stop", "postgres")
    try:
        ready = production.exec("core-service", "node", "-e", READINESS, check=False)
        assert json.loads(ready.stdout) == {
            "status": 503,
            "body": {"status": "unavailable", "failing": ["postgres"]},
        }
        listed = production.request("GET", "/api/core/workspaces", timeout=30, authorization=bearer)
        assert listed.status == 503, listed.body
        assert listed.header("retry-after") == "5"
        assert json.loads(listed.body)["statusCode"] == 503
    finally:
        production.compose("start", "postgres")
    wait_until(lambda: production.request("GET", "/api/core/workspaces", authorization=bearer).status == 200,
               "core-service reading again", 60)  # fmt: skip
    assert {name: production.inspect(name)["RestartCount"] for name in BACKENDS} == restarts
    listed = production.request("GET", "/api/core/workspaces", authorization=bearer)
    assert [item["name"] for item in json.loads(listed.body)["items"]] == ["prod-pg@acme.dev"]


READINESS = (
    "fetch('http://127.0.0.1:3002/health/ready').then(async (r) =>"
    " console.log(JSON.stringify({ status: r.status, body: await r.json() })))"
)


@pytest.mark.parametrize("service", STATEFUL)
def test_a_crashed_database_comes_back_with_its_data(production: Production, service: str) -> None:
    tokens = production.sign_in(f"prod-{service}-crash@acme.dev")
    bearer = f"Bearer {tokens['accessToken']}"
    created = production.request("POST", "/api/core/workspaces", {"name": service}, authorization=bearer)
    assert created.status == 201
    time.sleep(1.5)  # Redis fsyncs its AOF every second
    restarts = production.inspect(service)["RestartCount"]
    crash(production, service)
    seconds = healthy_again(production, service, restarts + 1)
    print(f"{service} healthy again {seconds}s after a crash")  # a figure for the closing note
    for name in BACKENDS:
        wait_until(partial(healthy, production, name), name, 60)
    # The session (Redis) and the row (PostgreSQL) survived.
    refreshed = production.request("POST", "/api/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert refreshed.status == 200, refreshed.body
    listed = production.request("GET", "/api/core/workspaces", authorization=bearer)
    assert [item["name"] for item in json.loads(listed.body)["items"]] == [service]


def containers(production: Production) -> dict[str, tuple[str, str]]:
    listed = production.compose("ps", "-q").stdout.split()
    found = json.loads(production.engine.docker("inspect", *listed).stdout)
    return {item["Name"]: (item["Id"], item["State"]["StartedAt"]) for item in found}


def test_up_again_changes_nothing_and_down_then_up_keeps_every_row(production: Production) -> None:
    tokens = production.sign_in("prod-kept@acme.dev")
    bearer = f"Bearer {tokens['accessToken']}"
    assert (
        production.request("POST", "/api/core/workspaces", {"name": "Kept"}, authorization=bearer).status
        == 201
    )
    before = containers(production)
    production.compose("up", "-d", "--wait")
    assert containers(production) == before
    production.compose("down")
    production.compose("up", "-d", "--wait")
    assert set(containers(production)) == set(before)
    relogin = production.request(
        "POST", "/api/auth/login", {"email": "prod-kept@acme.dev", "password": PASSWORD}
    )
    assert relogin.status == 200
    bearer = f"Bearer {json.loads(relogin.body)['accessToken']}"
    listed = production.request("GET", "/api/core/workspaces", authorization=bearer)
    assert [item["name"] for item in json.loads(listed.body)["items"]] == ["Kept"]
    # Sessions kept in Redis survive the recreation too.
    refreshed = production.request("POST", "/api/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert refreshed.status == 200


def memory(production: Production) -> dict[str, tuple[float, float]]:
    """Each container's memory in MiB and its limit, as `docker stats` reads them."""
    listed = production.compose("ps", "-q").stdout.split()
    shown = production.engine.docker("stats", "--no-stream", "--format", "{{json .}}", *listed).stdout
    mib = {"B": 1 / 2**20, "KiB": 1 / 2**10, "MiB": 1, "GiB": 2**10}

    def parse(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)\s*([KMG]?i?B)", text.strip()).groups()  # type: ignore[union-attr]
        return float(number) * mib[unit]

    figures = {}
    for line in shown.splitlines():
        entry = json.loads(line)
        used, limit = entry["MemUsage"].split("/")
        service = entry["Name"].removeprefix("acme-ai-hub-").rsplit("-", 1)[0]
        figures[service] = (round(parse(used), 1), round(parse(limit), 1))
    return figures


def test_every_container_stays_within_its_memory_limit_idle_and_under_load(production: Production) -> None:
    idle = memory(production)
    bearer, path = a_workspace(production, "prod-memory@acme.dev")
    with paced(production, path, bearer, clients=6, rate=18) as load:
        time.sleep(3)
        loaded = memory(production)
    assert load.failures() == []
    assert set(idle) == set(RUNNING)
    for service, (used, limit) in loaded.items():
        assert used < 0.8 * limit, f"{service} uses {used} of {limit} MiB under load"
    MEMORY.write_text(
        json.dumps({"idle_mib": idle, "loaded_mib": loaded}, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )


# Last: it spends the auth zone's allowance of the one address every forwarded request comes from.
def test_a_burst_beyond_the_auth_limit_gets_429_as_json(production: Production) -> None:
    # At once, so that the zone's refill during the burst (a TLS handshake per request) stays small.
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: production.request("GET", "/api/auth/me"), range(40)))
    limited = [reply for reply in replies if reply.status == 429]
    assert len(limited) >= 10, [reply.status for reply in replies]
    assert limited[0].header("retry-after") == "1"
    body = json.loads(limited[0].body)
    assert (body["statusCode"], body["requestId"]) == (429, limited[0].header("x-request-id"))
