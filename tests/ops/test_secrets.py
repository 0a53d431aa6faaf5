"""scripts/secrets.sh with the real age: every secret the production Compose file names, made once,
consistent with one another, encrypted at rest to the server's key (and to any recovery key an
operator adds), and unlocked into a root-only folder, each file its container user's with mode 600.
Plaintext secrets of an earlier release are encrypted and removed."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.project import Render, load_yaml

TLS = "sslmode=verify-full&sslrootcert=/run/secrets/postgres_tls_crt"


class Server:
    """The project folder as the server holds it, with the identity outside it."""

    def __init__(self, rendered: Render, folder: Path) -> None:
        self.project = folder / "server"
        (self.project / "scripts").mkdir(parents=True)
        shutil.copy(rendered("defaults") / "scripts/secrets.sh", self.project / "scripts")
        shutil.copy(rendered("defaults") / "docker-compose.prod.yml", self.project)
        self.identity = folder / "home/.config/acme-ai-hub/secrets.key"
        self.unlocked = folder / "run/secrets"
        (self.project / ".env").write_text(f"SECRETS_RUNTIME_DIR={self.unlocked}\n", encoding="utf-8")

    def run(self, *arguments: str, identity: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SECRETS_IDENTITY": str(identity or self.identity)}
        return subprocess.run(
            [self.project / "scripts/secrets.sh", *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def show(self, name: str, identity: Path | None = None) -> str:
        shown = self.run("show", name, identity=identity)
        assert shown.returncode == 0, shown.stderr
        return shown.stdout.strip()

    def generate(self) -> str:
        made = self.run("generate")
        assert made.returncode == 0, made.stderr
        return made.stderr


@pytest.fixture
def server(rendered: Render, tmp_path: Path) -> Server:
    return Server(rendered, tmp_path)


def compose_secrets(server: Server) -> set[str]:
    return set(load_yaml(server.project / "docker-compose.prod.yml")["secrets"])


def test_every_secret_is_made_consistent_and_kept_only_as_ciphertext(server: Server) -> None:
    server.generate()
    folder = server.project / "secrets"
    names = compose_secrets(server)
    assert {path.name for path in folder.iterdir()} == {f"{name}.age" for name in names} | {"recipients.txt"}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(server.identity.stat().st_mode) == 0o600
    values = {name: server.show(name) for name in names}
    for path in folder.iterdir():
        text = path.read_bytes()
        assert not [name for name, value in values.items() if value.encode() in text], path.name
        if path.suffix == ".age":
            assert text.startswith(b"age-encryption.org/v1\n"), path.name

    password, app_password = values["postgres_password"], values["postgres_app_password"]
    assert len({password, app_password, values["postgres_readonly_password"]}) == 3
    assert all(len(values[name]) == 64 for name in ("postgres_password", "postgres_app_password"))
    assert (
        values["database_url"] == f"postgres://acme_ai_hub_app:{app_password}@postgres:5432/acme_ai_hub?{TLS}"
    )
    assert values["migration_database_url"] == (
        f"postgres://acme_ai_hub:{password}@postgres:5432/acme_ai_hub?{TLS}&options=-c%20role%3Dacme_ai_hub_owner"
    )
    certificate = x509.load_pem_x509_certificate(values["postgres_tls_crt"].encode())
    names_in_it = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names_in_it.get_values_for_type(x509.DNSName) == ["postgres", "localhost"]
    tls_key = load_pem_private_key(values["postgres_tls_key"].encode(), password=None)
    assert certificate.public_key() == tls_key.public_key()
    redis_password = re.fullmatch(r"user default on >(\w+) ~\* &\* \+@all", values["redis_users"])
    assert redis_password is not None
    assert values["redis_url"] == f"redis://:{redis_password[1]}@redis:6379"
    key = load_pem_private_key(values["jwt_private_key"].encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.curve.name == "secp256r1"

    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert "made" not in server.generate()
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_nothing_decrypts_without_the_identity_and_a_recovery_key_opens_everything(
    server: Server, tmp_path: Path
) -> None:
    server.generate()
    stranger = tmp_path / "stranger.key"
    subprocess.run(["age-keygen", "-o", stranger], check=True, capture_output=True)
    refused = server.run("show", "postgres_password", identity=stranger)
    assert refused.returncode != 0
    missing = server.run("show", "postgres_password", identity=tmp_path / "nowhere.key")
    assert missing.returncode == 1
    assert f"no identity at {tmp_path / 'nowhere.key'}" in missing.stderr

    # An operator's recovery key, added to the recipients: every secret is encrypted to it too.
    recovery = tmp_path / "recovery.key"
    subprocess.run(["age-keygen", "-o", recovery], check=True, capture_output=True)
    public = subprocess.run(["age-keygen", "-y", recovery], check=True, capture_output=True, text=True).stdout
    with (server.project / "secrets/recipients.txt").open("a", encoding="utf-8") as recipients:
        recipients.write(f"# the operator's recovery key\n{public}")
    password = server.show("postgres_password")
    server.generate()
    for name in compose_secrets(server):
        assert server.show(name, identity=recovery) == server.show(name), name
    assert server.show("postgres_password", identity=recovery) == password


def test_plaintext_secrets_of_an_earlier_release_are_encrypted_and_removed(server: Server) -> None:
    folder = server.project / "secrets"
    folder.mkdir(mode=0o700)
    (folder / "postgres_app_password").write_text("earlier-app-password\n", encoding="utf-8")
    (folder / "jwt_private_key.pem").write_text("-----BEGIN PRIVATE KEY-----\nx\n", encoding="utf-8")
    server.generate()
    assert not (folder / "postgres_app_password").exists()
    assert not (folder / "jwt_private_key.pem").exists()
    assert server.show("postgres_app_password") == "earlier-app-password"
    assert server.show("jwt_private_key") == "-----BEGIN PRIVATE KEY-----\nx"
    # The URL is made from the password kept, not from a new one.
    assert server.show("database_url").startswith("postgres://acme_ai_hub_app:earlier-app-password@")


@pytest.mark.skipif(os.geteuid() != 0, reason="unlock gives files to the containers' users: root's work")
def test_unlock_gives_each_file_to_its_container_user_alone(server: Server) -> None:
    server.generate()
    unlocked = server.run("unlock")
    assert unlocked.returncode == 0, unlocked.stderr
    assert stat.S_IMODE(server.unlocked.stat().st_mode) == 0o700
    owners = {
        path.name: (path.stat().st_uid, stat.S_IMODE(path.stat().st_mode))
        for path in server.unlocked.iterdir()
    }
    assert owners == {
        "postgres_password": (999, 0o600),
        "postgres_app_password": (999, 0o600),
        "postgres_readonly_password": (999, 0o600),
        "postgres_tls_key": (999, 0o600),
        "redis_users": (999, 0o600),
        "postgres_tls_crt": (0, 0o644),
        "database_url": (1000, 0o600),
        "migration_database_url": (1000, 0o600),
        "redis_url": (1000, 0o600),
        "jwt_private_key": (1000, 0o600),
    }
    for name in owners:
        assert (server.unlocked / name).read_text(encoding="utf-8").strip() == server.show(name)
    # Again: the same files, written in place (a running container's bind mount keeps its file).
    inodes = {path.name: path.stat().st_ino for path in server.unlocked.iterdir()}
    assert server.run("unlock").returncode == 0
    assert {path.name: path.stat().st_ino for path in server.unlocked.iterdir()} == inodes


def test_unlock_before_generate_names_what_is_missing(server: Server) -> None:
    server.identity.parent.mkdir(parents=True)
    subprocess.run(["age-keygen", "-o", server.identity], check=True, capture_output=True)
    refused = server.run("unlock")
    assert refused.returncode == 1
    assert "is missing: run scripts/secrets.sh generate" in refused.stderr
    assert not server.unlocked.exists()


def test_rotate_names_what_it_can_rotate(server: Server) -> None:
    server.generate()
    refused = server.run("rotate", "database_url")
    assert refused.returncode == 1
    assert "rotate takes postgres_password, postgres_app_password" in refused.stderr
    assert 'not "database_url"' in refused.stderr
