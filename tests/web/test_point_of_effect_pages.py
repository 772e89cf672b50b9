"""Issue 9 through the pages: what a person sees when a rule is taken again where its
effect happens (download, checklist, meeting, unit override), in English and Russian."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from tests.support import csrf_token, login, make_staff, post_form, service_ctx
from tests.web.test_consent_pages import _meeting_data, ready_for_meetings
from tests.web.test_disclosure_pages import (
    act,
    draft,
    make_world,
    release,
    signed_in,
)

REVOKED = "This package was revoked and its file deleted"
NOTIFICATIONS = "/notifications/"


def package_row(app, reference: str):  # type: ignore[no-untyped-def]
    from casework.extensions import db
    from casework.models import DisclosurePackage, DisclosureRequest

    with app.app_context():
        row = db.session.scalar(select(DisclosurePackage).join(
            DisclosureRequest, DisclosureRequest.id == DisclosurePackage.request_id).where(
            DisclosureRequest.reference == reference))
        db.session.expunge(row)
        return row


def download(client, reference: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/disclosures/{reference}").get_data(as_text=True)
    return client.post(f"/disclosures/{reference}/download",
                       data={"csrf_token": csrf_token(page)}, follow_redirects=True)


def test_consent_withdrawn_before_the_download_revokes_the_package(app):
    f = make_world(app)
    reference, liaison = release(app, f)
    folder = app.extensions["senim.settings"].instance_path / "packages"
    stored = folder / package_row(app, reference).storage_name
    assert stored.exists()
    cw = signed_in(app, f.caseworker)
    detail = f"/persons/{f.case_code}/consents/{f.consent}"
    withdrawn = post_form(cw, detail, f"{detail}/withdraw", follow_redirects=True)
    assert withdrawn.status_code == 200
    assert not stored.exists()  # deleted at the withdrawal, not at some later download
    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Revoked on" in page and "The person withdrew their consent" in page
    assert "Download the encrypted package" not in page
    refused = download(liaison, reference)
    assert REVOKED in refused.get_data(as_text=True)
    # The liaison and the drafter were told.
    for client in (liaison, cw):
        told = client.get(NOTIFICATIONS).get_data(as_text=True)
        assert f"The package of disclosure {reference} was revoked before it was handed " \
               "over" in told
    # In Russian too.
    liaison.post("/language", data={"csrf_token": csrf_token(page), "language": "ru",
                                     "next": f"/disclosures/{reference}"})
    ru = download(liaison, reference).get_data(as_text=True)
    assert "Этот пакет отозван, а его файл удалён" in ru


def test_mou_expiring_between_release_and_download_is_seen_at_the_download(app):
    from casework.extensions import db
    from casework.models import Staff
    from casework.services import roster

    today = date.today()
    f = make_world(app, **{"expires_on = 2027-12-31":
                           f"expires_on = {today + timedelta(days=1)}"})
    reference, _ = release(app, f)
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=3)
    with freeze_time(later):
        with app.app_context():
            c = service_ctx(app)
            staff = db.session.scalar(select(Staff).where(
                Staff.public_id == f.liaison.public_id))
            roster.add_shift(c, staff, c.now - timedelta(hours=1), c.now + timedelta(hours=8))
            db.session.commit()
        liaison = app.test_client()
        assert login(liaison, app, f.liaison).status_code == 200
        page = download(liaison, reference).get_data(as_text=True)
    assert "The MoU with this unit is no longer in force. The package can no longer be " \
           "handed over." in page
    assert package_row(app, reference).revoked_reason == "gate_mou_not_in_force"


def test_the_checklist_shows_the_new_checks_with_their_rule_ids(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    for label, rule in (("The police unit has a current assessment that allows this", "R70"),
                        ("The consent is no older than the MoU allows", "MOU-11"),
                        ("The risk assessment is no older than the MoU allows", "MOU-12"),
                        ("The person was advised and chose to give intelligence through us",
                         "R31"),
                        ("The person was told the risks and consequences (rule 32)", "R32")):
        assert label in page, label
        assert f"· {rule}" in page, rule
    assert "Every check passes." in page


def _not_recommended(app, unit: str) -> None:
    from casework.domain.legal import UNIT_QUESTIONS, UnitRecommendation
    from casework.extensions import db
    from casework.services import police_units

    with app.app_context():
        c = service_ctx(app)
        police_units.assess(c, police_units.get(c, unit),
                            answers={q: {"answer": "no", "note": ""} for q in UNIT_QUESTIONS},
                            recommendation=UnitRecommendation.NOT_RECOMMENDED,
                            valid_until=c.now.date() + timedelta(days=30))
        db.session.commit()


def test_not_recommended_unit_blocks_specific_until_the_adviser_overrides(app):
    f = make_world(app)
    _not_recommended(app, f.unit)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Cooperation with this unit is not recommended: only thematic entries may go " \
           "to it" in page
    refused = act(cw, reference, "submit")
    assert refused.status_code == 302
    adviser = make_staff(app, "legal_adviser")
    client = app.test_client()
    login(client, app, adviser)
    unit_page = client.get(f"/units/{f.unit}").get_data(as_text=True)
    assert "Documented reason for the override" in unit_page
    short = post_form(client, f"/units/{f.unit}", f"/units/{f.unit}/override",
                      data={"reason": "because"}, follow_redirects=True)
    assert "at least 20 characters" in short.get_data(as_text=True)
    done = post_form(client, f"/units/{f.unit}", f"/units/{f.unit}/override",
                     data={"reason": "Only the named officer handles it; the leak was 2019."},
                     follow_redirects=True)
    assert "The override was recorded." in done.get_data(as_text=True)
    assert "the leak was 2019" in done.get_data(as_text=True)
    # A caseworker cannot reach the override at all.
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert cw.post(f"/units/{f.unit}/override", data={
        "csrf_token": csrf_token(page), "reason": "x" * 40}).status_code == 403
    assert "Every check passes." in cw.get(f"/disclosures/{reference}").get_data(as_text=True)


def test_meeting_page_shows_the_assessment_and_needs_the_warning(app, client):
    from tests.web.test_consent_pages import make_unit, register

    login(client, app, make_staff(app, "caseworker"))
    unit = make_unit(app)
    code = register(client)
    page = client.get(f"/persons/{code}/meetings/new").get_data(as_text=True)
    assert "no current assessment: no meeting can be arranged with this unit yet" in page
    liaison = ready_for_meetings(app, unit, code=code,
                                 recommendation="cooperation_not_recommended")
    page = client.get(f"/persons/{code}/meetings/new").get_data(as_text=True)
    assert "Cooperation not recommended" in page
    refused = post_form(client, f"/persons/{code}/meetings/new",
                        data=_meeting_data(unit, liaison=liaison))
    assert refused.status_code == 422
    assert "tick that they were warned" in refused.get_data(as_text=True)
    no_liaison = post_form(client, f"/persons/{code}/meetings/new",
                           data=_meeting_data(unit, person_warned="y"))
    assert no_liaison.status_code == 422
    assert "Choose the designated liaison or deputy" in no_liaison.get_data(as_text=True)
    ok = post_form(client, f"/persons/{code}/meetings/new",
                   data=_meeting_data(unit, liaison=liaison, person_warned="y"))
    assert ok.status_code == 302


def test_calls_page_logs_against_the_designated_liaison(app):
    f = make_world(app)
    liaison = signed_in(app, f.liaison)
    page = liaison.get("/roster/calls")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Every contact with police goes through the designated liaison" in html
    data = {"unit": f.unit, "direction": "outgoing", "liaison": f.liaison.public_id,
            "occurred_at": "2020-01-01T10:00"}
    done = post_form(liaison, "/roster/calls", data=data, follow_redirects=True)
    assert "The call was logged." in done.get_data(as_text=True)
    assert "We called the police" in done.get_data(as_text=True)
    future = post_form(liaison, "/roster/calls", data={**data, "occurred_at":
                                                        "2999-01-01T10:00"})
    assert future.status_code == 422
    assert "A call cannot be logged before it happened." in future.get_data(as_text=True)
    cw = signed_in(app, f.caseworker)
    assert cw.get("/roster/calls").status_code == 403
