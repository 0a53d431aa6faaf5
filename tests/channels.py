"""Local stand-ins for the places notifications go: one HTTP endpoint that records what incoming
webhooks (Slack's, Discord's) would receive, and an SMTP server that takes mail only over TLS
(STARTTLS, with a certificate of a throwaway authority), as a provider's would. Both listen on the
machine's loopback."""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port
from tests.tls import authority, leaf


@dataclass
class Channels:
    webhook: str  # http://127.0.0.1:<port>; a path names the channel
    smtp: str  # smtp://127.0.0.1:<port>, STARTTLS required
    ca: Path  # the authority the SMTP server's certificate comes from
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    mails: list[EmailMessage] = field(default_factory=list)

    def take(self) -> tuple[list[tuple[str, dict[str, Any]]], list[EmailMessage]]:
        """What arrived since the last call: webhook posts (path, JSON body) and mails."""
        posts, mails = list(self.posts), list(self.mails)
        self.posts.clear()
        self.mails.clear()
        return posts, mails


class _Mailbox:
    def __init__(self, channels: Channels) -> None:
        self.channels = channels

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.channels.mails.append(message)
        return "250 OK"


@contextmanager
def channels(folder: Path) -> Iterator[Channels]:
    ca = authority(folder / "ca", "Mail Tests CA")
    chain, key = leaf(ca, folder / "smtp", "127.0.0.1")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(chain, key)
    http_port, smtp_port = free_port(), free_port()
    found = Channels(f"http://127.0.0.1:{http_port}", f"smtp://127.0.0.1:{smtp_port}", ca.pem)

    class Recorder(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            found.posts.append((self.path, json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            """Quiet: the test reads what was posted, not an access log."""

    webhooks = ThreadingHTTPServer(("127.0.0.1", http_port), Recorder)
    serving = threading.Thread(target=webhooks.serve_forever, daemon=True)
    serving.start()
    mail = Controller(
        _Mailbox(found), hostname="127.0.0.1", port=smtp_port, tls_context=tls, require_starttls=True
    )
    mail.start()
    try:
        yield found
    finally:
        mail.stop()
        webhooks.shutdown()
        webhooks.server_close()
