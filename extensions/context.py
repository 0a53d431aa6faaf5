"""Derived values every template file can use, computed once from the answers."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from copier_template_extensions import ContextHook

# The order services appear in everywhere (scripts, compose, docs): dependencies first.
SERVICE_ORDER = ("auth-service", "core-service", "mcp-server", "frontend")

# Each service's port in development and inside containers; fixed so that docs and gateway agree.
SERVICE_PORTS = {"auth-service": 3001, "core-service": 3002, "mcp-server": 3003, "frontend": 5173}


PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@cache
def pinned_versions(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """Versions pinned in the template's dev dependencies, so rendered tooling uses the same ones."""
    pins = tomllib.loads(pyproject.read_text(encoding="utf-8"))["dependency-groups"]["dev"]
    return dict(match.groups() for pin in pins if (match := re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", pin)))


def derive(services: list[str]) -> dict[str, Any]:
    """Values that follow from the selected services."""
    chosen = [name for name in SERVICE_ORDER if name in services]
    return {
        "selected_services": chosen,
        "backend_services": [name for name in chosen if name != "frontend"],
        "workspaces": ["shared", *chosen],
        "service_ports": {name: SERVICE_PORTS[name] for name in chosen},
    }


class ContextUpdater(ContextHook):
    """Adds the derived values to the rendering context (in place, as the hook API asks)."""

    def hook(self, context: dict[str, Any]) -> None:
        if "services" in context:
            context.update(derive(list(context["services"])))
        pins = pinned_versions()
        context["copier_version"] = pins["copier"]
        context["copier_template_extensions_version"] = pins["copier-template-extensions"]
