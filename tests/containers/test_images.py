"""Every Dockerfile of the build-tier renders, built by the real Docker Engine from the render's
root, and the built image inspected and run: the user, healthcheck and command it declares, and
what its runtime layer holds. The base images are stand-ins (tests/standins/README.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.containers.images import BuildImages, Images
from tests.containers.stack import SIZES
from tests.engine import Engine
from tests.matrix import BUILD_COMBINATIONS

pytestmark = pytest.mark.xdist_group("engine")

DEV_ONLY = ("typescript", "vitest", "eslint", "prettier", "tsx", "vite", "concurrently")


def inspect(engine: Engine, tag: str) -> dict[str, Any]:
    return json.loads(engine.docker("image", "inspect", tag).stdout)[0]


def shell(engine: Engine, tag: str, script: str) -> str:
    """A shell command in a throwaway container of the image, as the image's own user."""
    return engine.docker("run", "--rm", "--entrypoint", "sh", tag, "-c", script).stdout


@pytest.mark.parametrize("combination", BUILD_COMBINATIONS)
def test_every_image_builds_and_ships_only_its_runtime(
    engine: Engine, images: BuildImages, combination: str
) -> None:
    built: Images = images(combination)
    sizes = json.loads(SIZES.read_text(encoding="utf-8")) if SIZES.is_file() else {}
    for name, tag in built.tags.items():
        image = inspect(engine, tag)
        config = image["Config"]
        frontend = name == "frontend"
        assert config["User"] == ("101:101" if frontend else "1000:1000"), name
        assert config["Healthcheck"]["Test"][0] == "CMD", f"{name}: the healthcheck is not exec form"
        assert config["Cmd"][0] != "/bin/sh", f"{name}: CMD is not exec form"
        assert shell(engine, tag, "id -u").strip() == ("101" if frontend else "1000")
        if frontend:
            listing = shell(engine, tag, "cd /usr/share/nginx/html && find . -type f").split()
            assert "./index.html" in listing
            assert any(path.startswith("./assets/") and path.endswith(".js") for path in listing)
        else:
            modules = shell(engine, tag, "ls /app/node_modules").split()
            assert "pm2" in modules
            assert not [package for package in DEV_ONLY if package in modules], name
            listing = shell(engine, tag, "cd /app && find packages -type f").split()
            assert f"packages/{name}/dist/server.js" in listing
            shipped_sources = [path for path in listing if "/src/" in path or "/test/" in path]
            assert shipped_sources == [], f"{name} ships sources or tests"
            packages = {path.split("/")[1] for path in listing}
            assert packages == {"shared", name}, f"{name} ships {packages}"
        maps = [path for path in listing if path.endswith((".map", ".tsbuildinfo"))]
        assert maps == [], f"{name} ships source maps or build info: {maps[:5]}"
        sizes[f"{combination}/{name}"] = {"bytes": image["Size"], "build_seconds": built.build_seconds[name]}
    SIZES.parent.mkdir(parents=True, exist_ok=True)
    SIZES.write_text(json.dumps(sizes, indent=2, sort_keys=True) + "\n", encoding="utf-8")
