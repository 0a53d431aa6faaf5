"""The filters of extensions/filters.py, as functions and through Copier."""

from __future__ import annotations

from typing import Any

import pytest

from extensions.filters import (
    MAX_REPLICAS,
    email_error,
    github_repository_error,
    hostname_error,
    hub_description,
    image_registry_error,
    js_string,
    json_value,
    range_error,
    replica_budget_error,
    replicas_within_budget,
    service_selection_error,
    slugify,
)
from tests.unit.fixture_templates import RenderFixture


@pytest.mark.parametrize("value", [1, 16, 32])
def test_range_accepts_its_bounds_and_between(value: int) -> None:
    assert range_error(value, "PM2 instances", 1, 32) == ""


def test_range_names_the_whole_numbers_it_allows() -> None:
    assert range_error(0, "PM2 instances", 1, 32) == "PM2 instances must be a whole number from 1 to 32."
    assert (
        range_error(8, "Redis memory", 16, 65536, unit="MiB")
        == "Redis memory must be a whole number from 16 to 65536 MiB."
    )
    assert (
        range_error(20, "The pool minimum", 0, 10, high_is="the pool maximum")
        == "The pool minimum must be a whole number from 0 to 10 (the pool maximum)."
    )


@pytest.mark.parametrize(
    "hostname", ["hub.example.com", "a.io", "x-1.y-2.example.co.uk", f"{'a' * 63}.example.com"]
)
def test_hostname_accepts_public_names(hostname: str) -> None:
    assert hostname_error(hostname) == ""


@pytest.mark.parametrize(
    "hostname",
    [
        "localhost",
        "Hub.example.com",
        "-hub.example.com",
        "hub-.example.com",
        "hub..example.com",
        "hub.example.com.",
        "hub_1.example.com",
        "https://hub.example.com",
        "hub.example.com/path",
        "hub.example.com:443",
        f"{'a' * 64}.example.com",
        ".".join(["abcdefghi"] * 26),
        "",
    ],
)
def test_hostname_refuses_what_cannot_get_a_certificate(hostname: str) -> None:
    assert "The domain must be a lowercase public hostname" in hostname_error(hostname)


def test_hostname_refuses_ip_addresses_with_their_own_sentence() -> None:
    assert hostname_error("10.0.0.1") == (
        "The domain must be a hostname, not an IP address: certificates are issued for names."
    )


@pytest.mark.parametrize("address", ["a@b.co", "first.last+tag@mail.example.org", "x_y%z@a-b.io"])
def test_email_accepts_addresses(address: str) -> None:
    assert email_error(address, "author email") == ""


@pytest.mark.parametrize("address", ["", "plain", "a@b", "a b@c.io", "@c.io", "a@.io", "a@c.i"])
def test_email_refusal_names_the_question(address: str) -> None:
    assert (
        email_error(address, "author email") == 'The author email must be an address like "name@example.org".'
    )


@pytest.mark.parametrize(
    ("services", "error"),
    [
        (["auth-service"], ""),
        (["auth-service", "core-service"], ""),
        (["auth-service", "core-service", "mcp-server", "frontend"], ""),
        ([], "Choose at least one service among auth-service, core-service, mcp-server, frontend."),
        (["core-service"], "core-service needs auth-service: add it to the services, or drop core-service."),
        (
            ["auth-service", "mcp-server"],
            "mcp-server needs core-service: add it to the services, or drop mcp-server.",
        ),
        (
            ["frontend"],
            "frontend needs auth-service and core-service: add it to the services, or drop frontend.",
        ),
    ],
)
def test_service_selection(services: list[str], error: str) -> None:
    assert service_selection_error(services) == error


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Smart AI Hub", "smart-ai-hub"),
        ("Café  Ünïcode!", "cafe-unicode"),
        ("  --Agents 2 Go--  ", "agents-2-go"),
        ("Ærø Ünïcode Hub", "aero-unicode-hub"),
        ("Łódź Straße Œuvre Þing", "lodz-strasse-oeuvre-thing"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("services", "description"),
    [
        (
            ["auth-service", "core-service", "mcp-server", "frontend"],
            "An AI hub with authentication, a core API, an MCP server for AI agents and a web frontend.",
        ),
        (["auth-service", "core-service"], "An AI hub with authentication and a core API."),
        (["auth-service"], "An AI hub with authentication."),
    ],
)
def test_the_default_description_names_the_services_chosen(services: list[str], description: str) -> None:
    assert hub_description(services) == description


def test_json_value_writes_what_npm_writes() -> None:
    assert json_value('Ada "Countess" <ada@acme.dev> & Æ') == '"Ada \\"Countess\\" <ada@acme.dev> & Æ"'


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain", "'plain'"),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ("it's \"both\" 'ways'", '"it\'s \\"both\\" \'ways\'"'),
        ("back\\slash", "'back\\\\slash'"),
    ],
)
def test_js_string_quotes_like_prettier(value: str, literal: str) -> None:
    assert js_string(value) == literal


def test_filters_work_inside_copier(render_fixture: RenderFixture) -> None:
    out = render_fixture("filters", "filters.py")
    assert (out / "out.txt").read_text(
        encoding="utf-8"
    ) == 'slug=cafe-agents-hub\nliteral="Café Agents\' Hub"\n'


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"domain": "localhost"}, "The domain must be a lowercase public hostname"),
        ({"email": "nobody"}, 'The contact email must be an address like "name@example.org".'),
        ({"services": ["mcp-server"]}, "mcp-server needs core-service"),
    ],
)
def test_validators_refuse_inside_copier(
    render_fixture: RenderFixture, answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render_fixture("filters", "filters.py", answers)


@pytest.mark.parametrize("repository", ["acme/ai-hub", "Acme-Labs/ai.hub", "a/b", f"{'a' * 39}/{'b' * 100}"])
def test_github_repository_accepts_owner_and_name(repository: str) -> None:
    assert github_repository_error(repository) == ""


@pytest.mark.parametrize(
    "repository",
    [
        "ai-hub",
        "acme/",
        "/hub",
        "-acme/hub",
        "acme-/hub",
        "acme--x/hub",
        "acme/a b",
        "acme/..",
        f"{'a' * 40}/hub",
    ],
)
def test_github_repository_refuses_what_github_would(repository: str) -> None:
    assert github_repository_error(repository).startswith('The GitHub repository must be "owner/name"')


@pytest.mark.parametrize("registry", ["ghcr.io/acme", "docker.io/acme-labs", "ghcr.io/a.b_c"])
def test_image_registry_accepts_ghcr_and_docker_hub(registry: str) -> None:
    assert image_registry_error(registry) == ""


@pytest.mark.parametrize(
    "registry",
    ["quay.io/acme", "ghcr.io", "ghcr.io/", "ghcr.io/Acme", "ghcr.io/acme/hub", "ghcr.io/-acme", "acme"],
)
def test_image_registry_refuses_what_ci_could_not_push_to(registry: str) -> None:
    assert image_registry_error(registry).startswith('The image registry must be "ghcr.io/<owner>"')


CORE = ["auth-service", "core-service"]


@pytest.mark.parametrize(
    ("pool_max", "instances", "max_connections", "services", "replicas"),
    [
        (10, 2, 100, CORE, 2),  # 2 x 2 x 2 x 10 = 80 of 90
        (5, 1, 20, CORE, 1),  # 2 x 1 x 1 x 5 = 10 of 10
        (1, 1, 5000, CORE, MAX_REPLICAS),  # the cap, not the budget
        (30, 8, 500, ["auth-service", "core-service", "mcp-server"], 1),  # mcp-server holds no pool
        (10, 2, 100, ["auth-service"], 4),  # one holder: 4 x 2 x 10 = 80
    ],
)
def test_the_replicas_within_budget_are_the_most_that_fit(
    pool_max: int, instances: int, max_connections: int, services: list[str], replicas: int
) -> None:
    assert replicas_within_budget(pool_max, instances, max_connections, services) == replicas
    assert replica_budget_error(replicas, pool_max, instances, max_connections, services) == ""
    if replicas < MAX_REPLICAS:
        refused = replica_budget_error(replicas + 1, pool_max, instances, max_connections, services)
        assert refused.endswith(f"or run at most {replicas} Swarm replica{'s' if replicas != 1 else ''}."), (
            refused
        )


def test_replicas_outside_their_range_are_refused_with_the_range() -> None:
    for replicas in (0, MAX_REPLICAS + 1):
        assert replica_budget_error(replicas, 10, 2, 100, CORE) == (
            f"Swarm replicas must be a whole number from 1 to {MAX_REPLICAS}."
        )
