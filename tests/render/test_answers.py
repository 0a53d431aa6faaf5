"""Every bad answer or combination is refused with a sentence that says what is allowed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.matrix import BASE_ANSWERS, UNSUPPORTED_COMBINATIONS
from tests.project import recorded_answers


@pytest.mark.parametrize(
    ("overrides", "message"),
    list(UNSUPPORTED_COMBINATIONS.values()),
    ids=list(UNSUPPORTED_COMBINATIONS),
)
def test_bad_answer_is_refused_with_what_is_allowed(
    copie: Any, template_dir: Path, overrides: dict[str, Any], message: str
) -> None:
    result = copie.copy(extra_answers={**BASE_ANSWERS, **overrides}, template_dir=template_dir)
    assert result.exception is not None, "the answers were accepted"
    assert message in str(result.exception)
    # Nothing half-rendered is left behind for the user to clean up.
    output_dir = copie.test_dir / f"copie{copie.counter - 1:03d}"
    assert list(output_dir.iterdir()) == []


def test_defaults_follow_the_name_and_the_services_chosen(copie: Any, template_dir: Path) -> None:
    result = copie.copy(
        extra_answers={"project_name": "Ærø Ünïcode Hub", "services": ["auth-service"]},
        template_dir=template_dir,
    )
    assert result.exception is None, result.exception
    answers = recorded_answers(result.project_dir)
    # Letters Unicode does not decompose are written as ASCII writes them, not dropped.
    assert answers["project_slug"] == "aero-unicode-hub"
    # Only the services chosen are named.
    assert answers["description"] == "An AI hub with authentication."
    text = (result.project_dir / "package.json").read_text(encoding="utf-8")
    package = json.loads(text)
    assert package["description"] == "An AI hub with authentication."
    # As npm writes it: the address between < and >, not \u003c...\u003e.
    assert f'"author": "{answers["author_name"]} <{answers["author_email"]}>"' in text


def test_a_name_of_letters_unicode_does_not_decompose_alone_renders(copie: Any, template_dir: Path) -> None:
    result = copie.copy(extra_answers={"project_name": "Ærø"}, template_dir=template_dir)
    assert result.exception is None, result.exception
    assert recorded_answers(result.project_dir)["project_slug"] == "aero"
