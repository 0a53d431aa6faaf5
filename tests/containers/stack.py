"""The production stack on the real engine, for the container tiers' tests: the images pushed,
the first deploy of docs/operations.md run in a copy of the render, and a client for the result."""

from __future__ import annotations

import json
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from extensions.catalogue import SERVICE_NAMES
from extensions.catalogue import SERVICES as CATALOGUE
from scripts.node_toolchain import CACHE_DIR
from tests.client import Load, Response, fetch
from tests.containers.images import IMAGE_REGISTRY, IMAGE_TAG, Images
from tests.engine import Engine
from tests.matrix import BASE_ANSWERS
from tests.project import recorded_answers
from tests.servers import parse_json_lines

# Figures the tier records for bench/containers.py.
SIZES = CACHE_DIR / "engine" / "image-sizes.json"
MEMORY = CACHE_DIR / "engine" / "container-memory.json"
DEPLOYS = CACHE_DIR / "engine" / "deploys.json"

DOMAIN = BASE_ANSWERS["domain"]
COMPOSE = ("compose", "-f", "docker-compose.prod.yml")
PASSWORD = "correct horse battery staple prod"  # noqa: S105 (a test account of a throwaway stack)
BACKENDS = tuple(service.name for service in CATALOGUE if service.backend)
STATEFUL = ("postgres", "redis")
# Every long-running service of a render with all services chosen.
RUNNING = ("gateway", *SERVICE_NAMES, *STATEFUL)


@dataclass
class Production:
    engine: Engine
    folder: Path
    https: str
    http: str
    context: ssl.SSLContext
    deploy_seconds: float
    # Service name -> the image tag the stack runs.
    images: dict[str, str]
    # The server's age identity, which scripts/secrets.sh decrypts with (outside the project).
    identity: Path

    @property
    def env(self) -> dict[str, str]:
        """The environment of the server's operator: the engine's Docker, and the identity."""
        return {**self.engine.env, "SECRETS_IDENTITY": str(self.identity)}

    @property
    def unlocked(self) -> Path:
        """Where scripts/secrets.sh unlocks the secrets for the containers (its default)."""
        return Path("/run") / recorded_answers(self.folder)["project_slug"] / "secrets"

    def secrets(self, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
        """scripts/secrets.sh as the operator runs it on the server, with `env` added."""
        return subprocess.run(
            ["scripts/secrets.sh", *arguments],
            cwd=self.folder,
            env=self.env | env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    def compose(
        self, *arguments: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        # The release comes from the .env file the first deploy wrote, as on the server.
        return self.engine.docker(*COMPOSE, *arguments, cwd=self.folder, check=check, timeout=timeout)

    def request(
        self, method: str, path: str, body: object | None = None, timeout: float = 10, **headers: str
    ) -> Response:
        data = None if body is None else json.dumps(body).encode()
        sent = {name.replace("_", "-"): value for name, value in headers.items()}
        if data is not None:
            sent["content-type"] = "application/json"
        return fetch(
            self.https + path,
            method,
            body=data,
            headers=sent,
            context=self.context,
            server_name=DOMAIN,
            timeout=timeout,
        )

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def inspect(self, service: str) -> dict[str, Any]:
        return json.loads(self.engine.docker("inspect", self.container(service)).stdout)[0]

    def exec(self, service: str, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.compose("exec", "-T", service, *command, check=check)

    def log_lines(self, service: str) -> list[dict[str, Any]]:
        return parse_json_lines(self.compose("logs", "--no-color", "--no-log-prefix", service).stdout)

    def sign_in(self, email: str) -> dict[str, str]:
        registered = self.request("POST", "/api/auth/register", {"email": email, "password": PASSWORD})
        assert registered.status == 201, registered.body
        reply = self.request("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
        assert reply.status == 200, reply.body
        return json.loads(reply.body)


def shell_block(document: Path, heading: str) -> list[str]:
    """The lines of the first `sh` block under the `## <heading>` of a Markdown document."""
    text = document.read_text(encoding="utf-8")
    [block] = re.findall(rf"## {re.escape(heading)}\n.*?```sh\n(.*?)```", text, flags=re.DOTALL)
    return block.splitlines()


def first_deploy_commands(operations: Path) -> str:
    """The "First deploy" block of docs/operations.md, with the two lines this machine must change
    named here: the registry is the engine's, and the real certificate is issued by the ops tier
    (against a local ACME CA), so the stack runs on the self-signed stand-in."""
    lines = shell_block(operations, "First deploy")
    release = [line for line in lines if line.endswith(">.env   # the release this server runs")]
    assert len(release) == 1, "the first deploy no longer records the registry and tag in .env"
    assert lines[-1].startswith("infra/certbot/issue.sh"), lines[-1]
    registry = recorded_answers(operations.parent.parent)["image_registry"]
    ours = release[0].replace(f"{registry} 1.0.0", f"{IMAGE_REGISTRY} {IMAGE_TAG}")
    assert ours != release[0], release[0]
    lines = [ours if line == release[0] else line for line in lines]
    return "\n".join(lines[:-1]) + "\n"


def push(engine: Engine, built: Images) -> None:
    """The render's images in the engine's registry, as CI pushes them, once a session."""
    if not built.pushed:
        for tag in built.tags.values():
            engine.docker("push", tag)
            # Pulled back by the deploy: nothing of the build stays on the "server".
            engine.docker("image", "rm", tag)
        built.pushed = True


def publish(
    production: Production, tag: str, folder: Path, change: dict[str, str] | None = None
) -> dict[str, str]:
    """A release `tag` in the registry: every image of the stack with a label on top, and for the
    services `change` names, that Dockerfile text as well. Returns each image's digest as the
    registry gives it (`sha256:...`)."""
    digests = {}
    for service, image in production.images.items():
        context = folder / f"{tag}-{service}"
        context.mkdir(parents=True)
        steps = [f"FROM {image}", f"LABEL org.opencontainers.image.version={tag}"]
        if change and service in change:
            user = production.engine.docker("image", "inspect", "--format", "{{.Config.User}}", image).stdout
            steps += ["USER 0", change[service], f"USER {user.strip()}"]
        (context / "Dockerfile").write_text("\n".join(steps) + "\n", encoding="utf-8")
        target = f"{image.rsplit(':', 1)[0]}:{tag}"
        production.engine.docker("build", "-t", target, context)
        production.engine.docker("push", target)
        pushed = production.engine.docker("image", "inspect", "--format", "{{index .RepoDigests 0}}", target)
        digests[service] = pushed.stdout.strip().rsplit("@", 1)[1]
    return digests


def run_first_deploy(
    engine: Engine, folder: Path, script: str, tags: dict[str, str], timeout: float = 900
) -> tuple[subprocess.CompletedProcess[str], Production]:
    """A first deploy's commands run in `folder` as the server's operator runs them (the age
    identity outside the project), and a client for the stack they bring up."""
    identity = folder.parent / "identity" / "secrets.key"
    started = time.monotonic()
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=folder,
        env={**engine.env, "SECRETS_IDENTITY": str(identity)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - started
    https, http = engine.forward(443), engine.forward(80)
    context = ssl.create_default_context(cafile=folder / "tls/fullchain.pem")
    stack = Production(
        engine,
        folder,
        f"https://127.0.0.1:{https}",
        f"http://127.0.0.1:{http}",
        context,
        seconds,
        tags,
        identity,
    )
    return ran, stack


@contextmanager
def deployed(
    engine: Engine, built: Images, folder: Path, adapt: Callable[[str], str] = lambda script: script
) -> Iterator[Production]:
    """The render's images pushed, the render copied to `folder` as the server's project, and the
    first deploy run there (`adapt` names what a test must change in it); taken down after."""
    push(engine, built)
    shutil.copytree(built.project, folder, ignore=shutil.ignore_patterns("node_modules", "dist", ".git"))
    script = adapt(first_deploy_commands(folder / "docs/operations.md"))
    ran, stack = run_first_deploy(engine, folder, script, built.tags)
    try:
        if ran.returncode != 0:
            states = stack.compose("ps", "-a", check=False).stdout
            logs = stack.compose("logs", "--tail", "30", check=False).stdout
            pytest.fail(f"the first deploy failed:\n{ran.stderr[-3000:]}\n{states}\n{logs[-6000:]}")
        yield stack
    finally:
        stack.compose("down", "-v", "--timeout", "20", check=False)
        shutil.rmtree(stack.unlocked.parent, ignore_errors=True)


def keep_figures(name: str, seconds: float | None, load: Load | None = None) -> None:
    """A deploy's figures for bench/containers.py: its seconds, and the requests sent and failed
    through the gateway meanwhile."""
    recorded = json.loads(DEPLOYS.read_text(encoding="utf-8")) if DEPLOYS.is_file() else {}
    recorded[name] = {
        "seconds": None if seconds is None else round(seconds),
        "requests": len(load.outcomes) if load else None,
        "failed": len(load.failures()) if load else None,
    }
    DEPLOYS.parent.mkdir(parents=True, exist_ok=True)
    DEPLOYS.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def healthy_services(production: Production) -> dict[str, str]:
    """Each running service and its health, as `docker compose ps` shows them."""
    shown = production.compose("ps", "--format", "json").stdout
    listed = [json.loads(line) for line in shown.splitlines() if line.startswith("{")]
    return {entry["Service"]: entry["Health"] for entry in listed}


def paced(production: Production, path: str, bearer: str, clients: int = 3, rate: float = 12.0) -> Load:
    """Paced GETs through the gateway, below the API's rate limit (20 r/s from one address, and
    every forwarded request comes from one); an answer may take up to 30 s."""
    return Load(
        lambda _: production.request("GET", path, timeout=30, authorization=bearer),
        clients=clients,
        rate=rate,
    )


def a_workspace(production: Production, email: str) -> tuple[str, str]:
    """A signed-in user's bearer and the path of a workspace of theirs."""
    tokens = production.sign_in(email)
    bearer = f"Bearer {tokens['accessToken']}"
    created = production.request("POST", "/api/core/workspaces", {"name": email}, authorization=bearer)
    assert created.status == 201, created.body
    return bearer, f"/api/core/workspaces/{json.loads(created.body)['id']}"
