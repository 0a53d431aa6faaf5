"""Render benchmark: CPU and wall seconds of `copier copy` with default answers, and the file count.

    .venv/bin/python -m bench.render [runs]

Each run renders the same snapshot of this working tree into a fresh folder. As a baseline from the
same run, it also times a plain copy of the snapshot's `template/` folder: the ratio says what
Copier and Jinja cost on top of writing the same tree. Figures are medians of the runs (5 by default).
"""

from __future__ import annotations

import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scripts.render import render, snapshot


def _cpu_seconds() -> float:
    # Copier clones the template with git: its children's CPU counts too.
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(action: Callable[[Path], object], runs: int, workdir: Path) -> tuple[float, float]:
    walls, cpus = [], []
    for run in range(runs):
        destination = workdir / f"run-{run}"
        wall, cpu = time.perf_counter(), _cpu_seconds()
        action(destination)
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu_seconds() - cpu)
        shutil.rmtree(destination)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        template = snapshot(workdir / "template")
        project = render(workdir / "sample", {}, src=template)
        files = sum(1 for path in project.rglob("*") if path.is_file())
        render_wall, render_cpu = measure(lambda out: render(out, {}, src=template), runs, workdir)
        copy_wall, _ = measure(lambda out: shutil.copytree(template / "template", out), runs, workdir)
    print(f"runs: {runs} (medians)")
    print(f"files rendered:         {files}")
    print(f"render wall seconds:    {render_wall:.3f}")
    print(f"render CPU seconds:     {render_cpu:.3f}")
    print(f"baseline copy wall s:   {copy_wall:.4f}")
    print(f"render / copy (wall):   {render_wall / copy_wall:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
