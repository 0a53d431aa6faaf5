"""The unit tier's fixture: fixture templates rendered in the test's own folder."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from tests.unit.fixture_templates import RenderFixture
from tests.unit.fixture_templates import render_fixture as render


@pytest.fixture
def render_fixture(tmp_path: Path) -> RenderFixture:
    """`render_fixture(name, extension, answers)`: the rendered folder of fixtures/<name>."""
    return partial(render, tmp_path)
