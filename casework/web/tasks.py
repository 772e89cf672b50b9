"""My tasks: what police feedback asks of the people caring for a person (rules 110-112),
and the recall notices the liaison owes a police unit after a consent is withdrawn."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from casework.domain.casenotes import NoteKind
from casework.domain.roles import Permission, Role, can
from casework.extensions import db
from casework.models import (
    DisclosurePackage,
    DisclosureRequest,
    Person,
    PoliceUnit,
    RecallNotice,
    Task,
)
from casework.services import casenotes, clock, duties, feedback, paging
from casework.web.confirm import confirmed, unconfirmed
from casework.web.context import ctx
from casework.web.forms import ConfirmForm
from casework.web.paging import page_request
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

TASK_LABELS = {
    "inform_person_arrest": _l("Tell the person that a suspect was arrested"),
    "inform_person_charge": _l("Tell the person that a suspect was charged"),
    "inform_person_outcome": _l("Tell the person what the police did with the information"),
    "urgent_safety_after_release": _l("A suspect was released: review this person's safety "
                                      "now"),
    "safety_plan_review": _l("Review the person's safety plan"),
    "inform_person_hearing": _l("Tell the person about the court hearing"),
    "review_consent_turned_18": _l("The person is now 18: review with them the consent "
                                   "given as a child"),
    "tell_person_emergency_disclosure": _l("Tell the person about the emergency disclosure "
                                           "made without their consent"),
    "obtain_destruction_confirmation": _l("Obtain the unit's confirmation that it destroyed "
                                          "or returned what it received"),
    # Issue 10: the duty catalogue (casework.domain.duties).
    "mou_feedback_ack_overdue": _l("The police unit has not acknowledged a released "
                                   "package: chase the acknowledgement"),
    "mou_feedback_outcome_overdue": _l("The police unit owes the outcome of a released "
                                       "package: chase it"),
    "mou_review_due": _l("The MoU with a police unit is due for review"),
    "mou_expiry_due": _l("The MoU with a police unit expires soon: renew it or let it end"),
    "risk_assessment_expiring": _l("A risk assessment that an open disclosure relies on "
                                   "expires soon: assess again"),
    "consent_review_due": _l("Review the consent with the person before it ends"),
    "witness_review_due": _l("The witness-protection review is due"),
    "send_recall_notice": _l("Send the recall notice to the police unit"),
    "privacy_review_waiting": _l("A thematic intelligence entry is waiting for its privacy "
                                 "review"),
    "oncall_gap": _l("Nobody is on call for part of the next 14 days: fill the roster"),
    "break_glass_review": _l("Review an emergency (break-glass) access to a record"),
    "audit_checkpoint_due": _l("Make a signed audit checkpoint and keep it off the server"),
}
RECALL_REASONS = {
    "consent_withdrawn": _l("The person withdrew their consent"),
    "persons_decision": _l("The person decided not to give intelligence"),
    "gate_consent_expired": _l("The consent it relied on expired"),
    "gate_mou_not_in_force": _l("The MoU with the unit is no longer in force"),
    # Rule 101 / the MoU's termination terms: the liaison obtains the unit's confirmation.
    "mou_terminated_destroy": _l("The MoU was terminated: the unit must destroy what it "
                                 "received and confirm it"),
    "mou_terminated_return": _l("The MoU was terminated: the unit must return what it "
                                "received and confirm it"),
    "mou_terminated_destroy_or_return": _l("The MoU was terminated: the unit must destroy or "
                                           "return what it received and confirm it"),
}


def task_label(kind: str) -> str:
    return str(TASK_LABELS.get(kind, kind))



def _page(endpoint: str) -> str:
    rows = my_tasks_page()
    # Urgent tasks come first, so the first page shows them all.
    return render_template("tasks/index.html", rows=rows, labels=TASK_LABELS,
                           any_urgent=any(t.urgent and p is not None for t, p in rows.items),
                           form=ConfirmForm(), now=ctx().now, endpoint=endpoint,
                           note_max=NOTE_MAX,
                           can_finish=can(Role(g.staff.role), Permission.TASKS),
                           finishable={t.id for t, _p in rows.items
                                       if duties.can_mark_done(t)})


def my_tasks_page() -> paging.Page[tuple[Task, Person | None]]:
    """Open tasks for the signed-in member of staff (about their people, owned by them or
    their role, or escalated to them), urgent first, paged in the database (issue 12)."""
    return duties.visible_tasks_page(ctx(), g.staff, page_request())


@bp.route("/")
@requires(Permission.TASKS)
def index() -> str:
    return _page("tasks.index")


@bp.route("/duties")
@requires(Permission.ACCOUNT)
def duties_page() -> str:
    """The same list for every role (the liaison's, director's and auditor's duties)."""
    return _page("tasks.duties_page")


def _back() -> Response:
    target = "tasks.index" if can(Role(g.staff.role), Permission.TASKS) else \
        "tasks.duties_page"
    return redirect(url_for(target))


NOTE_MAX = 1000


@bp.route("/<task_id>/done", methods=["POST"])
@requires(Permission.TASKS)
def done(task_id: str) -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    c = ctx()
    row = duties.find_visible(c, g.staff, task_id)
    if row is None or not duties.can_mark_done(row):
        abort(404)  # someone else's task, already done, or none at all: all look the same
    person = db.session.get(Person, row.person_id) if row.person_id is not None else None
    if row.urgent:
        # Issue 13.6: closing an urgent task is confirmed and says, in a few words, what was
        # done; the note goes into the person's record (encrypted like every case note).
        if not confirmed():
            return unconfirmed(url_for("tasks.index"))
        note = (request.form.get("note") or "").strip()
        if not note or len(note) > NOTE_MAX:
            flash(_("Write what was done in a few words (at most %(n)d characters) before "
                    "closing an urgent task.", n=NOTE_MAX), "error")
            return _page("tasks.index"), 422
        if person is not None:
            casenotes.add(c, person, kind=NoteKind.NOTE,
                          body=f"{task_label(row.kind)}: {note}", occurred_on=clock.today(c))
    feedback.complete_task(c, row)
    db.session.commit()
    flash(_("Marked as done: %(task)s", task=task_label(row.kind)), "success")
    return redirect(url_for("tasks.index"))


@bp.route("/<task_id>/acknowledge", methods=["POST"])
@requires(Permission.ACCOUNT)
def acknowledge(task_id: str) -> Response:
    """"I have it": the task stops escalating (issue 10)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = duties.find_visible(ctx(), g.staff, task_id)
    if row is None:
        abort(404)
    duties.acknowledge(ctx(), g.staff, row)
    db.session.commit()
    flash(_("Acknowledged: %(task)s", task=task_label(row.kind)), "success")
    return _back()


def recall_rows() -> list[dict[str, Any]]:
    rows = []
    for notice in feedback.open_recalls(ctx()):
        found = db.session.execute(select(DisclosureRequest, PoliceUnit).join(
            DisclosurePackage, DisclosurePackage.request_id == DisclosureRequest.id).join(
            PoliceUnit, PoliceUnit.id == DisclosureRequest.unit_id).where(
            DisclosurePackage.id == notice.package_id)).first()
        rows.append({"notice": notice, "request": found[0] if found else None,
                     "unit": found[1] if found else None,
                     "reason": RECALL_REASONS.get(notice.reason, notice.reason)})
    return rows


@bp.route("/recalls")
@requires(Permission.DISCLOSURE_REVIEW)
def recalls() -> str:
    return render_template("tasks/recalls.html", rows=recall_rows(), form=ConfirmForm(),
                           now=ctx().now)


@bp.route("/recalls/<notice_id>/sent", methods=["POST"])
@requires(Permission.DISCLOSURE_REVIEW)
def recall_sent(notice_id: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    notice = db.session.scalar(select(RecallNotice).where(
        RecallNotice.public_id == notice_id[:32], RecallNotice.sent_at.is_(None)))
    if notice is None:
        abort(404)
    feedback.mark_recall_sent(ctx(), notice)
    db.session.commit()
    flash(_("Recorded: the recall notice was sent to the unit."), "success")
    return redirect(url_for("tasks.recalls"))
