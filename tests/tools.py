"""The test run's own tools: the linters, Copier and pre-commit of its virtual environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def tool(
    *command: str | Path, cwd: Path | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """A tool of the virtual environment, run; its result for the caller to check."""
    argv = [str(VENV_BIN / command[0]), *map(str, command[1:])]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
