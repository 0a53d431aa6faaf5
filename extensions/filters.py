"""Filters for copier.yml and the template: pure functions, and one registrar that knows Jinja.

The validation filters return the sentence a user reads when an answer is refused (Copier shows a
validator's rendered text as the error), or "" when the answer is valid.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension

# Copier loads this module from its file, outside any package: the template's root goes on the
# path so that the catalogue imports the same way here as in the scripts and tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from extensions.catalogue import BY_NAME, DATABASE_SERVICES, SERVICE_NAMES

# The connections kept out of every pool's reach: PostgreSQL's superuser_reserved_connections (3)
# plus migrations, backups and admin sessions.
RESERVED_CONNECTIONS = 10

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}$")
_GITHUB_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_REGISTRY = re.compile(r"^(ghcr\.io|docker\.io)/[a-z0-9]+([._-][a-z0-9]+)*$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def hostname_error(value: str) -> str:
    """Explain why `value` is not a public DNS name a certificate can be issued for."""
    allowed = (
        'The domain must be a lowercase public hostname such as "hub.example.com": at least two labels of '
        "letters, digits and inner dashes (1 to 63 characters each, 253 in all), with no scheme, port, "
        "path or trailing dot."
    )
    labels = value.split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return allowed
    if labels[-1].isdigit():
        return "The domain must be a hostname, not an IP address: certificates are issued for names."
    return ""


def email_error(value: str, label: str) -> str:
    """Explain why `value` is not an email address; `label` names the question in the sentence."""
    if _EMAIL.match(value):
        return ""
    return f'The {label} must be an address like "name@example.org".'


def github_repository_error(value: str) -> str:
    """Explain why `value` is not a GitHub repository as owner/name, or return ""."""
    owner, _, name = value.partition("/")
    if _GITHUB_OWNER.match(owner) and _GITHUB_NAME.match(name) and name not in (".", ".."):
        return ""
    return (
        'The GitHub repository must be "owner/name" (for example "acme/ai-hub"): an owner of 1 to 39 '
        "letters, digits and single inner dashes, and a name of 1 to 100 letters, digits, dots, dashes "
        "or underscores."
    )


def image_registry_error(value: str) -> str:
    """Explain why CI could not push to `value`, or return ""."""
    if _REGISTRY.match(value):
        return ""
    return (
        'The image registry must be "ghcr.io/<owner>" (GitHub\'s registry) or "docker.io/<namespace>" '
        "(Docker Hub), the owner or namespace in lowercase letters and digits, with single dots, dashes or "
        'underscores between them (for example "ghcr.io/acme").'
    )


def service_selection_error(services: Iterable[str]) -> str:
    """Explain why a selection of services cannot be rendered."""
    # Copier has already refused names outside the choices; only the combination is checked here.
    chosen = list(services)
    if not chosen:
        return f"Choose at least one service among {', '.join(SERVICE_NAMES)}."
    for name in chosen:
        missing = [needed for needed in BY_NAME[name].requires if needed not in chosen]
        if missing:
            return f"{name} needs {' and '.join(missing)}: add it to the services, or drop {name}."
    return ""


def range_error(value: int, label: str, low: int, high: int, *, unit: str = "", high_is: str = "") -> str:
    """Say which whole numbers `label` allows when `value` is not one of them, or return "".
    `high_is` names what the upper bound is when it comes from another answer."""
    if low <= value <= high:
        return ""
    bound = f"{high} {unit}".rstrip() + (f" ({high_is})" if high_is else "")
    return f"{label} must be a whole number from {low} to {bound}."


def database_holders(services: Iterable[str]) -> int:
    """How many of the chosen services hold a database pool."""
    return len([name for name in services if name in DATABASE_SERVICES])


def pool_budget_error(
    pool_max: int, instances: int, max_connections: int, services: Iterable[str], replicas: int = 1
) -> str:
    """Explain why pools of `pool_max` in `replicas` copies of each service would exceed PostgreSQL's
    max_connections, or return ""."""
    if pool_max < 1:
        return "The pool maximum must be at least 1."
    holders = database_holders(services)
    available = max_connections - RESERVED_CONNECTIONS
    needed = holders * replicas * instances * pool_max
    if needed <= available:
        return ""
    largest = available // (holders * replicas * instances)
    remedy = (
        f"lower the pool maximum to {largest} or less, or raise postgres_max_connections"
        if largest >= 1
        else "raise postgres_max_connections or use fewer PM2 instances"
    )
    copies = f" x {replicas} Swarm replicas" if replicas != 1 else ""
    return (
        f"{holders} service{'s' if holders != 1 else ''}{copies} x {instances} PM2 instances x a pool of "
        f"{pool_max} need {needed} connections, "
        f"more than max_connections {max_connections} minus {RESERVED_CONNECTIONS} reserved ({available}): "
        f"{remedy}."
    )


# More replicas than this of one service is a cluster that has outgrown one PostgreSQL server.
MAX_REPLICAS = 16


def replicas_within_budget(
    pool_max: int, instances: int, max_connections: int, services: Iterable[str]
) -> int:
    """The most Swarm replicas of every service whose pools fit max_connections (at least 1)."""
    holders = database_holders(services)
    if not holders:
        return MAX_REPLICAS
    fitting = (max_connections - RESERVED_CONNECTIONS) // (holders * instances * max(pool_max, 1))
    return max(1, min(MAX_REPLICAS, fitting))


def replica_budget_error(
    replicas: int, pool_max: int, instances: int, max_connections: int, services: Iterable[str]
) -> str:
    """Explain why `replicas` Swarm replicas of every service are not allowed, or return ""."""
    if out_of_range := range_error(replicas, "Swarm replicas", 1, MAX_REPLICAS):
        return out_of_range
    budget = pool_budget_error(pool_max, instances, max_connections, services, replicas)
    if not budget:
        return ""
    fitting = replicas_within_budget(pool_max, instances, max_connections, services)
    return f"{budget.removesuffix('.')}; or run at most {fitting} Swarm replica{'s' if fitting != 1 else ''}."


# Letters that Unicode does not decompose into an ASCII letter and marks, as they are usually
# written in ASCII (NFKD alone would drop them: "Ærø" would give "r").
TRANSLITERATIONS = str.maketrans(
    {"Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe", "ß": "ss", "Đ": "D", "đ": "d",
     "Ð": "D", "ð": "d", "Ł": "L", "ł": "l", "Þ": "TH", "þ": "th", "\u0131": "i"}
)  # fmt: skip


def slugify(value: str) -> str:
    """A package-safe name: ASCII lowercase letters and digits, words joined by single dashes."""
    decomposed = unicodedata.normalize("NFKD", value.translate(TRANSLITERATIONS))
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


# What each service gives the platform, for the default description.
OFFERINGS = {
    "auth-service": "authentication",
    "core-service": "a core API",
    "mcp-server": "an MCP server for AI agents",
    "frontend": "a web frontend",
}


def hub_description(services: list[str]) -> str:
    """The default one-line description, naming only the services chosen."""
    parts = [OFFERINGS[name] for name in OFFERINGS if name in services]
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"An AI hub with {listed}." if parts else "An AI hub."


def json_value(value: object) -> str:
    """`value` as JSON the way npm writes package.json: non-ASCII and `<`, `>`, `&` as themselves
    (Jinja's `tojson` escapes those for HTML)."""
    return json.dumps(value, ensure_ascii=False)


def js_string(value: str) -> str:
    """`value` as a JavaScript string literal quoted the way Prettier (singleQuote) would print it."""
    quote = '"' if value.count("'") > value.count('"') else "'"
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


class FiltersExtension(Extension):
    """Registers the filters, and the service facts templates test against, with Copier's Jinja."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["hostname_error"] = hostname_error
        environment.filters["email_error"] = email_error
        environment.filters["service_selection_error"] = service_selection_error
        environment.filters["github_repository_error"] = github_repository_error
        environment.filters["image_registry_error"] = image_registry_error
        environment.filters["js_string"] = js_string
        environment.filters["slugify"] = slugify
        environment.filters["hub_description"] = hub_description
        environment.filters["json_value"] = json_value
        environment.filters["pool_budget_error"] = pool_budget_error
        environment.filters["range_error"] = range_error
        environment.filters["replica_budget_error"] = replica_budget_error
        environment.filters["replicas_within_budget"] = replicas_within_budget
        # Which services hold database pools (and ship migrations in their images).
        environment.globals["database_services"] = DATABASE_SERVICES
        environment.globals["reserved_connections"] = RESERVED_CONNECTIONS
        environment.globals["max_replicas"] = MAX_REPLICAS
