"""Issue 11 through the services: versions, proposals, content swap, the single-person
privacy review, what the package is built from and the record kept at release."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, update

from casework.domain.disclosure import State, WorkflowReason
from casework.domain.taxonomy import EntryKind, Granularity, SourceType
from casework.domain.versions import VersionReason, VersionState
from casework.models import (
    AuditEvent,
    DisclosureApproval,
    IntelEntryVersion,
    Notification,
)
from casework.services import (
    disclosure_versions,
    disclosures,
    entry_changes,
    entry_versions,
    intel,
    packages,
)
from casework.services.disclosures import DisclosureReason
from casework.services.errors import ServiceError
from tests.services.disclosure_support import World
from tests.services.test_disclosure_rules import approve, draft, make_world, submit

R = VersionReason


@pytest.fixture
def w(app: Any, ctx: Any) -> World:
    return make_world(app, ctx)


def as_input(ctx: Any, entry: Any, **changes: Any) -> intel.EntryInput:
    """The entry's current content as input, with ``changes``."""
    content = intel.read_version(ctx, entry, intel.current_version(ctx, entry)).content
    return replace(entry_changes.input_of(content), **changes)


def edit(ctx: Any, staff: Any, entry: Any, **changes: Any) -> entry_changes.EditResult:
    return entry_changes.edit(ctx.as_actor(staff.public_id), staff, entry,
                              as_input(ctx, entry, **changes))


def refused(call: Any) -> set[Any]:
    with pytest.raises(ServiceError) as caught:
        call()
    return set(caught.value.reasons)


def package_files(w: World, folder: Any, package: Any) -> dict[str, bytes]:
    return packages.open_and_verify((folder / package.storage_name).read_bytes(),
                                    str(w.identity))


def texts_in(files: dict[str, bytes]) -> list[str]:
    return [json.loads(data)["statements"][0]["text"] for name, data in sorted(files.items())
            if name.startswith("entries/")]


def test_every_edit_is_a_new_immutable_encrypted_version(ctx, w) -> None:
    first = intel.current_version(ctx, w.specific)
    kept = (first.details_ciphertext, first.content_hash)
    result = edit(ctx, w.caseworker, w.specific, text="The controller now uses a taxi firm.")
    assert not result.proposed
    history = entry_versions.history(ctx, w.specific)
    assert [(v.number, v.state) for v in history] == [(1, "superseded"), (2, "current")]
    assert (history[0].details_ciphertext, history[0].content_hash) == kept
    assert intel.read_version(ctx, w.specific, history[0]).content["text"].startswith(
        "The controller uses the Sapar")
    assert intel.read(ctx, w.specific).text == "The controller now uses a taxi firm."
    assert w.specific.version == 2
    # Keyed: the hash column cannot confirm a guessed text.
    guess = hashlib.sha256(b"The controller now uses a taxi firm.").hexdigest()
    assert history[1].content_hash != guess and len(history[1].content_hash) == 64
    assert b"taxi" not in history[1].details_ciphertext


def test_a_change_by_someone_who_cannot_read_the_source_is_an_unchecked_proposal(
        ctx, w) -> None:
    blocked_before = ctx.session.query(AuditEvent).filter(
        AuditEvent.action == "intel.thematic_blocked").count()
    # The liaison writes the person's real name into a thematic entry from that person.
    result = edit(ctx, w.liaison, w.thematic, text="Zhanar Tulegenova was moved by bus.")
    assert result.proposed and result.version.state == VersionState.PROPOSED.value
    assert ctx.session.query(AuditEvent).filter(
        AuditEvent.action == "intel.thematic_blocked").count() == blocked_before
    assert intel.read(ctx, w.thematic).text == "Women are moved by night bus through the south."
    assert intel.current_version(ctx, w.thematic).number == 1
    told = ctx.session.scalars(select(Notification).where(
        Notification.staff_id == w.caseworker.id, Notification.kind == "intel_proposal"))
    assert [n.object_ref for n in told] == [w.thematic.reference]
    # The caseworker, who may read the person, sees the check; the liaison never does.
    findings = entry_changes.thematic_findings(ctx, w.caseworker, w.thematic, result.version)
    assert findings is not None and not findings.decision.allowed
    assert entry_changes.thematic_findings(ctx, w.liaison, w.thematic, result.version) is None
    # The liaison cannot decide on it; the caseworker cannot accept it as it stands.
    assert refused(lambda: entry_changes.accept(ctx, w.liaison, w.thematic,
                                                result.version)) == {R.CANNOT_READ_SOURCE}
    with pytest.raises(intel.ThematicBlocked):
        entry_changes.accept(ctx.as_actor(w.caseworker.public_id), w.caseworker, w.thematic,
                             result.version)
    entry_changes.decline(ctx.as_actor(w.caseworker.public_id), w.caseworker, w.thematic,
                          result.version)
    assert result.version.state == VersionState.DECLINED.value


def test_an_accepted_proposal_needs_a_privacy_review_by_someone_who_wrote_none_of_it(
        ctx, w) -> None:
    result = edit(ctx, w.liaison, w.thematic, text="Women are moved by night bus and train.")
    entry_changes.accept(ctx.as_actor(w.caseworker.public_id), w.caseworker, w.thematic,
                         result.version)
    current = intel.current_version(ctx, w.thematic)
    assert current.id == result.version.id and current.privacy_status == "pending"
    assert intel.read(ctx, w.thematic).text == "Women are moved by night bus and train."
    # The proposer wrote it, the caseworker wrote version 1: neither reviews it.
    for editor in (w.liaison, w.caseworker):
        assert refused(lambda e=editor: intel.review_privacy(
            ctx.as_actor(e.public_id), w.thematic)) == {R.REVIEWER_EDITED}
    intel.review_privacy(ctx.as_actor(w.deputy.public_id), w.thematic)
    assert current.privacy_reviewed_hash == current.content_hash


def test_the_second_reviewer_cannot_be_whoever_last_rewrote_the_entry(ctx, w) -> None:
    # Old code checked only the original author: the deputy could rewrite the entry and
    # then review their own text.
    entry = intel.create_other(ctx.as_actor(w.caseworker.public_id), intel.EntryInput(
        kind=EntryKind.THEMATIC, subject_area=intel.SubjectArea.ROUTES,
        source_type=SourceType.OPEN_SOURCES, source_evaluation=intel.SourceEvaluation.UNTESTED,
        intel_assessment=intel.IntelAssessment.KNOWN_DIRECTLY,
        handling_code=intel.HandlingCode.CONDITIONS, text="Buses cross the southern border.",
        time="2026", time_granularity=Granularity.YEAR))
    edit(ctx, w.deputy, entry, text="Night buses cross the southern border.")
    assert refused(lambda: intel.review_privacy(ctx.as_actor(w.deputy.public_id), entry)) \
        == {R.REVIEWER_EDITED}
    assert refused(lambda: intel.review_privacy(ctx.as_actor(w.caseworker.public_id),
                                                entry)) == {R.REVIEWER_EDITED}
    intel.review_privacy(ctx.as_actor(w.liaison.public_id), entry)
    assert entry.privacy_status == "cleared"


def test_an_edit_after_submission_returns_the_request_to_draft(ctx, w, tmp_path) -> None:
    request = draft(ctx, w)
    submit(ctx, w, request)
    seen = request.version
    edit(ctx, w.caseworker, w.specific,
         text="The controller uses the Sapar bus company office near the market.")
    assert request.status == State.DRAFT.value and request.version > seen
    told = ctx.session.scalars(select(Notification.kind).where(
        Notification.staff_id == w.caseworker.id))
    assert "disclosure_back_to_draft" in list(told)
    # The liaison acting on what they saw is refused; on the request as it is, too.
    assert refused(lambda: disclosures.approve(
        ctx.as_actor(w.liaison.public_id), w.liaison, request, seen_version=seen,
        step_up_fresh=True, folder=tmp_path)) == {DisclosureReason.CHANGED}
    assert WorkflowReason.WRONG_STATE in refused(
        lambda: approve(ctx, request, w.liaison, tmp_path))
    # Submitted again, the package holds the new (reviewed) version.
    submit(ctx, w, request)
    package = approve(ctx, request, w.liaison, tmp_path).package
    assert "The controller uses the [withheld] bus company office near the market." in texts_in(
        package_files(w, tmp_path, package))


def test_half_approved_request_loses_its_approval_when_an_entry_changes(app, ctx,
                                                                        tmp_path) -> None:
    w = make_world(app, ctx, **{"second_approver = false": "second_approver = true"})
    request = draft(ctx, w)
    submit(ctx, w, request)
    assert approve(ctx, request, w.liaison, tmp_path).state is State.APPROVED_FIRST
    edit(ctx, w.caseworker, w.specific, text="The controller moved to another office.")
    assert request.status == State.DRAFT.value
    assert ctx.session.scalars(select(DisclosureApproval).where(
        DisclosureApproval.request_id == request.id)).all() == []


def test_the_liaison_cannot_approve_text_they_wrote(ctx, w, tmp_path) -> None:
    """Content swap: the liaison rewrites an entry in a submitted request, then approves."""
    entry = intel.create_other(ctx.as_actor(w.caseworker.public_id), intel.EntryInput(
        kind=EntryKind.THEMATIC, subject_area=intel.SubjectArea.ROUTES,
        source_type=SourceType.OPEN_SOURCES, source_evaluation=intel.SourceEvaluation.UNTESTED,
        intel_assessment=intel.IntelAssessment.KNOWN_DIRECTLY,
        handling_code=intel.HandlingCode.CONDITIONS, text="Buses cross the southern border.",
        time="2026", time_granularity=Granularity.YEAR))
    intel.review_privacy(ctx.as_actor(w.deputy.public_id), entry)
    request = draft(ctx, w, items=[disclosures.ItemInput(entry.reference)])
    submit(ctx, w, request)
    edit(ctx, w.liaison, entry, text="Rewritten by the liaison after submission.")
    assert request.status == State.DRAFT.value
    intel.review_privacy(ctx.as_actor(w.deputy.public_id), entry)
    submit(ctx, w, request)
    assert refused(lambda: approve(ctx, request, w.liaison, tmp_path)) == {R.APPROVER_EDITED}
    package = approve(ctx, request, w.deputy, tmp_path).package
    assert texts_in(package_files(w, tmp_path, package)) == [
        "Rewritten by the liaison after submission."]


def test_a_proposal_never_reaches_the_package(ctx, w, tmp_path) -> None:
    request = draft(ctx, w)
    submit(ctx, w, request)
    edit(ctx, w.liaison, w.thematic, text="Something else entirely, never reviewed.")
    assert request.status == State.SUBMITTED.value  # nothing current changed
    package = approve(ctx, request, w.liaison, tmp_path).package
    texts = texts_in(package_files(w, tmp_path, package))
    assert "Women are moved by night bus through the south." in texts
    assert not any("never reviewed" in t for t in texts)


def test_a_privacy_review_of_another_text_does_not_count(ctx, w) -> None:
    request = draft(ctx, w)
    version = intel.current_version(ctx, w.thematic)
    ctx.session.execute(update(IntelEntryVersion).where(IntelEntryVersion.id == version.id)
                        .values(privacy_reviewed_hash="0" * 64))
    ctx.session.expire_all()
    report = disclosures.evaluate_request(ctx, request)
    assert ("MOU-08", "package") in {(c.label, c.subject) for c in report.failures()}


def test_a_tampered_version_is_not_released(ctx, w, tmp_path) -> None:
    request = draft(ctx, w)
    submit(ctx, w, request)
    version = intel.current_version(ctx, w.specific)
    ctx.session.execute(update(IntelEntryVersion).where(IntelEntryVersion.id == version.id)
                        .values(content_hash="f" * 64))
    ctx.session.expire_all()
    report = disclosures.evaluate_request(ctx, request)
    assert {(c.label, r) for c in report.failures() for r in c.decision.reasons} == {
        ("version", R.HASH_MISMATCH)}
    assert refused(lambda: approve(ctx, request, w.liaison, tmp_path)) == {
        WorkflowReason.CHECKS_FAILING}
    # The build itself re-checks, whatever happened since the approval's checks.
    assert refused(lambda: disclosures._release(ctx, w.liaison, request, tmp_path)) == {
        R.HASH_MISMATCH}
    assert disclosures.package_of(ctx, request) is None and not list(tmp_path.iterdir())


def test_what_left_is_fixed_and_named_in_the_manifest(ctx, w, tmp_path) -> None:
    request = draft(ctx, w)
    submit(ctx, w, request)
    package = approve(ctx, request, w.liaison, tmp_path).package
    files = package_files(w, tmp_path, package)
    record = disclosure_versions.kept(ctx, request)
    assert sorted(r.entry.text for r in record) == sorted(texts_in(files))
    # The manifest names each packaged version by a commitment we can open, and only we.
    manifest = json.loads(files["manifest.json"])
    named = {v["entry_uuid"]: v["version_commitment"] for v in manifest["versions"]}
    for r in record:
        assert named[r.entry_uuid] == disclosure_versions.commitment(r.commitment_salt,
                                                                     r.version_hash)
        assert r.version_hash not in files["manifest.json"].decode()
    before = [(r.entry_reference, r.version_number, r.entry) for r in record]
    # A later edit makes a new version; the record and the page's view of it stay.
    edit(ctx, w.caseworker, w.specific, text="Changed after release.")
    after = disclosure_versions.kept(ctx, request)
    assert [(r.entry_reference, r.version_number, r.entry) for r in after] == before
    shown = disclosure_versions.shown(ctx, request, [])
    assert all(s.released for s in shown)
    assert "Changed after release." not in [s.entry.text for s in shown]
    # The entry knows which version left and that it has changed since.
    marks = disclosure_versions.disclosed_versions(ctx, w.specific)
    assert [(m.version_number, m.current) for m in marks] == [(1, False)]
    assert [(m.version_number, m.current)
            for m in disclosure_versions.disclosed_versions(ctx, w.thematic)] == [(1, True)]
    # The record is sealed under the source person's key, not stored in the clear.
    from casework.models import DisclosureItem

    for item in ctx.session.scalars(select(DisclosureItem).where(
            DisclosureItem.request_id == request.id)):
        assert item.released_ciphertext and b"night bus" not in item.released_ciphertext


def test_refusals_by_one_user_alert_the_director_and_auditor_once(ctx, w) -> None:
    from casework.domain.roles import Role
    from casework.domain.versions import REFUSAL_ALERT_THRESHOLD
    from casework.services import accounts

    auditor, _ = accounts.create_staff(ctx, email="aud@t.kz", display_name="aud",
                                       role=Role.AUDITOR, password="correct horse battery 99")
    cw = ctx.as_actor(w.caseworker.public_id)
    for _ in range(REFUSAL_ALERT_THRESHOLD + 2):
        with pytest.raises(intel.ThematicBlocked):
            edit(ctx, w.caseworker, w.thematic, text="Zhanar was moved by night bus.")
        cw.audit("intel.thematic_blocked", outcome="denied", object_type="intel_entry")
        entry_changes.alert_on_refusals(cw, w.caseworker.public_id)
    for member in (w.director, auditor):
        alerts = ctx.session.scalars(select(Notification).where(
            Notification.staff_id == member.id,
            Notification.kind == "intel_refusals_alert")).all()
        assert [(a.object_ref, a.urgent) for a in alerts] == [(w.caseworker.public_id, True)]


def test_declined_proposals_count_towards_the_alert(ctx, w) -> None:
    from casework.domain.versions import REFUSAL_ALERT_THRESHOLD

    cw = ctx.as_actor(w.caseworker.public_id)
    for n in range(REFUSAL_ALERT_THRESHOLD):
        proposal = edit(ctx, w.liaison, w.thematic, text=f"Guess number {n}.").version
        entry_changes.decline(cw, w.caseworker, w.thematic, proposal)
    alerts = ctx.session.scalars(select(Notification.object_ref).where(
        Notification.staff_id == w.director.id,
        Notification.kind == "intel_refusals_alert")).all()
    assert alerts == [w.liaison.public_id]
