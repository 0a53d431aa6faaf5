"""The container tier's fixtures: one engine for the session, and each render's images."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.containers.images import BuildImages, Images, build_images
from tests.engine import Engine, engine_for_tests, ensure_standins
from tests.project import Render


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    with engine_for_tests() as started:
        # Stand-ins for the pinned base images (tests/standins/README.md): nothing can be pulled.
        ensure_standins(started)
        yield started


@pytest.fixture(scope="session")
def images(engine: Engine, rendered: Render) -> BuildImages:
    """`images(combination)`: every Dockerfile of the render built from its root, once a session."""
    cache: dict[str, Images] = {}

    def build(combination: str) -> Images:
        if combination not in cache:
            cache[combination] = build_images(engine, rendered(combination))
        return cache[combination]

    return build
