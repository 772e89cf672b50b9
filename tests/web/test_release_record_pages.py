"""Rule 79 on the pages: once released, the disclosure page shows the record kept at
release, never the entry's current text; the entry page marks what changed since."""

from __future__ import annotations

from tests.support import bearer, make_token, post_form
from tests.web.test_disclosure_pages import make_world, release, signed_in
from tests.web.test_identity_oracle import FORM

LATER = "The controller moved everything to a different city office last week."


def test_disclosure_page_shows_what_left_after_a_later_edit(app) -> None:
    f = make_world(app)
    reference, liaison = release(app, f)
    before = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "What was disclosed" in before and "[withheld] bus company office" in before
    # The person's caseworker (who may read the person) rewrites the specific entry.
    caseworker = signed_in(app, f.caseworker)
    response = post_form(caseworker, f"/intel/{f.specific}/edit", data={
        **FORM, "kind": "specific", "text": LATER, "time": "2026-05",
        "time_granularity": "month", "place": "Shymkent", "place_granularity": "city",
        "tags": ["phase:transit"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    after = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert LATER not in after and "[withheld] bus company office" in after
    api = app.test_client().get(f"/api/v1/disclosures/{reference}",
                                headers=bearer(make_token(app, f.liaison)))
    assert api.status_code == 200
    shown = api.get_json()["preview"]
    assert all(item["released"] for item in shown)
    assert LATER not in api.get_data(as_text=True)
    entry_page = caseworker.get(f"/intel/{f.specific}").get_data(as_text=True)
    assert "Version 1 of this entry was disclosed to the police" in entry_page
    assert "The entry has changed since" in entry_page
    assert "<del>" in entry_page and "<ins>" in entry_page
