"""A render's images, built as its Dockerfiles' headers and docs/operations.md say, and tagged for
the engine's registry."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.engine import REGISTRY, Engine
from tests.project import recorded_answers

# `images(combination)`: a render's images, built once a session.
BuildImages = Callable[[str], "Images"]

IMAGE_TAG = "1.0.0"
# What IMAGE_REGISTRY names in production (the `image_registry` answer), on the engine's own registry.
IMAGE_REGISTRY = f"{REGISTRY}/acme"


@dataclass
class Images:
    project: Path
    tags: dict[str, str]
    build_seconds: dict[str, float]
    # In the engine's registry, and no longer in its image store (the first deploy pulls them).
    pushed: bool = False


def build_images(engine: Engine, project: Path) -> Images:
    """Every Dockerfile of the render, built from its root."""
    slug = recorded_answers(project)["project_slug"]
    tags, seconds = {}, {}
    for dockerfile in sorted((project / "packages").glob("*/Dockerfile")):
        name = dockerfile.parent.name
        tags[name] = f"{IMAGE_REGISTRY}/{slug}-{name}:{IMAGE_TAG}"
        started = time.monotonic()
        # The command of docs/operations.md, with --add-host options that let the build reach the
        # npm registry through the engine's bridge (tests/engine.py).
        engine.build("-f", f"packages/{name}/Dockerfile", "-t", tags[name], ".", cwd=project)
        seconds[name] = round(time.monotonic() - started, 1)
    return Images(project, tags, seconds)
