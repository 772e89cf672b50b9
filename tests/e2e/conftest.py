"""Browser end-to-end fixtures: a real HTTP server and Debian's Chromium through Playwright.

The live server runs its OWN application (fresh instance folder, migrated on start) on
127.0.0.1 and a free port; it never requests the root ``app`` fixture, so the root
``_clean_database`` fixture leaves it alone. ``database_urls`` is reused, so
``SENIM_TEST_DATABASE_URL`` runs these tests on PostgreSQL too.

Playwright drives the system Chromium (``/usr/bin/chromium``, Debian package ``chromium``);
no browser is ever downloaded. Every page records console errors (CSP violations included)
and uncaught page errors; on a failed test each open page is saved as a screenshot under
``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class LiveServer:
    url: str
    app: Any


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                database_urls: tuple[str, str]) -> Iterator[LiveServer]:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from casework import create_app
    from casework.extensions import db

    root = tmp_path_factory.mktemp("e2e-instance")
    cw, intel = database_urls
    application = create_app(make_settings(root, database_url=cw or None,
                                           intel_database_url=intel or None))
    with application.app_context():
        upgrade()
    # Port 0: the operating system picks a free port, with no race between probe and bind.
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="senim-live-server",
                              daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=application)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with application.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        found = shutil.which("chromium")
        pytest.fail(f"{CHROMIUM} is missing (found: {found}); install Debian's package: "
                    "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@dataclass
class Problems:
    """What went wrong inside the browser: console errors and uncaught exceptions."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                source = (message.location or {}).get("url") or "?"
                if source.endswith("/favicon.ico"):
                    return  # the browser asks on its own; the application declares no icon
                self.messages.append(f"console error on {page.url} (from {source}): "
                                     f"{message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.messages.append(
            f"page error on {page.url}: {error}"))


@dataclass
class Browsing:
    """Opens pages in fresh browser contexts (each context: its own cookies and cache)."""

    browser: Any
    base_url: str
    problems: Problems = field(default_factory=Problems)
    contexts: list[Any] = field(default_factory=list)
    pages: list[Any] = field(default_factory=list)

    def new_page(self, **context_options: Any) -> Any:
        options = {"base_url": self.base_url, "locale": "en-GB", **context_options}
        context = self.browser.new_context(**options)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        self.problems.watch(page)
        self.pages.append(page)
        return page

    def close(self) -> None:
        for context in self.contexts:
            # A crashed browser must not hide the test's own failure.
            with contextlib.suppress(Exception):
                context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def browsing(request: pytest.FixtureRequest, browser: Any,
             live_server: LiveServer) -> Iterator[Browsing]:
    session = Browsing(browser=browser, base_url=live_server.url)
    yield session
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for number, page in enumerate(session.pages):
            with contextlib.suppress(Exception):  # best effort only
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}-{number}.png"),
                                full_page=True)
    session.close()


@pytest.fixture
def page(browsing: Browsing) -> Any:
    return browsing.new_page()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot into test-artifacts/ (for people to look at)."""
    def take(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return take
