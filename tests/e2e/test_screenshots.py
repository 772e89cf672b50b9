"""`make screenshots` (issue 13): the main pages of every role at desktop and phone size in
kk, ru and en, saved into ``screenshots/`` (git-ignored) for a reviewer to look at.

Only runs when SENIM_SCREENSHOTS names the folder (the make target sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Browsing
from tests.e2e.usability_support import LANGUAGES, SIZES, Demo, demo, main_pages, open_as, slug

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not os.environ.get("SENIM_SCREENSHOTS"),
    reason="screenshots are taken by `make screenshots` (SENIM_SCREENSHOTS=folder)")]
__all__ = ["demo"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", list(SIZES))
def test_screenshots(demo: Demo, browsing: Browsing, size: str, language: str) -> None:
    folder = Path(os.environ["SENIM_SCREENSHOTS"]) / language / size
    folder.mkdir(parents=True, exist_ok=True)
    for role, paths in main_pages(demo).items():
        page = open_as(browsing, demo, role, size=SIZES[size], language=language)
        for path in paths:
            page.goto(path)
            page.screenshot(path=str(folder / f"{role}-{slug(path)}.png"), full_page=True)
        if size == "phone":  # the folded menu, opened
            page.goto("/")
            page.locator("details.menu > summary").click()
            page.screenshot(path=str(folder / f"{role}-menu-open.png"))
        page.context.close()
    assert any(folder.iterdir())
