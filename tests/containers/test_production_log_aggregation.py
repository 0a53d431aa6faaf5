"""The default render, whose production stack also runs VictoriaLogs and Vector, deployed by the
same first-deploy commands on the real engine. Their images cannot be had on this machine (no
registry to pull them from, and no stand-in: they are not Debian packages), so this test names
them and leaves them out of the two commands that would fetch or start them; everything else comes
up and serves through the gateway. The other base images are stand-ins (tests/standins/README.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.images import BuildImages
from tests.containers.stack import (
    COMPOSE,
    RUNNING,
    Production,
    deployed,
    healthy_services,
)
from tests.engine import Engine

pytestmark = pytest.mark.xdist_group("engine")

UNAVAILABLE = ("victorialogs", "vector")
EVERYTHING_ELSE = RUNNING


def without_log_aggregation(script: str) -> str:
    """The first deploy with the two unavailable images named out of `pull` and `up`."""
    compose = " ".join(["docker", *COMPOSE])
    lines = script.splitlines()
    for command, services in (
        (f"{compose} pull", EVERYTHING_ELSE),
        (f"{compose} up -d --wait", ("gateway",)),
    ):
        assert command in lines, f"the first deploy no longer runs {command}"
        # The gateway depends on every service, so `up gateway` starts all of them, healthy first.
        lines[lines.index(command)] = f"{command} {' '.join(services)}"
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def production(
    engine: Engine, images: BuildImages, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Production]:
    folder: Path = tmp_path_factory.mktemp("server-logs") / "platform"
    with deployed(engine, images("defaults"), folder, without_log_aggregation) as stack:
        yield stack


def test_the_stack_comes_up_without_the_images_that_cannot_be_had(production: Production) -> None:
    config = json.loads(production.compose("config", "--format", "json").stdout)
    assert set(UNAVAILABLE) <= set(config["services"]), "the render no longer aggregates logs"
    assert healthy_services(production) == dict.fromkeys(EVERYTHING_ELSE, "healthy")
    registered = production.request(
        "POST", "/api/auth/register", {"email": "logs-ada@acme.dev", "password": "correct horse battery logs"}
    )
    assert registered.status == 201, registered.body
