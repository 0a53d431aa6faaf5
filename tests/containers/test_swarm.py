"""docker-stack.yml on the real engine in Swarm mode, brought up by the "First deploy on Swarm"
block of docs/scaling.md and released by scripts/swarm/deploy.sh, under a bounded load through
the gateway: every service converges to its replicas, the platform works through the gateway, a
release rolls over task by task without a failed request, and a release whose health check fails
is rolled back by Swarm itself, the old release serving throughout. Then a second server joins:
the services spread over both, and draining one moves its tasks without a failed request.

The second server is a second dockerd in a namespace of its own, joined to the first by a veth
pair (tests/engine.py's `link`): the Swarm runs on those two addresses alone. The overlay networks
run unencrypted here: this machine's kernel has no ESP (CONFIG_INET_ESP is not set), which
encrypted overlays between nodes need. tests/static/test_containers.py asserts that the rendered
file encrypts them."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.containers.images import IMAGE_REGISTRY, IMAGE_TAG, BuildImages
from tests.containers.stack import (
    Production,
    a_workspace,
    keep_figures,
    paced,
    publish,
    push,
    run_first_deploy,
    shell_block,
)
from tests.engine import LINK_ADDRESSES, Engine, link, running_engine
from tests.project import recorded_answers

pytestmark = pytest.mark.xdist_group("engine")

COMBINATION = "logs:none"
# The first node's address: its end of the link to the second.
NODE_ADDRESS = LINK_ADDRESSES[0]
SLUG = "acme-ai-hub"


def first_swarm_deploy(scaling: Path) -> str:
    """The "First deploy on Swarm" block of docs/scaling.md, with what this machine must change:
    the engine's registry, the node's address, and no certificate issuance (the ops tier issues
    one against a local ACME CA; the stack runs on the self-signed stand-in)."""
    lines = shell_block(scaling, "First deploy on Swarm")
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


def leave_swarm(engine: Engine, worker: Engine, slug: str) -> None:
    """The stack, its volumes and Swarm mode gone (a run killed before its teardown leaves them).
    Taken down at once, not task by task: nothing of it is kept."""
    for node in (worker, engine):
        node.docker("swarm", "leave", "--force", check=False)
        left = node.docker("ps", "-aq", "--filter", f"label=com.docker.stack.namespace={slug}", check=False)
        if left.stdout.split():
            node.docker("rm", "-f", "-v", *left.stdout.split(), check=False)
    engine.docker("volume", "rm", f"{slug}_postgres-data", f"{slug}_redis-data", check=False)


@pytest.fixture(scope="module")
def worker() -> Iterator[Engine]:
    """The second server: a dockerd of its own that pulls from the first one's registry."""
    with running_engine("swarm-worker", own_registry=False) as second:
        yield second


@pytest.fixture(scope="module")
def swarm(
    engine: Engine, worker: Engine, images: BuildImages, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Production]:
    built = images(COMBINATION)
    assert recorded_answers(built.project)["project_slug"] == SLUG
    leave_swarm(engine, worker, SLUG)
    push(engine, built)
    folder = tmp_path_factory.mktemp("swarm") / "platform"
    shutil.copytree(built.project, folder, ignore=shutil.ignore_patterns("node_modules", "dist", ".git"))
    stack_file = folder / "docker-stack.yml"
    encrypted = '    driver_opts:\n      encrypted: ""\n'
    assert stack_file.read_text(encoding="utf-8").count(encrypted) == 3
    stack_file.write_text(stack_file.read_text(encoding="utf-8").replace(encrypted, ""), encoding="utf-8")
    with link(engine, worker):
        ran, stack = run_first_deploy(
            engine, folder, first_swarm_deploy(folder / "docs/scaling.md"), built.tags, 1200
        )
        try:
            if ran.returncode != 0:
                listed = engine.docker("stack", "ps", "--no-trunc", SLUG, check=False).stdout
                pytest.fail(f"the first deploy on Swarm failed:\n{ran.stderr[-4000:]}\n{listed[-4000:]}")
            yield stack
        finally:
            leave_swarm(engine, worker, SLUG)
            shutil.rmtree(stack.unlocked.parent, ignore_errors=True)


def operate(swarm: Production, script: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """One of scripts/swarm/ run as the operator runs it on the manager."""
    return subprocess.run(
        [f"scripts/swarm/{script}", *arguments],
        cwd=swarm.folder,
        env=swarm.env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def services(swarm: Production) -> dict[str, str]:
    """Each service of the stack and its replicas, as `docker stack services` shows them."""
    shown = swarm.engine.docker("stack", "services", "--format", "{{.Name}} {{.Replicas}}", SLUG)
    return dict(line.removeprefix(f"{SLUG}_").split(" ", 1) for line in shown.stdout.splitlines())


def images_run(swarm: Production, service: str) -> set[str]:
    """The images the running tasks of a service run."""
    listed = swarm.engine.docker(
        "service",
        "ps",
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Image}}",
        f"{SLUG}_{service}",
    )
    return set(listed.stdout.split())


def digest_of(swarm: Production, service: str) -> str:
    spec = swarm.engine.docker(
        "service",
        "inspect",
        "--format",
        "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
        f"{SLUG}_{service}",
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
        deployed = operate(swarm, "deploy.sh", "1.1.0", "5eed5eed")
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
        failed = operate(swarm, "deploy.sh", "1.2.0")
    seconds = time.monotonic() - started
    assert failed.returncode == 1, failed.stderr
    assert "rolling back to 1.1.0" in failed.stderr
    assert len(load.outcomes) > 50
    assert load.failures() == []
    # The old release serves, everywhere: core-service by Swarm's rollback, the rest by the script's.
    assert digest_of(swarm, "core-service") == before != published["core-service"]
    assert record(swarm, "current")["tag"] == "1.1.0"
    assert swarm.request("GET", path, authorization=bearer).status == 200
    keep_figures("swarm broken release, the whole deploy", seconds, load)
    # Swarm's own rollback: from the stack deploy until the old tasks serve alone again.
    rolled_back = re.search(
        r"core-service: Swarm rolled it back, (\d+) s after the stack deploy", failed.stderr
    )
    assert rolled_back, failed.stderr
    keep_figures("swarm broken release, Swarm's rollback", int(rolled_back[1]))


def test_a_rollback_by_hand_goes_back_one_release_by_its_recorded_digests(swarm: Production) -> None:
    previous = record(swarm, "previous")
    bearer, path = a_workspace(swarm, "swarm-noether@acme.dev")
    with paced(swarm, path, bearer) as load:
        back = operate(swarm, "deploy.sh", "--rollback")
    assert back.returncode == 0, back.stderr
    assert load.failures() == []
    assert record(swarm, "current")["tag"] == previous["tag"] == IMAGE_TAG
    for service in recorded_answers(swarm.folder)["services"]:
        assert previous[f"digest.{service}"].endswith("@" + digest_of(swarm, service))
    keep_figures("swarm rollback by hand", None, load)


def test_scaling_keeps_the_connection_budget_and_fails_no_request(swarm: Production) -> None:
    # 2 pooled services x 2 PM2 workers x a pool of 10: 3 replicas of one and 2 of the other need 100.
    refused = operate(swarm, "scale.sh", "core-service", "3")
    assert refused.returncode == 1
    assert "would bring the database pools to 100 connections, more than the 90" in refused.stderr
    bearer, path = a_workspace(swarm, "swarm-hamilton@acme.dev")
    with paced(swarm, path, bearer) as load:
        for count in ("1", "2"):
            scaled = operate(swarm, "scale.sh", "core-service", count)
            assert scaled.returncode == 0, scaled.stderr
            assert services(swarm)["core-service"] == f"{count}/{count}"
    assert load.failures() == []
    assert (swarm.folder / ".deploy/replicas").read_text(encoding="utf-8") == "core-service=2\n"


def nodes_of(swarm: Production, service: str) -> list[str]:
    """The node of each running task of a service."""
    tasks = swarm.engine.docker(
        "service", "ps", "-q", "--filter", "desired-state=running", f"{SLUG}_{service}"
    )
    placed = swarm.engine.docker(
        "inspect", "--format", "{{.NodeID}} {{.Status.State}}", *tasks.stdout.split()
    )
    return sorted(line.split()[0] for line in placed.stdout.splitlines() if line.endswith(" running"))


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(2)


def test_two_nodes_share_the_services_and_draining_one_fails_no_request(
    swarm: Production, worker: Engine
) -> None:
    joined = operate(swarm, "node.sh", "join-command")
    assert joined.returncode == 0, joined.stderr
    command = shlex.split(joined.stdout.strip())
    assert command[:3] == ["docker", "swarm", "join"], joined.stdout
    # The second server advertises its own end of the link.
    worker.docker(*command[1:], "--advertise-addr", LINK_ADDRESSES[1])
    manager = swarm.engine.docker("info", "--format", "{{.Swarm.NodeID}}").stdout.strip()
    second = worker.docker("info", "--format", "{{.Swarm.NodeID}}").stdout.strip()
    released = recorded_answers(swarm.folder)["services"]
    replicas = recorded_answers(swarm.folder)["swarm_replicas"]
    bearer, path = a_workspace(swarm, "swarm-lovelace@acme.dev")
    # Swarm does not move running tasks to a new node: each service is updated again (start-first,
    # one task at a time), and the scheduler spreads the new tasks.
    with paced(swarm, path, bearer) as spreading:
        for service in released:
            swarm.engine.docker("service", "update", "--detach", "--force", "--quiet", f"{SLUG}_{service}")
        wait_for(
            lambda: all(nodes_of(swarm, service) == sorted([manager, second]) for service in released),
            "every service with a task on each node",
        )
    assert len(spreading.outcomes) > 50
    assert spreading.failures() == []
    # PostgreSQL, Redis and the gateway stay on the node labelled for them.
    for service in ("postgres", "redis", "gateway"):
        assert nodes_of(swarm, service) == [manager], service
    with paced(swarm, path, bearer) as draining:
        started = time.monotonic()
        swarm.engine.docker("node", "update", "--availability", "drain", second)
        wait_for(
            lambda: all(nodes_of(swarm, service) == [manager] * replicas for service in released),
            "every task back on the first node",
        )
        moved = time.monotonic() - started
    keep_figures("swarm two nodes, spread", None, spreading)
    keep_figures("swarm two nodes, drain", moved, draining)
    assert len(draining.outcomes) > 20
    assert draining.failures() == []
    assert swarm.request("GET", path, authorization=bearer).status == 200
