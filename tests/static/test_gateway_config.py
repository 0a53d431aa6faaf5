"""The rendered nginx configurations pass `nginx -t` for every supported answer set."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.gateway import gateway_config, spa_config
from tests.matrix import SUPPORTED_COMBINATIONS
from tests.project import Render, recorded_answers
from tests.tls import authority, leaf


def nginx_test(conf: Path) -> None:
    result = subprocess.run(
        ["nginx", "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("combination", list(SUPPORTED_COMBINATIONS))
def test_gateway_and_spa_configs_pass_nginx_t(rendered: Render, combination: str, tmp_path: Path) -> None:
    project = rendered(combination)
    leaf(authority(tmp_path / "ca"), tmp_path / "tls", "hub.acme.dev")
    names = {
        line.split()[1].split(":")[0]
        for line in (project / "infra/nginx/upstreams.conf").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("server ")
    }
    # One upstream per chosen service, under its Compose name.
    assert names == set(recorded_answers(project)["services"])
    # Ports are never opened by `nginx -t`; any number serves.
    conf = gateway_config(
        project,
        tmp_path / "nginx",
        http_port=8080,
        https_port=8443,
        upstreams=dict.fromkeys(names, 1),
        tls_dir=tmp_path / "tls",
        webroot=tmp_path / "acme",
    )
    nginx_test(conf)
    if (project / "packages/frontend").is_dir():
        nginx_test(
            spa_config(
                project / "packages/frontend/nginx.conf",
                tmp_path / "spa",
                port=8081,
                root=project / "packages/frontend/dist",
            )
        )
