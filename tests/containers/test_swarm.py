"""docker-stack.yml on the real engine in Swarm mode, brought up by the "First deploy on Swarm"
block of docs/scaling.md and released by scripts/swarm/deploy.sh, under a bounded load through
the gateway: every service converges to its replicas, the platform works through the gateway, a
release rolls over task by task without a failed request, and a release whose health check fails
is rolled back by Swarm itself, the old release serving throughout.

One node: the engine's namespace gets an address of its own on a veth pair (Swarm advertises an
address other nodes could reach; the namespace's loopback is not one)."""

from __future__ import annotations

import json
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.containers.images import IMAGE_REGISTRY, IMAGE_TAG, BuildImages
from tests.containers.stack import Production, a_workspace, keep_figures, paced, publish, push
from tests.engine import Engine
from tests.project import recorded_answers

pytestmark = pytest.mark.xdist_group("engine")

COMBINATION = "logs:none"
# The node's own address, on a veth pair inside the engine's namespace.
NODE_ADDRESS = "10.99.0.1"


def first_swarm_deploy(scaling: Path) -> str:
    """The "First deploy on Swarm" block of docs/scaling.md, with what this machine must change:
    the engine's registry, the node's address, and no certificate issuance (the ops tier issues
    one against a local ACME CA; the stack runs on the self-signed stand-in)."""
    text = scaling.read_text(encoding="utf-8")
    [block] = re.findall(r"## First deploy on Swarm\n.*?```sh\n(.*?)```", text, flags=re.DOTALL)
    lines = block.splitlines()
    assert lines[-1].startswith("infra/certbot/issue.sh"), lines[-1]
    registry = recorded_answers(scaling.parent.parent)["image_registry"]
    script = "\n".join(lines[:-1]) + "\n"
    for written, ours in (
        (f"IMAGE_REGISTRY=%s\\n' {registry}", f"IMAGE_REGISTRY=%s\\n' {IMAGE_REGISTRY}"),
        ("<private address of this server>", NODE_ADDRESS),
        ("scripts/swarm/deploy.sh 1.0.0", f"scripts/swarm/deploy.sh {IMAGE_TAG}"),
    ):
        assert written in script, written
        script = script.replace(written, ours)
    return script


def node_address(engine: Engine, up: bool) -> None:
    """The node's address on a veth pair inside the engine's namespace, or gone."""
    commands = (
        [("ip", "link", "add", "swarm0", "type", "veth", "peer", "name", "swarm1"),
         ("ip", "address", "add", f"{NODE_ADDRESS}/24", "dev", "swarm0"),
         ("ip", "link", "set", "swarm0", "up"),
         ("ip", "link", "set", "swarm1", "up")]
        if up
        else [("ip", "link", "delete", "swarm0")]
    )  # fmt: skip
    for command in commands:
        subprocess.run(engine.inside(*command), check=up, capture_output=True)


def leave_swarm(engine: Engine, slug: str) -> None:
    """The stack, its volumes and Swarm mode gone (a run killed before its teardown leaves them)."""
    engine.docker("stack", "rm", slug, check=False)
    deadline = time.monotonic() + 120
    while (
        time.monotonic() < deadline
        and engine.docker(
            "ps", "-aq", "--filter", f"label=com.docker.stack.namespace={slug}", check=False
        ).stdout.strip()
    ):
        time.sleep(1)
    engine.docker("swarm", "leave", "--force", check=False)
    engine.docker("volume", "rm", f"{slug}_postgres-data", f"{slug}_redis-data", check=False)
    node_address(engine, up=False)


@pytest.fixture(scope="module")
def swarm(
    engine: Engine, images: BuildImages, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Production]:
    built = images(COMBINATION)
    slug = recorded_answers(built.project)["project_slug"]
    leave_swarm(engine, slug)
    push(engine, built)
    folder = tmp_path_factory.mktemp("swarm") / "platform"
    shutil.copytree(built.project, folder, ignore=shutil.ignore_patterns("node_modules", "dist", ".git"))
    identity = folder.parent / "identity" / "secrets.key"
    node_address(engine, up=True)
    started = time.monotonic()
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", first_swarm_deploy(folder / "docs/scaling.md")],
        cwd=folder,
        env={**engine.env, "SECRETS_IDENTITY": str(identity)},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    stack = Production(
        engine,
        folder,
        f"https://127.0.0.1:{engine.forward(443)}",
        f"http://127.0.0.1:{engine.forward(80)}",
        ssl.create_default_context(cafile=folder / "tls/fullchain.pem"),
        time.monotonic() - started,
        built.tags,
        identity,
    )
    try:
        if ran.returncode != 0:
            listed = engine.docker("stack", "ps", "--no-trunc", slug, check=False).stdout
            pytest.fail(f"the first deploy on Swarm failed:\n{ran.stderr[-4000:]}\n{listed[-4000:]}")
        yield stack
    finally:
        leave_swarm(engine, slug)
        shutil.rmtree(stack.unlocked.parent, ignore_errors=True)


def swarm_deploy(swarm: Production, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["scripts/swarm/deploy.sh", *arguments],
        cwd=swarm.folder,
        env=swarm.env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def services(swarm: Production) -> dict[str, str]:
    """Each service of the stack and its replicas, as `docker stack services` shows them."""
    shown = swarm.engine.docker("stack", "services", "--format", "{{.Name}} {{.Replicas}}", "acme-ai-hub")
    return dict(line.removeprefix("acme-ai-hub_").split(" ", 1) for line in shown.stdout.splitlines())


def images_run(swarm: Production, service: str) -> set[str]:
    """The images the running tasks of a service run."""
    listed = swarm.engine.docker(
        "service",
        "ps",
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Image}}",
        f"acme-ai-hub_{service}",
    )
    return set(listed.stdout.split())


def digest_of(swarm: Production, service: str) -> str:
    spec = swarm.engine.docker(
        "service",
        "inspect",
        "--format",
        "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
        f"acme-ai-hub_{service}",
    )
    return spec.stdout.strip().rsplit("@", 1)[1]


def record(swarm: Production, name: str) -> dict[str, str]:
    text = (swarm.folder / ".deploy" / name).read_text(encoding="utf-8")
    return dict(line.split("=", 1) for line in text.splitlines())


def test_every_service_converges_and_the_platform_answers_through_the_gateway(swarm: Production) -> None:
    replicas = recorded_answers(swarm.folder)["swarm_replicas"]
    answers = recorded_answers(swarm.folder)
    expected = {name: f"{replicas}/{replicas}" for name in answers["services"]}
    expected |= {"gateway": "1/1", "postgres": "1/1", "redis": "1/1"}
    assert services(swarm) == expected
    # The migrations ran as a job, which is gone; the release is recorded by digest.
    current = record(swarm, "current")
    assert current["tag"] == IMAGE_TAG
    for service in answers["services"]:
        assert current[f"digest.{service}"].endswith("@" + digest_of(swarm, service))
        # Each task runs the recorded digest: every node would run the same bytes.
        assert images_run(swarm, service) == {current[f"digest.{service}"]}
    bearer, path = a_workspace(swarm, "swarm-ada@acme.dev")
    read = swarm.request("GET", path, authorization=bearer)
    assert read.status == 200, read.body
    assert swarm.request("GET", "/api/auth/me", authorization=bearer).status == 200
    assert swarm.request("GET", "/").status == 200


def test_a_rolling_update_under_load_fails_no_request(swarm: Production, tmp_path: Path) -> None:
    published = publish(swarm, "1.1.0", tmp_path)
    bearer, path = a_workspace(swarm, "swarm-grace@acme.dev")
    started = time.monotonic()
    with paced(swarm, path, bearer) as load:
        deployed = swarm_deploy(swarm, "1.1.0", "5eed5eed")
    seconds = time.monotonic() - started
    assert deployed.returncode == 0, deployed.stderr
    assert len(load.outcomes) > 50
    assert load.failures() == []
    for service, digest in published.items():
        assert digest_of(swarm, service) == digest
    assert (record(swarm, "current")["tag"], record(swarm, "previous")["tag"]) == ("1.1.0", IMAGE_TAG)
    keep_figures("swarm rolling update", seconds, load)


def test_a_broken_release_is_rolled_back_by_swarm_with_no_failed_request(
    swarm: Production, tmp_path: Path
) -> None:
    # core-service's process runs but never listens: its health check cannot pass.
    published = publish(
        swarm, "1.2.0", tmp_path, {"core-service": 'CMD ["node", "-e", "setInterval(() => {}, 1000)"]'}
    )
    before = digest_of(swarm, "core-service")
    bearer, path = a_workspace(swarm, "swarm-hopper@acme.dev")
    started = time.monotonic()
    with paced(swarm, path, bearer) as load:
        failed = swarm_deploy(swarm, "1.2.0")
    seconds = time.monotonic() - started
    assert failed.returncode == 1, failed.stderr
    assert "core-service: Swarm rolled it back" in failed.stderr
    assert "rolling back to 1.1.0" in failed.stderr
    assert len(load.outcomes) > 50
    assert load.failures() == []
    # The old release serves, everywhere: core-service by Swarm's rollback, the rest by the script's.
    assert digest_of(swarm, "core-service") == before != published["core-service"]
    assert record(swarm, "current")["tag"] == "1.1.0"
    assert swarm.request("GET", path, authorization=bearer).status == 200
    keep_figures("swarm broken release, the whole deploy", seconds, load)
    # Swarm's own rollback: from the update's start until the old tasks serve alone again.
    status = json.loads(
        swarm.engine.docker(
            "service", "inspect", "--format", "{{json .UpdateStatus}}", "acme-ai-hub_core-service"
        ).stdout
    )
    assert status["State"] == "rollback_completed", status
    rolled_back = datetime.fromisoformat(status["CompletedAt"]) - datetime.fromisoformat(status["StartedAt"])
    keep_figures("swarm broken release, Swarm's rollback", rolled_back.total_seconds())
