"""scripts/generate-secrets.sh: every file the production Compose file names, consistent with one
another, private to the deploy user's folder, and never overwritten."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.project import Render, load_yaml


def test_generated_secrets_match_the_compose_file_and_survive_a_second_run(
    rendered: Render, tmp_path: Path
) -> None:
    project = tmp_path / "server"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(rendered("defaults") / "scripts/generate-secrets.sh", project / "scripts")
    shutil.copy(rendered("defaults") / "docker-compose.prod.yml", project)

    first = subprocess.run(
        [project / "scripts/generate-secrets.sh"], capture_output=True, text=True, check=False
    )
    assert first.returncode == 0, first.stderr
    secrets = project / "secrets"
    named = {
        Path(entry["file"]).name
        for entry in load_yaml(project / "docker-compose.prod.yml")["secrets"].values()
    }
    assert {path.name for path in secrets.iterdir()} == named
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700

    def read(name: str) -> str:
        return (secrets / name).read_text(encoding="utf-8").strip()

    password, app_password = read("postgres_password"), read("postgres_app_password")
    assert len({password, app_password, read("postgres_readonly_password")}) == 3
    assert all(len(read(name)) == 64 for name in ("postgres_password", "postgres_app_password"))
    tls = "sslmode=verify-full&sslrootcert=/run/secrets/postgres_tls_crt"
    assert (
        read("database_url") == f"postgres://acme_ai_hub_app:{app_password}@postgres:5432/acme_ai_hub?{tls}"
    )
    assert read("migration_database_url") == (
        f"postgres://acme_ai_hub:{password}@postgres:5432/acme_ai_hub?{tls}&options=-c%20role%3Dacme_ai_hub_owner"
    )
    certificate = x509.load_pem_x509_certificate((secrets / "postgres_tls_crt").read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["postgres", "localhost"]
    redis_password = re.fullmatch(r"user default on >(\w+) ~\* &\* \+@all", read("redis_users"))
    assert redis_password is not None
    assert read("redis_url") == f"redis://:{redis_password[1]}@redis:6379"
    assert redis_password[1] != password
    key = load_pem_private_key((secrets / "jwt_private_key.pem").read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.curve.name == "secp256r1"

    before = {path.name: path.read_bytes() for path in secrets.iterdir()}
    second = subprocess.run(
        [project / "scripts/generate-secrets.sh"], capture_output=True, text=True, check=False
    )
    assert second.returncode == 0, second.stderr
    assert "wrote" not in second.stdout
    assert {path.name: path.read_bytes() for path in secrets.iterdir()} == before
