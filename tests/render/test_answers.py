"""Every bad answer or combination is refused with a sentence that says what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.matrix import BASE_ANSWERS, UNSUPPORTED_COMBINATIONS


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
