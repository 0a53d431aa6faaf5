"""scripts/deploy.sh and scripts/rollback.sh on the real engine, run as an operator or the deploy
workflow would run them on the server, under a bounded load through the gateway: releases switch
without a failed request, a release that never gets healthy or fails the smoke test is rolled
back by itself, a failed migration switches nothing, and the refusals change nothing. The deploy
workflow's way in, scripts/remote-deploy.sh over SSH, deploys the same way.

Releases are the stack's images with a label on top (the "broken" ones change one thing each),
pushed to the engine's registry under their own tags, as CI would push a commit's images."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.channels import Channels, channels
from tests.client import Load
from tests.containers.images import BuildImages
from tests.containers.stack import (
    BACKENDS,
    PASSWORD,
    Production,
    a_workspace,
    deployed,
    healthy_services,
    keep_figures,
    paced,
    publish,
)
from tests.engine import DOCKER_SETTINGS, Engine
from tests.servers import SshServer, sshd

pytestmark = pytest.mark.xdist_group("engine")

COMBINATION = "logs:none"
# Every service a release replaces, in the order deploy.sh switches them.
RELEASED = (*BACKENDS, "frontend")


@pytest.fixture(scope="module")
def production(
    engine: Engine, images: BuildImages, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Production]:
    with deployed(engine, images(COMBINATION), tmp_path_factory.mktemp("deploys") / "platform") as stack:
        yield stack


RUN_URL = "https://github.com/acme/acme-ai-hub/actions/runs/1"


@pytest.fixture(scope="module")
def notified(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channels]:
    with channels(tmp_path_factory.mktemp("channels")) as found:
        yield found


def deploy(
    production: Production,
    *arguments: str,
    script: str = "deploy.sh",
    notify: Channels | None = None,
    health_timeout: int = 120,
) -> subprocess.CompletedProcess[str]:
    env = {
        **production.engine.env,
        "DEPLOY_HEALTH_TIMEOUT": str(health_timeout),
        "DEPLOY_DRAIN_SECONDS": "15",
    }
    if notify:
        env |= {
            "DEPLOY_SLACK_WEBHOOK_URL": f"{notify.webhook}/slack",
            "DEPLOY_DISCORD_WEBHOOK_URL": f"{notify.webhook}/discord",
            "DEPLOY_SMTP_URL": notify.smtp,
            "DEPLOY_EMAIL_FROM": "deploys@acme.dev",
            "DEPLOY_EMAIL_TO": "platform@acme.dev",
            "DEPLOY_RUN_URL": RUN_URL,
            # curl, which sends the mail, trusts the SMTP server's authority.
            "CURL_CA_BUNDLE": str(notify.ca),
        }
    return subprocess.run(
        [f"scripts/{script}", *arguments],
        cwd=production.folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def running_tags(production: Production) -> dict[str, str]:
    """The tag of the image each released service's containers run (one container each)."""
    tags = {}
    for service in RELEASED:
        [container] = production.compose("ps", "-q", service).stdout.split()
        image = production.engine.docker("inspect", "--format", "{{.Config.Image}}", container).stdout
        tags[service] = image.strip().rsplit(":", 1)[1]
    return tags


def record(production: Production, name: str) -> dict[str, str]:
    text = (production.folder / ".deploy" / name).read_text(encoding="utf-8")
    return dict(line.split("=", 1) for line in text.splitlines())


def audit(production: Production) -> list[str]:
    return (production.folder / ".deploy/audit.log").read_text(encoding="utf-8").splitlines()


def figures(name: str, production: Production, load: Load | None = None) -> None:
    """A deploy's figures: its seconds (deploy.sh's audit line), and the requests sent and failed
    through the gateway meanwhile."""
    line = audit(production)[-1]
    keep_figures(name, int(line.rsplit("seconds=", 1)[1]) if "seconds=" in line else None, load)


def gateway_trouble(production: Production) -> str:
    """The gateway's log lines that are not a successful request: its errors and warnings, and
    every answer that was not 2xx, with the upstreams it tried."""
    lines = production.compose("logs", "--no-log-prefix", "gateway").stdout.splitlines()
    return "\n".join(line for line in lines if '"statusCode":2' not in line)


def announced(notify: Channels, subject: str, *said: str) -> None:
    """One message on each channel since the last look, each with the subject and what it says."""
    posts, mails = notify.take()
    assert [path for path, _ in posts] == ["/slack", "/discord"]
    texts = [posts[0][1]["text"], posts[1][1]["content"]]
    [mail] = mails
    assert (mail["subject"], mail["from"], mail["to"]) == (subject, "deploys@acme.dev", "platform@acme.dev")
    texts.append(mail.get_content())
    for text in texts:
        assert text.startswith(subject), text
        assert all(part in text for part in (*said, f"Run: {RUN_URL}")), text


def test_a_release_switches_every_service_without_a_failed_request(
    production: Production, notified: Channels, tmp_path: Path
) -> None:
    publish(production, "2.0.0", tmp_path)
    before = running_tags(production)
    bearer, path = a_workspace(production, "deploy-ada@acme.dev")
    # core-service's API, auth-service's (under its stricter limit) and the SPA, all at once.
    with (
        paced(production, path, bearer) as load,
        paced(production, "/api/auth/me", bearer, clients=1, rate=3) as auth,
        paced(production, "/", bearer, clients=1, rate=4) as spa,
    ):
        notified.take()  # only what this deploy sends
        deployed_ = deploy(production, "2.0.0", "c0ffee1", notify=notified)
    figures("deploy", production, load)
    assert deployed_.returncode == 0, deployed_.stderr
    assert len(load.outcomes) > 50
    failures = (load.failures(), auth.failures(), spa.failures())
    assert failures == ([], [], []), gateway_trouble(production)
    assert min(len(auth.outcomes), len(spa.outcomes)) > 20
    assert running_tags(production) == dict.fromkeys(RELEASED, "2.0.0")
    current, previous = record(production, "current"), record(production, "previous")
    assert (current["tag"], current["commit"]) == ("2.0.0", "c0ffee1")
    assert previous["tag"] == before["auth-service"]
    for service in RELEASED:
        assert current[f"digest.{service}"].startswith(
            production.images[service].rsplit(":", 1)[0] + "@sha256:"
        )
        assert current[f"digest.{service}"] != previous[f"digest.{service}"]
    assert audit(production)[-1].split()[1:4] == ["deploy", "2.0.0", f"from={before['auth-service']}"]
    assert " ok commit=c0ffee1 " in audit(production)[-1]
    assert "IMAGE_TAG=2.0.0\n" in (production.folder / ".env").read_text(encoding="utf-8")
    # The workspace written before the switch is served after it.
    assert production.request("GET", path, authorization=bearer).status == 200
    announced(
        notified, "acme-ai-hub deploy 2.0.0: ok", "Commit c0ffee1", f"before it, {before['auth-service']} ran"
    )


def test_a_release_that_never_gets_healthy_is_rolled_back_by_itself(
    production: Production, notified: Channels, tmp_path: Path
) -> None:
    # core-service's process runs but never listens: its health check cannot pass.
    publish(
        production, "2.1.0", tmp_path, {"core-service": 'CMD ["node", "-e", "setInterval(() => {}, 1000)"]'}
    )
    before, current = running_tags(production), record(production, "current")
    bearer, path = a_workspace(production, "deploy-grace@acme.dev")
    with paced(production, path, bearer) as load:
        # Given up after 40 s rather than the default 120: it never gets healthy.
        notified.take()  # only what this deploy sends
        failed = deploy(production, "2.1.0", notify=notified, health_timeout=40)
    figures("unhealthy release, rolled back", production, load)
    assert failed.returncode == 1, failed.stderr
    assert "core-service: the container of 2.1.0 is not healthy" in failed.stderr
    assert f"rolling back to {before['core-service']}" in failed.stderr
    assert len(load.outcomes) > 50
    assert load.failures() == []
    # auth-service had switched; it is back, and nothing else moved.
    assert running_tags(production) == before
    assert record(production, "current") == current
    assert 'failed="health of core-service"' in audit(production)[-1]
    assert f"rolled-back-to={before['core-service']} rollback=ok" in audit(production)[-1]
    announced(
        notified,
        "acme-ai-hub deploy 2.1.0: failed",
        f"The health of core-service failed; rolled back to {before['core-service']}, which serves",
    )


def test_a_release_that_fails_the_smoke_test_is_rolled_back_by_itself(
    production: Production, tmp_path: Path
) -> None:
    # The SPA's server is healthy, but the gateway's / no longer serves the app.
    publish(production, "2.2.0", tmp_path, {"frontend": "RUN rm /usr/share/nginx/html/index.html"})
    before = running_tags(production)
    failed = deploy(production, "2.2.0")
    figures("smoke test failed, rolled back", production)
    assert failed.returncode == 1, failed.stderr
    assert "smoke test: GET / answered" in failed.stderr
    assert running_tags(production) == before
    assert 'failed="smoke test"' in audit(production)[-1]
    assert production.request("GET", "/").status == 200


def test_a_failed_migration_stops_the_deploy_with_nothing_switched(
    production: Production, tmp_path: Path
) -> None:
    publish(production, "2.3.0", tmp_path, {"auth-service": "RUN rm -rf /app/node_modules/node-pg-migrate"})
    before, current = running_tags(production), record(production, "current")
    failed = deploy(production, "2.3.0")
    figures("migration failed", production)
    assert failed.returncode == 1, failed.stderr
    assert f"migrate-auth-service failed; nothing switched, release {before['auth-service']} still runs" in (
        failed.stderr
    )
    assert running_tags(production) == before
    assert record(production, "current") == current
    assert " failed=migrate-auth-service seconds=" in audit(production)[-1]


def test_rollback_goes_back_one_release_without_a_failed_request(
    production: Production, notified: Channels, tmp_path: Path
) -> None:
    publish(production, "2.4.0", tmp_path)
    before = running_tags(production)["auth-service"]
    forward = deploy(production, "2.4.0")
    assert forward.returncode == 0, forward.stderr
    bearer, path = a_workspace(production, "deploy-alan@acme.dev")
    with paced(production, path, bearer) as load:
        notified.take()  # only what this deploy sends
        back = deploy(production, script="rollback.sh", notify=notified)
    figures("rollback by hand", production, load)
    assert back.returncode == 0, back.stderr
    assert load.failures() == []
    assert running_tags(production) == dict.fromkeys(RELEASED, before)
    assert record(production, "current")["tag"] == before
    assert record(production, "previous")["tag"] == "2.4.0"
    assert audit(production)[-1].split()[1:3] == ["rollback", before]
    announced(notified, f"acme-ai-hub rollback {before}: ok", "before it, 2.4.0 ran")


def test_a_second_deploy_while_one_runs_is_refused(production: Production) -> None:
    before = running_tags(production)
    with (production.folder / ".deploy/lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running deploy holds
        refused = deploy(production, "2.0.0")
    assert refused.returncode == 75
    assert "another deploy or rollback is running" in refused.stderr
    assert running_tags(production) == before


def test_rollback_without_a_previous_release_says_so_and_changes_nothing(production: Production) -> None:
    previous = production.folder / ".deploy/previous"
    kept = previous.with_name("previous.kept")
    previous.rename(kept)
    try:
        before, lines = running_tags(production), audit(production)
        refused = deploy(production, script="rollback.sh")
        assert refused.returncode == 1
        assert "no previous release is recorded in .deploy/previous; nothing changed" in refused.stderr
        assert running_tags(production) == before
        assert audit(production) == lines
    finally:
        kept.rename(previous)


@pytest.fixture(scope="module")
def server(production: Production, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """The engine's host as the deploy workflow reaches it: over SSH, with the engine's Docker in
    the session's environment (on a real server, the system's own)."""
    docker = {name: production.engine.env[name] for name in DOCKER_SETTINGS}
    with sshd(tmp_path_factory.mktemp("sshd"), {**docker, "DEPLOY_DRAIN_SECONDS": "15"}) as found:
        yield found


def remote_deploy(
    production: Production,
    server: SshServer,
    *arguments: str,
    known_hosts: str | None = None,
    digests: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """scripts/remote-deploy.sh as deploy.yml runs it: from a checkout, with the environment's
    variables and secrets, and nothing of this machine's SSH or Docker settings."""
    checkout = production.folder  # the render: the same scripts as the repository CI checks out
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(checkout.parent),
        "DEPLOY_HOST": "127.0.0.1",
        "DEPLOY_PORT": str(server.port),
        "DEPLOY_USER": server.user,
        "DEPLOY_PATH": str(production.folder),
        "DEPLOY_SSH_KEY": server.key,
        "DEPLOY_KNOWN_HOSTS": known_hosts or server.known_hosts,
        "DEPLOY_RUN_URL": RUN_URL,
        # What deploy.yml reads from the registry: the server pulls exactly these.
        "DEPLOY_DIGESTS": " ".join(f"{service}={digest}" for service, digest in (digests or {}).items()),
    }
    return subprocess.run(
        ["scripts/remote-deploy.sh", *arguments],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_the_deploy_workflow_deploys_by_digest_over_ssh_without_a_failed_request(
    production: Production, server: SshServer, notified: Channels, tmp_path: Path
) -> None:
    scanned = publish(production, "2.5.0", tmp_path / "scanned")
    # The tag moved after CI read the digests (here and in the registry): to a core-service that
    # never gets healthy. The digests still name what CI built.
    publish(
        production,
        "2.5.0",
        tmp_path / "moved",
        {"core-service": 'CMD ["node", "-e", "setInterval(() => {}, 1000)"]'},
    )
    settings = production.folder / ".deploy/notify.env"
    # On a server, the channels are configured there; the workflow only passes the run's link.
    settings.write_text(f"DEPLOY_SLACK_WEBHOOK_URL={notified.webhook}/slack\n", encoding="utf-8")
    try:
        bearer, path = a_workspace(production, "deploy-margaret@acme.dev")
        with paced(production, path, bearer) as load:
            notified.take()
            deployed_ = remote_deploy(production, server, "2.5.0", "5eed5ee", digests=scanned)
        figures("deploy over SSH", production, load)
    finally:
        settings.unlink()
    assert deployed_.returncode == 0, deployed_.stderr
    assert len(load.outcomes) > 50
    assert load.failures() == [], gateway_trouble(production)
    assert running_tags(production) == dict.fromkeys(RELEASED, "2.5.0")
    current = record(production, "current")
    assert (current["tag"], current["commit"]) == ("2.5.0", "5eed5ee")
    for service in RELEASED:
        assert current[f"digest.{service}"].endswith(f"@{scanned[service]}"), service
    assert healthy_services(production)["core-service"] == "healthy"
    posts, mails = notified.take()
    assert [path for path, _ in posts] == ["/slack"]
    assert mails == []
    assert posts[0][1]["text"].startswith("acme-ai-hub deploy 2.5.0: ok")
    assert posts[0][1]["text"].endswith(f"Run: {RUN_URL}")


def test_the_deploy_workflow_refuses_a_server_whose_host_key_it_does_not_know(
    production: Production, server: SshServer, tmp_path: Path
) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    other = (tmp_path / "other.pub").read_text(encoding="utf-8").split()
    before, lines = running_tags(production), audit(production)
    refused = remote_deploy(
        production, server, "2.0.0", known_hosts=f"[127.0.0.1]:{server.port} {other[0]} {other[1]}"
    )
    assert refused.returncode == 255
    assert "Host key verification failed" in refused.stderr
    assert running_tags(production) == before
    assert audit(production) == lines


def test_rotated_secrets_apply_without_a_failed_request(production: Production) -> None:
    def show(name: str) -> str:
        return production.secrets("show", name).stdout.strip()

    def rotate(name: str) -> None:
        rotated = production.secrets("rotate", name, DEPLOY_DRAIN_SECONDS="15")
        assert rotated.returncode == 0, rotated.stderr
        assert f"rotated {name}" in rotated.stderr
        figures(f"rotate {name}", production)

    bearer, path = a_workspace(production, "rotate-ada@acme.dev")
    app_password, redis_users = show("postgres_app_password"), show("redis_users")

    def containers() -> dict[str, str]:
        return {service: production.container(service) for service in RELEASED}

    def replaced(since: dict[str, str]) -> set[str]:
        return {service for service, container in containers().items() if container != since[service]}

    before = containers()
    # The services' database password and Redis's, while requests that use both keep coming.
    with paced(production, path, bearer) as load:
        rotate("postgres_app_password")
        rotate("redis_users")
    assert len(load.outcomes) > 50
    assert load.failures() == [], gateway_trouble(production)
    assert show("postgres_app_password") != app_password
    assert show("database_url").startswith(f"postgres://acme_ai_hub_app:{show('postgres_app_password')}@")
    # Only the services that read them were replaced.
    assert replaced(before) == {"auth-service", "core-service"}
    # The old passwords open nothing any more; the new ones do.
    old = production.exec(
        "postgres",
        "sh",
        "-c",
        f"PGPASSWORD={app_password} psql -h 127.0.0.1 -U acme_ai_hub_app -d acme_ai_hub -c 'select 1'",
        check=False,
    )
    assert old.returncode != 0
    assert "password authentication failed" in old.stderr, old.stderr

    def redis_ping(users: str) -> str:
        password = users.split(">", 1)[1].split(maxsplit=1)[0]
        ping = production.exec("redis", "redis-cli", "--no-auth-warning", "-a", password, "ping", check=False)
        return (ping.stdout + ping.stderr).strip()

    assert "WRONGPASS" in redis_ping(redis_users)
    assert redis_ping(show("redis_users")) == "PONG"
    assert production.request("GET", path, authorization=bearer).status == 200

    # A new signing key: a token signed with the old one is refused, a new sign-in works. Every
    # service that verifies tokens is replaced too: each had cached the old public key.
    before = containers()
    rotate("jwt_private_key")
    assert replaced(before) == {"auth-service", "core-service", "mcp-server"}
    assert production.request("GET", path, authorization=bearer).status == 401
    signed_in = production.request(
        "POST", "/api/auth/login", {"email": "rotate-ada@acme.dev", "password": PASSWORD}
    )
    assert signed_in.status == 200, signed_in.body
    fresh = json.loads(signed_in.body)["accessToken"]
    assert production.request("GET", path, authorization=f"Bearer {fresh}").status == 200
    release = running_tags(production)["auth-service"]
    assert audit(production)[-1].split()[1:5] == ["restart", release, f"from={release}", "ok"]
