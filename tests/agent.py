"""The test user's password and the AI agent the e2e tiers drive mcp-server with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.installed import InstalledProject

# The MCP SDK's client the agent runs, from the project's own SDK.
MCP_CLIENT = Path(__file__).with_name("mcp_client.mjs")
PASSWORD = "correct horse battery staple e2e"  # noqa: S105 (a test account of a throwaway database)


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
