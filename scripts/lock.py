"""Regenerates the stored lock files (`extensions/locks/node<major>.json`) with npm.

Run it after changing a dependency in any rendered package.json:

    .venv/bin/python -m scripts.lock

It renders every service with placeholder names, lets npm resolve the graph on each supported Node
major (keeping versions already locked where they still satisfy the ranges) and stores the result.
Rendering itself never touches the network: it cuts these locks down to the chosen services.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from extensions.lockfile import LOCK_DIR, PLACEHOLDER_SCOPE, PLACEHOLDER_SLUG
from scripts.node_toolchain import node_env
from scripts.render import render, snapshot

NODE_MAJORS = (24, 22)
ALL_SERVICES = ["auth-service", "core-service", "mcp-server", "frontend"]
EMPTY_LOCK = {"name": PLACEHOLDER_SLUG, "lockfileVersion": 3, "requires": True, "packages": {"": {}}}


def regenerate(major: int) -> Path:
    stored = LOCK_DIR / f"node{major}.json"
    if not stored.exists():
        stored.write_text(json.dumps(EMPTY_LOCK), encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        template = snapshot(Path(tmp) / "template")
        project = render(
            Path(tmp) / "project",
            {
                "project_name": PLACEHOLDER_SLUG,
                "project_slug": PLACEHOLDER_SLUG,
                "npm_scope": PLACEHOLDER_SCOPE,
                "license": "MIT",
                "node_version": major,
                "services": ALL_SERVICES,
            },
            src=template,
        )
        subprocess.run(
            ["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=project,
            env=node_env(major),
            check=True,
        )
        shutil.copyfile(project / "package-lock.json", stored)
    return stored


def main() -> int:
    majors = [int(arg) for arg in sys.argv[1:]] or list(NODE_MAJORS)
    for major in majors:
        print(f"locked {regenerate(major)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
