"""Cutting the stored lock down to a render's workspaces (extensions/lockfile.py)."""

from __future__ import annotations

import json
from typing import Any

from extensions.lockfile import LOCK_DIR, _npm_order, cut_lock
from scripts.lock import record_tarball_urls
from tests.unit.fixture_templates import FIXTURES, RenderFixture

STORED = (FIXTURES / "lockfile/locks/node24.json").read_text(encoding="utf-8")


def cut(workspaces: list[str]) -> dict[str, Any]:
    return cut_lock(STORED, "@acme", "acme-hub", "Apache-2.0", workspaces)["packages"]


def test_placeholders_become_the_project_names() -> None:
    lock = cut_lock(STORED, "@acme", "acme-hub", "Apache-2.0", ["shared", "api"])
    assert lock["name"] == "acme-hub"
    assert lock["packages"][""]["name"] == "acme-hub"
    assert lock["packages"]["packages/api"]["dependencies"] == {"@acme/shared": "*", "logger": "^2.0.0"}
    assert lock["packages"]["node_modules/@acme/api"] == {"resolved": "packages/api", "link": True}
    assert "lockgen" not in json.dumps(lock)


def test_license_follows_the_answer() -> None:
    packages = cut(["shared", "api"])
    assert {packages[location]["license"] for location in ("", "packages/shared", "packages/api")} == {
        "Apache-2.0"
    }


def test_everything_is_kept_when_every_workspace_is() -> None:
    assert set(cut(["shared", "api", "web"])) == set(json.loads(STORED)["packages"]) - {
        "node_modules/@lockgen/api",
        "node_modules/@lockgen/shared",
        "node_modules/@lockgen/web",
        "node_modules/never-installed",
    } | {"node_modules/@acme/api", "node_modules/@acme/shared", "node_modules/@acme/web"}


def test_unchosen_workspace_and_what_only_it_needs_are_dropped() -> None:
    packages = cut(["shared", "api"])
    assert "packages/web" not in packages
    assert "node_modules/@acme/web" not in packages
    assert "packages/web/node_modules/colors" not in packages
    assert "node_modules/react" not in packages
    assert "node_modules/bundler" not in packages


def test_shared_third_party_packages_and_optional_ones_are_kept() -> None:
    packages = cut(["shared", "api"])
    for location in ("node_modules/logger", "node_modules/colors", "node_modules/native-speedup"):
        assert location in packages


def test_root_dev_tools_are_kept_but_their_own_dev_dependencies_are_not() -> None:
    packages = cut(["shared"])
    assert "node_modules/tool" in packages
    assert "node_modules/tool-helper" in packages
    assert "node_modules/never-installed" not in packages


def test_lock_is_rendered_through_copier(render_fixture: RenderFixture) -> None:
    out = render_fixture("lockfile", "lockfile.py", {"workspaces": ["shared", "web"]})
    text = (out / "package-lock.json").read_text(encoding="utf-8")
    assert text.endswith("}\n")
    packages = json.loads(text)["packages"]
    assert "packages/web" in packages
    assert "packages/api" not in packages
    assert "node_modules/react" in packages


def test_regenerated_locks_record_each_registry_tarball_where_npm_puts_it() -> None:
    lock = {
        "packages": {
            "": {"name": "lockgen"},
            "node_modules/@acme/api": {"resolved": "packages/api", "link": True},
            "node_modules/logger": {"version": "2.1.0", "integrity": "sha512-a", "license": "MIT"},
            "node_modules/@scope/tool": {"version": "1.0.0", "integrity": "sha512-b"},
            "node_modules/old": {"name": "logger", "version": "1.0.0", "integrity": "sha512-c"},
        }
    }
    packages = record_tarball_urls(lock)["packages"]
    assert packages["node_modules/@acme/api"] == {"resolved": "packages/api", "link": True}
    assert list(packages["node_modules/logger"]) == ["version", "resolved", "integrity", "license"]
    assert (
        packages["node_modules/logger"]["resolved"] == "https://registry.npmjs.org/logger/-/logger-2.1.0.tgz"
    )
    assert packages["node_modules/@scope/tool"]["resolved"] == (
        "https://registry.npmjs.org/@scope/tool/-/tool-1.0.0.tgz"
    )
    # An alias (`"old": "npm:logger@1"`) is fetched under the package's own name.
    assert packages["node_modules/old"]["resolved"] == "https://registry.npmjs.org/logger/-/logger-1.0.0.tgz"


def test_packages_are_in_the_order_npm_writes_them() -> None:
    # The stored locks are as npm wrote them: the key reproduces npm's order of their 592 locations,
    # where Python's own order of strings does not.
    for stored in sorted(LOCK_DIR.glob("node*.json")):
        locations = list(json.loads(stored.read_text(encoding="utf-8"))["packages"])
        assert sorted(locations, key=_npm_order) == locations
        assert sorted(locations) != locations
    # A scope that sorts elsewhere than the placeholder's: its links move to where npm puts them.
    for scope in ("@aaa", "@zzz"):
        lock = cut_lock(STORED, scope, "acme-hub", "MIT", ["shared", "api"])
        locations = list(lock["packages"])
        assert sorted(locations, key=_npm_order) == locations


def test_every_workspace_kept_gives_back_the_lock_npm_wrote() -> None:
    # Flags recomputed from the graph (dev, optional, devOptional, peer) and their places in each
    # entry are npm's own on the whole graph; tests/build checks smaller renders against npm.
    everything = ["shared", "auth-service", "core-service", "mcp-server", "frontend"]
    for stored in sorted(LOCK_DIR.glob("node*.json")):
        text = stored.read_text(encoding="utf-8")
        cut = cut_lock(text, "@lockgen", "lockgen", "MIT", everything)
        assert json.dumps(cut["packages"], indent=2) == json.dumps(json.loads(text)["packages"], indent=2)
