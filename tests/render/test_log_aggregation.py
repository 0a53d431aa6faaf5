"""The log aggregation answer: VictoriaLogs with Vector in the production stack, wired to the
fields the services and the gateway write.

Neither Vector nor VictoriaLogs can run on this machine (no Debian or PyPI package, no image
registry), so this is a check of structure: the Compose side by schema and policy in
test_containers.py, Vector's configuration here against the log format it must carry."""

from __future__ import annotations

import re

from tests.project import Render, load_yaml


def test_vector_ships_this_projects_containers_to_victorialogs(rendered: Render) -> None:
    project = rendered("defaults")
    compose = load_yaml(project / "docker-compose.prod.yml")
    vector = load_yaml(project / "infra/vector/vector.yaml")

    source = vector["sources"]["containers"]
    assert source["type"] == "docker_logs"
    assert source["include_labels"] == [f"com.docker.compose.project={compose['name']}"]
    mounts = compose["services"]["vector"]["volumes"]
    assert "./infra/vector/vector.yaml:/etc/vector/vector.yaml:ro" in mounts
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in mounts

    sink = vector["sinks"]["victorialogs"]
    assert sink["inputs"] == ["records"]
    assert vector["transforms"]["records"]["inputs"] == ["containers"]
    [endpoint] = sink["endpoints"]
    address = re.fullmatch(r"http://([\w-]+):(\d+)/insert/elasticsearch/", endpoint)
    assert address, endpoint
    host, port = address.groups()
    victorialogs = compose["services"][host]
    assert f"-httpListenAddr=:{port}" in victorialogs["command"]
    assert set(victorialogs["networks"]) & set(compose["services"]["vector"]["networks"])

    # The fields VictoriaLogs takes the message and time from are the ones every line has: the
    # services' logger and the gateway's log format both write them, and requestId beside them.
    gateway_format = (project / "infra/nginx/nginx.conf").read_text(encoding="utf-8")
    logger = (project / "packages/shared/src/logger.ts").read_text(encoding="utf-8")
    for field in (sink["query"]["_msg_field"], sink["query"]["_time_field"], "requestId"):
        assert f'"{field}":' in gateway_format, field
        assert field in logger, field
    assert sink["query"]["_stream_fields"] == "service"
    assert '.service = .label."com.docker.compose.service"' in vector["transforms"]["records"]["source"]


def test_the_docs_give_the_query_for_every_line_of_one_request(rendered: Render) -> None:
    operations = (rendered("defaults") / "docs/operations.md").read_text(encoding="utf-8")
    assert 'requestId:="' in operations
    assert "http://127.0.0.1:9428/select/vmui" in operations


def test_no_aggregation_renders_no_log_services(rendered: Render) -> None:
    project = rendered("logs:none")
    services = load_yaml(project / "docker-compose.prod.yml")["services"]
    assert not {"vector", "victorialogs"} & set(services)
    assert not (project / "infra/vector").exists()
    assert "9428" not in (project / "docs/operations.md").read_text(encoding="utf-8")
