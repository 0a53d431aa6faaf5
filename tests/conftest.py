"""Shared fixtures: isolation from the machine's git and Copier settings, and cached renders; and
each test's tier marker, which is the name of its folder (tests/<tier>/), so the two cannot differ."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.render import snapshot
from tests.matrix import answers_for
from tests.project import Render

TESTS = Path(__file__).resolve().parent

# Installed renders and their fixtures, for every tier that runs a render's code.
pytest_plugins = ["tests.installed"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test with its folder's tier before `-m` selects (pytest's own hook runs later)."""
    tiers = {marker.split(":", 1)[0] for marker in config.getini("markers")}
    for item in items:
        tier = item.path.relative_to(TESTS).parts[0]
        if tier not in tiers:
            raise pytest.UsageError(
                f"{item.nodeid}: a test lives in a folder named after its tier, {sorted(tiers)}"
            )
        item.add_marker(tier)


@pytest.fixture(autouse=True, scope="session")
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Git and Copier see no user settings of this machine (Copier's own test suite does the same)."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Template Tests\n\temail = tests@example.com\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    settings = home / "copier-settings.yml"
    settings.write_text("{}\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.setenv("COPIER_SETTINGS_PATH", str(settings))
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        yield


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The working tree as a clean git repository: what every test renders."""
    return snapshot(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def rendered(copie_session: Any, template_dir: Path) -> Render:
    """`rendered(combination)`: the project rendered for a named combination, once per session."""
    cache: dict[str, Path] = {}

    def render(combination: str) -> Path:
        if combination not in cache:
            result = copie_session.copy(extra_answers=answers_for(combination), template_dir=template_dir)
            if result.exception is not None:
                raise result.exception
            cache[combination] = Path(result.project_dir)
        return cache[combination]

    return render
