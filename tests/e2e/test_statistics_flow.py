"""Issue 15's browser acceptance: the director opens the statistics page in Kazakh,
switches the period, downloads the XLSX after a step-up, and the charts render."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Browsing, LiveServer
from tests.e2e.test_first_login import (
    assert_no_browser_errors,
    compiled_translation,
    current_code,
    html_lang,
    sign_in,
)
from tests.support import forget_last_totp_step, make_staff, service_ctx

pytestmark = pytest.mark.e2e


def _history(app: Any) -> None:
    from casework.extensions import db
    from casework.services import accounts, demo_history, statistics

    with app.app_context():
        c = service_ctx(app)
        caseworker = make_staff(app, "caseworker")
        demo_history.load(c, accounts.by_public_id(c, caseworker.public_id), size=60)
        db.session.commit()
    statistics.forget_cached()


def test_director_reads_statistics_in_kazakh_and_downloads_the_spreadsheet(
        live_server: LiveServer, browsing: Browsing,
        screenshot: Callable[[Any, str], Path]) -> None:
    app = live_server.app
    _history(app)
    director = make_staff(app, "director")
    page = browsing.new_page()
    sign_in(page, app, director)
    page.get_by_role("button", name="Қазақша").click()
    page.wait_for_url("**/")
    assert html_lang(page) == "kk"

    page.goto("/statistics/")
    title = compiled_translation("kk", "Statistics")
    if title is not None:
        assert page.locator("main h1").inner_text() == title
    images = page.locator("section.stat img")
    assert images.count() >= 10

    def charts_rendered() -> None:
        page.wait_for_load_state("load")
        for index in range(images.count()):
            image = images.nth(index)
            image.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete", arg=image.element_handle())
            width = image.evaluate("img => img.naturalWidth")
            assert width > 0, image.get_attribute("src")

    charts_rendered()
    screenshot(page, "statistics-kk")

    # Switch the period to the latest year.
    options = page.locator("select[name=period] option")
    year = options.nth(options.count() - 1).get_attribute("value")
    assert year and year.startswith("year-")
    page.select_option("select[name=period]", year)
    page.locator("main form.filters button").click()
    page.wait_for_url(f"**period={year}**")
    assert page.locator("select[name=period]").input_value() == year
    charts_rendered()

    # The spreadsheet: a step-up first, then the download itself.
    page.locator(f"a[href*='export.xlsx?period={year}']").click()
    page.wait_for_url("**/auth/step-up**")
    forget_last_totp_step(app, director.public_id)
    page.fill("#password", director.password)
    page.fill("#code", current_code(director.totp_secret))
    with page.expect_download() as info:
        page.locator("main form button.primary").click()
    download = info.value
    assert download.suggested_filename == f"senim-statistics-{year}.xlsx"
    body = Path(download.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
    assert_no_browser_errors(browsing)
