"""Container figures: each image's size and each production container's memory, idle and under
load, and what scripts/deploy.sh took, as the last run of the container tier on this machine
recorded them.

    .venv/bin/python -m bench.containers

The `containers` tier writes them while it runs (tests/containers/test_images.py,
test_production.py and test_deploy.py) into the engine's cache folder; this prints them as
tables. Sizes are of images built on the test's stand-in bases (tests/standins/README.md), so
they compare renders and releases with each other, not with images built on the official bases.
"""

from __future__ import annotations

import json
import sys

from tests.containers.stack import DEPLOYS, MEMORY, SIZES


def main() -> int:
    if not SIZES.is_file() or not MEMORY.is_file():
        print("No figures yet: run `scripts/test -m containers` first.", file=sys.stderr)
        return 1
    sizes = json.loads(SIZES.read_text(encoding="utf-8"))
    print("| image | MiB | build seconds |\n|---|---|---|")
    for name, figures in sorted(sizes.items()):
        print(f"| {name} | {figures['bytes'] / 2**20:.0f} | {figures['build_seconds']} |")
    memory = json.loads(MEMORY.read_text(encoding="utf-8"))
    print("\n| container | idle MiB | under load MiB | limit MiB |\n|---|---|---|---|")
    for name, (idle, limit) in sorted(memory["idle_mib"].items()):
        print(f"| {name} | {idle} | {memory['loaded_mib'][name][0]} | {limit:.0f} |")
    if DEPLOYS.is_file():
        print("\n| scripts/deploy.sh | seconds | requests meanwhile | failed |\n|---|---|---|---|")
        for name, run in sorted(json.loads(DEPLOYS.read_text(encoding="utf-8")).items()):
            load = (run["requests"], run["failed"]) if run["requests"] else ("-", "-")
            print(f"| {name} | {run['seconds']} | {load[0]} | {load[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
