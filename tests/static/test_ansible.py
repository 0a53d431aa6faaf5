"""The rendered provisioning playbook (infra/ansible/) passes ansible-lint at its strictest
profile, production; offline, since Ansible Galaxy cannot be reached (and nothing comes from it:
the collections used ship with the `ansible` package). tests/provision/ runs it."""

from __future__ import annotations

from tests.project import Render
from tests.tools import tool


def test_the_playbook_passes_ansible_lint_at_the_production_profile(rendered: Render) -> None:
    playbook = rendered("defaults") / "infra/ansible"
    result = tool(
        "ansible-lint", "--offline", "--profile", "production", "--nocolor", cwd=playbook, timeout=600
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in result.stderr + result.stdout
