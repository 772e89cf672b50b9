"""The disclosure pages (issue 6, item 3): draft, checklist, submit, approve with step-up,
release, download by the releasing liaison only, feedback, and what the liaison never sees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.services.disclosure_support import build_world
from tests.support import (
    audit_rows,
    csrf_token,
    current_code,
    enrol_existing,
    forget_last_totp_step,
    login,
    make_staff,
    service_ctx,
)

WORLD_PASSWORD = "correct horse battery 99"


@dataclass
class Facts:
    """What the tests need from the world, read while its app context was open."""

    unit: str
    thematic: str
    specific: str
    consent: str
    risk: str
    person_id: int
    case_code: str
    caseworker: Any
    liaison: Any
    deputy: Any
    director: Any


def make_world(app, **mou_changes) -> Facts:
    from casework.extensions import db

    with app.app_context():
        c = service_ctx(app)
        w = build_world(c, app.extensions["senim.settings"].attachments_path, **mou_changes)
        db.session.commit()
        facts = (w.unit.public_id, w.thematic.reference, w.specific.reference,
                 w.consent.public_id, w.risk.public_id, w.person.id, w.person.case_code,
                 w.caseworker.public_id, w.liaison.public_id, w.deputy.public_id,
                 w.director.public_id)
    *head, cw, li, de, di = facts
    return Facts(*head, *(enrol_existing(app, p, WORLD_PASSWORD) for p in (cw, li, de, di)))


def signed_in(app, user):
    client = app.test_client()
    assert login(client, app, user).status_code == 200
    return client


def key(reference: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in reference)


def draft(app, client, f: Facts, *, purpose="investigate_traffickers", **extra) -> str:
    url = f"/disclosures/new?unit={f.unit}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f.thematic in html and f.specific in html
    data = {"csrf_token": csrf_token(html), "purpose": purpose, "tlp": "TLP:AMBER+STRICT",
            "handling_code": "C",
            f"include_{key(f.thematic)}": "y", f"consent_{key(f.thematic)}": f.consent,
            f"risk_{key(f.thematic)}": "",
            f"include_{key(f.specific)}": "y", f"consent_{key(f.specific)}": f.consent,
            f"risk_{key(f.specific)}": f.risk, f"withhold_{key(f.specific)}": "Sapar",
            **extra}
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = re.search(r"/disclosures/(D-[A-Z0-9]+)$", response.location)
    assert match, response.location
    return match.group(1)


def version_on(html: str) -> str:
    match = re.search(r'name="seen_version" value="(\d+)"', html)
    assert match, "no version on the page"
    return match.group(1)


def act(client, reference: str, action: str, **data) -> Any:
    page = client.get(f"/disclosures/{reference}")
    html = page.get_data(as_text=True)
    payload = {"csrf_token": csrf_token(html), "seen_version": version_on(html),
               "back": f"/disclosures/{reference}", **data}
    return client.post(f"/disclosures/{reference}/{action}", data=payload)


def step_up(app, client, user, next_url: str) -> None:
    forget_last_totp_step(app, user.public_id)
    page = client.get(f"/auth/step-up?next={next_url}")
    assert page.status_code == 200
    response = client.post("/auth/step-up", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "next": next_url,
        "password": user.password, "code": current_code(user.totp_secret)})
    assert response.status_code == 302 and response.location.endswith(next_url), \
        response.get_data(as_text=True)[:1000]


def complete_step_up(app, client, user, location: str, *, expect: str) -> Any:
    """Open the step-up page of a pending action and confirm there (issue 13.2)."""
    forget_last_totp_step(app, user.public_id)
    page = client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert expect in html, html[:2000]
    action = re.search(r'action="([^"]+)" novalidate', html).group(1)
    pending = re.search(r'name="step_up_action" value="([^"]+)"', html).group(1)
    return client.post(action, data={
        "csrf_token": csrf_token(html), "step_up": "1", "step_up_action": pending,
        "password": user.password, "code": current_code(user.totp_secret)})


def state_of(app, reference: str) -> str:
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import DisclosureRequest

    with app.app_context():
        return db.session.scalar(select(DisclosureRequest.status).where(
            DisclosureRequest.reference == reference))


def package_count(app) -> int:
    from sqlalchemy import func, select

    from casework.extensions import db
    from casework.models import DisclosurePackage

    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(DisclosurePackage)))


def tasks_for(app, person_id: int) -> list[tuple[str, bool]]:
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Task

    with app.app_context():
        return [(t.kind, t.urgent) for t in db.session.scalars(
            select(Task).where(Task.person_id == person_id))]


def release(app, f: Facts) -> tuple[str, Any]:
    """Draft, submit and approve (with step-up); returns the reference and the liaison's
    signed-in client."""
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    assert act(cw, reference, "submit").status_code == 302
    liaison = signed_in(app, f.liaison)
    step_up(app, liaison, f.liaison, f"/disclosures/{reference}")
    response = act(liaison, reference, "approve")
    assert response.status_code == 302
    assert state_of(app, reference) == "released"
    return reference, liaison


# --- the whole flow ------------------------------------------------------------------------


def test_draft_check_submit_approve_release_download_feedback(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    assert "/disclosures/" in cw.get("/").get_data(as_text=True)  # the nav link
    reference = draft(app, cw, f)

    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Every check passes." in page
    assert 'class="fail"' not in page
    assert "[withheld]" in page and "Sapar" in page  # the drafter sees what is withheld
    assert "Submit to the liaison" in page
    response = act(cw, reference, "submit")
    assert response.status_code == 302
    assert state_of(app, reference) == "submitted"
    assert reference in cw.get("/disclosures/").get_data(as_text=True)  # my requests

    liaison = signed_in(app, f.liaison)
    queue = liaison.get("/disclosures/").get_data(as_text=True)
    assert reference in queue and "disclosure-cards" in queue and "<table" not in queue
    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    # The liaison reads the intelligence only: never who it came from or what was withheld.
    for secret in ("Жанар", "Zhanar", "Tulegenova", "555 2211", "1994-02-02", f.case_code,
                   "Sapar"):
        assert secret not in page, secret
    assert "[withheld]" in page and "Every check passes." in page

    # Approving without a fresh step-up goes to the step-up page, which names the action;
    # confirming there carries the approval out (issue 13.2).
    response = act(liaison, reference, "approve")
    assert response.status_code == 302
    assert "/auth/step-up?action=" in response.location
    assert state_of(app, reference) == "submitted"
    response = complete_step_up(app, liaison, f.liaison, response.location,
                                expect=f"Approve {reference} to ")
    assert response.status_code == 302 and response.location.endswith(reference)
    assert state_of(app, reference) == "released"
    assert "Approved and released" in liaison.get(response.location).get_data(as_text=True)
    assert package_count(app) == 1

    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "SHA-256" in page and "Downloads left" in page
    token = csrf_token(page)
    download = liaison.post(f"/disclosures/{reference}/download", data={"csrf_token": token})
    assert download.status_code == 200
    assert download.mimetype == "application/octet-stream"
    assert "attachment" in download.headers["Content-Disposition"]
    assert re.search(r'filename=[0-9a-f-]{36}\.age', download.headers["Content-Disposition"])
    assert download.data.startswith(b"age-encryption.org/v1")

    # The deputy is a reviewer too, but did not release it: no download.
    deputy = signed_in(app, f.deputy)
    page = deputy.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Download the encrypted package" not in page
    refused = deputy.post(f"/disclosures/{reference}/download",
                          data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert refused.status_code == 200
    assert "Only the liaison who released this package can download it." in \
        refused.get_data(as_text=True)

    # A limited number of downloads: two more, then none.
    for _ in range(2):
        assert liaison.post(f"/disclosures/{reference}/download",
                            data={"csrf_token": token}).status_code == 200
    last = liaison.post(f"/disclosures/{reference}/download", data={"csrf_token": token},
                        follow_redirects=True)
    assert last.mimetype == "text/html"
    assert "downloaded as many times as allowed" in last.get_data(as_text=True)

    # Feedback "release": a suspect is free again, the person's safety comes first.
    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    response = liaison.post(f"/disclosures/{reference}/feedback", data={
        "csrf_token": csrf_token(page), "kind": "release", "note": "Suspect released on bail."})
    assert response.status_code == 302
    tasks = tasks_for(app, f.person_id)
    assert ("urgent_safety_after_release", True) in tasks
    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Suspect released on bail." in page


def test_missing_consent_for_the_purpose_fails_the_check_and_cannot_be_submitted(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    # The person consented to investigation and prevention, not to rescue.
    reference = draft(app, cw, f, purpose="rescue_victims")
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert 'class="fail"' in page
    assert "No written consent covers this purpose: record a new consent with the person" \
        in page
    response = act(cw, reference, "submit")
    assert response.status_code == 302
    assert state_of(app, reference) == "draft"
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Not every check passes yet." in page


def test_the_drafter_cannot_approve_and_a_stale_version_is_answered_with_the_state(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    seen = version_on(page)
    assert act(cw, reference, "submit").status_code == 302
    # The drafter's own approval is refused (and never reaches the step-up).
    refused = cw.post(f"/disclosures/{reference}/approve", data={
        "csrf_token": csrf_token(page), "seen_version": str(int(seen) + 1)})
    assert refused.status_code == 403
    assert state_of(app, reference) == "submitted"

    liaison = signed_in(app, f.liaison)
    step_up(app, liaison, f.liaison, f"/disclosures/{reference}")
    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    stale = {"csrf_token": csrf_token(page), "seen_version": version_on(page),
             "back": f"/disclosures/{reference}"}
    first = liaison.post(f"/disclosures/{reference}/approve", data=stale,
                         follow_redirects=True)
    assert first.status_code == 200
    assert state_of(app, reference) == "released"
    approved = "Approved and released. Download the package and send it to the unit."
    changed = "Someone else acted on this request just now; here is its current state."
    assert approved in first.get_data(as_text=True)
    # The same form sent again by the same person (a double click, issue 16.7): the same
    # result page. By a colleague: the current state. Still exactly one package.
    deputy = signed_in(app, f.deputy)
    step_up(app, deputy, f.deputy, f"/disclosures/{reference}")
    for client, expected in ((liaison, approved), (deputy, changed), (liaison, approved)):
        again = client.post(f"/disclosures/{reference}/approve", data={
            **stale, "csrf_token": csrf_token(client.get("/").get_data(as_text=True))},
            follow_redirects=True)
        assert again.status_code == 200
        body = again.get_data(as_text=True)
        assert expected in body
        assert (changed in body) == (expected == changed)
    assert package_count(app) == 1
    assert len(audit_rows(app, "disclosure.approve")) == 1


def test_a_double_click_on_submit_gives_the_same_page_twice(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "seen_version": version_on(page)}
    bodies = [cw.post(f"/disclosures/{reference}/submit", data=form, follow_redirects=True)
              for _ in range(2)]
    for response in bodies:
        assert response.status_code == 200
        assert "Submitted. The liaison on duty has been told." in response.get_data(
            as_text=True)
    assert state_of(app, reference) == "submitted"
    assert len([r for r in audit_rows(app, "disclosure.submit")
                if r.object_ref == reference]) == 1


def test_reject_needs_a_reason_and_tells_the_drafter(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    act(cw, reference, "submit")
    liaison = signed_in(app, f.liaison)
    act(liaison, reference, "reject", reason="")
    assert state_of(app, reference) == "submitted"
    act(liaison, reference, "reject", reason="Generalise the city to the region.")
    assert state_of(app, reference) == "rejected"
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Generalise the city to the region." in page


def test_emergency_director_cosigns_then_the_liaison_releases_and_a_task_to_tell_the_person(
        app):
    """Issue 9, item 3: the emergency path keeps the liaison."""
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f, emergency="y",
                      grounds="She is held in a flat and was moved twice this week.",
                      harm_check="Waiting risks her life; the unit was assessed as safe.")
    page = cw.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Emergency limited disclosure" in page
    assert "Every check passes." in page, page
    act(cw, reference, "submit")
    liaison = signed_in(app, f.liaison)
    step_up(app, liaison, f.liaison, f"/disclosures/{reference}")
    # The liaison cannot go first: no approve button, and a forged post is refused.
    assert f'/disclosures/{reference}/approve' not in liaison.get(
        f"/disclosures/{reference}").get_data(as_text=True)
    act(liaison, reference, "approve")
    assert state_of(app, reference) == "submitted"
    assert "needs the director&#39;s approval as well as the liaison&#39;s" in liaison.get(
        f"/disclosures/{reference}").get_data(as_text=True)
    director = signed_in(app, f.director)
    assert reference in director.get("/disclosures/").get_data(as_text=True)
    step_up(app, director, f.director, f"/disclosures/{reference}")
    act(director, reference, "approve")
    assert state_of(app, reference) == "approved_first"
    assert package_count(app) == 0
    # The director co-signed; the release is the on-duty liaison's approval.
    assert f'/disclosures/{reference}/approve' not in director.get(
        f"/disclosures/{reference}").get_data(as_text=True)
    act(liaison, reference, "approve")
    assert state_of(app, reference) == "released"
    assert ("tell_person_emergency_disclosure", True) in tasks_for(app, f.person_id)
    page = liaison.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert "Download the encrypted package" in page
    assert "Download the encrypted package" not in director.get(
        f"/disclosures/{reference}").get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [
    ("caseworker", 200), ("legal_adviser", 200), ("liaison", 200), ("director", 200),
    ("psychologist", 403), ("auditor", 403)])
def test_who_may_open_the_list(app, role, status):
    user = make_staff(app, role)
    client = signed_in(app, user)
    assert client.get("/disclosures/").status_code == status
    new = client.get("/disclosures/new").status_code
    assert new == (200 if role in ("caseworker", "legal_adviser") else 403)


def test_another_drafter_cannot_open_the_request(app):
    f = make_world(app)
    cw = signed_in(app, f.caseworker)
    reference = draft(app, cw, f)
    other = signed_in(app, make_staff(app, "caseworker"))
    assert other.get(f"/disclosures/{reference}").status_code == 403
    assert other.get("/disclosures/D-NOPE99").status_code == 404


def test_a_disclosure_about_a_child_asks_for_the_best_interests_note(app):
    """Issue 9 (rules 138-139): the draft form has the note for entries from a person; a
    child's request without it fails its check with the message the drafter reads."""
    from casework.extensions import db
    from casework.models import Person
    from casework.services import persons

    f = make_world(app)
    with app.app_context():
        c = service_ctx(app)
        person = db.session.get(Person, f.person_id)
        record = persons.read(c, person)
        persons.write_profile(c, person, {**record.profile, "is_minor": True})
        db.session.commit()
    cw = signed_in(app, f.caseworker)
    form = cw.get(f"/disclosures/new?unit={f.unit}").get_data(as_text=True)
    assert f'name="best_interests_{key(f.specific)}"' in form
    bare = draft(app, cw, f)
    page = cw.get(f"/disclosures/{bare}").get_data(as_text=True)
    assert "This person is a child: write why this decision is in the child&#39;s best" in page
    assert "R138" in page
    noted = draft(app, cw, f, **{
        f"best_interests_{key(f.thematic)}": "She asked for it; it protects her sister.",
        f"best_interests_{key(f.specific)}": "She asked for it; it protects her sister."})
    page = cw.get(f"/disclosures/{noted}").get_data(as_text=True)
    assert "This person is a child: write why" not in page
