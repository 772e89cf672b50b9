"""The disclosure workflow (issue 6, item 3): draft, check, approve, release.

Every rule's result is shown before anything can move: consent (rule 10), risk assessment
(rules 65-74), the MoU (``mou.checks``), the thematic privacy review (rule 49) and the
cumulative disclosure per source across earlier packages. Approval takes the request row
with a version check, so two liaisons approving at the same moment produce one package.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from casework.domain.consent import Purpose, Use, consent_covers
from casework.domain.decisions import Decision
from casework.domain.disclosure import (
    OPEN,
    Action,
    Actor,
    RequestFacts,
    State,
    cumulative_check,
    quasi_identifiers,
    transition,
)
from casework.domain.identifiers import Finding
from casework.domain.release_gates import GateReason, feedback_deadlines
from casework.domain.risk import risk_allows
from casework.domain.versions import binding_holds, can_approve_versions
from casework.models import (
    AuditEvent,
    Consent,
    DisclosureApproval,
    DisclosureItem,
    DisclosureLedger,
    DisclosurePackage,
    DisclosureRequest,
    IntelEntry,
    IntelEntryVersion,
    Interview,
    InterviewNotice,
    Person,
    PoliceUnit,
    RiskAssessment,
    Staff,
)
from casework.services import (
    access,
    consents,
    disclosure_versions,
    download_gates,
    entry_versions,
    intel,
    mou_versions,
    notifications,
    packages,
    paging,
    release_checks,
    risk,
    roster,
    subjects,
)
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError
from mou import EntryFacts, PackageFacts, evaluate
from mou.checks import APPROVAL_RULES

_REF = "ACDEFHJKLMNPRTUVWXY3479"
IDENTITY_FIELDS = {Finding.PERSON_NAME: "victim_name", Finding.PERSON_DATE:
                   "victim_date_of_birth", Finding.PERSON_PHONE: "victim_phone",
                   Finding.PERSON_PLACE: "shelter_location"}


class DisclosureReason(str, Enum):
    NO_ITEMS = "disclosure_no_items"
    CHANGED = "disclosure_changed_meanwhile"
    NO_MOU = "disclosure_no_active_mou"
    ENTRY_UNKNOWN = "disclosure_entry_unknown"
    INCOMING_ENTRY = "disclosure_incoming_entry"
    CONSENT_NOT_THIS_PERSON = "disclosure_consent_of_another_person"
    RISK_NOT_THIS_PERSON = "disclosure_risk_of_another_person"
    NOTICE_NOT_GIVEN = "disclosure_emergency_notice_not_given"
    EMERGENCY_NEEDS_SOURCE = "disclosure_emergency_needs_interview_source"
    NOT_RELEASER = "disclosure_only_releasing_liaison_downloads"
    NO_DOWNLOADS_LEFT = "disclosure_no_downloads_left"
    FEEDBACK_KIND = "disclosure_feedback_kind_unknown"
    BAD_PURPOSE = "disclosure_purpose_unknown"
    BAD_TLP = "disclosure_tlp_unknown"
    NOT_EDITABLE = "disclosure_not_editable_now"


@dataclass(frozen=True)
class ItemInput:
    entry_reference: str
    consent_id: str | None = None  # public id of the consent relied on
    risk_id: str | None = None  # public id of the risk assessment relied on
    withhold: str = ""  # phrases to withhold, one per line (replaced by "[withheld]")
    # Rules 138-139: why disclosing this is in a child's best interests (sealed with the
    # person's key; checked on the checklist whenever the person is a child at that moment).
    best_interests: str = ""


@dataclass
class Check:
    """One line of the checklist the drafter and the liaison see."""

    label: str  # a code the interface translates
    subject: str  # entry reference or "package"
    decision: Decision
    rule: str = ""


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.decision.allowed for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.decision.allowed]


def _reference(ctx: Ctx) -> str:
    while True:
        code = "D-" + "".join(secrets.choice(_REF) for _ in range(6))
        if ctx.session.scalar(select(DisclosureRequest.id).where(
                DisclosureRequest.reference == code)) is None:
            return code




def draft(ctx: Ctx, staff: Staff, unit: PoliceUnit, *, purpose: str, items: list[ItemInput],
          tlp: str, handling_code: str, emergency: bool = False, grounds: str = "",
          harm_check: str = "") -> DisclosureRequest:
    """Record a request; nothing is checked for release yet, everything is stored."""
    if not items:
        raise ServiceError(DisclosureReason.NO_ITEMS)
    if purpose not in {p.value for p in Purpose}:
        raise ServiceError(DisclosureReason.BAD_PURPOSE)
    active = mou_versions.active(ctx, unit)
    request = DisclosureRequest(
        reference=_reference(ctx), unit_id=unit.id, purpose=purpose, status=State.DRAFT.value,
        emergency=emergency, drafted_by=staff.public_id, drafted_at=ctx.now,
        updated_at=ctx.now, version=1, tlp=tlp, handling_code=handling_code,
        mou_version_id=active[0].id if active else None)
    ctx.session.add(request)
    ctx.session.flush()
    subjects.seal_row(ctx, subjects.organisation_subject(ctx), request, "notes_ciphertext",
                      {"grounds": grounds.strip(), "harm_check": harm_check.strip(),
                       "rejection": ""})
    for item in items:
        _add_item(ctx, staff, request, item)
    ctx.audit("disclosure.draft", outcome="emergency" if emergency else "ok",
              object_type="disclosure", object_ref=request.reference)
    return request


def revise(ctx: Ctx, staff: Staff, request: DisclosureRequest, *, seen_version: int,
           purpose: str, items: list[ItemInput], tlp: str, handling_code: str,
           emergency: bool = False, grounds: str = "", harm_check: str = "") -> None:
    """Issue 13.5: the drafter corrects their own draft (what it relies on, what is
    withheld, which entries) instead of cancelling it and starting again. Only a draft, only
    by its drafter, only from the version they saw; the items are replaced as a whole and
    bound again to the entries' current versions. Nothing is checked for release here: the
    checklist is computed afresh on the page and again at submission and approval."""
    if request.drafted_by != staff.public_id or request.status != State.DRAFT.value:
        raise ServiceError(DisclosureReason.NOT_EDITABLE)
    if not items:
        raise ServiceError(DisclosureReason.NO_ITEMS)
    if purpose not in {p.value for p in Purpose}:
        raise ServiceError(DisclosureReason.BAD_PURPOSE)
    _claim(ctx, request, seen_version)
    for row in items_of(ctx, request):
        ctx.session.delete(row)
    ctx.session.flush()
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    active = mou_versions.active(ctx, unit) if unit is not None else None
    request.purpose, request.tlp, request.handling_code = purpose, tlp, handling_code
    request.emergency = emergency
    request.mou_version_id = active[0].id if active else request.mou_version_id
    subjects.seal_row(ctx, subjects.organisation_subject(ctx), request, "notes_ciphertext",
                      {"grounds": grounds.strip(), "harm_check": harm_check.strip(),
                       "rejection": ""})
    for item in items:
        _add_item(ctx, staff, request, item)
    ctx.audit("disclosure.revise", outcome="emergency" if emergency else "ok",
              object_type="disclosure", object_ref=request.reference)


def _add_item(ctx: Ctx, staff: Staff, request: DisclosureRequest, item: ItemInput) -> None:
    try:
        entry = intel.get(ctx, item.entry_reference)
    except NotFound:
        raise ServiceError(DisclosureReason.ENTRY_UNKNOWN) from None
    if entry.direction == "incoming":
        # What the police gave us is not ours to send back as our intelligence.
        raise ServiceError(DisclosureReason.INCOMING_ENTRY)
    person = intel.linked_person(ctx, entry)
    consent_row = risk_row = None
    if person is not None:
        access.require_person(ctx, staff, person.case_code)
        if item.consent_id:
            consent_row = ctx.session.scalar(select(Consent).where(
                Consent.public_id == item.consent_id))
            if consent_row is None or consent_row.person_id != person.id:
                raise ServiceError(DisclosureReason.CONSENT_NOT_THIS_PERSON)
            # Serialise with a withdrawal of this consent (see services.consents).
            consents.lock(ctx, consent_row.id)
        if item.risk_id:
            risk_row = ctx.session.scalar(select(RiskAssessment).where(
                RiskAssessment.public_id == item.risk_id))
            if risk_row is None or risk_row.person_id != person.id:
                raise ServiceError(DisclosureReason.RISK_NOT_THIS_PERSON)
    row = DisclosureItem(request_id=request.id, entry_public_id=entry.public_id,
                         person_id=person.id if person else None,
                         consent_id=consent_row.id if consent_row else None,
                         risk_assessment_id=risk_row.id if risk_row else None)
    ctx.session.add(row)
    ctx.session.flush()
    disclosure_versions.bind(ctx, row, entry)  # what is reviewed is what leaves (issue 11)
    subject = person.subject_id if person else subjects.organisation_subject(ctx)
    subjects.seal_row(ctx, subject, row, "handling_ciphertext",
                      {"withhold": [w.strip() for w in item.withhold.splitlines() if w.strip()],
                       "best_interests": item.best_interests.strip()})
    ctx.session.flush()


def items_of(ctx: Ctx, request: DisclosureRequest) -> list[DisclosureItem]:
    return list(ctx.session.scalars(select(DisclosureItem).where(
        DisclosureItem.request_id == request.id).order_by(DisclosureItem.id)))


def best_interests(ctx: Ctx, item: DisclosureItem) -> str:
    """The best-interests note of an item about a child ("" when none was written)."""
    if item.person_id is None:
        return ""
    person = ctx.session.get(Person, item.person_id)
    data = subjects.unseal_row(ctx, person.subject_id, item, "handling_ciphertext") or {} \
        if person else {}
    return str(data.get("best_interests", ""))


def withheld(ctx: Ctx, item: DisclosureItem) -> list[str]:
    person = ctx.session.get(Person, item.person_id) if item.person_id else None
    subject = person.subject_id if person else subjects.organisation_subject(ctx)
    data = subjects.unseal_row(ctx, subject, item, "handling_ciphertext") or {}
    return list(data.get("withhold", []))


def _redact(text: str, phrases: list[str]) -> str:
    for phrase in sorted(phrases, key=len, reverse=True):
        text = text.replace(phrase, "[withheld]")
    return text


@dataclass(frozen=True)
class Preview:
    """Exactly what will leave, per item (after withholding): the bound version."""

    entry: IntelEntry
    view: intel.EntryView
    text: str
    person: Person | None
    version: IntelEntryVersion | None = None
    fields: dict[str, str] = field(default_factory=dict)  # kind, subject area, grading...
    item: DisclosureItem | None = None


def preview(ctx: Ctx, request: DisclosureRequest) -> list[Preview]:
    out = []
    for item in items_of(ctx, request):
        entry = ctx.session.scalar(select(IntelEntry).where(
            IntelEntry.public_id == item.entry_public_id))
        if entry is None:
            continue
        version, content = disclosure_versions.bound_content(ctx, item, entry)
        view = intel.view_of(entry, content)
        person = ctx.session.get(Person, item.person_id) if item.person_id else None
        out.append(Preview(entry, view, _redact(view.text, withheld(ctx, item)), person,
                           version, {k: content[k] for k in entry_versions.FIELDS}, item))
    return out


def evaluate_request(ctx: Ctx, request: DisclosureRequest, *,
                     releaser: str = "") -> Report:
    """Every rule, every item: what blocks this request now, and why."""
    report = Report()
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    active = mou_versions.active(ctx, unit) if unit else None
    if unit is None or active is None:
        report.checks.append(Check("mou_active", "package",
                                   Decision.deny(DisclosureReason.NO_MOU), "MOU-01"))
        return report
    _, terms = active
    entry_facts: list[EntryFacts] = []
    cumulative: dict[int, set[str]] = {}
    for item, shown in zip(items_of(ctx, request), preview(ctx, request), strict=False):
        entry_facts.append(_check_item(ctx, report, request, item, shown, unit, terms,
                                       releaser, cumulative))
    package = PackageFacts(
        recipient_code=terms.recipient.code, recipient_key=terms.recipient_age_key,
        purpose=request.purpose, tlp=request.tlp, handling_code=request.handling_code,
        entries=tuple(entry_facts), approvers=(), drafter=request.drafted_by,
        emergency=request.emergency)
    for result in evaluate(terms, package, now=ctx.now):
        report.checks.append(Check(result.rule, "package", Decision.allow() if result.passed
                                   else Decision.deny(_Code(result.reason)), result.rule))
    label, decision, rule = release_checks.unit_line(ctx, unit, [e.kind for e in entry_facts])
    report.checks.append(Check(label, "package", decision, rule))
    return report


class _Code(str, Enum):
    """MoU reason codes are plain strings in ``mou``; wrap them as enum values."""

    MOU_NOT_IN_FORCE = "mou_not_in_force"
    MOU_REVIEW_OVERDUE = "mou_review_overdue"
    MOU_RECIPIENT_NOT_PARTY = "mou_recipient_not_party"
    MOU_PURPOSE_NOT_PERMITTED = "mou_purpose_not_permitted"
    MOU_ENTRY_KIND_NOT_PERMITTED = "mou_entry_kind_not_permitted"
    MOU_TLP_TOO_WEAK = "mou_tlp_too_weak"
    MOU_HANDLING_CODE_LOOSENED = "mou_handling_code_loosened"
    MOU_PROHIBITED_FIELD = "mou_prohibited_field"
    MOU_THEMATIC_NOT_REVIEWED = "mou_thematic_not_reviewed"
    MOU_APPROVALS_INSUFFICIENT = "mou_approvals_insufficient"
    MOU_EMERGENCY_NOT_PROVIDED = "mou_emergency_not_provided"
    MOU_CONSENT_TOO_OLD = "mou_consent_too_old"
    MOU_RISK_TOO_OLD = "mou_risk_assessment_too_old"


def _check_item(ctx: Ctx, report: Report, request: DisclosureRequest, item: DisclosureItem,
                shown: Preview, unit: PoliceUnit, terms: Any, releaser: str,
                cumulative: dict[int, set[str]]) -> EntryFacts:
    entry, person, ref = shown.entry, shown.person, shown.entry.reference
    fields: set[str] = set()
    bound = disclosure_versions.binding(ctx, item)
    report.checks.append(Check("version", ref, binding_holds(bound, require_review=False)))
    kind = shown.fields.get("kind", entry.kind)
    if person is not None:
        identity = intel.thematic_check(ctx, intel.EntryInput(
            kind=intel.EntryKind.SPECIFIC, subject_area=intel.SubjectArea(entry.subject_area),
            source_type=intel.SourceType(entry.source_type),
            source_evaluation=intel.SourceEvaluation(entry.source_evaluation),
            intel_assessment=intel.IntelAssessment(entry.intel_assessment),
            handling_code=intel.HandlingCode(entry.handling_code), text=shown.text,
            place=shown.view.place, time=shown.view.time), person)
        fields |= {IDENTITY_FIELDS[r] for r in identity.decision.reasons
                   if r in IDENTITY_FIELDS}
        consent_row = ctx.session.get(Consent, item.consent_id) if item.consent_id else None
        facts = consents.facts(ctx, person, consent_row) if consent_row else None
        if request.emergency:
            report.checks.append(Check("emergency_notice", ref, _emergency_notice(ctx, entry,
                                                                                  person)))
        else:
            use = Use(person_ref=person.public_id, purpose=Purpose(request.purpose),
                      recipient_unit=unit.public_id, entry_kind=entry.kind,
                      includes_identity=bool(fields))
            report.checks.append(Check("consent", ref, consent_covers(facts, use, now=ctx.now)))
        risk_row = ctx.session.get(RiskAssessment, item.risk_assessment_id) \
            if item.risk_assessment_id else None
        # Rule 47: a disclosure naming the person is a first contact: it needs a current
        # risk assessment even when the entry is thematic.
        report.checks.append(Check("risk", ref, risk_allows(
            risk.facts(ctx, person, risk_row) if risk_row else None,
            person_ref=person.public_id, unit_ref=unit.public_id, releaser=releaser,
            entry_kind="specific" if fields else entry.kind, now=ctx.now)))
        _issue9_item_checks(ctx, report, request, ref, entry.kind, person, terms, facts,
                            consent_row, risk_row)
        # Rules 138-139: a disclosure about a child is a decision about a child; and rules
        # 26-29: a specific entry leaves only after the person's legal consultation.
        report.checks.append(Check("child_best_interests", ref, release_checks.child_line(
            ctx, person, best_interests(ctx, item)), "R138"))
        if not request.emergency:
            report.checks.append(Check("consultation_first", ref,
                                       release_checks.consultation_order(ctx, person, kind),
                                       "R29"))
        earlier = set(ctx.session.scalars(select(DisclosureLedger.category).where(
            DisclosureLedger.person_id == person.id, DisclosureLedger.unit_id == unit.id)))
        this = set(quasi_identifiers(time_granularity=shown.view.time_granularity,
                                     place_granularity=shown.view.place_granularity,
                                     tags=shown.view.tags))
        so_far = cumulative.setdefault(person.id, set())
        so_far |= this
        identity_ok = bool(facts and facts.identity_allowed and facts.identity_at_persons_request)
        report.checks.append(Check("cumulative", ref, cumulative_check(
            released_before=earlier, this_time=so_far, limit=terms.cumulative_limit,
            identity_consented=identity_ok), "MOU-18"))
    # The privacy review counts only for the very version that leaves (issue 11).
    reviewed = bound.version is not None and bound.version.privacy_status == "cleared" \
        and bound.version.privacy_reviewed_hash == bound.version.content_hash
    return EntryFacts(kind=kind, fields=frozenset(fields),
                      privacy_cleared=kind != "thematic" or reviewed)


def _issue9_item_checks(ctx: Ctx, report: Report, request: DisclosureRequest, ref: str,
                        kind: str, person: Person, terms: Any, facts: Any,
                        consent_row: Consent | None,
                        risk_row: RiskAssessment | None) -> None:
    """Informed choice (rules 14, 31, 32, 35) and the MoU's maximum ages (MOU-11, MOU-12).
    The emergency path (rules 76-83) relies on the pre-interview notice, not on consent."""
    lines = []
    if not request.emergency:
        lines.append(release_checks.informed_choice_line(ctx, person, kind))
        notices = release_checks.consent_notices_line(facts)
        if notices is not None:
            lines.append(notices)
    lines += release_checks.age_lines(
        terms, consent_recorded_at=consent_row.recorded_at if consent_row else None,
        risk_assessed_at=risk_row.assessed_at if risk_row else None, now=ctx.now,
        code=_Code)
    for label, decision, rule in lines:
        report.checks.append(Check(label, ref, decision, rule))


def _emergency_notice(ctx: Ctx, entry: IntelEntry, person: Person) -> Decision:
    """Rules 76-83: emergency disclosure only under a pre-interview notice that was given."""
    from casework.models import SourceLink

    link = ctx.session.scalar(select(SourceLink).where(
        SourceLink.token_hash == intel._token_hash(ctx, entry.source_token or "")))
    data = subjects.unseal_row(ctx, person.subject_id, link, "link_ciphertext") if link else {}
    interview = ctx.session.scalar(select(Interview).where(
        Interview.public_id == (data or {}).get("interview", "")))
    if interview is None:
        return Decision.deny(DisclosureReason.EMERGENCY_NEEDS_SOURCE)
    notice = ctx.session.get(InterviewNotice, interview.notice_id)
    if notice is None or notice.response != "acknowledged":
        return Decision.deny(DisclosureReason.NOTICE_NOT_GIVEN)
    return Decision.allow()


def _actor(ctx: Ctx, staff: Staff, *, step_up_fresh: bool) -> Actor:
    return Actor(ref=staff.public_id, is_designated_liaison=roster.is_designated(ctx, staff),
                 on_duty=roster.is_on_duty(ctx, staff), is_director=staff.role == "director",
                 step_up_fresh=step_up_fresh)


def _facts(ctx: Ctx, request: DisclosureRequest, report: Report) -> RequestFacts:
    approvers = tuple(ctx.session.scalars(select(DisclosureApproval.approver).where(
        DisclosureApproval.request_id == request.id)))
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    active = mou_versions.active(ctx, unit) if unit else None
    written = notes(ctx, request)
    return RequestFacts(
        state=State(request.status), drafter=request.drafted_by, approvers=approvers,
        needs_second_approver=bool(active and active[1].second_approver),
        emergency=request.emergency, checks_pass=report.passed,
        emergency_grounds=bool(written.get("grounds")) and bool(written.get("harm_check")))


class Repeated(Exception):  # noqa: N818
    """The same person's same action on the version they saw is already done (a double
    click): the caller answers as it did the first time (issue 16.7)."""


def _claim(ctx: Ctx, request: DisclosureRequest, seen_version: int) -> None:
    """Compare-and-set on the version: of two people acting on what they saw, one wins."""
    claimed = ctx.session.execute(update(DisclosureRequest).where(
        DisclosureRequest.id == request.id, DisclosureRequest.version == seen_version)
        .values(version=seen_version + 1, updated_at=ctx.now))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise ServiceError(DisclosureReason.CHANGED)
    ctx.session.refresh(request)


def _claim_or_repeat(ctx: Ctx, request: DisclosureRequest, seen_version: int, *,
                     action: str, actor: str) -> None:
    """``_claim``; but if the one step since ``seen_version`` was this person's same
    action, raise ``Repeated`` instead of "changed"."""
    try:
        _claim(ctx, request, seen_version)
    except ServiceError as error:
        ctx.session.refresh(request)
        if request.version == seen_version + 1 and _last_step(ctx, request) == (
                action, actor, "ok"):
            raise Repeated() from error
        raise


def _last_step(ctx: Ctx, request: DisclosureRequest) -> tuple[str, str | None, str] | None:
    """Who did what last to this request, from the audit trail (refusals are not steps)."""
    row = ctx.session.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.outcome)
                              .where(AuditEvent.object_type == "disclosure",
                                     AuditEvent.object_ref == request.reference,
                                     AuditEvent.outcome != "denied")
                              .order_by(AuditEvent.id.desc()).limit(1)).first()
    return (row.action, row.actor, row.outcome) if row else None


def submit(ctx: Ctx, staff: Staff, request: DisclosureRequest, *, seen_version: int) -> Report:
    try:
        _claim_or_repeat(ctx, request, seen_version, action="disclosure.submit",
                         actor=staff.public_id)
    except Repeated:
        return evaluate_request(ctx, request)
    report = evaluate_request(ctx, request)
    result = transition(_facts(ctx, request, report), Action.SUBMIT,
                        _actor(ctx, staff, step_up_fresh=False))
    if not result.decision.allowed:
        raise ServiceError(*result.decision.reasons)
    request.status = result.new_state.value
    ctx.session.flush()
    ctx.audit("disclosure.submit", object_type="disclosure", object_ref=request.reference)
    for liaison in roster.on_duty(ctx):
        notifications.notify(ctx, liaison, "disclosure_waiting", object_ref=request.reference,
                             urgent=request.emergency)
    return report


@dataclass(frozen=True)
class Approval:
    state: State
    package: DisclosurePackage | None


def approve(ctx: Ctx, staff: Staff, request: DisclosureRequest, *, seen_version: int,
            step_up_fresh: bool, folder: Path) -> Approval:
    """Approve (and on the last approval release). Exactly one package per request."""
    try:
        _claim_or_repeat(ctx, request, seen_version, action="disclosure.approve",
                         actor=staff.public_id)
    except Repeated:
        return Approval(State(request.status), ctx.session.scalar(
            select(DisclosurePackage).where(DisclosurePackage.request_id == request.id)))
    report = evaluate_request(ctx, request, releaser=staff.public_id)
    facts = _facts(ctx, request, report)
    result = transition(facts, Action.APPROVE, _actor(ctx, staff, step_up_fresh=step_up_fresh))
    if result.decision.allowed:
        # Nobody approves text they wrote: the liaison edits nothing they will approve.
        result = replace(result, decision=can_approve_versions(
            approver=staff.public_id, bound=disclosure_versions.bindings(
                ctx, items_of(ctx, request))))
    if not result.decision.allowed:
        ctx.audit("disclosure.approve", outcome="denied", object_type="disclosure",
                  object_ref=request.reference)
        raise ServiceError(*result.decision.reasons)
    if result.releases:
        _final_mou_gate(ctx, request, approvers=(*facts.approvers, staff.public_id))
    ctx.session.add(DisclosureApproval(request_id=request.id, approver=staff.public_id,
                                       role=staff.role, approved_at=ctx.now))
    request.status = result.new_state.value
    ctx.session.flush()
    ctx.audit("disclosure.approve", object_type="disclosure", object_ref=request.reference)
    package = _release(ctx, staff, request, folder) if result.releases else None
    return Approval(result.new_state, package)


def _final_mou_gate(ctx: Ctx, request: DisclosureRequest, *,
                    approvers: tuple[str, ...]) -> None:
    """MOU-09 on the actual approvers, the last check before anything is built."""
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    active = mou_versions.active(ctx, unit) if unit else None
    if active is None:
        raise ServiceError(DisclosureReason.NO_MOU)
    terms = active[1]
    facts = PackageFacts(recipient_code=terms.recipient.code,
                         recipient_key=terms.recipient_age_key, purpose=request.purpose,
                         tlp=request.tlp, handling_code=request.handling_code, entries=(),
                         approvers=approvers, drafter=request.drafted_by,
                         emergency=request.emergency)
    failed = [r for r in evaluate(terms, facts, now=ctx.now, rules=APPROVAL_RULES)
              if not r.passed]
    if failed:
        raise ServiceError(*(_Code(r.reason) for r in failed))


def _release(ctx: Ctx, staff: Staff, request: DisclosureRequest,
             folder: Path) -> DisclosurePackage:
    unit = ctx.session.get(PoliceUnit, request.unit_id)
    assert unit is not None
    active = mou_versions.active(ctx, unit)
    assert active is not None
    row, terms = active
    shown = preview(ctx, request)
    items = {id(p): p.item for p in shown if p.item is not None}  # each preview's item
    salts = [disclosure_versions.new_salt() for _ in shown]
    for p in shown:
        # Built only from the bound version, its hash recomputed from what is packaged.
        binding = disclosure_versions.binding(ctx, items[id(p)])
        if not binding_holds(binding).allowed:
            raise ServiceError(*binding_holds(binding).reasons)
    entries = [packages.PackageEntry(
        kind=p.fields["kind"], subject_area=p.fields["subject_area"],
        source_type=p.fields["source_type"],
        grading=(p.fields["source_evaluation"], p.fields["intel_assessment"],
                 p.fields["handling_code"]),
        statement=p.view.statement, text=p.text, tags=tuple(p.view.tags), time=p.view.time,
        time_granularity=p.view.time_granularity, place=p.view.place,
        place_granularity=p.view.place_granularity,
        version_commitment=disclosure_versions.commitment(
            salt, items[id(p)].entry_version_hash or ""))
        for p, salt in zip(shown, salts, strict=True)]
    envelope = packages.Envelope(
        producer=next(p.code for p in terms.parties if p.role == "originator"),
        recipient_code=terms.recipient.code, recipient_name=terms.recipient.name,
        mou_id=terms.id, mou_version=terms.version, mou_sha256=terms.text_sha256,
        purpose=request.purpose, tlp=request.tlp, handling_code=request.handling_code,
        conditions=terms.handling_conditions,
        clauses=tuple((c.id, c.text) for c in terms.clauses),
        retention_review_months=terms.retention_review_months,
        retention_delete_months=terms.retention_delete_months,
        feedback_ack_days=terms.feedback.ack_within_days,
        feedback_outcome_days=terms.feedback.outcome_within_days, emergency=request.emergency)
    built = packages.build(envelope, entries, recipient_age_key=terms.recipient_age_key,
                           signing_key=ctx.keys.current("signing").material, now=ctx.now)
    storage_name = packages.store(folder, built)
    package = DisclosurePackage(
        request_id=request.id, package_uuid=built.package_uuid,
        storage_name=storage_name, sha256=built.sha256,
        size=len(built.ciphertext), released_by=staff.public_id, released_at=ctx.now,
        downloads_left=3, feedback_token=built.feedback_token)
    # When the unit owes its acknowledgement and outcome, from the MoU (for reminders).
    package.ack_due_at, package.outcome_due_at = feedback_deadlines(
        ctx.now, ack_days=terms.feedback.ack_within_days,
        outcome_days=terms.feedback.outcome_within_days)
    ctx.session.add(package)
    try:
        ctx.session.flush()
    except Exception:
        # The row was refused (e.g. the unique request_id: another package exists for this
        # request): the caller rolls back, so the file must not stay behind as an orphan.
        (folder / storage_name).unlink(missing_ok=True)
        raise
    for p, salt, packaged, entry_uuid in zip(shown, salts, entries, built.entry_uuids,
                                             strict=True):
        item = items[id(p)]
        assert p.version is not None
        disclosure_versions.keep(ctx, item, disclosure_versions.Released(
            entry_reference=p.entry.reference, version_number=p.version.number,
            version_hash=item.entry_version_hash or "", entry_uuid=entry_uuid,
            commitment_salt=salt, entry=packaged))
    for p in shown:
        if p.person is not None:
            for category in quasi_identifiers(time_granularity=p.view.time_granularity,
                                              place_granularity=p.view.place_granularity,
                                              tags=p.view.tags):
                ctx.session.add(DisclosureLedger(person_id=p.person.id, unit_id=unit.id,
                                                 category=category, package_id=package.id))
            if request.emergency:
                _task_for_person(ctx, p.person, "tell_person_emergency_disclosure",
                                 urgent=True, ref=request.reference)
    ctx.session.flush()
    # The package hash enters the audit chain: what left can be proven later.
    ctx.audit("disclosure.release", outcome="emergency" if request.emergency else "ok",
              object_type="package", object_ref=package.sha256)
    return package


def reject(ctx: Ctx, staff: Staff, request: DisclosureRequest, *, seen_version: int,
           reason: str) -> None:
    _claim(ctx, request, seen_version)
    facts = _facts(ctx, request, Report())
    result = transition(facts, Action.REJECT, _actor(ctx, staff, step_up_fresh=False),
                        reason_given=len(reason.strip()) >= 5)
    if not result.decision.allowed:
        raise ServiceError(*result.decision.reasons)
    request.status = result.new_state.value
    written = notes(ctx, request)
    written["rejection"] = reason.strip()
    subjects.seal_row(ctx, subjects.organisation_subject(ctx), request, "notes_ciphertext",
                      written)
    ctx.session.flush()
    ctx.audit("disclosure.reject", object_type="disclosure", object_ref=request.reference)
    drafter = ctx.session.scalar(select(Staff).where(Staff.public_id == request.drafted_by))
    if drafter is not None:
        notifications.notify(ctx, drafter, "disclosure_rejected", object_ref=request.reference)


def cancel(ctx: Ctx, staff: Staff, request: DisclosureRequest, *, seen_version: int) -> None:
    _claim(ctx, request, seen_version)
    result = transition(_facts(ctx, request, Report()), Action.CANCEL,
                        _actor(ctx, staff, step_up_fresh=False))
    if not result.decision.allowed:
        raise ServiceError(*result.decision.reasons)
    request.status, request.stop_reason = State.STOPPED.value, "cancelled"
    ctx.session.flush()
    ctx.audit("disclosure.cancel", object_type="disclosure", object_ref=request.reference)


def stop_for_expired_mous(ctx: Ctx) -> int:
    """MoU expiry or termination stops every open request to that unit (scheduler job)."""
    stopped = 0
    for request in ctx.session.scalars(select(DisclosureRequest).where(
            DisclosureRequest.status.in_([s.value for s in OPEN])).with_for_update()):
        unit = ctx.session.get(PoliceUnit, request.unit_id)
        if unit is not None and mou_versions.active(ctx, unit) is None:
            # Compare-and-set: two runs of this job at once (SQLite has no row lock for
            # the select above) stop and audit each request once.
            if not ctx.session.execute(update(DisclosureRequest).where(
                    DisclosureRequest.id == request.id,
                    DisclosureRequest.version == request.version).values(
                    status=State.STOPPED.value, stop_reason="mou_not_in_force",
                    version=request.version + 1)).rowcount:  # type: ignore[attr-defined]
                continue
            ctx.audit("disclosure.stopped", outcome="mou_not_in_force",
                      object_type="disclosure", object_ref=request.reference)
            stopped += 1
    ctx.session.flush()
    return stopped


def get(ctx: Ctx, reference: str) -> DisclosureRequest:
    row = ctx.session.scalar(select(DisclosureRequest).where(
        DisclosureRequest.reference == reference[:16]))
    if row is None:
        raise NotFound()
    return row


def queue(ctx: Ctx, *, states: tuple[str, ...] = ("submitted", "approved_first"),
          limit: int = 100) -> list[DisclosureRequest]:
    return list(ctx.session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.status.in_(states)).order_by(
        DisclosureRequest.emergency.desc(), DisclosureRequest.updated_at).limit(limit)))


def queue_page(ctx: Ctx, request: paging.PageRequest, *,
               states: tuple[str, ...] = ("submitted", "approved_first"),
               ) -> paging.Page[DisclosureRequest]:
    """:func:`queue`, paged (emergencies first, then the oldest: LIMIT/OFFSET)."""
    return paging.offset_page(ctx.session, select(DisclosureRequest).where(
        DisclosureRequest.status.in_(states)).order_by(
        DisclosureRequest.emergency.desc(), DisclosureRequest.updated_at,
        DisclosureRequest.id), request)


def mine_page(ctx: Ctx, staff: Staff,
              request: paging.PageRequest) -> paging.Page[DisclosureRequest]:
    """:func:`mine`, paged, most recently changed first."""
    return paging.keyset(ctx.session, select(DisclosureRequest).where(
        DisclosureRequest.drafted_by == staff.public_id),
        (DisclosureRequest.updated_at, DisclosureRequest.id), request)


def mine(ctx: Ctx, staff: Staff) -> list[DisclosureRequest]:
    return list(ctx.session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.drafted_by == staff.public_id).order_by(
        DisclosureRequest.updated_at.desc())))


def package_of(ctx: Ctx, request: DisclosureRequest) -> DisclosurePackage | None:
    return ctx.session.scalar(select(DisclosurePackage).where(
        DisclosurePackage.request_id == request.id))


def notes(ctx: Ctx, request: DisclosureRequest) -> dict[str, str]:
    org = subjects.organisation_subject(ctx)
    return dict(subjects.unseal_row(ctx, org, request, "notes_ciphertext") or {})


def download(ctx: Ctx, staff: Staff, package: DisclosurePackage, folder: Path) -> bytes:
    """Only the releasing liaison, a limited number of times; every download audited."""
    if package.released_by != staff.public_id:
        ctx.audit("package.download", outcome="denied", object_type="package",
                  object_ref=package.sha256)
        raise ServiceError(DisclosureReason.NOT_RELEASER)
    # Issue 9: the release decision is taken again here, where it takes effect.
    download_gates.check(ctx, staff, package, folder)
    try:
        data = (folder / package.storage_name).read_bytes()
    except FileNotFoundError:  # revoked by a transaction that did not commit, or lost
        raise ServiceError(GateReason.REVOKED) from None
    taken = ctx.session.execute(update(DisclosurePackage).where(
        DisclosurePackage.id == package.id, DisclosurePackage.downloads_left > 0)
        .values(downloads_left=DisclosurePackage.downloads_left - 1))
    if not taken.rowcount:  # type: ignore[attr-defined]
        raise ServiceError(DisclosureReason.NO_DOWNLOADS_LEFT)
    if package.first_downloaded_at is None:
        package.first_downloaded_at = ctx.now
    ctx.audit("package.download", object_type="package", object_ref=package.sha256)
    return data


def _task_for_person(ctx: Ctx, person: Person, kind: str, *, urgent: bool, ref: str,
                     due: timedelta = timedelta(days=2)) -> None:
    from casework.models import Task

    ctx.session.add(Task(person_id=person.id, kind=kind, urgent=urgent, object_ref=ref,
                         created_at=ctx.now, due_at=ctx.now + (timedelta(hours=4) if urgent
                                                               else due)))
    for staff in access.assignees(ctx, person):
        notifications.notify(ctx, staff, kind, object_ref=person.case_code, urgent=urgent)
