"""The catalogue (extensions/catalogue.py) against the two places that cannot import it: the
choices of copier.yml."""

from __future__ import annotations

from pathlib import Path

from extensions.catalogue import BY_NAME, NODE_VERSIONS, SERVICE_NAMES, SERVICES
from tests.project import load_yaml

QUESTIONS = load_yaml(Path(__file__).resolve().parents[2] / "copier.yml")


def test_the_node_question_offers_the_catalogues_majors_and_defaults_to_the_first() -> None:
    question = QUESTIONS["node_version"]
    assert list(question["choices"].values()) == list(NODE_VERSIONS)
    assert question["default"] == next(iter(NODE_VERSIONS))


def test_the_services_question_offers_every_service_and_defaults_to_all() -> None:
    question = QUESTIONS["services"]
    assert list(question["choices"].values()) == list(SERVICE_NAMES)
    assert question["default"] == list(SERVICE_NAMES)


def test_every_requirement_is_a_service_listed_before_the_one_that_needs_it() -> None:
    for position, service in enumerate(SERVICES):
        assert all(SERVICE_NAMES.index(needed) < position for needed in service.requires), service.name
        assert all(needed in BY_NAME for needed in service.requires)
