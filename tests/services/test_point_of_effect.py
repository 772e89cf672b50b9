"""Issue 9: safety rules hold at every moment, not only at the click that was tested.

Each test moves the clock (freezegun, and the unit of work's ``now`` with it) between two
steps and checks that the rule is taken again where its effect happens: the download, the
approval, the meeting.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from casework.domain.consent import NOTICES_29, NOTICES_HTCDS, Purpose, ShareLevel
from casework.domain.disclosure import State, WorkflowReason
from casework.domain.legal import (
    UNIT_QUESTIONS,
    WITNESS_NOTICES,
    Concern,
    LegalReason,
    PersonDecision,
    UnitRecommendation,
)
from casework.domain.meetings import PlaceType
from casework.domain.police_contact import ContactReason
from casework.domain.release_gates import GateReason
from casework.domain.risk import RiskReason
from casework.models import (
    AuditEvent,
    DisclosurePackage,
    Notification,
    RecallNotice,
    Task,
)
from casework.services import (
    consents,
    disclosures,
    legal,
    meetings,
    mou_versions,
    police_units,
    roster,
)
from casework.services.errors import ServiceError
from casework.services.police_units import UnitReason
from tests.services.disclosure_support import World
from tests.services.test_disclosure_rules import (
    approve,
    default_items,
    draft,
    failing,
    make_world,
    refused,
    release,
    submit,
)


@pytest.fixture
def world(app: Any, ctx: Any) -> World:
    return make_world(app, ctx)


@contextmanager
def moved(ctx: Any, **delta: float) -> Iterator[Any]:
    """The wall clock and the unit of work's ``now``, moved forward together."""
    when = ctx.now + timedelta(**delta)
    with freeze_time(when):
        yield replace(ctx, now=when)


def on_duty(ctx: Any, w: World) -> None:
    roster.add_shift(ctx, w.liaison, ctx.now - timedelta(hours=1), ctx.now + timedelta(hours=8))


def download(ctx: Any, w: World, package: Any, folder: Any) -> bytes:
    return disclosures.download(ctx.as_actor(w.liaison.public_id), w.liaison, package, folder)


def audit_outcomes(ctx: Any, action: str) -> list[str]:
    return list(ctx.session.scalars(select(AuditEvent.outcome).where(
        AuditEvent.action == action).order_by(AuditEvent.seq)))


# --- item 1: the download re-checks consent, MoU and designation ------------------------------


def test_consent_valid_at_approval_withdrawn_before_download_revokes(ctx, world,
                                                                     tmp_path) -> None:
    request, package = release(ctx, world, tmp_path)
    stored = tmp_path / package.storage_name
    assert stored.exists()
    with moved(ctx, hours=2) as later:
        consents.withdraw(later.as_actor(world.caseworker.public_id), world.person,
                          world.consent, packages_folder=tmp_path)
    ctx.session.refresh(package)
    assert package.revoked_at is not None and package.revoked_reason == "consent_withdrawn"
    assert not stored.exists()  # the ciphertext is gone: unavailable for good
    assert "consent_withdrawn" in audit_outcomes(ctx, "package.revoked")
    told = set(ctx.session.scalars(select(Notification.staff_id).where(
        Notification.kind == "package_revoked")))
    assert told == {world.liaison.id, world.caseworker.id}  # the liaison and the drafter
    assert ctx.session.scalar(select(RecallNotice.id)) is None  # nothing was handed over
    with moved(ctx, hours=3) as later:
        assert refused(lambda: download(later, world, package, tmp_path)) == {
            GateReason.REVOKED}


def test_consent_expiring_between_release_and_download_revokes_at_the_download(
        ctx, world, tmp_path) -> None:
    world.consent.valid_until = ctx.now + timedelta(days=1)
    ctx.session.flush()
    _, package = release(ctx, world, tmp_path)
    with moved(ctx, days=2) as later:
        on_duty(later, world)
        assert refused(lambda: download(later, world, package, tmp_path)) == {
            GateReason.CONSENT_EXPIRED}
    ctx.session.refresh(package)
    assert package.revoked_reason == "gate_consent_expired"
    assert package.downloads_left == 0 and not (tmp_path / package.storage_name).exists()


def test_mou_expiring_between_release_and_download(app, ctx, tmp_path) -> None:
    w = make_world(app, ctx, expires=1)
    _, package = release(ctx, w, tmp_path)
    assert download(ctx, w, package, tmp_path)  # fine today ...
    second = release(ctx, w, tmp_path, purpose="prevention_campaigns")[1]
    with moved(ctx, days=3) as later:
        on_duty(later, w)
        # ... after the MoU expired, the downloaded one is recalled, the other revoked.
        assert refused(lambda: download(later, w, package, tmp_path)) == {
            GateReason.MOU_NOT_IN_FORCE}
        assert refused(lambda: download(later, w, second, tmp_path)) == {
            GateReason.MOU_NOT_IN_FORCE}
    ctx.session.refresh(second)
    assert second.revoked_at is not None and not (tmp_path / second.storage_name).exists()
    ctx.session.refresh(package)
    assert package.revoked_at is None
    [notice] = ctx.session.scalars(select(RecallNotice))
    assert (notice.package_id, notice.reason) == (package.id, "gate_mou_not_in_force")


def test_the_expiry_job_revokes_and_recalls_without_waiting_for_a_download(app, ctx,
                                                                           tmp_path) -> None:
    from casework.services import download_gates

    w = make_world(app, ctx, expires=1)
    _, fetched = release(ctx, w, tmp_path)
    download(ctx, w, fetched, tmp_path)
    _, waiting = release(ctx, w, tmp_path, purpose="prevention_campaigns")
    assert download_gates.after_mou_expiry(ctx, tmp_path) == 0  # still in force
    with moved(ctx, days=3) as later:
        assert download_gates.after_mou_expiry(later, tmp_path) == 2
        assert download_gates.after_mou_expiry(later, tmp_path) == 1  # idempotent
    ctx.session.refresh(waiting)
    assert waiting.revoked_reason == "gate_mou_not_in_force"
    assert not (tmp_path / waiting.storage_name).exists()
    [notice] = ctx.session.scalars(select(RecallNotice))
    assert notice.package_id == fetched.id


def test_designation_ended_refuses_the_download_without_revoking(ctx, world,
                                                                 tmp_path) -> None:
    _, package = release(ctx, world, tmp_path)
    with moved(ctx, days=2) as later:  # past the liaison's shift
        assert refused(lambda: download(later, world, package, tmp_path)) == {
            GateReason.RELEASER_NOT_ON_DUTY}
    for row, staff in roster.designations(ctx):
        if staff.id == world.liaison.id:
            row.ended_at = ctx.now
    ctx.session.flush()
    assert refused(lambda: download(ctx, world, package, tmp_path)) == {
        GateReason.RELEASER_NOT_DESIGNATED}
    ctx.session.refresh(package)
    assert package.revoked_at is None and (tmp_path / package.storage_name).exists()


# --- item 5: MoU terms enforced -------------------------------------------------------------------


def test_feedback_deadlines_recorded_per_package(ctx, world, tmp_path) -> None:
    _, package = release(ctx, world, tmp_path)
    assert package.ack_due_at == package.released_at + timedelta(days=5)
    assert package.outcome_due_at == package.released_at + timedelta(days=90)


def test_termination_sends_destroy_or_return_notice_and_task(ctx, world, tmp_path) -> None:
    request, sent = release(ctx, world, tmp_path)
    download(ctx, world, sent, tmp_path)
    _, unsent = release(ctx, world, tmp_path, purpose="prevention_campaigns")
    row = mou_versions.active(ctx, world.unit)[0]
    with moved(ctx, days=1) as later:
        mou_versions.terminate(later, row, packages_folder=tmp_path)
    [notice] = ctx.session.scalars(select(RecallNotice))
    assert (notice.package_id, notice.reason) == (sent.id, "mou_terminated_destroy_or_return")
    assert notice.due_at - notice.created_at == timedelta(days=30)  # termination.notice_days
    [task] = ctx.session.scalars(select(Task).where(
        Task.kind == "obtain_destruction_confirmation"))
    assert task.object_ref == request.reference and task.urgent
    ctx.session.refresh(unsent)
    assert unsent.revoked_at is not None and not (tmp_path / unsent.storage_name).exists()


def test_consent_older_than_the_mou_allows(ctx, world) -> None:
    request = draft(ctx, world)
    with moved(ctx, days=181) as later:
        fails = failing(disclosures.evaluate_request(later, request))
    assert fails[("MOU-11", world.specific.reference)] == {"mou_consent_too_old"}


def test_risk_assessment_expiring_between_submit_and_approve(ctx, world, tmp_path) -> None:
    request = draft(ctx, world)
    submit(ctx, world, request)
    with moved(ctx, days=31) as later:
        on_duty(later, world)
        reasons = refused(lambda: approve(later, request, world.liaison, tmp_path))
        fails = failing(disclosures.evaluate_request(later, request))
    assert reasons == {WorkflowReason.CHECKS_FAILING}
    assert RiskReason.EXPIRED.value in fails[("risk", world.specific.reference)]
    assert fails[("MOU-12", world.specific.reference)] == {"mou_risk_assessment_too_old"}
    assert disclosures.package_of(ctx, request) is None


# --- item 4: the police unit's assessment gates contact ---------------------------------------


def test_unit_without_a_current_assessment_is_refused(ctx, world) -> None:
    request = draft(ctx, world)
    with moved(ctx, days=181) as later:  # the assessment was valid for 180 days
        fails = failing(disclosures.evaluate_request(later, request))
    assert fails[("unit_assessment", "package")] == {"gate_unit_not_assessed"}


def test_not_recommended_allows_thematic_only_unless_overridden(ctx, world) -> None:
    police_units.assess(ctx.as_actor(world.adviser.public_id), world.unit,
                        answers={q: {"answer": "no", "note": ""} for q in UNIT_QUESTIONS},
                        recommendation=UnitRecommendation.NOT_RECOMMENDED,
                        valid_until=ctx.now.date() + timedelta(days=30))
    request = draft(ctx, world)
    assert failing(disclosures.evaluate_request(ctx, request))[
        ("unit_assessment", "package")] == {"gate_unit_not_recommended_specific"}
    thematic = draft(ctx, world, items=default_items(world)[:1])
    assert ("unit_assessment", "package") not in failing(
        disclosures.evaluate_request(ctx, thematic))
    with pytest.raises(ServiceError) as error:
        police_units.record_override(ctx, world.caseworker, world.unit, "x" * 40)
    assert error.value.reasons == (UnitReason.OVERRIDE_ADVISERS_ONLY,)
    with pytest.raises(ServiceError) as error:
        police_units.record_override(ctx, world.adviser, world.unit, "too short")
    assert error.value.reasons == (UnitReason.OVERRIDE_REASON_REQUIRED,)
    police_units.record_override(ctx.as_actor(world.adviser.public_id), world.adviser,
                                 world.unit, "Only this officer handles it; leak was 2019.")
    assert ("unit_assessment", "package") not in failing(
        disclosures.evaluate_request(ctx, request))
    assert "unit.override" in [e.action for e in ctx.session.scalars(select(AuditEvent))]


def meeting(w: World, ctx: Any, **changes: Any) -> meetings.MeetingInput:
    base = meetings.MeetingInput(
        unit=w.unit, scheduled_for=ctx.now + timedelta(days=2), place="Court, room 4",
        place_type=PlaceType.COURT, lawyer_question_asked=True, lawyer_wanted=False,
        attendees="", liaison=w.liaison)
    return replace(base, **changes)


def test_meeting_gates(ctx, world) -> None:
    cw = ctx.as_actor(world.caseworker.public_id)
    row = meetings.arrange(cw, world.person, meeting(world, ctx))
    assert (row.liaison_ref, row.unit_recommendation, row.person_warned) == (
        world.liaison.public_id, "cooperation_recommended", False)
    with pytest.raises(ServiceError) as error:
        meetings.arrange(cw, world.person, meeting(world, ctx, liaison=None))
    assert error.value.reasons == (ContactReason.NOT_THROUGH_LIAISON,)
    with pytest.raises(ServiceError) as error:
        meetings.arrange(cw, world.person, meeting(world, ctx, liaison=world.caseworker))
    assert error.value.reasons == (ContactReason.NOT_THROUGH_LIAISON,)
    # The first contact needs a current risk assessment (rule 47) ...
    with moved(ctx, days=31) as later:
        with pytest.raises(ServiceError) as error:
            meetings.arrange(later, world.person, meeting(world, later))
        assert error.value.reasons == (ContactReason.NO_RISK_ASSESSMENT,)
    # ... and a current assessment of the unit (rule 70).
    with moved(ctx, days=181) as later:
        with pytest.raises(ServiceError) as error:
            meetings.arrange(later, world.person, meeting(world, later))
        assert ContactReason.UNIT_NOT_ASSESSED in error.value.reasons


def test_meeting_with_a_not_recommended_unit_needs_the_warning_recorded(ctx, world) -> None:
    police_units.assess(ctx.as_actor(world.adviser.public_id), world.unit,
                        answers={q: {"answer": "no", "note": ""} for q in UNIT_QUESTIONS},
                        recommendation=UnitRecommendation.NOT_RECOMMENDED,
                        valid_until=ctx.now.date() + timedelta(days=30))
    with pytest.raises(ServiceError) as error:
        meetings.arrange(ctx, world.person, meeting(world, ctx))
    assert error.value.reasons == (ContactReason.WARNING_NOT_RECORDED,)
    # Warned and still wishing to go: the informed choice is respected (rule 15).
    row = meetings.arrange(ctx, world.person, meeting(world, ctx, person_warned=True))
    assert (row.unit_recommendation, row.person_warned) == (
        "cooperation_not_recommended", True)


# --- item 6: informed choice before a specific disclosure -------------------------------------


def test_decision_to_do_nothing_stops_everything_pending(ctx, world, tmp_path) -> None:
    open_request = draft(ctx, world)
    submit(ctx, world, open_request)
    _, package = release(ctx, world, tmp_path)
    with moved(ctx, hours=1) as later:
        legal.record_decision(later.as_actor(world.adviser.public_id), world.person,
                              PersonDecision.NOTHING, "Wants time.", packages_folder=tmp_path)
    ctx.session.refresh(open_request)
    assert (open_request.status, open_request.stop_reason) == ("stopped", "persons_decision")
    ctx.session.refresh(package)
    assert package.revoked_reason == "persons_decision"
    assert not (tmp_path / package.storage_name).exists()
    later_request = draft(ctx, world)
    assert failing(disclosures.evaluate_request(ctx, later_request))[
        ("informed_choice", world.specific.reference)] == {"gate_decision_not_intelligence"}


def test_specific_entry_needs_the_legal_consultation(app, ctx, tmp_path) -> None:
    w = make_world(app, ctx)
    for row in legal.decisions(ctx, w.person):
        ctx.session.delete(row)
    for row, _ in legal.consultations(ctx, w.person):
        ctx.session.delete(row)
    ctx.session.flush()
    fails = failing(disclosures.evaluate_request(ctx, draft(ctx, w)))
    assert fails[("informed_choice", w.specific.reference)] == {
        "gate_no_legal_consultation", "gate_decision_not_intelligence"}
    assert ("informed_choice", w.thematic.reference) not in fails  # thematic: not needed


def test_specific_consent_needs_the_rule_32_notices(ctx, world, tmp_path) -> None:
    cw = ctx.as_actor(world.caseworker.public_id)
    consent = consents.record(cw, tmp_path, world.person, consents.ConsentInput(
        purposes=frozenset({Purpose.INVESTIGATION}),
        recipient_units=frozenset({world.unit.public_id}), share_level=ShareLevel.SPECIFIC,
        identity_allowed=False, identity_at_persons_request=False, valid_until=None,
        notices=frozenset(NOTICES_29 + NOTICES_HTCDS), language="ru", interpreter="",
        witness="colleague"), form_stream=io.BytesIO(b"%PDF-1.4 signed"),
        form_filename="consent.pdf", max_bytes=1 << 20)
    items = [disclosures.ItemInput(world.specific.reference, consent.public_id,
                                   world.risk.public_id, withhold="Sapar")]
    fails = failing(disclosures.evaluate_request(ctx, draft(ctx, world, items=items)))
    assert fails == {("consent_risk_notices", world.specific.reference): {
        "gate_consent_risk_notices_missing"}}


# --- item 9: witness-protection limits told and recorded -------------------------------------


def test_witness_review_records_the_limits_told(ctx, world) -> None:
    args = dict(concerns={c.value: "noted" for c in Concern}, measures={},
                recommendation="", persons_view="", next_deadline=None)
    with pytest.raises(ServiceError) as error:
        legal.record_witness_review(ctx, world.person, notices_told=frozenset(
            WITNESS_NOTICES[:2]), **args)
    assert error.value.reasons == (LegalReason.WITNESS_NOTICES_MISSING,)
    legal.record_witness_review(ctx, world.person,
                                notices_told=frozenset(WITNESS_NOTICES), **args)
    [(_, content)] = legal.witness_reviews(ctx, world.person)
    assert content["notices_told"] == sorted(WITNESS_NOTICES)


def test_package_row_is_the_stored_one(ctx, world, tmp_path) -> None:
    _, package = release(ctx, world, tmp_path)
    assert ctx.session.get(DisclosurePackage, package.id).first_downloaded_at is None
    download(ctx, world, package, tmp_path)
    assert ctx.session.get(DisclosurePackage, package.id).first_downloaded_at is not None
    assert State.RELEASED.value == "released"


def test_calls_with_police_are_logged_against_the_liaison(ctx, world) -> None:
    from casework.services import police_calls

    row = police_calls.log_call(ctx.as_actor(world.deputy.public_id), world.unit,
                                liaison=world.deputy, direction="incoming",
                                occurred_at=ctx.now - timedelta(minutes=5))
    assert (row.liaison_ref, row.direction) == (world.deputy.public_id, "incoming")
    with pytest.raises(ServiceError) as error:
        police_calls.log_call(ctx, world.unit, liaison=world.caseworker, direction="sideways",
                              occurred_at=ctx.now + timedelta(hours=1))
    assert error.value.reasons == (ContactReason.DIRECTION_UNKNOWN,
                                   ContactReason.NOT_THROUGH_LIAISON,
                                   ContactReason.IN_THE_FUTURE)
    assert police_calls.recent(ctx) == [row]
