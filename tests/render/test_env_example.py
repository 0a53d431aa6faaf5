""".env.example names every variable the services read: each key of each config schema, and the
`_FILE` form of each secret that may come from a file."""

from __future__ import annotations

import re

import pytest

from tests.project import Render

# A schema key: `    NAME: z.` (the shared schema and each service's extension of it).
SCHEMA_KEY = re.compile(r"^\s+([A-Z][A-Z0-9_]+): z\.", re.MULTILINE)


@pytest.mark.parametrize("combination", ["defaults", "services:auth-only", "services:no-frontend"])
def test_env_example_lists_every_variable_the_services_read(rendered: Render, combination: str) -> None:
    project = rendered(combination)
    schemas = sorted(project.glob("packages/*/src/config.ts"))
    read = {name for path in schemas for name in SCHEMA_KEY.findall(path.read_text(encoding="utf-8"))}
    shared = (project / "packages/shared/src/config.ts").read_text(encoding="utf-8")
    [files] = re.findall(r"SECRET_FILE_VARIABLES = \[([^\]]*)\]", shared)
    read |= {f"{name}_FILE" for name in re.findall(r"'([A-Z_]+)'", files)}
    assert {"TRUST_PROXY", "DATABASE_URL_FILE", "LOG_DIR"} <= read  # the parsing found the schemas
    listed = (project / ".env.example").read_text(encoding="utf-8")
    missing = sorted(name for name in read if not re.search(rf"\b{name}\b", listed))
    assert missing == []
