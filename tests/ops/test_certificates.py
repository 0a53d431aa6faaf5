"""Certificates end to end, offline: the rendered gateway serves its self-signed stand-in, then
certbot issues and renews through the rendered scripts against Debian's pebble test CA (pebble's
challenge server answers every DNS name with 127.0.0.1), and the deploy hook installs each
certificate and reloads nginx."""

from __future__ import annotations

import json
import signal
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509

from extensions.catalogue import SERVICE_NAMES
from tests.client import fetch
from tests.gateway import gateway_config, nginx
from tests.matrix import BASE_ANSWERS
from tests.project import Render
from tests.servers import free_port, port_open, wait_until
from tests.tls import authority, leaf

DOMAIN = BASE_ANSWERS["domain"]


@dataclass
class Acme:
    directory: str
    root: bytes  # pebble's issuing root, from its management interface
    ca: Path  # the CA of pebble's own TLS certificate, for certbot's REQUESTS_CA_BUNDLE
    http_port: int  # where pebble checks HTTP-01 challenges: the gateway's port 80 stands in


def background(command: list[str], log: Path, **env: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", **env}
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Acme]:
    folder = tmp_path_factory.mktemp("pebble")
    ca = authority(folder / "ca")
    certificate, key = leaf(ca, folder / "tls", "localhost", "127.0.0.1")
    dns, challenges, listen, management, http_port = (free_port() for _ in range(5))
    resolver = background(
        [
            "pebble-challtestsrv",
            "-dns01", f"127.0.0.1:{dns}",
            "-http01", "",
            "-https01", "",
            "-tlsalpn01", "",
            "-management", f"127.0.0.1:{challenges}",
            "-defaultIPv6", "",
        ],
        folder / "challtestsrv.log",
    )  # fmt: skip
    config = folder / "pebble.json"
    config.write_text(
        json.dumps(
            {
                "pebble": {
                    "listenAddress": f"127.0.0.1:{listen}",
                    "managementListenAddress": f"127.0.0.1:{management}",
                    "certificate": str(certificate),
                    "privateKey": str(key),
                    "httpPort": http_port,
                    "tlsPort": free_port(),
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        ),
        encoding="utf-8",
    )
    server = background(
        ["pebble", "-config", str(config), "-dnsserver", f"127.0.0.1:{dns}"],
        folder / "pebble.log",
        PEBBLE_VA_NOSLEEP="1",
        PEBBLE_WFE_NONCEREJECT="0",
    )
    try:
        wait_until(lambda: port_open(listen) and port_open(management) and port_open(dns), "pebble")
        response = fetch(
            f"https://127.0.0.1:{management}/roots/0", context=ssl.create_default_context(cafile=ca.pem)
        )
        root = response.body
        assert root.startswith(b"-----BEGIN CERTIFICATE-----"), response
        yield Acme(f"https://127.0.0.1:{listen}/dir", root, ca.pem, http_port)
    finally:
        stop(server)
        stop(resolver)


def served_certificate(port: int) -> x509.Certificate:
    """The leaf the gateway presents for the domain, whoever signed it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname=DOMAIN) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def verifies_against(root: bytes, port: int) -> bool:
    context = ssl.create_default_context(cadata=root.decode())
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname=DOMAIN),
    ):
        return True


def test_self_signed_start_then_issuance_and_forced_renewal_with_the_deploy_hook(
    rendered: Render, acme: Acme, tmp_path: Path
) -> None:
    project = rendered("defaults")
    tls_dir, webroot, certbot_dir = tmp_path / "tls", tmp_path / "acme-webroot", tmp_path / "letsencrypt"
    https_port = free_port()
    conf = gateway_config(
        project,
        tmp_path / "nginx",
        http_port=acme.http_port,
        https_port=https_port,
        # The services are not needed: certificates concern port 80 and the TLS handshake.
        upstreams={name: free_port() for name in SERVICE_NAMES},
        tls_dir=tls_dir,
        webroot=webroot,
    )

    def script(path: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "TLS_DIR": str(tls_dir),
            "WEBROOT": str(webroot),
            "CERTBOT_DIR": str(certbot_dir),
            "ACME_SERVER": acme.directory,
            "REQUESTS_CA_BUNDLE": str(acme.ca),
            # The hook drives this nginx instead of the production container's.
            "NGINX": f"nginx -p {conf.parent} -c {conf}",
        }
        return subprocess.run(
            [project / path, *arguments], env=env, capture_output=True, text=True, timeout=180, check=False
        )

    made = script("infra/nginx/self-signed.sh")
    assert made.returncode == 0, made.stderr
    again = script("infra/nginx/self-signed.sh")
    assert "nothing to do" in again.stdout
    with nginx(conf, acme.http_port, https_port):
        stand_in = served_certificate(https_port)
        assert stand_in.issuer == stand_in.subject  # self-signed, so nginx could start

        issued = script("infra/certbot/issue.sh")
        assert issued.returncode == 0, issued.stdout + issued.stderr
        # The hook's reload is asynchronous: old workers serve the old pair until they are done.
        wait_until(lambda: served_certificate(https_port) != stand_in, "nginx serving the issued certificate")
        first = served_certificate(https_port)
        assert "Pebble" in first.issuer.rfc4514_string()
        assert first.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.DNSName) == [DOMAIN]
        assert verifies_against(acme.root, https_port)
        assert (certbot_dir / f"live/{DOMAIN}/privkey.pem").is_file()

        renewed = script("infra/certbot/renew.sh", "--force-renewal")
        assert renewed.returncode == 0, renewed.stdout + renewed.stderr
        wait_until(lambda: served_certificate(https_port) != first, "nginx serving the renewed certificate")
        second = served_certificate(https_port)
        assert second.serial_number != first.serial_number
        assert verifies_against(acme.root, https_port)

        # A pair nginx refuses (key and certificate do not match) is rolled back by the hook.
        broken = tmp_path / "broken-lineage"
        broken.mkdir()
        (broken / "fullchain.pem").write_bytes((tls_dir / "fullchain.pem").read_bytes())
        _, other_key = leaf(authority(tmp_path / "other-ca"), tmp_path / "other", DOMAIN)
        (broken / "privkey.pem").write_bytes(other_key.read_bytes())
        hook = subprocess.run(
            [project / "infra/certbot/deploy-hook.sh"],
            env={
                "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                "TLS_DIR": str(tls_dir),
                "NGINX": f"nginx -p {conf.parent} -c {conf}",
                "RENEWED_LINEAGE": str(broken),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert hook.returncode != 0
        assert "previous one is back" in hook.stderr
        assert served_certificate(https_port).serial_number == second.serial_number
        check = subprocess.run(
            ["nginx", "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, check=False
        )
        assert check.returncode == 0, "the hook left a pair nginx cannot load"
