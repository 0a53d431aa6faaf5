"""Every supported answer set renders, and its files mean what they should."""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from extensions.filters import RESERVED_CONNECTIONS
from extensions.lockfile import resolve
from tests.matrix import SUPPORTED_COMBINATIONS, answers_for
from tests.project import (
    Render,
    capture,
    load_json,
    load_yaml,
    project_files,
    recorded_answers,
    relative_files,
    workspace_dirs,
)

COMBINATIONS = list(SUPPORTED_COMBINATIONS)
SCRIPT_NAMES = {"build", "lint", "typecheck", "test", "clean"}
ROOT_SCRIPTS = {"build", "dev", "lint", "typecheck", "test", "clean", "format", "format:check"}
# A Jinja expression (a name, maybe filtered) or statement left unrendered; JSX's `{{ a: 1 }}` and
# GitHub's `${{ }}` are not Jinja.
JINJA_LEFTOVER = re.compile(
    r"(?<!\$)\{\{-?\s*[A-Za-z_][\w.\[\]']*\s*(\|[^{}]*)?-?\}\}"
    r"|\{%-?\s*(if|elif|else|endif|for|endfor|set|macro|endmacro|raw|endraw|include)\b"
)


def expected_workspaces(answers: dict[str, Any]) -> list[str]:
    return sorted(["shared", *answers["services"]])


@pytest.fixture(params=COMBINATIONS)
def case(request: pytest.FixtureRequest, rendered: Render) -> tuple[Path, dict[str, Any]]:
    project = rendered(request.param)
    answers = recorded_answers(project)
    # The recorded answers are the ones this combination asked for, defaults filled in.
    assert answers.items() >= answers_for(request.param).items()
    return project, answers


# The playbook's files are Ansible's own Jinja templates, rendered on the servers: in them only an
# expression of a Copier answer is a leftover.
ANSIBLE_FILES = "infra/ansible/"


def test_no_template_syntax_is_left(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    copier_expression = re.compile(r"\{\{-?\s*(" + "|".join(map(re.escape, answers)) + r")\b")
    leftovers = []
    for path in project_files(project):
        relative = path.relative_to(project).as_posix()
        pattern = copier_expression if relative.startswith(ANSIBLE_FILES) else JINJA_LEFTOVER
        if pattern.search(path.read_text(encoding="utf-8")):
            leftovers.append(relative)
    assert leftovers == []


def test_every_json_and_yaml_file_parses(case: tuple[Path, dict[str, Any]]) -> None:
    project, _ = case
    parsed = 0
    for path in project_files(project):
        if path.suffix == ".json":
            load_json(path)
            parsed += 1
        elif path.suffix in {".yml", ".yaml"}:
            load_yaml(path)
            parsed += 1
    assert parsed >= 10


def test_workspaces_are_exactly_shared_and_the_chosen_services(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    assert workspace_dirs(project) == expected_workspaces(answers)


def test_manifests_name_the_scope_and_share_script_names(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    root = load_json(project / "package.json")
    recorded = load_yaml(project / ".copier-answers.yml")
    slug, scope = recorded["project_slug"], recorded["npm_scope"]
    assert root["name"] == slug
    assert root["workspaces"] == ["packages/*"]
    assert set(root["scripts"]) >= ROOT_SCRIPTS
    # The root only delegates to the workspaces (formatting is the one repository-wide tool).
    for name in ("build", "lint", "typecheck", "test"):
        assert root["scripts"][name] == f"npm run {name} --workspaces --if-present"
    assert root["engines"]["node"] == f">={answers['node_version']}"
    assert root["devDependencies"]["@types/node"].startswith(f"^{answers['node_version']}.")
    for workspace in workspace_dirs(project):
        manifest = load_json(project / "packages" / workspace / "package.json")
        assert manifest["name"] == f"{scope}/{workspace}"
        assert set(manifest["scripts"]) >= SCRIPT_NAMES
        assert manifest.get("license") == answers["license"]
        internal = {
            dep: spec for dep, spec in manifest.get("dependencies", {}).items() if dep.startswith(scope)
        }
        assert all(spec == "*" for spec in internal.values()), "internal dependencies are written '*'"


def test_lock_matches_every_manifest_and_is_complete(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    lock = load_json(project / "package-lock.json")
    packages = lock["packages"]
    root = load_json(project / "package.json")
    assert lock["name"] == root["name"]
    assert packages[""]["devDependencies"] == root["devDependencies"]
    chosen = expected_workspaces(answers)
    assert (
        sorted(p.split("/")[1] for p in packages if p.count("/") == 1 and p.startswith("packages/")) == chosen
    )
    for workspace in chosen:
        manifest = load_json(project / "packages" / workspace / "package.json")
        entry = packages[f"packages/{workspace}"]
        assert entry["name"] == manifest["name"]
        for field in ("dependencies", "devDependencies"):
            assert entry.get(field, {}) == manifest.get(field, {}), f"{workspace} {field}"
        assert packages[f"node_modules/{manifest['name']}"] == {
            "resolved": f"packages/{workspace}",
            "link": True,
        }
    # Every dependency a kept package declares can be found, and nothing else is kept.
    for location, entry in packages.items():
        if entry.get("link"):
            continue
        optional = set(entry.get("optionalDependencies", {})) | {
            name for name, meta in entry.get("peerDependenciesMeta", {}).items() if meta.get("optional")
        }
        for name in entry.get("dependencies", {}):
            assert resolve(packages, location, name) or name in optional, f"{location} needs {name}"
    if "frontend" not in chosen:
        assert not any(location.endswith("node_modules/react") for location in packages)


def test_solution_tsconfig_references_every_compiled_workspace(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    references = [ref["path"] for ref in load_json(project / "tsconfig.json")["references"]]
    compiled = [name for name in expected_workspaces(answers) if name != "frontend"]
    assert sorted(references) == [f"./packages/{name}/tsconfig.build.json" for name in compiled]


def test_node_major_is_the_answer_everywhere(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    major = answers["node_version"]
    assert (project / ".nvmrc").read_text(encoding="utf-8") == f"{major}\n"
    assert f"const expected = {major};" in (project / "scripts/check-node.mjs").read_text(encoding="utf-8")


def test_license_follows_the_answer(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    license_id = answers["license"]
    license_file = project / "LICENSE"
    assert license_file.is_file() is (license_id != "UNLICENSED")
    if license_id == "MIT":
        assert license_file.read_text(encoding="utf-8").startswith(
            "MIT License\n\nCopyright (c) Acme Platform Team"
        )
    if license_id == "Apache-2.0":
        assert "Apache License\n                           Version 2.0" in license_file.read_text(
            encoding="utf-8"
        )


def test_compose_files_keep_data_services_private(case: tuple[Path, dict[str, Any]]) -> None:
    """The rest of the production policy is asserted on the resolved file (test_containers.py)."""
    project, answers = case
    prod = load_yaml(project / "docker-compose.prod.yml")
    assert set(answers["services"]) <= set(prod["services"])
    for name in ("postgres", "redis"):
        assert "ports" not in prod["services"][name]
        assert prod["services"][name]["networks"] == ["data"]
    assert prod["networks"]["data"]["internal"] is True
    dev = load_yaml(project / "docker-compose.yml")
    for service in dev["services"].values():
        assert all(str(port).startswith("127.0.0.1:") for port in service["ports"])


def test_connection_budget_holds(case: tuple[Path, dict[str, Any]]) -> None:
    """Services x Swarm replicas x PM2 instances x pool max never exceeds max_connections minus the
    reserve (one host runs one replica)."""
    project, _ = case
    recorded = load_yaml(project / ".copier-answers.yml")
    conf = (project / "infra/postgres/postgresql.conf").read_text(encoding="utf-8")
    max_connections = int(capture(r"^max_connections = (\d+)$", conf, re.MULTILINE))
    pools = [
        int(capture(r"databaseEnvSchema\(\{ max: (\d+), min: \d+ \}\)", config.read_text(encoding="utf-8")))
        for config in sorted(project.glob("packages/*/src/config.ts"))
        if "databaseEnvSchema({" in config.read_text(encoding="utf-8")
    ]
    assert pools, "no service holds a pool"
    ecosystem = (project / "ecosystem.config.cjs").read_text(encoding="utf-8")
    instances = int(capture(r"^const instances = (\d+);$", ecosystem, re.MULTILINE))
    assert instances == recorded["pm2_instances"]
    assert "instances: 'max'" not in ecosystem
    stack = (project / "docker-stack.yml").read_text(encoding="utf-8")
    replicas = {int(count) for count in re.findall(r"replicas: \$\{[A-Z_]+_REPLICAS:-(\d+)\}", stack)}
    assert replicas == {recorded["swarm_replicas"]}
    assert sum(pools) * replicas.pop() * instances <= max_connections - RESERVED_CONNECTIONS


def test_answers_file_records_answers_and_no_secret(case: tuple[Path, dict[str, Any]]) -> None:
    project, answers = case
    recorded = load_yaml(project / ".copier-answers.yml")
    for key, value in answers.items():
        assert recorded[key] == value
    assert not [key for key in recorded if re.search(r"secret|password|token|key", key)]


def test_frontend_strings_are_the_answers_as_javascript_reads_them(
    case: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    project, answers = case
    site = project / "packages/frontend/src/site.ts"
    assert site.is_file() is ("frontend" in answers["services"])
    if site.is_file():
        # The file is plain JavaScript (no types): Node reads its literals back, quotes and all.
        module = tmp_path / "site.mjs"
        shutil.copy(site, module)
        script = f"import {{ site }} from {json.dumps(module.as_uri())}; console.log(JSON.stringify(site))"
        command = ["node", "--input-type=module", "-e", script]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {
            "name": answers["project_name"],
            "description": answers["description"],
        }


def test_default_render_has_the_seed_layout(rendered: Render) -> None:
    files = relative_files(rendered("defaults"))
    for expected in (
        "package.json",
        "package-lock.json",
        "tsconfig.base.json",
        "tsconfig.json",
        "eslint.config.js",
        ".prettierrc",
        ".editorconfig",
        ".gitignore",
        ".nvmrc",
        ".env.example",
        "README.md",
        "docker-compose.yml",
        "docker-compose.prod.yml",
        "docs/architecture.md",
        "scripts/check-node.mjs",
        "packages/shared/src/index.ts",
        "packages/auth-service/src/app.ts",
        "packages/auth-service/src/server.ts",
        "packages/core-service/src/app.ts",
        "packages/mcp-server/src/app.ts",
        "packages/frontend/src/app.tsx",
    ):
        assert expected in files


def test_two_renders_of_the_same_answers_are_byte_identical(copie: Any, template_dir: Path) -> None:
    first = copie.copy(extra_answers=answers_for("defaults"), template_dir=template_dir).project_dir
    second = copie.copy(extra_answers=answers_for("defaults"), template_dir=template_dir).project_dir
    assert relative_files(first) == relative_files(second)
    _, mismatch, errors = filecmp.cmpfiles(first, second, sorted(relative_files(first)), shallow=False)
    assert mismatch == []
    assert errors == []


@pytest.mark.parametrize(
    ("text", "leftover"),
    [
        ("{{ project_name }}", True),
        ("{{ services | join(',') }}", True),
        ("{%- if 'frontend' in services %}", True),
        ("onClick={() => {}}", False),
        ("style={{ color: 'red' }}", False),
        ("ref: ${{ github.sha }}", False),
    ],
)
def test_leftover_detector_tells_jinja_from_jsx_and_github(text: str, leftover: bool) -> None:
    assert bool(JINJA_LEFTOVER.search(text)) is leftover
