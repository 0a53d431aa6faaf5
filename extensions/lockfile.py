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


def _edges(location: str, entry: dict[str, Any]) -> dict[str, str]:
    """Each dependency name of a package -> the kind of its edge, as npm's arborist loads them: a
    later field's edge replaces an earlier one's, and only the project and its workspaces have
    devDependencies installed."""
    kinds: dict[str, str] = {}
    optional_peers = entry.get("peerDependenciesMeta", {})
    for name in entry.get("peerDependencies", {}):
        kinds[name] = "peerOptional" if optional_peers.get(name, {}).get("optional") else "peer"
    kinds |= dict.fromkeys(entry.get("dependencies", {}), "prod")
    kinds |= dict.fromkeys(entry.get("optionalDependencies", {}), "optional")
    if "node_modules/" not in location:
        kinds |= dict.fromkeys(entry.get("devDependencies", {}), "dev")
    return kinds


_FLAGS = ("dev", "optional", "devOptional", "peer")


def _targets(packages: dict[str, Any], location: str) -> list[tuple[str, str]]:
    """Where each edge of a package leads (a link leads to its workspace), and the edge's kind."""
    entry = packages[location]
    if entry.get("link"):
        return [(entry["resolved"], "prod")]
    return [
        (found, kind)
        for name, kind in _edges(location, entry).items()
        if (found := resolve(packages, location, name)) is not None
    ]


def _installed(packages: dict[str, Any], roots: Iterable[str]) -> dict[str, set[str]]:
    """What npm installs from `roots` (the project, its workspaces and their links), each with the
    flags npm gives it (its calc-dep-flags). An optional peer dependency installs nothing by
    itself, but once installed it is reached through it too. A flag stays on a package until a
    path that is not of its kind reaches it."""
    edges = {location: _targets(packages, location) for location in roots}
    stack = list(roots)
    while stack:
        for target, kind in edges[stack.pop()]:
            if kind != "peerOptional" and target not in edges:
                edges[target] = _targets(packages, target)
                stack.append(target)
    flags = {location: set(_FLAGS) for location in edges} | {location: set() for location in roots}
    stack = list(roots)
    while stack:
        location = stack.pop()
        given = flags[location]
        for target, kind in edges[location]:
            if target not in edges:
                continue
            dev, optional = kind == "dev", kind in ("optional", "peerOptional")
            peer = kind in ("peer", "peerOptional")
            kept = {
                flag
                for flag in flags[target]
                if flag in given
                or (flag == "dev" and dev)
                or (flag == "optional" and optional)
                or (flag == "devOptional" and (dev or optional))
                or (flag == "peer" and peer)
            }
            if kept != flags[target]:
                flags[target] = kept
                stack.append(target)
    return flags


# The keys npm writes in alphabetical order after a package's identity (version, resolved,
# integrity), among which it puts the flags; the package's own fields follow, in its order.
_IDENTITY_KEYS = {"name", "version", "resolved", "integrity"}
_SORTED_KEYS = {
    "cpu",
    "dev",
    "devOptional",
    "funding",
    "hasInstallScript",
    "libc",
    "license",
    "optional",
    "os",
    "peer",
}


def _with_flags(entry: dict[str, Any], flags: set[str]) -> dict[str, Any]:
    """The entry with the flags npm writes for `flags`, where npm writes them."""
    written = flags & {"dev", "optional", "peer"}
    if "devOptional" in flags and not {"dev", "optional"} & flags:
        written.add("devOptional")
    items = [(key, value) for key, value in entry.items() if key not in _FLAGS]
    identity = 0
    while identity < len(items) and items[identity][0] in _IDENTITY_KEYS:
        identity += 1
    for flag in sorted(written):
        # The sorted run ends at the first key outside it, or at one out of alphabetical order
        # (a package's own `funding` after its `license`).
        end = identity
        while (
            end < len(items)
            and items[end][0] in _SORTED_KEYS
            and (end == identity or items[end - 1][0] < items[end][0])
        ):
            end += 1
        at = next((index for index in range(identity, end) if items[index][0] > flag), end)
        items.insert(at, (flag, True))
    return dict(items)


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
    installed = _installed(packages, [*present, *links])
    # The project's scope takes the placeholder's place, and not always its place in the order.
    lock["packages"] = {
        location: _with_flags(packages[location], installed[location])
        if "node_modules/" in location and not packages[location].get("link")
        else _sorted_dependencies(packages[location])
        for location in sorted(installed, key=_npm_order)
    }
    return lock


def _sorted_dependencies(entry: dict[str, Any]) -> dict[str, Any]:
    """The project's or a workspace's entry with its dependencies in npm's order: the project's
    scope moved its own packages' names."""
    return {
        key: dict(sorted(value.items(), key=lambda item: _npm_order(item[0])))
        if key in _DEPENDENCY_FIELDS
        else value
        for key, value in entry.items()
    }


def lock_text(lock: dict[str, Any]) -> str:
    """A lock as npm writes it: two-space JSON, characters unescaped, a final newline."""
    return json.dumps(lock, indent=2, ensure_ascii=False) + "\n"


def package_lock(node_major: int, scope: str, slug: str, license_id: str, workspaces: Iterable[str]) -> str:
    """The package-lock.json text for a render."""
    return lock_text(cut_lock(_stored_lock(int(node_major)), scope, slug, license_id, workspaces))


class LockfileExtension(Extension):
    """Registers `package_lock()` as a global of Copier's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["package_lock"] = package_lock
