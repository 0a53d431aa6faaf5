"""Rendered Dockerfiles read as instructions, for the tests that check what an image does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Instruction:
    keyword: str
    arguments: str


def parse(dockerfile: Path) -> list[Instruction]:
    """A Dockerfile's instructions, continuation lines joined, comments and blank lines dropped."""
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


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def runtime_environment(dockerfile: Path) -> dict[str, str]:
    """The last stage's ENV, as the container's processes get it."""
    pairs = [
        instruction.arguments for instruction in stages(parse(dockerfile))[-1] if instruction.keyword == "ENV"
    ]
    return dict(pair.split("=", 1) for line in pairs for pair in line.split())
