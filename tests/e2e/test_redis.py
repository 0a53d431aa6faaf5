"""The rendered infra/redis/redis.conf, run by the real redis-server on loopback."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.project import Render
from tests.servers import free_port, wait_until

pytestmark = pytest.mark.xdist_group("defaults")

PASSWORD = "redis-test-password"  # noqa: S105 (a throwaway server of this test)


def local_copy(conf: str, port: int, folder: Path) -> Path:
    """The rendered file with only what a loopback test must change: address, port, paths."""
    acl = folder / "users.acl"
    acl.write_text(f"user default on >{PASSWORD} ~* &* +@all\n", encoding="utf-8")
    replacements = {
        "bind 0.0.0.0": "bind 127.0.0.1",
        "port 6379": f"port {port}",
        "dir /data": f"dir {folder}",
        "aclfile /run/secrets/redis_users": f"aclfile {acl}",
    }
    for rendered, local in replacements.items():
        assert rendered in conf, rendered
        conf = conf.replace(rendered, local)
    path = folder / "redis.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def test_redis_runs_the_rendered_config_and_keeps_writes_across_kill_9(
    rendered: Render, tmp_path: Path
) -> None:
    port = free_port()
    config = local_copy(
        (rendered("defaults") / "infra/redis/redis.conf").read_text(encoding="utf-8"), port, tmp_path
    )

    def cli(*args: str, password: str | None = PASSWORD) -> str:
        auth = ["--no-auth-warning", "-a", password] if password else []
        return subprocess.run(
            ["redis-cli", "-p", str(port), *auth, *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(["redis-server", str(config)], stdout=subprocess.DEVNULL)
        wait_until(lambda: server.poll() is not None or cli("ping") == "PONG", "redis-server")
        assert server.poll() is None, "redis-server refused the rendered configuration"
        return server

    server = start()
    try:
        assert "NOAUTH" in cli("ping", password=None)
        settings = {
            key: cli("config", "get", key).splitlines()[-1]
            for key in (
                "appendonly",
                "appendfsync",
                "aof-use-rdb-preamble",
                "maxmemory",
                "maxmemory-policy",
                "protected-mode",
            )
        }
        assert settings == {
            "appendonly": "yes",
            "appendfsync": "everysec",
            "aof-use-rdb-preamble": "yes",
            "maxmemory": str(256 * 1024 * 1024),
            "maxmemory-policy": "noeviction",
            "protected-mode": "yes",
        }
        for index in range(200):
            cli("set", f"session:{index}", f"value-{index}")
        time.sleep(1.5)  # everysec: writes older than a second are on disk
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)

        server = start()
        assert cli("dbsize") == "200"
        assert cli("get", "session:199") == "value-199"
    finally:
        server.terminate()
        server.wait(timeout=10)
