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


# Container base images, pinned by full version; the Node.js one follows the answered major. Bump
# them in a template release (the images' own Dependabot entries then keep projects current).
NODE_IMAGE_VERSIONS = {24: "24.21.0", 22: "22.23.3"}
NGINX_IMAGE = "nginxinc/nginx-unprivileged:1.28.0-bookworm"
POSTGRES_IMAGE = "postgres:17.6-bookworm"
REDIS_IMAGE = "redis:7.4-bookworm"
# Log aggregation (the `log_aggregation` answer): VictoriaLogs stores and queries, Vector ships.
VICTORIALOGS_IMAGE = "victoriametrics/victoria-logs:v1.38.0"
VECTOR_IMAGE = "timberio/vector:0.50.0-debian"

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


def images(node_major: int) -> dict[str, str]:
    """Base images of the rendered Dockerfiles and Compose files."""
    return {
        "node_image": f"node:{NODE_IMAGE_VERSIONS[node_major]}-bookworm-slim",
        "nginx_image": NGINX_IMAGE,
        "postgres_image": POSTGRES_IMAGE,
        "redis_image": REDIS_IMAGE,
        "victorialogs_image": VICTORIALOGS_IMAGE,
        "vector_image": VECTOR_IMAGE,
    }


class ContextUpdater(ContextHook):
    """Adds the derived values to the rendering context (in place, as the hook API asks)."""

    def hook(self, context: dict[str, Any]) -> None:
        if "services" in context:
            context.update(derive(list(context["services"])))
        # An unsupported major is refused by the question's choices; nothing to derive for it.
        if int(context.get("node_version", 0)) in NODE_IMAGE_VERSIONS:
            context.update(images(int(context["node_version"])))
        pins = pinned_versions()
        context["copier_version"] = pins["copier"]
        context["copier_template_extensions_version"] = pins["copier-template-extensions"]
