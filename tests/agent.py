"""The test user's password and the AI agent the e2e tiers drive mcp-server with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.client import fetch
from tests.installed import InstalledProject

# The MCP SDK's client the agent runs, from the project's own SDK.
MCP_CLIENT = Path(__file__).with_name("mcp_client.mjs")
PASSWORD = "correct horse battery staple e2e"  # noqa: S105 (a test account of a throwaway database)


def sign_in(base: str, email: str, **options: Any) -> dict[str, str]:
    """A new account for `email` at the auth-service under `base` (a service or the gateway),
    signed in: its tokens. `options` go to `fetch` (a TLS context, say)."""
    credentials = json.dumps({"email": email, "password": PASSWORD}).encode()
    headers = {"content-type": "application/json"}
    registered = fetch(f"{base}/api/auth/register", "POST", body=credentials, headers=headers, **options)
    assert registered.status == 201, registered.body
    reply = fetch(f"{base}/api/auth/login", "POST", body=credentials, headers=headers, **options)
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


def run_agent(
    project: InstalledProject, mcp_url: str, token: str, request_id: str, ca: Path | None = None
) -> dict[str, Any]:
    """The MCP SDK's own client, run in the rendered project against a running mcp-server (over
    HTTPS with a certificate of the authority `ca`, when given)."""
    # Under node_modules: it resolves the project's SDK from there, and no linter looks at it.
    script = project.path / "node_modules/.e2e/mcp_client.mjs"
    script.parent.mkdir(exist_ok=True)
    shutil.copy(MCP_CLIENT, script)
    command = ("node", str(script), mcp_url, token, request_id)
    result = project.run(*command, NODE_EXTRA_CA_CERTS=str(ca)) if ca else project.run(*command)
    return json.loads(result.stdout)
