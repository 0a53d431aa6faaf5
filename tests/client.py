"""The one HTTP client of the tests: a request on a new connection, nothing followed, every header
and the body kept as they came; and a bounded load of such requests from several clients."""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


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
            host, port, timeout=timeout, context=context, source_address=address, name=server_name
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


@dataclass
class Load:
    """`clients` threads, each sending `send(index)` until the load stops, at `rate` requests a
    second in all (as fast as answers come when None). Each outcome is a status, or the error of a
    request that got no answer; every 5xx must be the services' JSON error. `slowest` is the
    longest answer, in seconds."""

    send: Callable[[int], Response]
    clients: int = 3
    rate: float | None = None
    outcomes: list[int | str] = field(default_factory=list)
    slowest: float = 0.0

    def __post_init__(self) -> None:
        self.running = True
        self.threads = [threading.Thread(target=self.client, args=(index,)) for index in range(self.clients)]

    def client(self, index: int) -> None:
        pause = self.clients / self.rate if self.rate else 0.0
        while self.running:
            started = time.monotonic()
            try:
                reply = self.send(index)
                self.outcomes.append(reply.status)
                self.slowest = max(self.slowest, time.monotonic() - started)
                if reply.status >= 500:
                    assert json.loads(reply.body)["statusCode"] == reply.status, reply.body
            except (OSError, AssertionError, ValueError) as error:
                self.outcomes.append(f"{type(error).__name__}: {error}")
            time.sleep(max(0.0, pause - (time.monotonic() - started)))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.running = False
        for thread in self.threads:
            thread.join(timeout=30)

    def failures(self) -> list[int | str]:
        return [outcome for outcome in self.outcomes if outcome != 200]
