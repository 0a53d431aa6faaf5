"""Regenerates the stored lock files (`extensions/locks/node<major>.json`) with npm.

Run it after changing a dependency in any rendered package.json:

    .venv/bin/python -m scripts.lock

It renders every service with placeholder names, lets npm resolve the graph on each supported Node
major (keeping versions already locked where they still satisfy the ranges) and stores the result.
Rendering itself never touches the network: it cuts these locks down to the chosen services.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from extensions.lockfile import LOCK_DIR, PLACEHOLDER_SCOPE, PLACEHOLDER_SLUG, lock_text
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
        lock = json.loads((project / "package-lock.json").read_text(encoding="utf-8"))
        stored.write_text(lock_text(record_tarball_urls(lock)), encoding="utf-8")
    return stored


def record_tarball_urls(lock: dict[str, Any]) -> dict[str, Any]:
    """`resolved` for every registry package: its tarball's URL on registry.npmjs.org, which is where
    the registry serves it. Without it `npm ci` asks the registry for each package's metadata before
    fetching its tarball, twice the requests (bench/README.md, "npm ci"); npm writes none when the
    machine's config sets omit-lockfile-registry-resolved, and adds none to entries already locked.
    A user with another registry loses nothing: npm swaps this host for the configured registry
    (its replace-registry-host setting), and the integrity hash is checked either way."""
    packages = lock["packages"]
    for path, entry in packages.items():
        if not path or entry.get("link") or "integrity" not in entry:
            continue
        name = entry.get("name") or path.rsplit("node_modules/", 1)[1]
        url = f"https://registry.npmjs.org/{name}/-/{name.rsplit('/', 1)[-1]}-{entry['version']}.tgz"
        # Where npm puts it, after `version`, so that npm's next write of the lock changes nothing.
        fields = [(key, value) for key, value in entry.items() if key != "resolved"]
        at = next(index for index, (key, _) in enumerate(fields) if key == "version") + 1
        packages[path] = dict([*fields[:at], ("resolved", url), *fields[at:]])
    return lock


def main() -> int:
    majors = [int(arg) for arg in sys.argv[1:]] or list(NODE_MAJORS)
    for major in majors:
        print(f"locked {regenerate(major)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
