"""`--dist loadgroup` for pytest 9: pytest-xdist 3.8 groups tests by a suffix it writes into
`item._nodeid`, which pytest 9 no longer reads (the id lives in `item._id`), so every group was
silently spread over the workers and each worker built the same renders again. This hook writes
the same suffix where pytest 9 keeps the id. Remove it once pytest-xdist does this itself."""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("dist", "no") != "loadgroup" and not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group") if mark.args})
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")
