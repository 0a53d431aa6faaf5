"""The rendered nginx configurations, run for real on loopback.

A rendered config is copied to a temporary folder and only what is specific to a container is
substituted: listen ports, upstream addresses, certificate, webroot, pid and temp paths. Every
substitution must find its target, so a renamed path in the template fails here loudly.
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.client import Response
from tests.project import substitute
from tests.servers import port_open, wait_until


def gateway_config(
    rendered: Path,
    folder: Path,
    *,
    http_port: int,
    https_port: int,
    upstreams: Mapping[str, int],
    tls_dir: Path,
    webroot: Path,
) -> Path:
    """The project's infra/nginx in `folder`, listening on loopback; `upstreams` maps each Compose
    name to the local port its service listens on. Returns the main config file."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in (rendered / "infra/nginx").rglob("*"):
        if source.is_file():
            target = folder / source.relative_to(rendered / "infra/nginx")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    (folder / "cache").mkdir()
    substitute(
        folder / "nginx.conf",
        {
            "/tmp/nginx.pid": folder / "nginx.pid",  # noqa: S108 (the rendered path, replaced)
            "_temp_path /tmp/": f"_temp_path {folder}/cache/",
        },
    )
    substitute(
        folder / "gateway.conf",
        {
            "listen 8080 ": f"listen 127.0.0.1:{http_port} ",
            "listen 8443 ": f"listen 127.0.0.1:{https_port} ",
            "/var/www/acme": webroot,
        },
    )
    substitute(folder / "snippets/tls.conf", {"/etc/nginx/tls": tls_dir})
    declared = dict(
        re.findall(r"server ([a-z-]+):(\d+) ", (folder / "upstreams.conf").read_text(encoding="utf-8"))
    )
    assert set(declared) == set(upstreams), f"upstreams {sorted(declared)} != {sorted(upstreams)}"
    substitute(
        folder / "upstreams.conf",
        {f"server {name}:{declared[name]} ": f"server 127.0.0.1:{port} " for name, port in upstreams.items()},
    )
    return folder / "nginx.conf"


def spa_config(source: Path, folder: Path, *, port: int, root: Path) -> Path:
    """The frontend image's nginx.conf (`source`) serving `root` on a loopback port."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_bytes(source.read_bytes())
    substitute(
        conf,
        {
            "listen 8080;": f"listen 127.0.0.1:{port};",
            "/usr/share/nginx/html": root,
            "pid /tmp/": f"pid {folder}/",
            "_temp_path /tmp/": f"_temp_path {folder}/",
        },
    )
    return conf


@contextmanager
def nginx(conf: Path, *ports: int) -> Iterator[subprocess.Popen[bytes]]:
    """nginx in the foreground with `conf`; its stdout (the access log) goes to `stdout.log` beside
    it. The test runs as root and its folders are private to root, so the workers stay root here
    (`user root`); the image runs them unprivileged."""
    prefix = conf.parent
    command = ["nginx", "-p", str(prefix), "-c", str(conf)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    with (prefix / "stdout.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "-g", "daemon off; user root;"], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: all(map(port_open, ports)) or process.poll() is not None, "nginx", timeout=10)
        assert process.poll() is None, (prefix / "stdout.log").read_text(encoding="utf-8")
        yield process
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: workers finish their requests
        process.wait(timeout=15)


# The headers the gateway adds to every answer (infra/nginx/snippets/), on every route and status.
COMMON_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
API_HEADERS = {
    **COMMON_HEADERS,
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",
}
SPA_HEADERS = {
    **COMMON_HEADERS,
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}


def assert_header_set(response: Response, expected: dict[str, str]) -> None:
    for name, value in expected.items():
        assert response.header(name) == value, (response.status, name)
    assert response.header("server") == "nginx", "server_tokens off shows no version"
    assert response.header("x-request-id")
