"""A rendered Dockerfile, built without a container engine: a stand-in for `docker build` that
this machine can run (it has no Docker daemon and no registry).

Each stage is a folder. `FROM` a previous stage copies that stage's folder; `FROM` an image starts
empty, and the machine stands in for the image (the Node.js toolchain of the render's major on
PATH, Debian's nginx). COPY honours .dockerignore, RUN runs in the stage's WORKDIR with its ENV.
What only an engine does (users, isolation, layers) is not exercised here: the static tier checks
USER, HEALTHCHECK and the base images by policy instead.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instruction:
    keyword: str
    arguments: str


def parse(dockerfile: Path) -> list[Instruction]:
    """Instructions with their continuation lines joined; comments and directives dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in dockerfile.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


@dataclass
class Stage:
    root: Path
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    healthcheck: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)

    def path(self, inside: str) -> Path:
        absolute = inside if inside.startswith("/") else f"{self.workdir.rstrip('/')}/{inside}"
        return self.root / absolute.lstrip("/")


def ignored(relative: str, patterns: list[str]) -> bool:
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.removeprefix("!").removeprefix("**/")
        parts = relative.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        candidates = parts if pattern.removeprefix("!").startswith("**/") else prefixes
        if any(fnmatch.fnmatch(candidate, body) for candidate in candidates):
            excluded = not negated
    return excluded


def copy(source: Path, target: Path, base: Path, patterns: list[str], *, into: bool) -> None:
    """Docker's COPY: a file to a file (or `into` a folder), a folder's contents into a folder."""
    if not source.is_dir():
        assert not ignored(source.relative_to(base).as_posix(), patterns), f"{source} is in .dockerignore"
        destination = target / source.name if into or target.is_dir() else target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
        return
    for directory, folders, files in os.walk(source):
        here = Path(directory)
        # Pruned, not filtered: an ignored node_modules is never walked.
        folders[:] = [
            name for name in folders if not ignored((here / name).relative_to(base).as_posix(), patterns)
        ]
        links = [name for name in folders if (here / name).is_symlink()]
        for name in [*files, *links]:
            item = here / name
            if ignored(item.relative_to(base).as_posix(), patterns):
                continue
            destination = target / item.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if item.is_symlink():
                destination.symlink_to(item.readlink())
            else:
                shutil.copy2(item, destination)


def build(dockerfile: Path, context: Path, folder: Path, env: dict[str, str]) -> Stage:
    """Builds every stage in order; returns the last one (the runtime)."""
    ignore = context / ".dockerignore"
    patterns = [
        line.strip()
        for line in (ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else [])
        if line.strip() and not line.startswith("#")
    ]
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    for number, instruction in enumerate(parse(dockerfile)):
        words = shlex.split(instruction.arguments)
        if instruction.keyword == "FROM":
            image, name = words[0], words[2] if len(words) == 3 else f"stage-{number}"
            stage = start_stage(stages.get(image), folder / name)
            stages[name] = stage
        else:
            assert stage is not None, f"{instruction.keyword} before FROM"
            apply(stage, instruction, words=words, stages=stages, context=context, patterns=patterns, env=env)
    assert stage is not None, "no FROM"
    return stage


def start_stage(parent: Stage | None, root: Path) -> Stage:
    if parent is None:
        root.mkdir(parents=True)
        return Stage(root)
    shutil.copytree(parent.root, root, symlinks=True)
    return Stage(root, parent.workdir, dict(parent.env))


def apply(
    stage: Stage,
    instruction: Instruction,
    *,
    words: list[str],
    stages: dict[str, Stage],
    context: Path,
    patterns: list[str],
    env: dict[str, str],
) -> None:
    keyword = instruction.keyword
    if keyword == "WORKDIR":
        stage.workdir = words[0]
        stage.path(".").mkdir(parents=True, exist_ok=True)
    elif keyword == "ENV":
        stage.env.update(word.split("=", 1) for word in words)  # type: ignore[arg-type]
    elif keyword == "COPY":
        origin = next((stages[word.split("=", 1)[1]] for word in words if word.startswith("--from=")), None)
        *sources, target = [word for word in words if not word.startswith("--")]
        into = target.endswith("/") or len(sources) > 1
        for source in sources:
            if origin is not None:
                copy(origin.path(source), stage.path(target), origin.root, [], into=into)
            else:
                copy(context / source, stage.path(target), context, patterns, into=into)
    elif keyword == "RUN":
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", instruction.arguments],
            cwd=stage.path("."),
            env={**env, **stage.env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"RUN {instruction.arguments}\n{result.stdout}\n{result.stderr}"
    elif keyword == "USER":
        stage.user = words[0]
    elif keyword == "HEALTHCHECK":
        stage.healthcheck = command(instruction.arguments.split(" CMD ", 1)[1])
    elif keyword == "CMD":
        stage.cmd = command(instruction.arguments)


def command(arguments: str) -> list[str]:
    """Exec form (a JSON array) as it is; shell form through /bin/sh, as Docker runs them."""
    return json.loads(arguments) if arguments.startswith("[") else ["/bin/sh", "-c", arguments]
