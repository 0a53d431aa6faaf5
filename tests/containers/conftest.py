"""The container tiers' fixtures: one engine for the session, and each render's images built as
its Dockerfiles' headers and docs/operations.md say, tagged for the engine's registry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.engine import REGISTRY, Engine, ensure_standins, required, running_engine, unavailable
from tests.project import recorded_answers

IMAGE_TAG = "1.0.0"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    reason = unavailable()
    if reason is not None:
        if required():
            pytest.fail(f"SAH_ENGINE=required, but the Docker Engine cannot start: {reason}")
        pytest.skip(reason)
    with running_engine() as started:
        # Stand-ins for the pinned base images (tests/standins/README.md): nothing can be pulled.
        ensure_standins(started)
        yield started


@dataclass
class Images:
    project: Path
    tags: dict[str, str]
    build_seconds: dict[str, float]


# What IMAGE_REGISTRY names in production (ghcr.io/your-org), on the engine's own registry.
IMAGE_REGISTRY = f"{REGISTRY}/acme"


@pytest.fixture(scope="session")
def images(engine: Engine, rendered: Any) -> Any:
    """`images(combination)`: every Dockerfile of the render built from its root, once a session."""
    cache: dict[str, Images] = {}

    def build(combination: str) -> Images:
        if combination not in cache:
            project = rendered(combination)
            slug = recorded_answers(project)["project_slug"]
            tags, seconds = {}, {}
            for dockerfile in sorted((project / "packages").glob("*/Dockerfile")):
                name = dockerfile.parent.name
                tags[name] = f"{IMAGE_REGISTRY}/{slug}-{name}:{IMAGE_TAG}"
                started = time.monotonic()
                # The command of docs/operations.md, with --add-host options that let the build
                # reach the npm registry through the engine's bridge (tests/engine.py).
                engine.build("-f", f"packages/{name}/Dockerfile", "-t", tags[name], ".", cwd=project)
                seconds[name] = round(time.monotonic() - started, 1)
            cache[combination] = Images(project, tags, seconds)
        return cache[combination]

    return build
