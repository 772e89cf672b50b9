"""Issue 13, points 1-5 and 11 (and issue 10.5) through the pages, CSRF on.

1. A refused form keeps what was typed, stays open and names the field.
2. Step-up completes the action it protects and names it.
3. Possible duplicates at registration, through the blind indexes, either script.
4. Search tells the truth about people not assigned to the searcher.
5. A draft disclosure whose checks fail can be corrected; Submit is disabled meanwhile.
11. Dates shown as DD.MM.YYYY in the organisation's zone; precise date messages.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.support import (
    audit_rows,
    csrf_token,
    current_code,
    forget_last_totp_step,
    login,
    make_staff,
    post_form,
    table_counts,
)
from tests.web.test_disclosure_pages import (
    act,
    draft,
    key,
    make_world,
    signed_in,
    state_of,
)
from tests.web.test_persons_pages import PERSON, register

NOTE_TEXT = "She asked for help with her documents; we agreed to meet on Friday."


def local_today() -> date:
    from casework.models.base import utcnow
    from casework.services import clock

    return clock.local_day(utcnow())


# --- 1 and 11: nothing typed is lost; precise date messages ---------------------------------


def test_a_note_without_a_date_stays_open_with_its_text_and_names_the_field(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    page = client.get(f"/persons/{code}").get_data(as_text=True)
    # The date starts at today, in the organisation's zone.
    notes = page.split('<section id="notes">')[1]
    assert f'name="occurred_on" required type="date" value="{local_today().isoformat()}"' in notes
    before = table_counts(app)
    response = client.post(f"/persons/{code}/notes", data={
        "csrf_token": csrf_token(page), "kind": "service", "occurred_on": "",
        "service_type": "legal", "body": NOTE_TEXT})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Date is required." in html
    assert NOTE_TEXT in html  # the text is still in the form
    assert '<option value="service" selected>' in html
    assert '<option selected value="legal">' in html
    assert re.search(r"<details open>\s*<summary>Add a note", html)
    assert table_counts(app) == before


def test_note_dates_that_do_not_exist_or_are_in_the_future(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    page = client.get(f"/persons/{code}").get_data(as_text=True)
    for value, message in (("2026-02-31", "This date does not exist."),
                           ("31.02.2025", "This date does not exist."),
                           ((local_today() + timedelta(days=1)).isoformat(),
                            "This date is in the future."),
                           ("next tuesday", "Use the form DD.MM.YYYY")):
        response = client.post(f"/persons/{code}/notes", data={
            "csrf_token": csrf_token(page), "kind": "note", "occurred_on": value,
            "body": NOTE_TEXT})
        assert response.status_code == 422, value
        html = response.get_data(as_text=True)
        assert message in html and NOTE_TEXT in html, value
    # A date typed the local way is accepted and shown the local way.
    yesterday = local_today() - timedelta(days=1)
    response = client.post(f"/persons/{code}/notes", data={
        "csrf_token": csrf_token(page), "kind": "note",
        "occurred_on": yesterday.strftime("%d.%m.%Y"), "body": NOTE_TEXT})
    assert response.status_code == 302
    html = client.get(f"/persons/{code}").get_data(as_text=True)
    assert yesterday.strftime("%d.%m.%Y") in html
    assert yesterday.isoformat() not in html.replace(f'value="{local_today().isoformat()}"', "")


def test_date_messages_in_kazakh_and_russian(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    for lang, required in (("ru", "обязательно"), ("kk", "міндетті")):
        post_form(client, "/", "/language", data={"language": lang})
        page = client.get(f"/persons/{code}").get_data(as_text=True)
        response = client.post(f"/persons/{code}/notes", data={
            "csrf_token": csrf_token(page), "kind": "note", "occurred_on": "",
            "body": NOTE_TEXT})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and required in html.lower(), lang
        assert "This field is required" not in html
        response = client.post(f"/persons/{code}/notes", data={
            "csrf_token": csrf_token(page), "kind": "note", "occurred_on": "2025-02-30",
            "body": NOTE_TEXT})
        assert "This date does not exist" not in response.get_data(as_text=True), lang


def test_times_are_local_and_labelled(app, client):
    """Issue 10.5: stored in UTC, shown in SENIM_TIMEZONE (Asia/Almaty in tests)."""
    from casework.web import timefmt

    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    html = client.get("/persons/").get_data(as_text=True)
    assert "Registered (Asia/Almaty (UTC+05:00))" in html
    assert re.search(r"<td>\d\d\.\d\d\.\d{4}</td>", html)
    assert code in html
    with app.test_request_context():
        from datetime import datetime

        assert timefmt.format_datetime(datetime(2026, 3, 1, 20, 30)) == "02.03.2026 01:30"


# --- 2: step-up completes the action ------------------------------------------------------


def _pending_page(client, location: str) -> tuple[str, str, str]:
    html = client.get(location).get_data(as_text=True)
    action = re.search(r'action="([^"]+)" novalidate', html).group(1)
    pending = re.search(r'name="step_up_action" value="([^"]+)"', html).group(1)
    return html, action, pending


def test_step_up_names_the_approval_and_carries_it_out_once(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    assert act(cw, reference, "submit").status_code == 302
    liaison = signed_in(app, f.liaison)
    response = act(liaison, reference, "approve")
    assert "/auth/step-up?action=" in response.location
    html, action, pending = _pending_page(liaison, response.location)
    assert f"Approve {reference} to Test ATU" in html
    assert action == f"/disclosures/{reference}/approve"
    # A GET of the pending action does nothing; a wrong password does nothing either.
    assert liaison.get(response.location).status_code == 200
    forget_last_totp_step(app, f.liaison.public_id)
    wrong = liaison.post(action, data={
        "csrf_token": csrf_token(html), "step_up": "1", "step_up_action": pending,
        "password": "not the password", "code": current_code(f.liaison.totp_secret)})
    assert wrong.status_code == 401
    assert f"Approve {reference} to Test ATU" in wrong.get_data(as_text=True)
    assert state_of(app, reference) == "submitted"
    # A made-up pending id: nothing happens.
    forget_last_totp_step(app, f.liaison.public_id)
    other = liaison.post(action, data={
        "csrf_token": csrf_token(html), "step_up": "1", "step_up_action": "forged",
        "password": f.liaison.password, "code": current_code(f.liaison.totp_secret)})
    assert other.status_code == 302 and state_of(app, reference) == "submitted"
    # The real one: the approval happens with its confirmation.
    response = act(liaison, reference, "approve")
    html, action, pending = _pending_page(liaison, response.location)
    forget_last_totp_step(app, f.liaison.public_id)
    done = liaison.post(action, data={
        "csrf_token": csrf_token(html), "step_up": "1", "step_up_action": pending,
        "password": f.liaison.password, "code": current_code(f.liaison.totp_secret)},
        follow_redirects=True)
    assert state_of(app, reference) == "released"
    assert "Approved and released" in done.get_data(as_text=True)
    # The pending action is spent: replaying it does nothing more.
    again = liaison.post(action, data={
        "csrf_token": csrf_token(html), "step_up": "1", "step_up_action": pending,
        "password": f.liaison.password, "code": current_code(f.liaison.totp_secret)})
    assert again.status_code == 302
    assert len([r for r in audit_rows(app, "disclosure.approve") if r.outcome != "denied"]) \
        == 1


def test_step_up_without_csrf_does_nothing(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    act(cw, reference, "submit")
    liaison = signed_in(app, f.liaison)
    response = act(liaison, reference, "approve")
    _html, action, pending = _pending_page(liaison, response.location)
    forget_last_totp_step(app, f.liaison.public_id)
    refused = liaison.post(action, data={
        "step_up": "1", "step_up_action": pending, "password": f.liaison.password,
        "code": current_code(f.liaison.totp_secret)})
    assert refused.status_code == 302 and refused.location.endswith("/auth/login")
    assert state_of(app, reference) == "submitted"


def test_pending_step_up_action_expires(app):
    from freezegun import freeze_time

    from casework.models.base import utcnow

    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    act(cw, reference, "submit")
    liaison = signed_in(app, f.liaison)
    response = act(liaison, reference, "approve")
    html, action, pending = _pending_page(liaison, response.location)
    with freeze_time(utcnow() + timedelta(minutes=6)):
        late = liaison.post(action, data={
            "csrf_token": csrf_token(html), "step_up": "1", "step_up_action": pending,
            "password": f.liaison.password, "code": current_code(f.liaison.totp_secret)})
    assert late.status_code == 302
    assert state_of(app, reference) == "submitted"


# --- 3: possible duplicates at registration -----------------------------------------------


def test_registration_warns_of_a_possible_match_in_either_script(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    latin = {**PERSON, "full_name": "Aigul Sadykova", "aliases": "", "date_of_birth": "",
             "phones": "", "code_word": "plum"}
    quiet = ("audit_events", "audit_checkpoints")
    before = table_counts(app, exclude=quiet)
    response = post_form(client, "/persons/new", data=latin)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Possible match:" in html and code in html
    assert 'value="Aigul Sadykova"' in html and 'value="plum"' in html  # nothing lost
    assert table_counts(app, exclude=quiet) == before
    # The same phone or date of birth is a possible match too.
    for changes in ({"phones": "8 (701) 555-12-34"}, {"date_of_birth": "17.05.1990"}):
        response = post_form(client, "/persons/new", data={**latin, "full_name": "Other Name",
                                                           **changes})
        assert response.status_code == 409 and code in response.get_data(as_text=True)
    # A different person: register anyway.
    response = post_form(client, "/persons/new", data={**latin, "confirm_new": "1"})
    assert response.status_code == 302
    assert [r.outcome for r in audit_rows(app, "person.possible_match")] == ["1+0"] * 3


def test_a_match_not_assigned_to_me_reveals_nothing_and_offers_emergency_access(app):
    first = app.test_client()
    login(first, app, make_staff(app, "caseworker"))
    code = register(first)
    other = app.test_client()
    login(other, app, make_staff(app, "caseworker"))
    response = post_form(other, "/persons/new", data={
        **PERSON, "full_name": "Садыкова Айгуль", "aliases": "", "date_of_birth": "",
        "phones": ""})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone matches who is not assigned to you." in html
    assert code not in html and "Садықова" not in html
    assert "Request emergency access" in html
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', html).group(1)
    short = other.post("/persons/emergency-access", data={
        "csrf_token": csrf_token(html), "ticket": ticket, "reason": "urgent"})
    assert short.status_code == 422 and code not in short.get_data(as_text=True)
    forged = other.post("/persons/emergency-access", data={
        "csrf_token": csrf_token(html), "ticket": "x" * 20,
        "reason": "Police called at night about her safety; the assigned worker is off."})
    assert forged.status_code == 302 and code not in forged.location
    granted = other.post("/persons/emergency-access", data={
        "csrf_token": csrf_token(html), "ticket": ticket,
        "reason": "Police called at night about her safety; the assigned worker is off."})
    assert granted.status_code == 302 and granted.location.endswith(f"/persons/{code}")
    assert other.get(f"/persons/{code}").status_code == 200
    assert [r.object_ref for r in audit_rows(app, "person.break_glass")
            if r.outcome != "denied"] == [code]


# --- 4: search tells the truth --------------------------------------------------------------


def test_search_says_someone_unassigned_matches_and_audits_it(app):
    first = app.test_client()
    login(first, app, make_staff(app, "caseworker"))
    code = register(first)
    other = app.test_client()
    login(other, app, make_staff(app, "psychologist"))
    response = post_form(other, "/persons/", "/persons/search", data={"query": "Aigul"})
    html = response.get_data(as_text=True)
    assert "Someone matches who is not assigned to you." in html
    assert "Try another spelling" not in html
    assert code not in html and "Садықова" not in html and "1990" not in html
    assert "Request emergency access" in html
    assert [r.outcome for r in audit_rows(app, "person.search_unassigned")] == ["1"]
    # Nobody at all: the old advice, and no emergency route.
    response = post_form(other, "/persons/", "/persons/search", data={"query": "Nobody Here"})
    html = response.get_data(as_text=True)
    assert "Try another spelling" in html and "Request emergency access" not in html
    # The assigned caseworker sees the record as before.
    response = post_form(first, "/persons/", "/persons/search", data={"query": "Aigul"})
    assert code in response.get_data(as_text=True)


# --- 5: drafts can be corrected -------------------------------------------------------------


def test_a_failing_draft_is_corrected_without_cancelling(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f, **{f"risk_{key(f.specific)}": ""})
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Some checks fail" in page
    assert re.search(r"<button[^>]*disabled[^>]*>Submit to the liaison", page)
    assert "You can submit once every check above passes" in page
    # The edit form starts from the draft as saved, labels in full (radio buttons).
    form = cw.get(f"/disclosures/{reference}/edit")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert re.search(rf'name="include_{key(f.specific)}"[^>]*checked', html) or re.search(
        rf'checked[^>]*name="include_{key(f.specific)}"', html)
    assert f'type="radio" value="{f.risk}"' in html
    assert "Sapar" in html  # the withheld phrase, for the drafter only
    # Choose the risk assessment; drop the thematic entry.
    data = {"csrf_token": csrf_token(html), "seen_version": re.search(
        r'name="seen_version" value="(\d+)"', html).group(1),
        "purpose": "investigate_traffickers", "tlp": "TLP:AMBER+STRICT", "handling_code": "C",
        f"include_{key(f.specific)}": "y", f"consent_{key(f.specific)}": f.consent,
        f"risk_{key(f.specific)}": f.risk, f"withhold_{key(f.specific)}": "Sapar"}
    response = cw.post(f"/disclosures/{reference}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Every check passes." in page and f.thematic not in page.split("Exactly what")[1]
    assert not re.search(r"<button[^>]*disabled[^>]*>Submit to the liaison", page)
    assert state_of(app, reference) == "draft"
    # The version the drafter saw is stale now: a second save of the old form is refused.
    stale = cw.post(f"/disclosures/{reference}/edit", data=data)
    assert stale.status_code == 422
    assert "Someone else acted on this request just now" in stale.get_data(as_text=True)
    assert act(cw, reference, "submit").status_code == 302
    assert state_of(app, reference) == "submitted"
    # Once submitted, it cannot be edited any more.
    assert cw.get(f"/disclosures/{reference}/edit").status_code == 302
    assert [r.outcome for r in audit_rows(app, "disclosure.revise")] == ["ok", "denied"]


def test_the_draft_form_filters_by_person(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    html = cw.get(f"/disclosures/new?unit={f.unit}").get_data(as_text=True)
    assert 'name="person"' in html and f.case_code in html
    own = cw.get(f"/disclosures/new?unit={f.unit}&person=own").get_data(as_text=True)
    assert f'name="include_{key(f.specific)}"' not in own
    mine = cw.get(f"/disclosures/new?unit={f.unit}&person={f.case_code}").get_data(
        as_text=True)
    assert f'name="include_{key(f.specific)}"' in mine


def test_another_drafter_cannot_edit(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    other = signed_in(app, make_staff(app, "caseworker"))
    assert other.get(f"/disclosures/{reference}/edit").status_code == 403
    liaison = signed_in(app, f.liaison)
    assert liaison.get(f"/disclosures/{reference}/edit").status_code == 403


def test_a_refused_case_event_stays_open_with_its_text(app, client):
    login(client, app, make_staff(app, "caseworker"))
    code = register(client)
    page = client.get(f"/persons/{code}").get_data(as_text=True)
    before = table_counts(app)
    text = "Hearing moved; the prosecutor will call her as a witness."
    response = client.post(f"/persons/{code}/case-events", data={
        "csrf_token": csrf_token(page), "kind": "hearing", "occurred_on": "",
        "note": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    section = html.split('id="case-events"')[1]
    assert "Date is required." in section and text in section
    assert '<option selected value="hearing">' in section
    assert re.search(r"<details open>\s*<summary>Record an event", section)
    # The note form of the same page is not filled with the event's values.
    notes = html.split('<section id="notes">')[1]
    assert text not in notes and "Date is required." not in notes
    assert table_counts(app) == before
