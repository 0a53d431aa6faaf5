"""Derived values every template file can use, computed once from the answers."""

from __future__ import annotations

import re
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from copier_template_extensions import ContextHook

# Copier loads this module from its file, outside any package: the template's root goes on the
# path so that the catalogue imports the same way here as in the scripts and tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from extensions.catalogue import (
    BY_NAME,
    DATABASE_CA,
    DATABASE_SECRET_FILES,
    NGINX_IMAGE,
    NODE_VERSIONS,
    POSTGRES_IMAGE,
    REDIS_IMAGE,
    SERVICE_NAMES,
    VECTOR_IMAGE,
    VICTORIALOGS_IMAGE,
    node_image,
)

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@cache
def pinned_versions(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """Versions pinned in the template's dev dependencies, so rendered tooling uses the same ones."""
    pins = tomllib.loads(pyproject.read_text(encoding="utf-8"))["dependency-groups"]["dev"]
    return {match[1]: match[2] for pin in pins if (match := re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", pin))}


def derive(services: list[str]) -> dict[str, Any]:
    """Values that follow from the selected services."""
    chosen = [name for name in SERVICE_NAMES if name in services]
    return {
        "selected_services": chosen,
        "backend_services": [name for name in chosen if BY_NAME[name].backend],
        "workspaces": ["shared", *chosen],
        "service_ports": {name: BY_NAME[name].port for name in chosen},
        "smoke_checks": {name: BY_NAME[name].smoke for name in chosen},
        "backend_containers": [container(name) for name in chosen if BY_NAME[name].backend],
    }


def container(name: str) -> dict[str, Any]:
    """A backend as the production Compose file runs it, from the catalogue's facts: the secrets it
    reads and the variables that point at them, the URLs of the services it calls, its networks and
    what it waits for. Rendering each backend from this keeps the template free of per-name branches."""
    service = BY_NAME[name]
    files = (DATABASE_SECRET_FILES if service.database else ()) + service.secret_files
    environment = {variable: f"/run/secrets/{secret}" for variable, secret in files}
    environment.update(
        {
            variable: f"http://{callee}:{BY_NAME[callee].port}{path}"
            for variable, callee, path in service.calls
        }
    )
    return {
        "name": name,
        "port": service.port,
        "database": service.database,
        "networks": ["backend", "data"] if service.database else ["backend"],
        "environment": environment,
        "secrets": [secret for _, secret in files] + ([DATABASE_CA] if service.database else []),
        "depends_on": [*(("postgres", "redis") if service.database else ()), *service.requires],
        # The node image's unprivileged user, which the Dockerfiles run as: Swarm's secret files are its.
        "user": 1000,
    }


def database_name(project_slug: str) -> str:
    """The slug as an SQL identifier that needs no quoting (the slug allows no underscores)."""
    return project_slug.replace("-", "_")


def images(node_major: int) -> dict[str, str]:
    """Base images of the rendered Dockerfiles and Compose files."""
    return {
        "node_image": node_image(node_major),
        "nginx_image": NGINX_IMAGE,
        "postgres_image": POSTGRES_IMAGE,
        "redis_image": REDIS_IMAGE,
        "victorialogs_image": VICTORIALOGS_IMAGE,
        "vector_image": VECTOR_IMAGE,
    }


# Trivy's severities, lowest first: a scan fails on the answered one and every one above it.
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


def scan_severities(lowest: str) -> str:
    return ",".join(SEVERITIES[SEVERITIES.index(lowest) :])


class ContextUpdater(ContextHook):
    """Adds the derived values to the rendering context (in place, as the hook API asks)."""

    def hook(self, context: dict[str, Any]) -> None:
        if "services" in context:
            context.update(derive(list(context["services"])))
        if "project_slug" in context:
            # PostgreSQL's database, its superuser, and the prefix of its roles.
            context["database_name"] = database_name(str(context["project_slug"]))
        # An unsupported major is refused by the question's choices; nothing to derive for it.
        if int(context.get("node_version", 0)) in NODE_VERSIONS:
            context.update(images(int(context["node_version"])))
        if context.get("scan_severity") in SEVERITIES:
            context["scan_severities"] = scan_severities(str(context["scan_severity"]))
        pins = pinned_versions()
        context["copier_version"] = pins["copier"]
        context["copier_template_extensions_version"] = pins["copier-template-extensions"]
