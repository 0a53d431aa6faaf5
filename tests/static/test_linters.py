"""Linters and compilers on installed renders: ESLint, Prettier, tsc (solution build and tests)."""

from __future__ import annotations

import pytest

from tests.installed import Install, build_params


@pytest.mark.parametrize("combination", build_params())
def test_eslint_passes_in_every_workspace(installed: Install, combination: str) -> None:
    installed(combination).run("npm", "run", "lint")


@pytest.mark.parametrize("combination", build_params())
def test_prettier_finds_nothing_to_change(installed: Install, combination: str) -> None:
    installed(combination).run("npx", "prettier", "--check", ".")


@pytest.mark.parametrize("combination", build_params())
def test_sources_and_tests_typecheck(installed: Install, combination: str) -> None:
    installed(combination).run("npm", "run", "typecheck")


@pytest.mark.parametrize("combination", build_params())
def test_solution_build_compiles_every_reference(installed: Install, combination: str) -> None:
    project = installed(combination)
    project.run("npx", "tsc", "-b")
    for reference in (project.path / "packages").iterdir():
        if (reference / "tsconfig.build.json").is_file():
            assert (reference / "dist" / "index.js").is_file() or (reference / "dist" / "server.js").is_file()
