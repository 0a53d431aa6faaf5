"""The rendered package-lock.json: one stored lock per Node major, cut down to the chosen services.

`scripts/lock.py` renders every service with placeholder names and lets npm resolve the whole
dependency graph once per Node major (`extensions/locks/node<major>.json`). Rendering then needs no
network: it renames the placeholders, drops the workspaces that were not chosen and prunes every
third-party package that nothing left can reach, so `npm ci` installs exactly what the render uses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

LOCK_DIR = Path(__file__).parent / "locks"
PLACEHOLDER_SLUG = "lockgen"
PLACEHOLDER_SCOPE = "@lockgen"
_DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


@cache
def _stored_lock(node_major: int) -> str:
    return (LOCK_DIR / f"node{node_major}.json").read_text(encoding="utf-8")


def resolve(packages: dict[str, Any], location: str, name: str) -> str | None:
    """Where Node finds `name` from `location`: the nearest node_modules folder up the tree."""
    parts = location.split("/") if location else []
    for depth in range(len(parts), -1, -1):
        candidate = "/".join([*parts[:depth], "node_modules", name])
        if candidate in packages:
            return candidate
    return None


def _workspace_of(location: str) -> str:
    """`packages/frontend` for the workspace itself and for anything nested under it."""
    return "/".join(location.split("/")[:2])


def _reachable(packages: dict[str, Any], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        location = stack.pop()
        if location in seen:
            continue
        seen.add(location)
        entry = packages[location]
        if entry.get("link"):
            stack.append(entry["resolved"])
            continue
        # devDependencies of third-party packages are never installed; only the project's own count.
        fields = (
            _DEPENDENCY_FIELDS
            if not location.startswith("node_modules/")
            else ("dependencies", "optionalDependencies", "peerDependencies")
        )
        for field in fields:
            for name in entry.get(field, {}):
                found = resolve(packages, location, name)
                if found is not None:
                    stack.append(found)
    return seen


# ICU's root collation order of the ASCII punctuation that can appear in a package's location; digits
# come after it, then letters. npm orders a lock's `packages` by `localeCompare` in English, that
# collation: with it, a render's lock is in the order npm would write it, so npm's next write of the
# lock moves nothing.
_PUNCTUATION = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"


def _npm_order(location: str) -> tuple[tuple[int, ...], tuple[bool, ...]]:
    """A sort key that orders locations as npm does: by character, then lowercase before capital."""
    weights = tuple(
        _PUNCTUATION.index(char)
        if char in _PUNCTUATION
        else 100 + int(char)
        if char.isdigit()
        else 200 + ord(char.lower())
        for char in location
    )
    return weights, tuple(char.isupper() for char in location)


def _rename(text: str, slug: str, scope: str) -> str:
    # The placeholders only occur as whole JSON strings or as the scope part of a package name.
    return (
        text.replace(f'"{PLACEHOLDER_SLUG}"', json.dumps(slug))
        .replace(f'"{PLACEHOLDER_SCOPE}/', f'"{scope}/')
        .replace(f"node_modules/{PLACEHOLDER_SCOPE}/", f"node_modules/{scope}/")
    )


def cut_lock(
    stored: str, scope: str, slug: str, license_id: str, workspaces: Iterable[str]
) -> dict[str, Any]:
    """The stored lock text renamed for this project and cut down to `workspaces`."""
    lock = json.loads(_rename(stored, slug, scope))
    packages: dict[str, Any] = lock["packages"]
    kept = {f"packages/{name}" for name in workspaces}
    dropped = {
        location
        for location, entry in packages.items()
        if (location.startswith("packages/") and _workspace_of(location) not in kept)
        or (entry.get("link") and entry["resolved"] not in kept)
    }
    for location in dropped:
        del packages[location]
    # A workspace missing from a stale stored lock is left for the render tests to report.
    present = [location for location in ("", *sorted(kept)) if location in packages]
    for location in present:
        packages[location]["license"] = license_id
    # npm links every workspace into node_modules, whether or not anything depends on it.
    links = [location for location, entry in packages.items() if entry.get("link")]
    reachable = _reachable(packages, [*present, *links])
    # The project's scope takes the placeholder's place, and not always its place in the order.
    lock["packages"] = {location: packages[location] for location in sorted(reachable, key=_npm_order)}
    return lock


def package_lock(node_major: int, scope: str, slug: str, license_id: str, workspaces: Iterable[str]) -> str:
    """The package-lock.json text for a render, ending with a newline as npm writes it."""
    lock = cut_lock(_stored_lock(int(node_major)), scope, slug, license_id, workspaces)
    return json.dumps(lock, indent=2, ensure_ascii=False) + "\n"


class LockfileExtension(Extension):
    """Registers `package_lock()` as a global of Copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["package_lock"] = package_lock
