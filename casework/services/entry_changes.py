"""Changing an intelligence entry without an identity oracle or a content swap (issue 11).

* Only staff who may read the source person have a change compared with that person's
  identifiers, and only they see what the check found (or that it found nothing).
  Everyone else's change to an entry linked to a person is stored, unchecked, as a
  proposed version for the person's caseworker; the answer to the proposer is the same
  whatever the text contains.
* A change that becomes current moves every open disclosure request that holds the entry
  to the new version; a submitted or half-approved request goes back to draft (approvals
  dropped, the drafter notified). We chose "back to draft" over refusing the edit: a
  correction (often a privacy fix) must never wait for a disclosure, and whoever drafted
  must look again at what would now leave.
* Repeated refusals by one user raise an alert to the director and the auditor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from casework.domain.access import can_read_person
from casework.domain.disclosure import State
from casework.domain.roles import Role
from casework.domain.taxonomy import (
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
)
from casework.domain.versions import (
    REFUSAL_WINDOW_HOURS,
    EditRoute,
    VersionState,
    can_decide_proposal,
    edit_route,
    should_alert,
)
from casework.models import (
    AuditEvent,
    DisclosureApproval,
    DisclosureItem,
    DisclosureRequest,
    IntelEntry,
    IntelEntryVersion,
    Person,
    Staff,
)
from casework.services import access, entry_versions, intel, notifications, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError

REFUSAL_ACTIONS = ("intel.thematic_blocked",)


@dataclass(frozen=True)
class EditResult:
    version: IntelEntryVersion
    proposed: bool  # True: waiting for the source's caseworker (nothing was checked)


def may_read_source(ctx: Ctx, staff: Staff, person: Person) -> bool:
    """Could this member of staff open the person's record right now? (not audited: it
    decides which path a change takes, it opens nothing)."""
    return can_read_person(role=Role(staff.role),
                           assigned=access.is_assigned(ctx, person, staff),
                           break_glass_until=access.break_glass_until(ctx, person, staff),
                           now=ctx.now).allowed


def source_of(ctx: Ctx, entry: IntelEntry) -> Person | None:
    return intel.linked_person(ctx, entry) if entry.direction == "own" else None


def edit(ctx: Ctx, staff: Staff, entry: IntelEntry, data: intel.EntryInput) -> EditResult:
    """Save a change by the route the rules give (``domain.versions.edit_route``)."""
    person = source_of(ctx, entry)
    route = edit_route(linked_to_person=person is not None,
                       may_read_person=person is not None and may_read_source(ctx, staff,
                                                                              person))
    if route is EditRoute.PROPOSAL:
        assert person is not None
        return EditResult(_propose(ctx, staff, entry, data, person), proposed=True)
    version = intel.update(ctx, entry, data)
    reopen_requests(ctx, entry, version)
    return EditResult(version, proposed=False)


def _propose(ctx: Ctx, staff: Staff, entry: IntelEntry, data: intel.EntryInput,
             person: Person) -> IntelEntryVersion:
    # Only checks that do not depend on the person: the same for every text.
    intel._validate(data)
    if data.source_type is not SourceType.VICTIM_OR_CLOSE_PERSON:
        raise ServiceError(intel.IntelReason.SOURCE_MISMATCH)
    current = intel.current_version(ctx, entry)
    version = entry_versions.record(
        ctx, entry, intel.entry_key(ctx, entry), intel.content_of(data),
        state=VersionState.PROPOSED, author=staff.public_id, base_number=current.number,
        privacy_status="pending" if data.kind is EntryKind.THEMATIC else "not_needed")
    ctx.audit("intel.propose", object_type="intel_entry", object_ref=entry.reference)
    for caseworker in access.assignees(ctx, person):
        notifications.notify(ctx, caseworker, "intel_proposal", object_ref=entry.reference)
    return version


def proposals(ctx: Ctx, entry: IntelEntry) -> list[IntelEntryVersion]:
    return [v for v in entry_versions.history(ctx, entry)
            if v.state == VersionState.PROPOSED.value]


def input_of(content: dict[str, object]) -> intel.EntryInput:
    """A stored version's content back as the input the checks take."""
    def granularity(value: object) -> Granularity | None:
        return Granularity(str(value)) if value else None

    return intel.EntryInput(
        kind=EntryKind(content["kind"]), subject_area=SubjectArea(content["subject_area"]),
        source_type=SourceType(content["source_type"]),
        source_evaluation=SourceEvaluation(content["source_evaluation"]),
        intel_assessment=IntelAssessment(content["intel_assessment"]),
        handling_code=HandlingCode(content["handling_code"]), text=str(content["text"]),
        statement=str(content["statement"]),
        tags=[str(t) for t in content["tags"]],  # type: ignore[attr-defined]
        time=str(content["time"]), time_granularity=granularity(content["time_granularity"]),
        place=str(content["place"]),
        place_granularity=granularity(content["place_granularity"]))


def _decide(ctx: Ctx, staff: Staff, entry: IntelEntry, proposal: IntelEntryVersion, *,
            accepting: bool) -> tuple[Person | None, IntelEntryVersion]:
    person = source_of(ctx, entry)
    current = intel.current_version(ctx, entry)
    decision = can_decide_proposal(
        may_read_person=person is not None and may_read_source(ctx, staff, person),
        proposal=entry_versions.facts(proposal), base_number=proposal.base_number,
        current_number=current.number, accepting=accepting)
    if not decision.allowed:
        ctx.audit("intel.proposal_decide", outcome="denied", object_type="intel_entry",
                  object_ref=entry.reference)
        raise ServiceError(*decision.reasons)
    return person, current


def thematic_findings(ctx: Ctx, staff: Staff, entry: IntelEntry,
                      proposal: IntelEntryVersion) -> intel.ThematicCheck | None:
    """The identifier check of a proposal, for someone who may read the source only."""
    person = source_of(ctx, entry)
    if person is None or not may_read_source(ctx, staff, person):
        return None
    opened = intel.read_version(ctx, entry, proposal)
    data = input_of(opened.content)
    if data.kind is not EntryKind.THEMATIC:
        return None
    return intel.thematic_check(ctx, data, person)


def accept(ctx: Ctx, staff: Staff, entry: IntelEntry, proposal: IntelEntryVersion) -> None:
    """The source's caseworker runs the identifier check and makes the proposal current
    (a thematic one then waits for a privacy review by someone who wrote none of it)."""
    person, current = _decide(ctx, staff, entry, proposal, accepting=True)
    opened = intel.read_version(ctx, entry, proposal)
    if not opened.intact:
        subjects._alarm(ctx, "intel_entry_versions", proposal.public_id)
    data = input_of(opened.content)
    intel._guard_thematic(ctx, data, person)
    current.state = VersionState.SUPERSEDED.value
    proposal.state = VersionState.CURRENT.value
    proposal.decided_by, proposal.decided_at = staff.public_id, ctx.now
    intel._write_details(ctx, entry, data)
    entry.privacy_status = proposal.privacy_status
    entry.privacy_reviewed_by = entry.privacy_reviewed_at = None
    entry.version = proposal.number
    ctx.session.flush()
    ctx.audit("intel.proposal_accept", object_type="intel_entry", object_ref=entry.reference)
    reopen_requests(ctx, entry, proposal)


def decline(ctx: Ctx, staff: Staff, entry: IntelEntry, proposal: IntelEntryVersion) -> None:
    _decide(ctx, staff, entry, proposal, accepting=False)
    proposal.state = VersionState.DECLINED.value
    proposal.decided_by, proposal.decided_at = staff.public_id, ctx.now
    ctx.session.flush()
    ctx.audit("intel.proposal_decline", object_type="intel_entry", object_ref=entry.reference)
    proposer = ctx.session.scalar(select(Staff).where(Staff.public_id == proposal.created_by))
    if proposer is not None:
        alert_on_refusals(ctx, proposer.public_id)


def reopen_requests(ctx: Ctx, entry: IntelEntry, version: IntelEntryVersion) -> None:
    """Move open requests holding this entry to ``version``; submitted ones back to draft."""
    items = list(ctx.session.scalars(select(DisclosureItem).join(
        DisclosureRequest, DisclosureRequest.id == DisclosureItem.request_id).where(
        DisclosureItem.entry_public_id == entry.public_id,
        DisclosureRequest.status.in_([State.DRAFT.value, State.SUBMITTED.value,
                                      State.APPROVED_FIRST.value]))))
    for item in items:
        item.entry_version_id, item.entry_version_hash = version.id, version.content_hash
    for request_id in sorted({item.request_id for item in items}):
        request = ctx.session.get(DisclosureRequest, request_id)
        assert request is not None
        was_submitted = request.status != State.DRAFT.value
        # Bump the version in the database: an approval that saw the old one now fails.
        ctx.session.execute(update(DisclosureRequest).where(
            DisclosureRequest.id == request_id).values(
            version=DisclosureRequest.version + 1, status=State.DRAFT.value,
            updated_at=ctx.now).execution_options(synchronize_session=False))
        ctx.session.refresh(request)
        if not was_submitted:
            continue
        ctx.session.execute(delete(DisclosureApproval).where(
            DisclosureApproval.request_id == request_id))
        ctx.audit("disclosure.back_to_draft", outcome="entry_changed",
                  object_type="disclosure", object_ref=request.reference)
        drafter = ctx.session.scalar(select(Staff).where(
            Staff.public_id == request.drafted_by))
        if drafter is not None:
            notifications.notify(ctx, drafter, "disclosure_back_to_draft",
                                 object_ref=request.reference)
    ctx.session.flush()


def refusals(ctx: Ctx, actor: str) -> int:
    """Refused saves and declined proposals of one user in the alert window."""
    since = ctx.now - timedelta(hours=REFUSAL_WINDOW_HOURS)
    blocked = ctx.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor == actor, AuditEvent.action.in_(REFUSAL_ACTIONS),
        AuditEvent.outcome == "denied", AuditEvent.at >= since)) or 0
    declined = ctx.session.scalar(select(func.count()).select_from(IntelEntryVersion).where(
        IntelEntryVersion.created_by == actor,
        IntelEntryVersion.state == VersionState.DECLINED.value,
        IntelEntryVersion.decided_at >= since)) or 0
    return int(blocked) + int(declined)


def alert_on_refusals(ctx: Ctx, actor: str | None) -> None:
    """Tell the director and the auditor when one user's refusals reach the threshold."""
    if not actor:
        return
    since = ctx.now - timedelta(hours=REFUSAL_WINDOW_HOURS)
    alerted = ctx.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.action == "intel.refusals_alert", AuditEvent.object_ref == actor,
        AuditEvent.at >= since).limit(1)) is not None
    if not should_alert(refusals_in_window=refusals(ctx, actor), alerted_in_window=alerted):
        return
    ctx.audit("intel.refusals_alert", outcome="alarm", object_type="staff", object_ref=actor)
    for member in ctx.session.scalars(select(Staff).where(
            Staff.role.in_([Role.DIRECTOR.value, Role.AUDITOR.value]),
            Staff.is_active.is_(True))):
        notifications.notify(ctx, member, "intel_refusals_alert", object_ref=actor,
                             urgent=True)
