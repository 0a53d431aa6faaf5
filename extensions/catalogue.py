"""The facts the template, its extensions, scripts and tests share, each written once here: the
services, the supported Node.js majors with their pinned versions, and every pinned image.

copier.yml cannot import Python, so its `node_version` and `services` choices restate two of these
facts; tests/unit/test_catalogue.py fails when they drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str
    # Its port in development and inside containers; fixed, so that docs and gateway agree.
    port: int
    # Which services it cannot work without.
    requires: tuple[str, ...] = ()
    # Holds a PostgreSQL pool, owns a schema and ships migrations in its image.
    database: bool = False
    # A Node.js service under PM2 (the frontend is static files behind nginx).
    backend: bool = True
    # Secret files it reads beyond a database service's, as (variable holding the path, secret).
    secret_files: tuple[tuple[str, str], ...] = ()
    # Services it calls, as (variable holding the URL, service, path).
    calls: tuple[tuple[str, str, str], ...] = ()
    # One request through the gateway that shows it answers, and the status it gets: the smoke
    # test of scripts/deploy.sh after a release has switched.
    smoke: str = ""


# What every database service reads: its pool's URL, Redis's, and the CA that signed PostgreSQL's
# certificate (named in the URL's sslrootcert, so no variable points at it).
DATABASE_SECRET_FILES = (("DATABASE_URL_FILE", "database_url"), ("REDIS_URL_FILE", "redis_url"))
DATABASE_CA = "postgres_tls_crt"
# auth-service's public keys, which every other backend verifies tokens with.
JWKS = ("AUTH_JWKS_URL", "auth-service", "/.well-known/jwks.json")


# In the order services appear everywhere (scripts, Compose, docs): dependencies first.
# core-service verifies tokens through auth-service's JWKS, mcp-server's tools call core-service,
# and the frontend signs in and lists resources through both.
SERVICES = (
    Service(
        "auth-service",
        3001,
        database=True,
        secret_files=(("JWT_PRIVATE_KEY_FILE", "jwt_private_key"),),
        smoke="GET /api/auth/me 401",
    ),
    Service(
        "core-service",
        3002,
        requires=("auth-service",),
        database=True,
        calls=(JWKS,),
        smoke="GET /api/core/openapi.json 200",
    ),
    Service(
        "mcp-server",
        3003,
        requires=("core-service",),
        calls=(JWKS, ("CORE_SERVICE_URL", "core-service", "")),
        smoke="POST /mcp 401",
    ),
    Service("frontend", 5173, requires=("auth-service", "core-service"), backend=False, smoke="GET / 200"),
)
BY_NAME = {service.name: service for service in SERVICES}
SERVICE_NAMES = tuple(BY_NAME)
DATABASE_SERVICES = tuple(service.name for service in SERVICES if service.database)

# Each supported Node.js major and the exact version its base image pins. The first is the default.
NODE_VERSIONS = {24: "24.21.0", 22: "22.23.3"}

# Container images, pinned by full version. Bump them in a template release (the images' own
# Dependabot entries then keep projects current).
NGINX_IMAGE = "nginxinc/nginx-unprivileged:1.28.0-bookworm"
POSTGRES_IMAGE = "postgres:17.6-bookworm"
REDIS_IMAGE = "redis:7.4-bookworm"
# Log aggregation (the `log_aggregation` answer): VictoriaLogs stores and queries, Vector ships.
VICTORIALOGS_IMAGE = "victoriametrics/victoria-logs:v1.38.0"
VECTOR_IMAGE = "timberio/vector:0.50.0-debian"


def node_image(major: int) -> str:
    return f"node:{NODE_VERSIONS[major]}-bookworm-slim"
