"""Rendered shell scripts pass shellcheck and stay executable."""

from __future__ import annotations

import os

import pytest

from tests.project import Render
from tests.tools import tool

OPERATIONS = (
    "scripts/secrets.sh",
    "scripts/deploy.sh",
    "scripts/rollback.sh",
    "scripts/remote-deploy.sh",
    "scripts/swarm/deploy.sh",
    "scripts/swarm/node.sh",
    "scripts/swarm/scale.sh",
)


@pytest.mark.parametrize("combination", ["defaults", "services:auth-only"])
def test_shell_scripts_pass_shellcheck(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    # Only the project's own folders: in a worker that installed this render, node_modules has scripts too.
    scripts = sorted(path for folder in ("infra", "scripts") for path in (project / folder).glob("**/*.sh"))
    assert {path.relative_to(project).as_posix() for path in scripts} >= {
        "infra/nginx/self-signed.sh",
        "infra/certbot/issue.sh",
        "infra/certbot/renew.sh",
        "infra/certbot/deploy-hook.sh",
        "infra/nginx/follow-tasks.sh",
        "scripts/lib/release.sh",
        *OPERATIONS,
    }
    result = tool("shellcheck", "--severity=style", *scripts)
    assert result.returncode == 0, result.stdout


def test_operational_scripts_are_executable(rendered: Render) -> None:
    project = rendered("defaults")
    for path in [*(project / "infra").glob("**/*.sh"), *(project / name for name in OPERATIONS)]:
        assert os.access(path, os.X_OK), f"{path.relative_to(project)} is not executable"
