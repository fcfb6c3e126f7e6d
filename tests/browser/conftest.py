"""Browser tests: Debian's Chromium driven by Playwright, against a live test server."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in this thread; Django's ORM must be allowed here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


MISSING = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    for item in items:
        if "tests/browser" in str(item.fspath):
            if IN_CI:  # CI must run them: fail, do not skip
                item.add_marker(pytest.mark.usefixtures("_chromium_is_required"))
            else:
                item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.fixture
def _chromium_is_required():
    pytest.fail(f"CI must run the browser tests: {MISSING}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def watched(page):
    """The page, failing the test on any console error or failed request."""
    problems = []
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # ERR_ABORTED is the browser cancelling requests of a page it navigates away from
    page.on(
        "requestfailed",
        lambda r: (
            None
            if "ERR_ABORTED" in (r.failure or "")
            else problems.append(f"failed: {r.url} {r.failure}")
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.problems = problems
    yield page
    assert problems == [], problems


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def axe_check():
    def run(page):
        if not AXE.exists():
            message = f"axe-core not installed at {AXE} (npm ci)"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious

    return run
