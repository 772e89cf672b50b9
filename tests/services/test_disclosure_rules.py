"""Disclosure rules end to end through the services (consent, risk, MoU, approvals, the
mosaic limit, withdrawal and recall, MoU expiry, emergency disclosure, police feedback).

The world comes from ``build_world``; its MoU dates are moved around today's date so these
tests do not depend on the calendar (the example's fixed dates would put the MoU's review
overdue from 2027-01-02 on).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.domain.consent import ConsentReason
from casework.domain.disclosure import CumulativeReason, State, WorkflowReason
from casework.domain.risk import RiskReason
from casework.domain.taxonomy import (
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
)
from casework.models import (
    DisclosureApproval,
    DisclosureLedger,
    DisclosurePackage,
    Interview,
    Notification,
    RecallNotice,
    Task,
)
from casework.services import (
    consents,
    disclosures,
    feedback,
    intel,
    mou_versions,
    packages,
    risk,
)
from casework.services.disclosures import DisclosureReason
from casework.services.errors import ServiceError
from tests.services.disclosure_support import World, build_world

W = WorkflowReason


# --- helpers ----------------------------------------------------------------------------------


def mou_dates(today: date, *, effective: int = -30, expires: int = 365,
              reviewed: int = -30) -> dict[str, str]:
    """Replacements for build_world that put the MoU's dates relative to today."""
    return {"effective_from = 2026-01-01": f"effective_from = {today + timedelta(effective)}",
            "expires_on = 2027-12-31": f"expires_on = {today + timedelta(expires)}",
            "last_reviewed = 2026-01-01": f"last_reviewed = {today + timedelta(reviewed)}"}


def make_world(app: Any, ctx: Any, **changes: Any) -> World:
    mou: dict[str, str] = mou_dates(ctx.now.date(), **{k: changes.pop(k) for k in
                                                       ("effective", "expires", "reviewed")
                                                       if k in changes})
    mou.update(changes)
    return build_world(ctx, app.extensions["senim.settings"].attachments_path, **mou)


@pytest.fixture
def world(app: Any, ctx: Any) -> World:
    return make_world(app, ctx)


def default_items(w: World) -> list[disclosures.ItemInput]:
    return [disclosures.ItemInput(w.thematic.reference, w.consent.public_id, None),
            disclosures.ItemInput(w.specific.reference, w.consent.public_id, w.risk.public_id,
                                  withhold="Sapar")]


def draft(ctx: Any, w: World, items: list[disclosures.ItemInput] | None = None,
          by: Any = None, **changes: Any) -> Any:
    staff = by or w.caseworker
    args: dict[str, Any] = dict(purpose="investigate_traffickers", tlp="TLP:AMBER+STRICT",
                                handling_code="C")
    args.update(changes)
    return disclosures.draft(ctx.as_actor(staff.public_id), staff, w.unit,
                             items=items if items is not None else default_items(w), **args)


def submit(ctx: Any, w: World, request: Any, by: Any = None) -> Any:
    staff = by or w.caseworker
    return disclosures.submit(ctx.as_actor(staff.public_id), staff, request,
                              seen_version=request.version)


def approve(ctx: Any, request: Any, staff: Any, folder: Any, *, fresh: bool = True) -> Any:
    return disclosures.approve(ctx.as_actor(staff.public_id), staff, request,
                               seen_version=request.version, step_up_fresh=fresh,
                               folder=folder)


def release(ctx: Any, w: World, folder: Any, **changes: Any) -> Any:
    request = draft(ctx, w, **changes)
    submit(ctx, w, request)
    result = approve(ctx, request, w.liaison, folder)
    assert result.state is State.RELEASED and result.package is not None
    return request, result.package


def failing(report: disclosures.Report) -> dict[tuple[str, str], set[str]]:
    """{(label, subject): reason codes} of every failing check."""
    return {(c.label, c.subject): {r.value for r in c.decision.reasons}
            for c in report.failures()}


def refused(call: Any) -> set[Any]:
    with pytest.raises(ServiceError) as caught:
        call()
    return set(caught.value.reasons)


def interview_of(ctx: Any, w: World) -> Interview:
    row = ctx.session.scalar(select(Interview).where(Interview.person_id == w.person.id))
    assert row is not None
    return row


def entry(ctx: Any, w: World, *, kind: EntryKind = EntryKind.SPECIFIC,
          text: str = "The group moves people through the border at night.",
          tags: list[str] | None = None, time: str = "2026",
          time_granularity: Granularity = Granularity.YEAR, place: str = "Kazakhstan",
          place_granularity: Granularity = Granularity.COUNTRY) -> Any:
    """Another entry learned from the world's person in their interview."""
    cw = ctx.as_actor(w.caseworker.public_id)
    return intel.create_from_interview(cw, w.person, interview_of(ctx, w), intel.EntryInput(
        kind=kind, subject_area=SubjectArea.ROUTES,
        source_type=SourceType.VICTIM_OR_CLOSE_PERSON,
        source_evaluation=SourceEvaluation.UNTESTED,
        intel_assessment=IntelAssessment.KNOWN_DIRECTLY, handling_code=HandlingCode.CONDITIONS,
        text=text, tags=tags or [], time=time, time_granularity=time_granularity, place=place,
        place_granularity=place_granularity))


def specific_item(w: World, e: Any) -> disclosures.ItemInput:
    return disclosures.ItemInput(e.reference, w.consent.public_id, w.risk.public_id)


def tasks(ctx: Any, w: World) -> list[tuple[str, bool]]:
    return sorted((t.kind, t.urgent) for t in ctx.session.scalars(
        select(Task).where(Task.person_id == w.person.id)))


def packages_of(ctx: Any, request: Any) -> int:
    return ctx.session.scalar(select(func.count()).select_from(DisclosurePackage).where(
        DisclosurePackage.request_id == request.id)) or 0


# --- the baseline -------------------------------------------------------------------------


def test_the_baseline_request_passes_every_check(ctx, world, tmp_path) -> None:
    request = draft(ctx, world)
    report = disclosures.evaluate_request(ctx, request)
    assert report.passed, failing(report)
    labels = {(c.label, c.subject) for c in report.checks}
    for ref in (world.thematic.reference, world.specific.reference):
        assert {("consent", ref), ("risk", ref), ("cumulative", ref)} <= labels
    assert {c.rule for c in report.checks if c.subject == "package"} == {
        "MOU-01", "MOU-02", "MOU-03", "MOU-04", "MOU-05", "MOU-06", "MOU-07", "MOU-08",
        "MOU-10", "R70"}


# --- consent ---------------------------------------------------------------------------------


def test_purpose_the_consent_does_not_cover_is_refused(app, ctx, tmp_path) -> None:
    # The MoU allows research here, so the consent alone is what refuses.
    w = make_world(app, ctx, **{'"strategy_and_tactics"]':
                                '"strategy_and_tactics", "research_and_analysis"]'})
    request = draft(ctx, w, purpose="research_and_analysis")
    report = disclosures.evaluate_request(ctx, request)
    assert failing(report) == {
        ("consent", w.thematic.reference): {ConsentReason.PURPOSE_NOT_COVERED.value},
        ("consent", w.specific.reference): {ConsentReason.PURPOSE_NOT_COVERED.value}}
    assert refused(lambda: submit(ctx, w, request)) == {W.CHECKS_FAILING}
    assert request.status == State.DRAFT.value


def test_purpose_outside_consent_and_mou_fails_both(ctx, world) -> None:
    report = disclosures.evaluate_request(ctx, draft(ctx, world, purpose="research_and_analysis"))
    reasons = failing(report)
    assert reasons[("consent", world.specific.reference)] == {"consent_purpose_not_covered"}
    assert reasons[("MOU-03", "package")] == {"mou_purpose_not_permitted"}


def test_unknown_purpose_cannot_even_be_drafted(ctx, world) -> None:
    assert refused(lambda: draft(ctx, world, purpose="fishing")) == {DisclosureReason.BAD_PURPOSE}
    assert refused(lambda: draft(ctx, world, items=[])) == {DisclosureReason.NO_ITEMS}


def test_withdrawal_before_approval_stops_the_request_and_approval_fails(ctx, world,
                                                                       tmp_path) -> None:
    request = draft(ctx, world)
    submit(ctx, world, request)
    seen = request.version
    stopped = consents.withdraw(ctx.as_actor(world.caseworker.public_id), world.person,
                                world.consent)
    assert [r.reference for r in stopped] == [request.reference]
    ctx.session.refresh(request)
    assert (request.status, request.stop_reason) == ("stopped", "consent_withdrawn")
    assert request.version == seen + 1
    # The liaison acting on what they saw is told it changed meanwhile ...
    assert refused(lambda: disclosures.approve(
        ctx.as_actor(world.liaison.public_id), world.liaison, request, seen_version=seen,
        step_up_fresh=True, folder=tmp_path)) == {DisclosureReason.CHANGED}
    # ... and even on the current version the stopped request cannot be approved.
    reasons = refused(lambda: approve(ctx, request, world.liaison, tmp_path))
    assert W.WRONG_STATE in reasons and W.CHECKS_FAILING in reasons
    assert packages_of(ctx, request) == 0 and list(tmp_path.iterdir()) == []
    assert ctx.session.scalar(select(func.count()).select_from(RecallNotice)) == 0


def test_withdrawal_after_download_creates_a_recall_notice(ctx, world, tmp_path) -> None:
    request, package = release(ctx, world, tmp_path)
    disclosures.download(ctx.as_actor(world.liaison.public_id), world.liaison, package,
                         tmp_path)
    stopped = consents.withdraw(ctx.as_actor(world.caseworker.public_id), world.person,
                                world.consent)
    assert stopped == []  # nothing open relied on it: the release cannot be unsent ...
    notices = list(ctx.session.scalars(select(RecallNotice)))
    assert len(notices) == 1  # ... so the unit gets one notice for the package
    notice = notices[0]
    assert (notice.package_id, notice.reason, notice.sent_at) == (package.id,
                                                                  "consent_withdrawn", None)
    assert notice.due_at == notice.created_at + timedelta(days=5)  # withdrawal_notice_days
    assert feedback.open_recalls(ctx) == [notice]
    alerted = set(ctx.session.scalars(select(Notification.staff_id).where(
        Notification.kind == "recall_notice_due", Notification.urgent.is_(True))))
    assert alerted == {world.liaison.id, world.deputy.id}
    feedback.mark_recall_sent(ctx.as_actor(world.liaison.public_id), notice)
    assert feedback.open_recalls(ctx) == []


# --- risk assessment -------------------------------------------------------------------------


def test_expired_risk_assessment_is_refused(ctx, world, tmp_path) -> None:
    world.risk.expires_at = ctx.now - timedelta(minutes=1)
    ctx.session.flush()
    request = draft(ctx, world)
    report = disclosures.evaluate_request(ctx, request)
    assert failing(report) == {("risk", world.specific.reference): {RiskReason.EXPIRED.value}}
    assert refused(lambda: submit(ctx, world, request)) == {W.CHECKS_FAILING}


def test_specific_entry_without_risk_assessment_is_refused(ctx, world) -> None:
    items = [disclosures.ItemInput(world.specific.reference, world.consent.public_id, None)]
    report = disclosures.evaluate_request(ctx, draft(ctx, world, items=items))
    assert failing(report) == {("risk", world.specific.reference):
                               {RiskReason.MISSING.value}}


def test_risk_assessor_cannot_be_the_releasing_liaison(ctx, world, tmp_path) -> None:
    own = risk.record(ctx.as_actor(world.liaison.public_id), world.person, risk.RiskInput(
        unit=world.unit, categories={"case_significant_details": "generalised",
                                     "personal_identity_data": "none",
                                     "details_known_only_to_the_person": "withheld"},
        unit_assessment_note="ok", harm_to_others="none known", staff_safety="low",
        residual="medium", mitigations="none"))
    items = [disclosures.ItemInput(world.specific.reference, world.consent.public_id,
                                   own.public_id)]
    request = draft(ctx, world, items=items)
    submit(ctx, world, request)
    as_liaison = disclosures.evaluate_request(ctx, request, releaser=world.liaison.public_id)
    assert failing(as_liaison) == {("risk", world.specific.reference):
                                   {RiskReason.ASSESSOR_IS_RELEASER.value}}
    assert disclosures.evaluate_request(ctx, request, releaser=world.deputy.public_id).passed
    assert refused(lambda: approve(ctx, request, world.liaison, tmp_path)) == {
        W.CHECKS_FAILING}
    assert packages_of(ctx, request) == 0
    result = approve(ctx, request, world.deputy, tmp_path)
    assert result.state is State.RELEASED and result.package.released_by == \
        world.deputy.public_id


# --- the MoU -------------------------------------------------------------------------------------


def test_unit_whose_mou_expired_is_refused(app, ctx, tmp_path) -> None:
    w = make_world(app, ctx, effective=-60, expires=-1)  # expired yesterday
    request = draft(ctx, w)
    assert request.mou_version_id is None
    report = disclosures.evaluate_request(ctx, request)
    assert [(c.label, c.rule, c.decision.reasons) for c in report.checks] == [
        ("mou_active", "MOU-01", (DisclosureReason.NO_MOU,))]
    assert refused(lambda: submit(ctx, w, request)) == {W.CHECKS_FAILING}


def test_unit_whose_mou_is_not_yet_in_force_is_refused(app, ctx) -> None:
    w = make_world(app, ctx, effective=1, expires=400, reviewed=1)
    report = disclosures.evaluate_request(ctx, draft(ctx, w))
    assert failing(report) == {("mou_active", "package"): {"disclosure_no_active_mou"}}


def test_mou_in_force_but_review_overdue_is_refused(app, ctx) -> None:
    w = make_world(app, ctx, effective=-500, expires=200, reviewed=-400)
    report = disclosures.evaluate_request(ctx, draft(ctx, w))
    assert failing(report) == {("MOU-01", "package"): {"mou_review_overdue"}}


def test_thematic_entry_not_reviewed_for_privacy_is_refused(ctx, world, tmp_path) -> None:
    pending = entry(ctx, world, kind=EntryKind.THEMATIC,
                    text="Recruiters promise work in restaurants abroad.")
    assert pending.privacy_status == "pending"
    request = draft(ctx, world, items=[
        disclosures.ItemInput(pending.reference, world.consent.public_id, None)])
    assert failing(disclosures.evaluate_request(ctx, request)) == {
        ("MOU-08", "package"): {"mou_thematic_not_reviewed"}}
    assert refused(lambda: submit(ctx, world, request)) == {W.CHECKS_FAILING}
    # A second person's review clears it.
    intel.review_privacy(ctx.as_actor(world.deputy.public_id), pending)
    assert disclosures.evaluate_request(ctx, request).passed
    submit(ctx, world, request)
    assert request.status == State.SUBMITTED.value


def test_tlp_and_handling_code_come_from_the_mou(ctx, world) -> None:
    report = disclosures.evaluate_request(ctx, draft(ctx, world, tlp="TLP:AMBER",
                                                     handling_code="P"))
    assert failing(report) == {("MOU-05", "package"): {"mou_tlp_too_weak"},
                               ("MOU-06", "package"): {"mou_handling_code_loosened"}}


def test_mou_expiry_stops_open_requests(app, ctx, tmp_path) -> None:
    w = make_world(app, ctx, expires=10)
    submitted = draft(ctx, w)
    submit(ctx, w, submitted)
    drafted = draft(ctx, w)
    released, _ = release(ctx, w, tmp_path)
    assert disclosures.stop_for_expired_mous(ctx) == 0  # still in force today
    later = replace(ctx, now=ctx.now + timedelta(days=11))
    before = submitted.version
    assert disclosures.stop_for_expired_mous(later) == 2
    for request in (submitted, drafted):
        ctx.session.refresh(request)
        assert (request.status, request.stop_reason) == ("stopped", "mou_not_in_force")
    assert submitted.version == before + 1  # anyone acting on what they saw is refused
    ctx.session.refresh(released)
    assert released.status == State.RELEASED.value
    assert disclosures.stop_for_expired_mous(later) == 0  # nothing left to stop
    reasons = refused(lambda: disclosures.approve(
        later.as_actor(w.liaison.public_id), w.liaison, submitted,
        seen_version=submitted.version, step_up_fresh=True, folder=tmp_path))
    assert W.WRONG_STATE in reasons


def test_terminated_mou_stops_open_requests(ctx, world, tmp_path) -> None:
    request = draft(ctx, world)
    submit(ctx, world, request)
    row, _ = mou_versions.active(ctx, world.unit)
    mou_versions.terminate(ctx, row)
    assert disclosures.stop_for_expired_mous(ctx) == 1
    ctx.session.refresh(request)
    assert (request.status, request.stop_reason) == ("stopped", "mou_not_in_force")


# --- approvals --------------------------------------------------------------------------------


def test_drafter_cannot_approve_own_request(ctx, world, tmp_path) -> None:
    """The deputy drafts (an open-source entry: liaisons never see persons) and may not
    approve; the liaison may."""
    deputy = ctx.as_actor(world.deputy.public_id)
    own = intel.create_other(deputy, intel.EntryInput(
        kind=EntryKind.SPECIFIC, subject_area=SubjectArea.ROUTES,
        source_type=SourceType.OPEN_SOURCES, source_evaluation=SourceEvaluation.UNTESTED,
        intel_assessment=IntelAssessment.INDIRECT_CORROBORATED,
        handling_code=HandlingCode.CONDITIONS, text="Advertisements for work abroad in a "
        "regional newspaper use the same phone number every week."))
    request = draft(ctx, world, items=[disclosures.ItemInput(own.reference)],
                    by=world.deputy)
    submit(ctx, world, request, by=world.deputy)
    assert refused(lambda: approve(ctx, request, world.deputy, tmp_path)) == {
        W.DRAFTER_CANNOT_APPROVE}
    assert approve(ctx, request, world.liaison, tmp_path).state is State.RELEASED


def test_caseworker_drafter_cannot_approve(ctx, world, tmp_path) -> None:
    request = draft(ctx, world)
    submit(ctx, world, request)
    # The caseworker also assessed the risk, so as releaser the risk check fails too.
    assert refused(lambda: approve(ctx, request, world.caseworker, tmp_path)) == {
        W.DRAFTER_CANNOT_APPROVE, W.NOT_LIAISON, W.CHECKS_FAILING}
    assert refused(lambda: approve(ctx, request, world.liaison, tmp_path, fresh=False)) == {
        W.STEP_UP_REQUIRED}
    assert refused(lambda: approve(ctx, request, world.director, tmp_path)) == {W.NOT_LIAISON}
    assert packages_of(ctx, request) == 0 and list(tmp_path.iterdir()) == []


def test_second_approver_when_the_mou_asks(app, ctx, tmp_path) -> None:
    w = make_world(app, ctx, **{"second_approver = false": "second_approver = true"})
    request = draft(ctx, w)
    submit(ctx, w, request)
    first = approve(ctx, request, w.liaison, tmp_path)
    assert (first.state, first.package) == (State.APPROVED_FIRST, None)
    assert refused(lambda: approve(ctx, request, w.liaison, tmp_path)) == {W.SAME_APPROVER}
    second = approve(ctx, request, w.deputy, tmp_path)
    assert second.state is State.RELEASED and second.package is not None
    assert len(list(tmp_path.iterdir())) == 1


def test_rejection_needs_a_reason(ctx, world) -> None:
    request = draft(ctx, world)
    submit(ctx, world, request)
    liaison = ctx.as_actor(world.liaison.public_id)
    assert refused(lambda: disclosures.reject(liaison, world.liaison, request,
                                              seen_version=request.version, reason=" no ")) \
        == {W.REASON_REQUIRED}
    disclosures.reject(liaison, world.liaison, request, seen_version=request.version,
                       reason="The route detail would identify the source.")
    assert request.status == State.REJECTED.value
    assert disclosures.notes(ctx, request)["rejection"] == \
        "The route detail would identify the source."


# --- cumulative disclosure (mosaic) ---------------------------------------------------------


def test_cumulative_limit_across_packages_to_the_unit(ctx, world, tmp_path) -> None:
    detailed = entry(ctx, world, text="Forged passports were handed over at the station.",
                     tags=["documents:forged"], time="2026-05-14",
                     time_granularity=Granularity.DAY, place="Shymkent",
                     place_granularity=Granularity.CITY)
    first, _ = release(ctx, world, tmp_path, items=[specific_item(world, detailed)])
    ledger = set(ctx.session.scalars(select(DisclosureLedger.category).where(
        DisclosureLedger.person_id == world.person.id, DisclosureLedger.unit_id ==
        world.unit.id)))
    assert ledger == {"exact_time", "precise_place", "documents"}  # exactly the limit (3)

    # One more kind of detail about the same person would make four: refused.
    control = entry(ctx, world, text="Wages are kept to pay off an invented debt.",
                    tags=["means-of-control:debt-bondage"])
    second = draft(ctx, world, items=[specific_item(world, control)])
    assert failing(disclosures.evaluate_request(ctx, second)) == {
        ("cumulative", control.reference): {CumulativeReason.TOO_MUCH.value}}
    assert refused(lambda: submit(ctx, world, second)) == {W.CHECKS_FAILING}

    # Detail of a kind the unit already has adds nothing to the mosaic: allowed.
    again = entry(ctx, world, text="Another pick-up point is near the market.",
                  time="2026-06", time_granularity=Granularity.MONTH, place="Turkistan",
                  place_granularity=Granularity.CITY)
    third = draft(ctx, world, items=[specific_item(world, again)])
    assert disclosures.evaluate_request(ctx, third).passed


def test_cumulative_limit_within_one_request(ctx, world) -> None:
    a = entry(ctx, world, text="Forged passports were handed over.", tags=["documents:forged"],
              time="2026-05-14", time_granularity=Granularity.DAY, place="Shymkent",
              place_granularity=Granularity.CITY)
    b = entry(ctx, world, text="Wages are kept to pay off an invented debt.",
              tags=["means-of-control:debt-bondage"])
    request = draft(ctx, world, items=[specific_item(world, a), specific_item(world, b)])
    assert failing(disclosures.evaluate_request(ctx, request)) == {
        ("cumulative", b.reference): {CumulativeReason.TOO_MUCH.value}}


# --- emergency limited disclosure -----------------------------------------------------------


@pytest.mark.parametrize(("grounds", "harm_check"), [
    ("", ""), ("Credible threat to the person's sister tonight.", ""),
    ("", "Disclosure reveals only the meeting place."), ("   ", "   ")])
def test_emergency_needs_grounds_and_harm_check(ctx, world, grounds: str,
                                                harm_check: str) -> None:
    request = draft(ctx, world, emergency=True, grounds=grounds, harm_check=harm_check)
    assert disclosures.evaluate_request(ctx, request).passed
    assert refused(lambda: submit(ctx, world, request)) == {W.GROUNDS_REQUIRED}


def test_emergency_director_cosigns_then_liaison_releases_and_tells_the_person(
        ctx, world, tmp_path) -> None:
    """Issue 9, item 3: the emergency path keeps the liaison: the director co-signs, the
    on-duty liaison's approval releases, and only that liaison downloads."""
    request = draft(ctx, world, emergency=True,
                    grounds="Credible threat to the person's sister tonight.",
                    harm_check="Disclosure reveals only the pick-up point.")
    report = disclosures.evaluate_request(ctx, request)
    assert report.passed, failing(report)
    assert {c.label for c in report.checks if c.subject != "package"} == {
        "emergency_notice", "risk", "cumulative", "MOU-11",
        "MOU-12", "version", "child_best_interests"}  # the notice replaces consent and
    # informed choice (rules 76-83); a child still needs the best-interests note (138-139)
    submit(ctx, world, request)
    urgent = set(ctx.session.scalars(select(Notification.staff_id).where(
        Notification.kind == "disclosure_waiting", Notification.urgent.is_(True))))
    assert urgent == {world.liaison.id, world.deputy.id}

    # The liaison cannot go first: the director co-signs first.
    assert refused(lambda: approve(ctx, request, world.liaison, tmp_path)) == {
        W.DIRECTOR_REQUIRED}
    assert refused(lambda: approve(ctx, request, world.director, tmp_path, fresh=False)) == {
        W.STEP_UP_REQUIRED}
    first = approve(ctx, request, world.director, tmp_path)
    assert (first.state, first.package) == (State.APPROVED_FIRST, None)
    assert list(tmp_path.iterdir()) == []
    # The director cannot release; the on-duty liaison's approval does.
    assert W.NOT_LIAISON in refused(lambda: approve(ctx, request, world.director, tmp_path))

    final = approve(ctx, request, world.liaison, tmp_path)
    assert final.state is State.RELEASED and final.package is not None
    assert final.package.released_by == world.liaison.public_id
    assert refused(lambda: disclosures.download(
        ctx.as_actor(world.director.public_id), world.director, final.package,
        tmp_path)) == {DisclosureReason.NOT_RELEASER}
    assert disclosures.download(ctx.as_actor(world.liaison.public_id), world.liaison,
                                final.package, tmp_path)
    approvers = sorted(ctx.session.execute(select(
        DisclosureApproval.approver, DisclosureApproval.role).where(
        DisclosureApproval.request_id == request.id)))
    assert approvers == sorted([(world.liaison.public_id, "liaison"),
                                (world.director.public_id, "director")])
    assert ("tell_person_emergency_disclosure", True) in tasks(ctx, world)
    files = packages.open_and_verify((tmp_path / final.package.storage_name).read_bytes(),
                                     str(world.identity))
    assert json.loads(files["envelope.json"])["emergency_limited_disclosure"] is True
    assert b"EMERGENCY LIMITED DISCLOSURE" in files["report.html"]


def test_emergency_where_the_mou_does_not_provide_for_it(app, ctx) -> None:
    w = make_world(app, ctx, **{"limited_disclosure_allowed = true":
                                "limited_disclosure_allowed = false"})
    request = draft(ctx, w, emergency=True, grounds="Threat tonight.", harm_check="Minimal.")
    assert failing(disclosures.evaluate_request(ctx, request)) == {
        ("MOU-10", "package"): {"mou_emergency_not_provided"}}


# --- police feedback ---------------------------------------------------------------------------


def test_feedback_release_creates_urgent_safety_tasks(ctx, world, tmp_path) -> None:
    _, package = release(ctx, world, tmp_path)
    assert tasks(ctx, world) == []
    feedback.record(ctx.as_actor(world.liaison.public_id), package, "release",
                    "The suspect was released on bail this afternoon.")
    assert tasks(ctx, world) == [("safety_plan_review", True),
                                 ("urgent_safety_after_release", True)]
    due = {t.kind: t.due_at - t.created_at for t in ctx.session.scalars(select(Task))}
    assert due["urgent_safety_after_release"] == timedelta(hours=4)
    notified = set(ctx.session.scalars(select(Notification.kind).where(
        Notification.staff_id == world.caseworker.id, Notification.urgent.is_(True))))
    assert {"urgent_safety_after_release", "safety_plan_review"} <= notified
    assert [note for _, note in feedback.for_package(ctx, package)] == [
        "The suspect was released on bail this afternoon."]


@pytest.mark.parametrize(("kind", "expected"), [
    ("arrest", [("inform_person_arrest", False)]),
    ("charge", [("inform_person_charge", False)]),
    ("actioned", [("inform_person_outcome", False)]),
    ("no_further_action", [("inform_person_outcome", False)]),
    ("acknowledged", []),
    ("assessed_false", []),
])
def test_feedback_tasks(ctx, world, tmp_path, kind: str,
                        expected: list[tuple[str, bool]]) -> None:
    _, package = release(ctx, world, tmp_path)
    feedback.record(ctx.as_actor(world.liaison.public_id), package, kind, "note")
    assert tasks(ctx, world) == expected


def test_unknown_feedback_kind_is_refused(ctx, world, tmp_path) -> None:
    _, package = release(ctx, world, tmp_path)
    assert refused(lambda: feedback.record(ctx, package, "thanks", "")) == {
        DisclosureReason.FEEDBACK_KIND}
