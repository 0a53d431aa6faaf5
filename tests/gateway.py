"""The rendered nginx configurations, run for real on loopback.

A rendered config is copied to a temporary folder and only what is specific to a container is
substituted: listen ports, upstream addresses, certificate, webroot, pid and temp paths. Every
substitution must find its target, so a renamed path in the template fails here loudly.
"""

from __future__ import annotations

import http.client
import re
import signal
import ssl
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


class NamedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address, for a name: the certificate is checked against `name` when one is given."""

    def __init__(self, *args: Any, name: str | None = None, **options: Any) -> None:
        super().__init__(*args, **options)
        self.name = name

    def connect(self) -> None:
        if self.name is None:
            super().connect()
            return
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.name)  # type: ignore[attr-defined]


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


def fetch(
    url: str,
    method: str = "GET",
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    source: str | None = None,
    server_name: str | None = None,
    timeout: float = 10,
) -> Response:
    """One request on a new connection, never following redirects; `source` picks the loopback
    address it comes from (rate limits count per client address); `server_name` is the name the
    request is for (TLS SNI, certificate check and Host) when the URL holds a forwarded address."""
    parts = urlsplit(url)
    address = (source, 0) if source else None
    host, port = parts.hostname or "127.0.0.1", parts.port
    connection = (
        NamedHTTPSConnection(
            host, port, timeout=10, context=context, source_address=address, name=server_name
        )
        if parts.scheme == "https"
        else http.client.HTTPConnection(host, port, timeout=timeout, source_address=address)
    )
    sent = {"Host": server_name, **(headers or {})} if server_name else dict(headers or {})
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body, sent)
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()
