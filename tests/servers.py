"""Real PostgreSQL, Redis and OpenSSH servers for tests: started on 127.0.0.1 and free ports, in
temporary folders, stopped by their PID. Nothing touches the machine's own services."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.client import fetch

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def as_postgres(*command: str | Path) -> list[str]:
    # initdb refuses to run as root: the server runs as the machine's `postgres` user.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return [*prefix, *map(str, command)]


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout}s")


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines a service has written to `path` so far. The services write their lines
    asynchronously, in chunks that may end inside a line: a last line without its newline is
    still being written, and is left for the next read. Plain-text lines (PM2's) are skipped."""
    text = path.read_text(encoding="utf-8")
    return parse_json_lines(text[: text.rfind("\n") + 1])


def parse_json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON lines of a log's text, without the plain-text ones (PM2's, nginx's start-up)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL 15 server; yields the URL of its `app` database."""
    # Its own folder under the system temp dir: pytest's are private to root, and the server runs
    # as `postgres`, which must reach its data directory.
    folder = Path(tempfile.mkdtemp(prefix="sah-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(
        as_postgres(
            PG_BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        ),
        check=True,
        capture_output=True,
    )
    with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        # fsync off: test data is thrown away, and it makes the suite several times faster.
        conf.write(f"listen_addresses = '127.0.0.1'\nport = {port}\n")
        conf.write(f"unix_socket_directories = '{folder}'\nfsync = off\n")
    subprocess.run(
        as_postgres(PG_BIN / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "start"),
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "app"],
            check=True,
            capture_output=True,
        )
        yield f"postgres://postgres@127.0.0.1:{port}/app"
    finally:
        pid = int((data / "postmaster.pid").read_text(encoding="utf-8").split()[0])
        os.kill(pid, signal.SIGINT)  # fast shutdown
        wait_until(lambda: not (data / "postmaster.pid").exists(), "postgres shutdown")
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    """A Redis server; yields its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (folder / "redis.conf").write_text(
        f"bind 127.0.0.1\nport {port}\ndir {folder}\ndaemonize no\nsave ''\nappendonly no\n", encoding="utf-8"
    )
    process = subprocess.Popen(["redis-server", str(folder / "redis.conf")], stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: port_open(port), "redis-server")
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for(url: str, process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """Until `url` answers 2xx; fails at once if `process`, which serves it, has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if fetch(url, timeout=2).status // 100 == 2:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@dataclass(frozen=True)
class SshServer:
    port: int
    user: str
    # What a deploy workflow holds as secrets: the client's private key, and the server's host key
    # line as `ssh-keyscan` prints it.
    key: str
    known_hosts: str


@contextmanager
def sshd(folder: Path, environment: dict[str, str]) -> Iterator[SshServer]:
    """An OpenSSH server with a generated host key, taking key logins only, for one generated
    client key. Its sessions get `environment` (sshd's SetEnv). The user is root: an sshd that the
    tests started unprivileged could only log in as the user that started it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(folder / name)], check=True
        )
    shutil.copy(folder / "client.pub", folder / "authorized_keys")
    port = free_port()
    settings = " ".join(f"{name}={value}" for name, value in environment.items())
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder}/host\nPidFile {folder}/sshd.pid\n"
        f"AuthorizedKeysFile {folder}/authorized_keys\nPermitRootLogin prohibit-password\nAllowUsers root\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        # The key files live in a pytest folder, whose modes sshd's checks were not written for.
        f"StrictModes no\nSetEnv {settings}\n",
        encoding="utf-8",
    )
    # sshd's privilege separation folder; Debian's init script would create it.
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    process = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(folder / "sshd_config")],
        stderr=(folder / "sshd.log").open("w"),
    )
    try:
        wait_until(lambda: port_open(port), "sshd")
        host_key = (folder / "host.pub").read_text(encoding="utf-8").split()
        yield SshServer(
            port,
            "root",
            (folder / "client").read_text(encoding="utf-8"),
            f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}",
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
