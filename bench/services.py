"""Service benchmark on the default render, built and run as production processes.

    .venv/bin/python -m bench.services [seconds]

Starts real PostgreSQL and Redis on loopback, auth-service and core-service from their build (each
logging to a file, as in production), and a bare Fastify server from the same render as the
baseline. Every server is pinned to core 0 and the load generator, wrk (Debian's package), to core
1, so the generator never competes with what it measures. After a warm-up, rounds alternate the
measured server and its baseline, and each figure is the median of its rounds:

- requests per second of `/health/live` at 50 connections, with full logging and masking, and with
  request logging off, as ratios against the bare server in the same rounds;
- a cached workspace read (token verified, Redis hit) against the bare server's same shape;
- sign-in latency (p50/p95/p99) with 10 connections;
- a failed sign-in with an unknown email against one with a wrong password (one connection, p50
  ratio: near 1.0 means the answer time does not tell which emails have accounts);
- resident memory of each service, idle and after the load;
- `npm ci` of the render with a cold cache, with the lock as rendered (each package's tarball URL
  in `resolved`) and with `resolved` taken out, in alternating rounds: seconds and requests;
- the generator's ceiling: wrk against nginx answering a fixed 200 on the server core. A figure
  is only the server's when the generator could go at least CEILING_FACTOR times faster: below
  that, the run stops with an error instead of reporting a ratio the generator limited.

Figures depend on the machine; the ratios are what compare across machines.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extensions.lockfile import lock_text
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


ROUNDS = 3
SERVER_CORE, LOAD_CORE = "0", "1"
CEILING_FACTOR = 5
NGINX_CONFIG = """daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}; proxy_temp_path {folder}; fastcgi_temp_path {folder};
  uwsgi_temp_path {folder}; scgi_temp_path {folder};
  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok"; }} }}
}}
"""


def without_resolved(lock: Path) -> None:
    """The lock as npm writes it with omit-lockfile-registry-resolved: no registry tarball URLs."""
    data = json.loads(lock.read_text(encoding="utf-8"))
    for entry in data["packages"].values():
        if not entry.get("link"):
            entry.pop("resolved", None)
    lock.write_text(lock_text(data), encoding="utf-8")


def cold_installs(project: Path, work: Path, env: dict[str, str]) -> dict[str, Any]:
    """`npm ci` with an empty cache, with the lock's `resolved` URLs and without, alternating:
    median seconds and the requests npm made (its `http fetch` lines)."""
    variants = {"with resolved": work / "install-resolved", "without resolved": work / "install-bare"}
    for folder in variants.values():
        shutil.copytree(project, folder, ignore=shutil.ignore_patterns("node_modules", "dist"))
    without_resolved(variants["without resolved"] / "package-lock.json")
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in variants}
    for round_ in range(2):
        for name, folder in variants.items():
            cache = work / f"npm-cache-{round_}-{name.replace(' ', '-')}"
            started = time.perf_counter()
            output = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=http", "--cache", str(cache)],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            seconds = time.perf_counter() - started
            runs[name].append((seconds, (output.stdout + output.stderr).count("http fetch GET")))
            shutil.rmtree(cache)
            shutil.rmtree(folder / "node_modules")
    return {
        name: {
            "seconds": statistics.median(seconds for seconds, _ in figures),
            "requests": max(requests for _, requests in figures),
        }
        for name, figures in runs.items()
    }


def generator_ceiling(folder: Path, seconds: int) -> float:
    """Requests per second wrk reaches against the cheapest server there is, on the server core."""
    port = free_port()
    folder.mkdir()
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(folder=folder, port=port), encoding="utf-8")
    server = subprocess.Popen(["taskset", "-c", SERVER_CORE, "nginx", "-c", str(config)])
    try:
        wait_ready(f"http://127.0.0.1:{port}/")
        wrk(f"http://127.0.0.1:{port}/", 50, 2)
        return statistics.median(wrk(f"http://127.0.0.1:{port}/", 50, seconds)["rps"] for _ in range(ROUNDS))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


def check_ceiling(ceiling: float, throughput: dict[str, Any]) -> None:
    limited = {name: r["rps"] for name, r in throughput.items() if r["rps"] * CEILING_FACTOR > ceiling}
    if limited:
        raise SystemExit(
            f"the load generator reaches {ceiling:,.0f} requests/s, less than {CEILING_FACTOR}x "
            f"what these measured: {limited}; their ratios would be the generator's, not the servers'"
        )


def wrk(
    url: str, connections: int, seconds: int, *, method: str = "GET", body: str = "", token: str = ""
) -> dict[str, Any]:
    """One wrk run on the load core: requests per second and latency percentiles (ms)."""
    output = subprocess.run(
        [
            "taskset",
            "-c",
            LOAD_CORE,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(BENCH / "report.lua"),
            url,
        ],
        env={
            **os.environ,
            "WRK_METHOD": method,
            "WRK_BODY": body,
            "WRK_AUTHORIZATION": f"Bearer {token}" if token else "",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / summary["seconds"]
    return summary


def alternating(
    pairs: dict[str, tuple[str, str]], connections: int, seconds: int, **options: str
) -> dict[str, Any]:
    """For each named pair (measured URL, baseline URL): a warm-up, then ROUNDS rounds that run the
    two one after the other; the median requests per second of each, and their ratio."""
    results: dict[str, Any] = {}
    for name, (measured, baseline) in pairs.items():
        wrk(measured, connections, 2, **options)
        wrk(baseline, connections, 2)
        rounds = [
            (wrk(measured, connections, seconds, **options), wrk(baseline, connections, seconds))
            for _ in range(ROUNDS)
        ]
        rps = statistics.median(m["rps"] for m, _ in rounds)
        base = statistics.median(b["rps"] for _, b in rounds)
        results[name] = {
            "rps": rps,
            "baseline_rps": base,
            "ratio": rps / base,
            "p99_ms": statistics.median(m["p99_ms"] for m, _ in rounds),
            "failures": sum(m["non2xx"] + m["socket_errors"] for m, _ in rounds),
        }
    return results


def write_report(results: dict[str, Any]) -> None:
    """bench/services.json, bench/README.md (its table) and bench/services.svg (its chart)."""
    (BENCH / "services.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    rows = [
        f"| {name} | {r['rps']:,.0f} | {r['baseline_rps']:,.0f} | {r['ratio']:.2f} | {r['p99_ms']:.1f} "
        f"| {r['failures']} |"
        for name, r in results["throughput"].items()
    ]
    memory = [
        f"| {name} | {m['idle']:.0f} | {m['loaded']:.0f} |" for name, m in results["resident_mib"].items()
    ]
    sign_in = results["sign_in"]
    installs = [
        f"| {name} | {figures['seconds']:.0f} | {figures['requests']} |"
        for name, figures in results["npm_ci_cold"].items()
    ]
    (BENCH / "README.md").write_text(
        "\n".join(
            [
                "# Benchmarks",
                "",
                "Written by `.venv/bin/python -m bench.services` (its docstring says how it measures).",
                "Figures depend on the machine; the ratios against bare Fastify, measured in the same",
                "rounds, are what compare.",
                "",
                f"- machine: {results['machine']}",
                f"- date: {results['date']}; commit: {results['commit']}",
                f"- method: {results['method']}",
                f"- generator ceiling: wrk reaches {results['generator_ceiling_rps']:,.0f} requests/s "
                "against nginx answering a fixed 200 on the server core, at least "
                f"{CEILING_FACTOR}x the rate of every service measured below (the run fails otherwise)",
                "",
                "## Throughput at 50 connections",
                "",
                "| route | requests/s | bare Fastify, same rounds | ratio | p99 ms | failed |",
                "|---|---|---|---|---|---|",
                *rows,
                "",
                "![Throughput ratios against bare Fastify](services.svg)",
                "",
                "## Sign-in",
                "",
                f"10 connections: {sign_in['rps']:.1f}/s, p50 {sign_in['p50_ms']:.0f} ms, "
                f"p95 {sign_in['p95_ms']:.0f} ms, p99 {sign_in['p99_ms']:.0f} ms. A failed sign-in with "
                f"an unknown email takes {results['failed_sign_in_unknown_over_wrong_p50']:.2f} times one "
                "with a wrong password (p50, one connection): the answer time does not tell which emails "
                "have accounts.",
                "",
                "## `npm ci` of the default render, cold cache",
                "",
                "| lock | seconds | requests |",
                "|---|---|---|",
                *installs,
                "",
                "The stored locks keep `resolved` (scripts/lock.py): without it npm asks the registry for",
                "each package's metadata before fetching its tarball.",
                "",
                "## Resident memory (MiB)",
                "",
                "| process | idle | after the load |",
                "|---|---|---|",
                *memory,
                "",
            ]
        ),
        encoding="utf-8",
    )
    bars = [
        f'<text x="8" y="{34 + 28 * i}" font-size="13">{name}</text>'
        f'<rect x="260" y="{22 + 28 * i}" width="{300 * r["ratio"]:.0f}" height="16" fill="#3b6ea8"/>'
        f'<text x="{266 + 300 * r["ratio"]:.0f}" y="{34 + 28 * i}" font-size="13">{r["ratio"]:.2f}</text>'
        for i, (name, r) in enumerate(results["throughput"].items())
    ]
    height = 40 + 28 * len(bars)
    (BENCH / "services.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="{height}" font-family="sans-serif">'
        '<text x="8" y="14" font-size="13">requests/s as a ratio of bare Fastify (1.0 at the line)</text>'
        f'<line x1="560" y1="20" x2="560" y2="{height - 8}" stroke="#999"/>' + "".join(bars) + "</svg>\n",
        encoding="utf-8",
    )


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def main() -> int:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project = render(work / "project", {}, src=snapshot(work / "template"))
        env = node_env(24, CACHE_DIR / "npm")
        installs = cold_installs(project, work, env)
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
            processes = {
                name: subprocess.Popen(
                    ["taskset", "-c", SERVER_CORE, *commands[name]],
                    cwd=project,
                    env={**service_env, "PORT": str(port), **quiet.get(name, {})},
                    # To a file, as in production: writing lines is part of what a request costs.
                    stdout=(work / f"{name}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
                for name, port in ports.items()
            }
            try:
                auth, core, bare, quiet_auth = (
                    f"http://127.0.0.1:{ports[name]}"
                    for name in ("auth-service", "core-service", "bare", "quiet-auth")
                )
                for base in (auth, core, bare, quiet_auth):
                    wait_ready(f"{base}/health/live")
                idle = {
                    name: resident_mib(processes[name].pid)
                    for name in ("auth-service", "core-service", "bare")
                }
                request(
                    "POST", f"{auth}/api/auth/register", {"email": "bench@acme.dev", "password": PASSWORD}
                )
                token = request(
                    "POST", f"{auth}/api/auth/login", {"email": "bench@acme.dev", "password": PASSWORD}
                )["accessToken"]
                workspace = request("POST", f"{core}/api/core/workspaces", {"name": "Agents"}, token)["id"]
                request("GET", f"{core}/api/core/workspaces/{workspace}", token=token)  # warm the cache

                throughput = alternating(
                    {
                        "/health/live": (f"{auth}/health/live", f"{bare}/health/live"),
                        "/health/live, request logging off": (
                            f"{quiet_auth}/health/live",
                            f"{bare}/health/live",
                        ),
                    },
                    50,
                    seconds,
                )
                throughput |= alternating(
                    {
                        "cached workspace read": (
                            f"{core}/api/core/workspaces/{workspace}",
                            f"{bare}/workspace",
                        )
                    },
                    50,
                    seconds,
                    token=token,
                )
                login_body = json.dumps({"email": "bench@acme.dev", "password": PASSWORD})
                login = wrk(f"{auth}/api/auth/login", 10, seconds, method="POST", body=login_body)
                wrong_body = json.dumps({"email": "bench@acme.dev", "password": f"not {PASSWORD}"})
                wrong = wrk(f"{auth}/api/auth/login", 1, seconds, method="POST", body=wrong_body)
                unknown_body = json.dumps({"email": "nobody@acme.dev", "password": PASSWORD})
                unknown = wrk(f"{auth}/api/auth/login", 1, seconds, method="POST", body=unknown_body)
                loaded = {name: resident_mib(processes[name].pid) for name in idle}
            finally:
                for process in processes.values():
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=15)
        ceiling = generator_ceiling(work / "nginx", seconds)
    check_ceiling(ceiling, throughput)
    results = {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, cwd=BENCH
        ).stdout.strip(),
        "method": f"servers on core {SERVER_CORE}, wrk on core {LOAD_CORE}; {seconds} s a round, "
        f"median of {ROUNDS} alternating rounds after a warm-up",
        "generator_ceiling_rps": ceiling,
        "npm_ci_cold": installs,
        "throughput": throughput,
        "sign_in": login,
        "failed_sign_in_unknown_over_wrong_p50": unknown["p50_ms"] / wrong["p50_ms"],
        "resident_mib": {name: {"idle": idle[name], "loaded": loaded[name]} for name in idle},
    }
    write_report(results)
    print((BENCH / "README.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
