"""PostgreSQL 15 started with the rendered postgresql.conf and pg_hba.conf, the rendered roles
script run against it as the image would, and the secrets scripts/secrets.sh makes and unlocks: the
tuned values read back, TLS and SCRAM enforced, migrations acting as the owner role, and the
services' role able to write rows but not change the schema."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.installed import Install, InstalledProject
from tests.postgres_settings import expected_settings
from tests.project import recorded_answers, substitute
from tests.servers import PG_BIN, as_postgres, free_port

pytestmark = pytest.mark.xdist_group("defaults")

DATABASE = "acme_ai_hub"


@dataclass
class Server:
    port: int
    secrets: Path

    def secret(self, name: str) -> str:
        return (self.secrets / name).read_text(encoding="utf-8").strip()

    def url(self, name: str) -> str:
        """A URL of scripts/secrets.sh, pointed at this server (the names in its certificate
        include localhost) and at the certificate's path here."""
        return (
            self.secret(name)
            .replace("@postgres:5432/", f"@localhost:{self.port}/")
            .replace("/run/secrets/", f"{self.secrets}/")
        )


@pytest.fixture(scope="module")
def server(installed: Install) -> Iterator[Server]:
    project: InstalledProject = installed("defaults")
    folder = Path(tempfile.mkdtemp(prefix="sah-tuned-postgres-"))
    try:
        # The server's files, owned by the `postgres` user as in the image.
        shutil.copytree(project.path / "infra/postgres", folder / "conf")
        (folder / "scripts").mkdir()
        shutil.copy(project.path / "scripts/secrets.sh", folder / "scripts")
        # Made and unlocked as on the server; the files then go to this machine's `postgres` user.
        secrets, port = folder / "unlocked", free_port()
        (folder / ".env").write_text(f"SECRETS_RUNTIME_DIR={secrets}\n", encoding="utf-8")
        identity = {**os.environ, "SECRETS_IDENTITY": str(folder / "identity.key")}
        for step in ("generate", "unlock"):
            subprocess.run(
                [folder / "scripts/secrets.sh", step], env=identity, check=True, capture_output=True
            )
        substitute(
            folder / "conf/postgresql.conf",
            {
                "listen_addresses = '*'": "listen_addresses = '127.0.0.1'",
                "port = 5432": f"port = {port}",
                "/run/secrets/postgres_tls_crt": secrets / "postgres_tls_crt",
                "/run/secrets/postgres_tls_key": secrets / "postgres_tls_key",
                "/etc/postgresql/pg_hba.conf": folder / "conf/pg_hba.conf",
            },
        )
        with (folder / "conf/postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"unix_socket_directories = '{folder}'\n")
        shutil.chown(folder, "postgres", "postgres")
        for path in folder.rglob("*"):
            shutil.chown(path, "postgres", "postgres")
        subprocess.run(
            as_postgres(
                PG_BIN / "initdb", "-D", folder / "data", "-U", DATABASE, "--auth=scram-sha-256",
                f"--pwfile={secrets / 'postgres_password'}", "-E", "UTF8", "--no-sync",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        subprocess.run(
            as_postgres(
                PG_BIN / "pg_ctl", "-D", folder / "data", "-l", folder / "server.log", "-w",
                "-o", f"-c config_file={folder / 'conf/postgresql.conf'}", "start",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        superuser = {"PGHOST": str(folder), "PGPORT": str(port), "PGUSER": DATABASE}
        superuser["PGPASSWORD"] = (secrets / "postgres_password").read_text(encoding="utf-8").strip()
        subprocess.run(
            ["createdb", DATABASE], env={**os.environ, **superuser}, check=True, capture_output=True
        )
        # What the image's entrypoint does on first start: the init scripts, as the superuser.
        roles = subprocess.run(
            [folder / "conf/initdb/10-roles.sh"],
            env={
                **os.environ,
                **superuser,
                "POSTGRES_USER": DATABASE,
                "POSTGRES_DB": DATABASE,
                "SECRETS_DIR": str(secrets),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert roles.returncode == 0, roles.stderr
        yield Server(port, secrets)
    finally:
        if (folder / "data/postmaster.pid").exists():
            subprocess.run(
                as_postgres(PG_BIN / "pg_ctl", "-D", folder / "data", "-m", "fast", "stop"), check=False
            )
        shutil.rmtree(folder, ignore_errors=True)


def psql(
    server: Server, user: str, password: str, sql: str, sslmode: str = "verify-full"
) -> subprocess.CompletedProcess[str]:
    dsn = (
        f"host=localhost port={server.port} dbname={DATABASE} user={user} "
        f"sslmode={sslmode} sslrootcert={server.secrets / 'postgres_tls_crt'}"
    )
    return subprocess.run(
        ["psql", dsn, "-XtAc", sql],
        env={**os.environ, "PGPASSWORD": password},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_tuned_settings_are_what_the_server_runs_with(server: Server, installed: Install) -> None:
    expected = expected_settings(recorded_answers(installed("defaults").path))
    query = (
        "SELECT name, CASE WHEN unit = '8kB' THEN (setting::bigint * 8) || 'kB' "
        "WHEN unit = 'kB' THEN setting || 'kB' ELSE setting END FROM pg_settings"
    )
    result = psql(server, DATABASE, server.secret("postgres_password"), query)
    assert result.returncode == 0, result.stderr
    running = dict(line.split("|") for line in result.stdout.splitlines())
    assert {name: running[name] for name in expected} == expected


def test_only_tls_with_the_right_password_gets_in(server: Server) -> None:
    app, password = f"{DATABASE}_app", server.secret("postgres_app_password")
    assert (
        psql(server, app, password, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").stdout.strip()
        == "t"
    )
    plain = psql(server, app, password, "SELECT 1", sslmode="disable")
    assert plain.returncode != 0
    assert "no encryption" in plain.stderr or "reject" in plain.stderr
    wrong = psql(server, app, "not-the-password", "SELECT 1")
    assert "password authentication failed" in wrong.stderr
    # The owner has no password either, so a login attempt could not tell NOLOGIN apart: ask.
    logins = psql(
        server,
        DATABASE,
        server.secret("postgres_password"),
        # Every role but the superuser and PostgreSQL's own.
        "SELECT rolname, rolcanlogin FROM pg_roles "
        "WHERE NOT rolsuper AND rolname NOT LIKE 'pg\\_%' ORDER BY 1",
    )
    assert logins.stdout.split() == [f"{DATABASE}_app|t", f"{DATABASE}_owner|f", f"{DATABASE}_readonly|t"]


def test_migrations_act_as_the_owner_and_the_services_only_touch_rows(
    installed: Install, server: Server
) -> None:
    project: InstalledProject = installed("defaults")
    migrate = server.url("migration_database_url")
    for service in ("auth-service", "core-service"):
        project.run("npm", "run", "db:migrate", "-w", f"packages/{service}", DATABASE_URL=migrate)
    owners = psql(
        server,
        DATABASE,
        server.secret("postgres_password"),
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('auth', 'core')",
    )
    assert owners.stdout.split() == [f"{DATABASE}_owner"]

    # The services' driver (node-postgres) with the services' URL: TLS verified against the
    # certificate, rows written and read, the schema out of reach.
    script = """
        import pg from 'pg';
        const client = new pg.Client({ connectionString: process.env.APP_URL });
        await client.connect();
        const inserted = await client.query(
          "INSERT INTO auth.users (email, password_hash) VALUES ('rows@acme.dev', 'x') RETURNING id");
        const tls = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        let ddl = 'allowed';
        try { await client.query('CREATE TABLE auth.intruder (id int)'); } catch (error) { ddl = error.code; }
        await client.end();
        console.log(JSON.stringify({ rows: inserted.rowCount, ssl: tls.rows[0].ssl, ddl }));
    """
    shared = project.path / "packages/shared"
    result = project.run(
        "node", "--input-type=module", "-e", script, cwd=shared, APP_URL=server.url("database_url")
    )
    assert result.stdout.strip() == '{"rows":1,"ssl":true,"ddl":"42501"}'  # 42501: insufficient_privilege

    readonly = (f"{DATABASE}_readonly", server.secret("postgres_readonly_password"))
    assert psql(server, *readonly, "SELECT count(*) FROM auth.users").stdout.strip() == "1"
    refused = psql(server, *readonly, "DELETE FROM auth.users")
    assert "permission denied" in refused.stderr
