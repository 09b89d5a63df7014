"""axe-core (the npm package, installed by ``make install-test`` into build/axe) run inside a
Playwright page: the accessibility violations of the page as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import PROJECT

AXE_JS = PROJECT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:  # noqa: ANN001
    """Each violation as "rule (impact): targets"; the open shadow roots are checked too."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make install-test` (npm install of axe-core)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=Path(AXE_JS).read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core"
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]]
