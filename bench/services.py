"""Service benchmark on the default render, built and run as production processes.

    .venv/bin/python -m bench.services [seconds]

Starts real PostgreSQL and Redis on loopback, auth-service and core-service from their build, and a
bare Fastify server from the same render as the baseline, then measures with bench/load.mjs:

- login latency (p50/p95/p99) with 10 concurrent clients;
- a failed sign-in with an unknown email against one with a wrong password (one client, p50 ratio:
  near 1.0 means the answer time does not tell which emails have accounts);
- requests per second of `/health/live`, and of a cached workspace read, as ratios against the bare
  server answering the same shape in the same run.

Figures depend on the machine; the ratios are what compare across machines.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from scripts.node_toolchain import CACHE_DIR, node_env
from scripts.render import render, snapshot
from tests.servers import free_port, postgres, redis

BENCH = Path(__file__).resolve().parent
PASSWORD = "bench passphrase, long enough"  # noqa: S105 (an account of a throwaway database)


def request(method: str, url: str, body: object | None = None, token: str | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (loopback URLs we built)
    if data is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
        raw = response.read()
        return json.loads(raw) if raw else {}


def wait_ready(url: str) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def load(env: dict[str, str], url: str, concurrency: int, seconds: int, *extra: str) -> dict[str, Any]:
    output = subprocess.run(
        ["node", str(BENCH / "load.mjs"), url, str(concurrency), str(seconds), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def main() -> int:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project = render(work / "project", {}, src=snapshot(work / "template"))
        env = node_env(24, CACHE_DIR / "npm")
        for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
            subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
        shutil.copy(BENCH / "bare-server.mjs", project / "bare-server.mjs")
        key = work / "jwt.pem"
        subprocess.run(
            ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key],
            check=True,
        )
        with postgres() as database_url, redis(work / "redis") as redis_url:
            env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
            subprocess.run(
                ["npm", "run", "db:migrate"], cwd=project, env=env, check=True, capture_output=True
            )
            ports = {
                "auth-service": free_port(),
                "core-service": free_port(),
                "bare": free_port(),
                "quiet-auth": free_port(),
            }
            service_env = {
                **env,
                "NODE_ENV": "production",
                "JWT_ISSUER": "https://bench/api/auth",
                "JWT_AUDIENCE": "bench",
                "JWT_PRIVATE_KEY_FILE": str(key),
                "LOGIN_MAX_FAILURES_PER_IP": "100000",
                "LOGIN_MAX_FAILURES_PER_ACCOUNT": "100000",
                "AUTH_JWKS_URL": f"http://127.0.0.1:{ports['auth-service']}/.well-known/jwks.json",
            }
            commands = {
                "auth-service": ["node", "packages/auth-service/dist/server.js"],
                "core-service": ["node", "packages/core-service/dist/server.js"],
                "bare": ["node", "bare-server.mjs"],
                "quiet-auth": ["node", "packages/auth-service/dist/server.js"],
            }
            # The same auth-service with request logging off: only errors are logged.
            quiet = {"quiet-auth": {"LOG_LEVEL": "error"}}
            processes = [
                subprocess.Popen(
                    commands[name],
                    cwd=project,
                    env={**service_env, "PORT": str(port), **quiet.get(name, {})},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for name, port in ports.items()
            ]
            try:
                auth, core, bare, quiet_auth = (
                    f"http://127.0.0.1:{ports[name]}"
                    for name in ("auth-service", "core-service", "bare", "quiet-auth")
                )
                for base in (auth, core, bare, quiet_auth):
                    wait_ready(f"{base}/health/live")
                request(
                    "POST", f"{auth}/api/auth/register", {"email": "bench@acme.dev", "password": PASSWORD}
                )
                token = request(
                    "POST", f"{auth}/api/auth/login", {"email": "bench@acme.dev", "password": PASSWORD}
                )["accessToken"]
                workspace = request("POST", f"{core}/api/core/workspaces", {"name": "Agents"}, token)["id"]
                request("GET", f"{core}/api/core/workspaces/{workspace}", token=token)  # warm the cache

                login_body = json.dumps({"email": "bench@acme.dev", "password": PASSWORD})
                login = load(env, f"{auth}/api/auth/login", 10, seconds, "POST", login_body)
                wrong_body = json.dumps({"email": "bench@acme.dev", "password": f"not {PASSWORD}"})
                wrong = load(env, f"{auth}/api/auth/login", 1, seconds, "POST", wrong_body)
                unknown_body = json.dumps({"email": "nobody@acme.dev", "password": PASSWORD})
                unknown = load(env, f"{auth}/api/auth/login", 1, seconds, "POST", unknown_body)
                health = load(env, f"{auth}/health/live", 10, seconds)
                health_bare = load(env, f"{bare}/health/live", 10, seconds)
                health_quiet = load(env, f"{quiet_auth}/health/live", 10, seconds)
                cached = load(
                    env,
                    f"{core}/api/core/workspaces/{workspace}",
                    10,
                    seconds,
                    "GET",
                    "",
                    f"authorization:Bearer {token}",
                )
                cached_bare = load(env, f"{bare}/workspace", 10, seconds)
            finally:
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=15)
    print(f"cores: {os.cpu_count()}, {seconds} s per measurement, 10 concurrent clients")
    print(
        f"login: {login['rps']:.1f}/s, p50 {login['p50']:.0f} ms, p95 {login['p95']:.0f} ms, "
        f"p99 {login['p99']:.0f} ms, failures {login['failures']}"
    )
    print(
        f"failed sign-in, unknown email vs wrong password (1 client): p50 {unknown['p50']:.1f} ms vs "
        f"{wrong['p50']:.1f} ms: ratio {unknown['p50'] / wrong['p50']:.2f}"
    )
    print(
        f"/health/live: {health['rps']:.0f}/s vs bare Fastify {health_bare['rps']:.0f}/s: "
        f"ratio {health['rps'] / health_bare['rps']:.2f}"
    )
    print(
        f"logging and masking on vs off (same service): {health['rps']:.0f}/s vs "
        f"{health_quiet['rps']:.0f}/s: ratio {health['rps'] / health_quiet['rps']:.2f}"
    )
    print(
        f"cached workspace read: {cached['rps']:.0f}/s vs bare Fastify {cached_bare['rps']:.0f}/s: "
        f"ratio {cached['rps'] / cached_bare['rps']:.2f} (failures {cached['failures']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
