"""The derived values of extensions/context.py, as a function and through Copier."""

from __future__ import annotations

import json
from typing import Any

import pytest

from extensions.context import SERVICE_PORTS, derive

pytestmark = pytest.mark.unit


def test_derive_orders_services_dependencies_first() -> None:
    derived = derive(["frontend", "mcp-server", "core-service", "auth-service"])
    assert derived["selected_services"] == ["auth-service", "core-service", "mcp-server", "frontend"]
    assert derived["backend_services"] == ["auth-service", "core-service", "mcp-server"]
    assert derived["workspaces"] == ["shared", "auth-service", "core-service", "mcp-server", "frontend"]


def test_derive_gives_ports_of_chosen_services_only() -> None:
    assert derive(["auth-service"])["service_ports"] == {"auth-service": 3001}


def test_ports_are_distinct() -> None:
    assert len(set(SERVICE_PORTS.values())) == len(SERVICE_PORTS)


def test_context_reaches_templates_through_copier(render_fixture: Any) -> None:
    out = render_fixture("context", "context.py")
    assert json.loads((out / "out.json").read_text(encoding="utf-8")) == {
        "selected": ["auth-service", "frontend"],
        "backend": ["auth-service"],
        "workspaces": ["shared", "auth-service", "frontend"],
        "ports": {"auth-service": 3001, "frontend": 5173},
    }
