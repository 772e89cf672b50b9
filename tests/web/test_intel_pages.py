"""The intelligence pages (issue 4): role matrix, the thematic check, privacy review and
incoming intelligence from police."""

from __future__ import annotations

import re

import pytest

from tests.support import audit_rows, login, make_staff, post_form

ROLES = ["caseworker", "psychologist", "legal_adviser", "liaison", "director", "auditor"]
# (url, roles allowed)
PAGES = [
    ("/intel/", {"caseworker", "legal_adviser", "liaison"}),
    ("/intel/new", {"caseworker", "liaison"}),
    ("/intel/incoming/new", {"liaison"}),
]

THEMATIC = {
    "kind": "thematic", "subject_area": "recruitment_methods", "source_type": "open_sources",
    "source_evaluation": "2", "intel_assessment": "C", "handling_code": "P",
    "statement": "reported_fact",
    "text": "Recruiters post fake waitress jobs abroad on social networks.",
    "tags": ["recruitment-method:online-social-network", "phase:recruitment"],
    "time": "2024", "time_granularity": "year", "place": "Almaty region",
    "place_granularity": "region",
}


def intel_count(app) -> int:
    from sqlalchemy import func, select

    from casework.extensions import db
    from casework.models import IntelEntry

    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(IntelEntry)) or 0)


def entry_row(app, reference):
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import IntelEntry

    with app.app_context():
        row = db.session.scalar(select(IntelEntry).where(IntelEntry.reference == reference))
        db.session.expunge(row)
        return row


def signed_in(app, role):
    user = make_staff(app, role)
    client = app.test_client()
    assert login(client, app, user).status_code == 200
    return client, user


def create(client, **changes):
    response = post_form(client, "/intel/new", data={**THEMATIC, **changes})
    return response


def reference_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/intel/(I-[A-Z0-9]+)$", response.location)
    assert match, response.location
    return match.group(1)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_role_matrix(app, role, url, allowed):
    client, user = signed_in(app, role)
    response = client.get(url)
    assert response.status_code == (200 if role in allowed else 403)
    if role not in allowed:
        denied = [r for r in audit_rows(app, "access.denied") if r.actor == user.public_id]
        assert denied
        assert denied[-1].outcome == "forbidden"


@pytest.mark.parametrize("role", ROLES)
def test_detail_and_write_pages_by_role(app, role):
    author, _ = signed_in(app, "caseworker")
    reference = reference_of(create(author))
    client, _ = signed_in(app, role)
    detail = client.get(f"/intel/{reference}")
    edit = client.get(f"/intel/{reference}/edit")
    if role in {"caseworker", "legal_adviser", "liaison"}:
        assert detail.status_code == 200
        html = detail.get_data(as_text=True)
        assert "fake waitress jobs" in html
        may_write = role in {"caseworker", "liaison"}
        assert ("Reviewed for privacy</button>" in html) is may_write
        assert (f"/intel/{reference}/edit" in html) is may_write
        assert edit.status_code == (200 if may_write else 403)
    else:
        assert (detail.status_code, edit.status_code) == (403, 403)


def test_nav_link_only_for_intelligence_roles(app):
    for role in ROLES:
        client, _ = signed_in(app, role)
        html = client.get("/").get_data(as_text=True)
        assert ('href="/intel/"' in html) is (role in {"caseworker", "legal_adviser",
                                                       "liaison"}), role


def test_kind_has_no_default_and_must_be_chosen(app):
    client, _ = signed_in(app, "caseworker")
    page = client.get("/intel/new").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="kind"[^>]*>', page)
    assert len(radios) == 2
    assert not any("checked" in r for r in radios)
    data = {k: v for k, v in THEMATIC.items() if k != "kind"}
    response = post_form(client, "/intel/new", data=data)
    assert response.status_code == 200
    assert "Choose thematic or specific." in response.get_data(as_text=True)
    assert intel_count(app) == 0


def test_thematic_entry_needs_a_second_persons_privacy_review(app):
    author, author_user = signed_in(app, "caseworker")
    reference = reference_of(create(author))
    row = entry_row(app, reference)
    assert (row.kind, row.direction, row.privacy_status, row.created_by) == (
        "thematic", "own", "pending", author_user.public_id)
    page = author.get(f"/intel/{reference}").get_data(as_text=True)
    assert "Reviewed for privacy</button>" not in page
    assert "2/C/P" in page
    assert "2 – untested" in page

    # The author cannot sign off their own entry, even by posting directly.
    refused = post_form(author, f"/intel/{reference}", f"/intel/{reference}/review",
                        follow_redirects=True)
    assert refused.status_code == 200
    assert "someone else must review it" in refused.get_data(as_text=True)
    assert entry_row(app, reference).privacy_status == "pending"
    denied = audit_rows(app, "intel.privacy_review")
    assert [(r.outcome, r.object_ref) for r in denied] == [("denied", reference)]

    reviewer, reviewer_user = signed_in(app, "liaison")
    page = reviewer.get(f"/intel/{reference}").get_data(as_text=True)
    assert "Reviewed for privacy</button>" in page
    done = post_form(reviewer, f"/intel/{reference}", f"/intel/{reference}/review")
    assert done.status_code == 302
    row = entry_row(app, reference)
    assert (row.privacy_status, row.privacy_reviewed_by) == ("cleared",
                                                             reviewer_user.public_id)
    page = reviewer.get(f"/intel/{reference}").get_data(as_text=True)
    assert "Test liaison" in page
    assert "Reviewed for privacy</button>" not in page
    # Reviewing again is refused: it is no longer pending.
    again = post_form(reviewer, f"/intel/{reference}", f"/intel/{reference}/review",
                      follow_redirects=True)
    assert "not waiting for a privacy review" in again.get_data(as_text=True)


IDENTIFYING = [
    ("exact date", "Seen at the border on 17.05.2024 with a group.", "17.05.2024",
     "Contains an exact date"),
    ("phone", "The recruiter answers on +7 701 555 12 34 at night.", "+7 701 555 12 34",
     "Contains a phone number"),
    ("address", "Workers are housed at ул. Абая 15 in a basement.", "ул.",
     "Contains an address"),
    ("passport", "She travelled on passport N12345678 issued abroad.", "passport N12345678",
     "document number"),
]


@pytest.mark.parametrize(("case", "text", "fragment", "message"), IDENTIFYING,
                         ids=[c[0] for c in IDENTIFYING])
def test_thematic_entry_with_identifying_detail_is_refused(app, case, text, fragment,
                                                          message):
    client, _ = signed_in(app, "caseworker")
    response = create(client, text=text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not saved: this thematic entry could identify someone" in html
    assert message in html
    assert f"<mark>{fragment}" in html
    assert text in html  # the author's text is kept so it can be corrected
    assert intel_count(app) == 0
    blocked = audit_rows(app, "intel.thematic_blocked")
    assert [r.outcome for r in blocked] == ["denied"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("time_granularity", "day", "The time is too precise for thematic intelligence"),
    ("time_granularity", "exact", "The time is too precise for thematic intelligence"),
    ("place_granularity", "city", "The place is too precise for thematic intelligence"),
])
def test_thematic_entry_with_fine_time_or_place_is_refused(app, field, value, message):
    client, _ = signed_in(app, "caseworker")
    response = create(client, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f"<mark>{value}</mark>" not in html  # a granularity name is not a fragment
    assert intel_count(app) == 0


def test_specific_entry_may_hold_identifying_details(app):
    client, _ = signed_in(app, "caseworker")
    text = ("Seen on 17.05.2024; recruiter phone +7 701 555 12 34; housed at ул. Абая 15; "
            "passport N12345678.")
    reference = reference_of(create(client, kind="specific", text=text,
                                    time="17.05.2024", time_granularity="day",
                                    place="Almaty", place_granularity="city"))
    row = entry_row(app, reference)
    assert (row.kind, row.privacy_status) == ("specific", "not_needed")
    html = client.get(f"/intel/{reference}").get_data(as_text=True)
    assert "it can leave the organisation only through the disclosure workflow" in html
    assert "+7 701 555 12 34" in html
    assert "Reviewed for privacy</button>" not in html


def test_victim_source_type_cannot_be_chosen_here(app):
    client, _ = signed_in(app, "caseworker")
    page = client.get("/intel/new").get_data(as_text=True)
    assert 'value="victim_or_close_person"' not in page
    response = create(client, source_type="victim_or_close_person", kind="specific")
    assert response.status_code == 200  # not a valid choice: the form says so
    assert intel_count(app) == 0


def test_unknown_tag_is_refused_by_the_form(app):
    client, _ = signed_in(app, "caseworker")
    response = create(client, tags=["phase:teleportation"])
    assert response.status_code == 200
    assert intel_count(app) == 0


def test_edit_rechecks_and_asks_for_a_new_review(app):
    author, _ = signed_in(app, "caseworker")
    reference = reference_of(create(author))
    reviewer, _ = signed_in(app, "liaison")
    post_form(reviewer, f"/intel/{reference}", f"/intel/{reference}/review")
    assert entry_row(app, reference).privacy_status == "cleared"

    page = author.get(f"/intel/{reference}/edit").get_data(as_text=True)
    assert "fake waitress jobs" in page
    kind = [r for r in re.findall(r'<input[^>]*name="kind"[^>]*>', page) if "checked" in r]
    assert len(kind) == 1
    assert 'value="thematic"' in kind[0]
    blocked = post_form(author, f"/intel/{reference}/edit",
                        data={**THEMATIC, "text": "Call +7 701 555 12 34"})
    assert blocked.status_code == 422
    assert entry_row(app, reference).version == 1

    done = post_form(author, f"/intel/{reference}/edit",
                     data={**THEMATIC, "text": "Recruiters now use messenger groups."})
    assert done.status_code == 302
    row = entry_row(app, reference)
    assert (row.version, row.privacy_status, row.privacy_reviewed_by) == (2, "pending", None)
    assert "messenger groups" in author.get(f"/intel/{reference}").get_data(as_text=True)


def test_incoming_entry_is_listed_apart_from_our_own(app):
    liaison, _ = signed_in(app, "liaison")
    response = post_form(liaison, "/intel/incoming/new", data={
        **{k: v for k, v in THEMATIC.items() if k != "source_type"},
        "kind": "specific", "received_from": "Department 4 of the regional police",
        "text": "Police report a new route through the southern border.",
        "source_evaluation": "1", "intel_assessment": "B", "handling_code": "C"})
    reference = reference_of(response)
    row = entry_row(app, reference)
    assert (row.direction, row.source_type, row.received_from) == (
        "incoming", "law_enforcement", "Department 4 of the regional police")
    own_ref = reference_of(create(liaison))

    own = liaison.get("/intel/").get_data(as_text=True)
    incoming = liaison.get("/intel/?direction=incoming").get_data(as_text=True)
    assert own_ref in own
    assert reference not in own
    assert reference in incoming
    assert own_ref not in incoming
    assert "1/B/C" in incoming
    # The list names no source: neither the sending unit nor the source type.
    assert "Department 4" not in incoming
    assert "Law enforcement" not in incoming
    assert "Open sources" not in own
    detail = liaison.get(f"/intel/{reference}").get_data(as_text=True)
    assert "Department 4 of the regional police" in detail
    assert "Received from police" in detail

    # Filtering by kind.
    assert reference not in liaison.get("/intel/?direction=incoming&kind=thematic").get_data(
        as_text=True)

    # Caseworkers read it but cannot change what the police sent.
    caseworker, _ = signed_in(app, "caseworker")
    assert caseworker.get("/intel/?direction=incoming").status_code == 200
    assert caseworker.get(f"/intel/{reference}/edit").status_code == 403
    assert caseworker.get("/intel/incoming/new").status_code == 403


def test_incoming_needs_the_sending_unit(app):
    liaison, _ = signed_in(app, "liaison")
    response = post_form(liaison, "/intel/incoming/new", data={**THEMATIC,
                                                               "received_from": ""})
    assert response.status_code == 200
    assert "Say which police unit sent this intelligence." in response.get_data(as_text=True)
    assert intel_count(app) == 0


def test_every_finding_and_reason_has_a_message_and_every_tag_a_label():
    from casework.domain.identifiers import Finding, ReviewReason
    from casework.domain.taxonomy import TAGS
    from casework.services.intel import IntelReason
    from casework.web.forms_intel import TAG_PREDICATE_LABELS, TAG_VALUE_LABELS
    from casework.web.messages_intel import INTEL_MESSAGES

    for reason in [*Finding, *ReviewReason, *IntelReason]:
        assert reason in INTEL_MESSAGES, reason
    for predicate, values in TAGS.items():
        assert predicate in TAG_PREDICATE_LABELS
        for value in values:
            assert value in TAG_VALUE_LABELS, value


def test_pages_have_no_inline_script_or_style(app):
    client, _ = signed_in(app, "liaison")
    reference = reference_of(create(client))
    for url in ("/intel/", "/intel/new", "/intel/incoming/new", f"/intel/{reference}",
                f"/intel/{reference}/edit"):
        html = client.get(url).get_data(as_text=True)
        # External scripts only (senim.js, under the CSP's 'self'); nothing inline.
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        for forbidden in ("style=", "<style"):
            assert forbidden not in html, url
