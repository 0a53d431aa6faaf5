"""The derived values of extensions/context.py, as a function and through Copier."""

from __future__ import annotations

import json
import re
from pathlib import Path

from extensions.catalogue import SERVICES
from extensions.context import container, derive, images, pinned_versions
from tests.unit.fixture_templates import RenderFixture


def test_derive_orders_services_dependencies_first() -> None:
    derived = derive(["frontend", "mcp-server", "core-service", "auth-service"])
    assert derived["selected_services"] == ["auth-service", "core-service", "mcp-server", "frontend"]
    assert derived["backend_services"] == ["auth-service", "core-service", "mcp-server"]
    assert derived["workspaces"] == ["shared", "auth-service", "core-service", "mcp-server", "frontend"]


def test_derive_gives_ports_of_chosen_services_only() -> None:
    assert derive(["auth-service"])["service_ports"] == {"auth-service": 3001}


def test_ports_are_distinct() -> None:
    assert len({service.port for service in SERVICES}) == len(SERVICES)


def test_context_reaches_templates_through_copier(render_fixture: RenderFixture) -> None:
    out = render_fixture("context", "context.py")
    assert json.loads((out / "out.json").read_text(encoding="utf-8")) == {
        "selected": ["auth-service", "frontend"],
        "backend": ["auth-service"],
        "workspaces": ["shared", "auth-service", "frontend"],
        "ports": {"auth-service": 3001, "frontend": 5173},
        "copier": "1.2.3",
        "extensions": "4.5.6",
    }


def test_pinned_versions_read_exact_pins_only(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[dependency-groups]\ndev = ["a==1.0", "b>=2", "c-d==3.1.4"]\n', encoding="utf-8")
    assert pinned_versions(pyproject) == {"a": "1.0", "c-d": "3.1.4"}


def test_images_are_pinned_by_full_version_and_follow_the_node_major() -> None:
    for major in (24, 22):
        image = images(major)["node_image"]
        assert re.fullmatch(rf"node:{major}\.\d+\.\d+-bookworm-slim", image), image
    assert re.fullmatch(r"nginxinc/nginx-unprivileged:\d+\.\d+\.\d+-bookworm", images(24)["nginx_image"])


def test_each_backend_container_reads_the_secrets_its_variables_name() -> None:
    for name in ("auth-service", "core-service", "mcp-server"):
        backend = container(name)
        files = {
            value.removeprefix("/run/secrets/")
            for value in backend["environment"].values()
            if "/run/" in value
        }
        assert files <= set(backend["secrets"]), name
        assert ("data" in backend["networks"]) is backend["database"] is bool(files), name


def test_backend_containers_call_each_other_by_compose_name_and_wait_for_what_they_need() -> None:
    core, mcp = container("core-service"), container("mcp-server")
    assert core["environment"]["AUTH_JWKS_URL"] == "http://auth-service:3001/.well-known/jwks.json"
    assert mcp["environment"]["AUTH_JWKS_URL"] == core["environment"]["AUTH_JWKS_URL"]
    assert mcp["environment"]["CORE_SERVICE_URL"] == "http://core-service:3002"
    assert container("auth-service")["depends_on"] == ["postgres", "redis"]
    assert core["depends_on"] == ["postgres", "redis", "auth-service"]
    assert mcp["depends_on"] == ["core-service"]
    assert container("auth-service")["environment"]["JWT_PRIVATE_KEY_FILE"] == "/run/secrets/jwt_private_key"
