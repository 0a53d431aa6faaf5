"""The answer matrix as data: what every render test runs over.

`SUPPORTED_COMBINATIONS` are small overrides of `BASE_ANSWERS`, each with a readable id; every one
must render, and the build tier builds the named ones. `UNSUPPORTED_COMBINATIONS` must be refused,
each with the sentence (a fragment of it) that tells the user what is allowed.
"""

from __future__ import annotations

import os
from typing import Any

BASE_ANSWERS: dict[str, Any] = {
    "project_name": "Acme AI Hub",
    "author_name": "Acme Platform Team",
    "author_email": "platform@acme.dev",
    "domain": "hub.acme.dev",
}

SUPPORTED_COMBINATIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "node:22": {"node_version": 22},
    "services:no-frontend-no-mcp": {"services": ["auth-service", "core-service"]},
    "services:auth-only": {"services": ["auth-service"]},
    "services:no-frontend": {"services": ["auth-service", "core-service", "mcp-server"]},
    "services:no-mcp": {"services": ["auth-service", "core-service", "frontend"]},
    "license:Apache-2.0": {"license": "Apache-2.0"},
    "license:UNLICENSED": {"license": "UNLICENSED"},
    "scope:custom": {"npm_scope": "@acme-labs", "project_slug": "acme-platform"},
    "name:quotes": {"project_name": 'O\'Brien "Agents" Hub', "description": "It's the agents' hub."},
    "description:long": {"description": "A platform " + "for agents and their humans, " * 6 + "with care."},
    "domain:deep": {"domain": "ai.eu-west.platform.acme-corp.co.uk"},
    "capacity:large": {
        "pm2_instances": 8,
        "postgres_max_connections": 500,
        "db_pool_max": 30,
        "db_pool_min": 5,
        "postgres_memory_mb": 16384,
        "postgres_cpus": 8,
        "postgres_storage": "hdd",
    },
    "logs:none": {"log_aggregation": "none"},
    "swarm:4-replicas": {"swarm_replicas": 4, "postgres_max_connections": 200},
    "registry:dockerhub": {
        "github_repository": "Acme-Labs/ai.hub",
        "image_registry": "docker.io/acmelabs",
        "scan_severity": "CRITICAL",
    },
    "capacity:single": {
        "pm2_instances": 1,
        "postgres_max_connections": 20,
        "db_pool_max": 5,
        "db_pool_min": 0,
        "postgres_memory_mb": 1024,
        "postgres_cpus": 1,
    },
}

# The renders the build tier installs, builds and tests with the real toolchain. CI on GitHub runs one
# job per combination, naming it in SAH_BUILD_COMBINATIONS (comma-separated).
BUILD_COMBINATIONS = os.environ.get(
    "SAH_BUILD_COMBINATIONS", "defaults,services:no-frontend-no-mcp,node:22"
).split(",")

UNSUPPORTED_COMBINATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "slug:uppercase": ({"project_slug": "Acme-Hub"}, "lowercase letters, digits and single dashes"),
    "slug:leading-digit": ({"project_slug": "9hub"}, "starting with a letter"),
    "slug:underscore": ({"project_slug": "acme_hub"}, "lowercase letters, digits and single dashes"),
    "slug:trailing-dash": ({"project_slug": "acme-"}, "not ending with a dash"),
    "slug:too-long": ({"project_slug": "a" * 51}, "2 to 50 characters"),
    "slug:one-letter": ({"project_slug": "a"}, "2 to 50 characters"),
    "name:empty": ({"project_name": "  "}, "project name must not be empty"),
    "scope:no-at": ({"npm_scope": "acme"}, 'npm scope must be "@" followed by'),
    "scope:uppercase": ({"npm_scope": "@Acme"}, "lowercase letters, digits"),
    "scope:with-slash": ({"npm_scope": "@acme/hub"}, 'npm scope must be "@" followed by'),
    "description:multiline": ({"description": "one\ntwo"}, "description must be one non-empty line"),
    "author:empty": ({"author_name": ""}, "author name must not be empty"),
    "email:no-at": ({"author_email": "platform.acme.dev"}, "author email must be an address like"),
    "email:space": ({"author_email": "plat form@acme.dev"}, "author email must be an address like"),
    "le-email:bad": ({"letsencrypt_email": "ops@localhost"}, "Let's Encrypt email must be an address like"),
    "license:unknown": ({"license": "GPL-3.0"}, "'GPL-3.0' is not in ['MIT', 'Apache-2.0', 'UNLICENSED']"),
    "node:20": ({"node_version": 20}, "20 is not in [24, 22]"),
    "services:empty": ({"services": []}, "Choose at least one service"),
    "services:unknown": ({"services": ["auth-service", "billing"]}, "'billing' is not in"),
    "services:mcp-without-core": (
        {"services": ["auth-service", "mcp-server"]},
        "mcp-server needs core-service: add it to the services, or drop mcp-server.",
    ),
    "services:core-without-auth": ({"services": ["core-service"]}, "core-service needs auth-service"),
    "services:frontend-alone": ({"services": ["frontend"]}, "frontend needs auth-service and core-service"),
    "domain:single-label": ({"domain": "localhost"}, "at least two labels"),
    "domain:scheme": ({"domain": "https://hub.acme.dev"}, "with no scheme, port, path or trailing dot"),
    "domain:port": ({"domain": "hub.acme.dev:8443"}, "with no scheme, port, path or trailing dot"),
    "domain:uppercase": ({"domain": "Hub.Acme.dev"}, "lowercase public hostname"),
    "domain:trailing-dot": ({"domain": "hub.acme.dev."}, "no scheme, port, path or trailing dot"),
    "domain:ip": ({"domain": "192.168.1.10"}, "not an IP address"),
    "domain:label-too-long": ({"domain": "a" * 64 + ".acme.dev"}, "1 to 63 characters each"),
    # The seed's "max 100" pool: 2 services x 2 instances x 100 would need 400 of 100 connections.
    "pool:seed-max-100": (
        {"db_pool_max": 100},
        "2 services x 2 PM2 instances x a pool of 100 need 400 connections, more than max_connections 100 "
        "minus 10 reserved (90): lower the pool maximum to 22 or less",
    ),
    "pool:too-many-instances": (
        {"pm2_instances": 32, "postgres_max_connections": 20},
        "raise postgres_max_connections or use fewer PM2 instances",
    ),
    "pool:min-above-max": (
        {"db_pool_min": 20},
        "pool minimum must be a whole number from 0 to 10 (the pool maximum).",
    ),
    # Swarm replicas share the budget too: 2 services x 3 replicas x 2 instances x 10.
    "swarm:over-budget": (
        {"swarm_replicas": 3},
        "2 services x 3 Swarm replicas x 2 PM2 instances x a pool of 10 need 120 connections, more than "
        "max_connections 100 minus 10 reserved (90): lower the pool maximum to 7 or less, or raise "
        "postgres_max_connections; or run at most 2 Swarm replicas.",
    ),
    "swarm:none": ({"swarm_replicas": 0}, "Swarm replicas must be a whole number from 1 to 16."),
    "pm2:zero": ({"pm2_instances": 0}, "PM2 instances must be a whole number from 1 to 32."),
    "postgres:tiny": (
        {"postgres_max_connections": 5},
        "max_connections must be a whole number from 20 to 5000.",
    ),
    "redis:tiny": ({"redis_maxmemory_mb": 8}, "Redis memory must be a whole number from 16 to 65536 MiB."),
    "postgres:little-memory": (
        {"postgres_memory_mb": 512},
        "PostgreSQL memory must be a whole number from 1024 to 1048576 MiB.",
    ),
    "postgres:no-cpu": ({"postgres_cpus": 0}, "CPU cores must be a whole number from 1 to 256."),
    "logs:unknown": ({"log_aggregation": "loki"}, "'loki' is not in ['victorialogs', 'none']"),
    "repository:no-owner": ({"github_repository": "ai-hub"}, 'GitHub repository must be "owner/name"'),
    "repository:double-dash": ({"github_repository": "acme--labs/hub"}, "single inner dashes"),
    "registry:quay": ({"image_registry": "quay.io/acme"}, '"ghcr.io/<owner>" (GitHub\'s registry) or'),
    "registry:uppercase": ({"image_registry": "ghcr.io/Acme"}, "lowercase letters and digits"),
    "scan:unknown": ({"scan_severity": "LOW"}, "'LOW' is not in ['CRITICAL', 'HIGH', 'MEDIUM']"),
    "postgres:tape": ({"postgres_storage": "tape"}, "'tape' is not in ['ssd', 'hdd']"),
}


def answers_for(combination: str) -> dict[str, Any]:
    """The answers of a named combination: the base answers with its own on top."""
    return {**BASE_ANSWERS, **SUPPORTED_COMBINATIONS[combination]}
