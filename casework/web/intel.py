"""The intelligence area: our own entries and what the police shared with us (issue 4).

Nothing here shows who an entry came from: the list has no source column, and an entry
from a person we support carries only a token the intelligence side cannot resolve.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.domain.identifiers import Finding
from casework.domain.roles import Permission, Role, can
from casework.domain.taxonomy import EntryKind, Granularity, SourceType
from casework.domain.versions import VersionReason
from casework.extensions import db
from casework.models import IntelEntry
from casework.services import accounts, entry_changes, entry_versions, intel
from casework.services.errors import NotFound, ServiceError
from casework.services.intel import ThematicBlocked
from casework.web import intel_versions
from casework.web.context import ctx
from casework.web.forms import ConfirmForm
from casework.web.forms_intel import (
    ASSESSMENT_LABELS,
    DIRECTION_LABELS,
    EVALUATION_LABELS,
    GRANULARITY_LABELS,
    HANDLING_LABELS,
    KIND_SHORT,
    PRIVACY_LABELS,
    SOURCE_LABELS,
    STATEMENT_LABELS,
    SUBJECT_LABELS,
    EntryForm,
    IncomingForm,
    entry_input_from_form,
    form_data_from_view,
    tag_groups,
    tag_label,
)
from casework.web.messages import explain
from casework.web.messages_intel import INTEL_MESSAGES
from casework.web.paging import page_request
from casework.web.security import requires
from casework.web.text import gettext as _

bp = Blueprint("intel", __name__, url_prefix="/intel")

DIRECTIONS = ("own", "incoming")
KINDS = tuple(k.value for k in EntryKind)


def explain_intel(reasons: tuple[Enum, ...]) -> list[str]:
    """Messages for intelligence reason codes, falling back to the general map."""
    return [str(INTEL_MESSAGES[r]) if r in INTEL_MESSAGES else explain((r,))[0]
            for r in reasons]


def thematic_problems(error: ThematicBlocked) -> dict[str, list[str]]:
    """What the thematic check found, for ``_entry_fields.html`` (as ``blocked``): one
    sentence per finding and the fragments to look for (granularity names left out)."""
    granularities = {g.value for g in Granularity}
    coarse = {Finding.FINE_TIME, Finding.FINE_PLACE} & set(error.reasons)
    matches = [m for m in error.check.matches if not (coarse and m in granularities)]
    return {"messages": explain_intel(error.reasons), "matches": matches}


def _record_refusal(action: str, reference: str | None = None) -> None:
    """Roll back the refused unit of work but keep the audit event of the refusal."""
    db.session.rollback()
    ctx().audit(action, outcome="denied", object_type="intel_entry", object_ref=reference)
    entry_changes.alert_on_refusals(ctx(), g.staff.public_id)  # issue 11: probing alarms
    db.session.commit()


def _may(permission: Permission) -> bool:
    return can(Role(g.staff.role), permission)


def _entry_or_404(reference: str) -> IntelEntry:
    try:
        return intel.get(ctx(), reference)
    except NotFound:
        abort(404)


def _grading(entry: IntelEntry) -> str:
    return f"{entry.source_evaluation}/{entry.intel_assessment}/{entry.handling_code}"


def _label(labels: dict[Any, Any], value: str | None) -> str:
    for key, label in labels.items():
        if getattr(key, "value", key) == value:
            return str(label)
    return value or ""


LABELS: dict[str, dict[Any, Any]] = {
    "kind": KIND_SHORT, "subject": SUBJECT_LABELS, "source": SOURCE_LABELS,
    "evaluation": EVALUATION_LABELS, "assessment": ASSESSMENT_LABELS,
    "handling": HANDLING_LABELS, "statement": STATEMENT_LABELS, "privacy": PRIVACY_LABELS,
    "granularity": GRANULARITY_LABELS, "direction": DIRECTION_LABELS}


@bp.app_template_global("intel_label")
def intel_label(group: str, value: str | None) -> str:
    """A human label for a stored code, e.g. ``intel_label('subject', entry.subject_area)``."""
    return _label(LABELS[group], value)


@bp.app_template_global("intel_tag_groups")
def intel_tag_groups() -> list[tuple[str, Any, list[tuple[str, Any]]]]:
    return tag_groups()


@bp.route("/")
@requires(Permission.INTEL_READ)
def index() -> str:
    direction = request.args.get("direction", "own")
    direction = direction if direction in DIRECTIONS else "own"
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    rows = intel.entries_page(ctx(), page_request(), direction=direction, kind=kind or None)
    return render_template("intel/index.html", rows=rows, direction=direction, kind=kind,
                           grading=_grading, may_write=_may(Permission.INTEL_WRITE),
                           may_incoming=_may(Permission.INTEL_INCOMING))


def _render_form(template: str, form: EntryForm, *, status: int = 200,
                 blocked: dict[str, list[str]] | None = None,
                 **extra: Any) -> tuple[str, int]:
    return render_template(template, form=form, blocked=blocked, **extra), status


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.INTEL_WRITE)
def create() -> str | Response | tuple[str, int]:
    form = EntryForm()
    if form.validate_on_submit():
        try:
            entry = intel.create_other(ctx(), entry_input_from_form(form))
        except ThematicBlocked as error:
            _record_refusal("intel.thematic_blocked")
            return _render_form("intel/form.html", form, status=422,
                                blocked=thematic_problems(error))
        except ServiceError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, *explain_intel(error.reasons)]
            return _render_form("intel/form.html", form, status=422)
        db.session.commit()
        flash(_("The entry %(reference)s was saved.", reference=entry.reference), "success")
        return redirect(url_for("intel.detail", reference=entry.reference))
    return _render_form("intel/form.html", form)


@bp.route("/incoming/new", methods=["GET", "POST"])
@requires(Permission.INTEL_INCOMING)
def incoming_create() -> str | Response | tuple[str, int]:
    form = IncomingForm()
    if form.validate_on_submit():
        try:
            entry = intel.create_incoming(ctx(), entry_input_from_form(form),
                                          received_from=form.received_from.data or "")
        except ServiceError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, *explain_intel(error.reasons)]
            return _render_form("intel/incoming_form.html", form, status=422)
        db.session.commit()
        flash(_("The entry %(reference)s was saved.", reference=entry.reference), "success")
        return redirect(url_for("intel.detail", reference=entry.reference))
    return _render_form("intel/incoming_form.html", form)


@bp.route("/<reference>")
@requires(Permission.INTEL_READ)
def detail(reference: str) -> str:
    entry = _entry_or_404(reference)
    view = intel.read(ctx(), entry)
    reviewer = None
    if entry.privacy_reviewed_by:
        try:
            reviewer = accounts.by_public_id(ctx(), entry.privacy_reviewed_by).display_name
        except NotFound:
            reviewer = None
    may_write = _may(Permission.INTEL_WRITE)
    versions = intel_versions.page(ctx(), g.staff, entry, view.text)
    # Nobody who wrote the version (or one it builds on) reviews it (issue 11).
    may_review = may_write and versions["may_review_version"]
    return render_template("intel/detail.html", entry=entry, view=view,
                           grading=_grading(entry), reviewer=reviewer,
                           tag_label=tag_label, may_edit=may_write and _may_edit(entry),
                           may_review=may_review, own_entry=entry.created_by ==
                           g.staff.public_id, form=ConfirmForm(), may_decide=may_write,
                           explain_intel=explain_intel,
                           outdated_message=explain_intel((VersionReason.PROPOSAL_OUTDATED,))[0],
                           **versions)


def _may_edit(entry: IntelEntry) -> bool:
    """What the police sent is changed only by those who record it."""
    return entry.direction != "incoming" or _may(Permission.INTEL_INCOMING)


def _edit_form(entry: IntelEntry, **kwargs: Any) -> EntryForm:
    fixed = None
    if entry.direction == "incoming" or entry.source_token:
        fixed = SourceType(entry.source_type)
    return EntryForm(fixed_source_type=fixed, **kwargs)


@bp.route("/<reference>/edit", methods=["GET", "POST"])
@requires(Permission.INTEL_WRITE)
def edit(reference: str) -> str | Response | tuple[str, int]:
    entry = _entry_or_404(reference)
    if not _may_edit(entry):
        abort(403)
    if request.method == "POST":
        form = _edit_form(entry)
    else:
        form = _edit_form(entry, data=form_data_from_view(intel.read(ctx(), entry)))
    if form.validate_on_submit():
        try:
            result = entry_changes.edit(ctx(), g.staff, entry, entry_input_from_form(form))
        except ThematicBlocked as error:
            _record_refusal("intel.thematic_blocked", reference)
            return _render_form("intel/form.html", form, status=422,
                                blocked=thematic_problems(error), entry=entry)
        except ServiceError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, *explain_intel(error.reasons)]
            return _render_form("intel/form.html", form, status=422, entry=entry)
        db.session.commit()
        if result.proposed:
            # The same answer whatever the text holds: nothing was compared with anyone.
            flash(_("Your change was saved and sent to the source's caseworker to check. "
                    "It replaces the entry once they accept it."), "success")
        else:
            flash(_("The entry was updated."), "success")
        return redirect(url_for("intel.detail", reference=reference))
    return _render_form("intel/form.html", form, entry=entry)


def _proposal_or_404(entry: IntelEntry, public_id: str) -> Any:
    version = entry_versions.by_public_id(ctx(), entry, public_id)
    if version is None:
        abort(404)
    return version


@bp.route("/<reference>/proposals/<public_id>/accept", methods=["POST"])
@requires(Permission.INTEL_WRITE)
def accept_proposal(reference: str, public_id: str) -> Response:
    """The source's caseworker runs the identifier check and accepts a proposed change."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    entry = _entry_or_404(reference)
    proposal = _proposal_or_404(entry, public_id)
    try:
        entry_changes.accept(ctx(), g.staff, entry, proposal)
    except ThematicBlocked as error:
        _record_refusal("intel.thematic_blocked", reference)
        # Only the fixed messages go into the (server-side, plaintext) session; the page
        # shows the matching fragments from the check it runs for this reader.
        for message in thematic_problems(error)["messages"]:
            flash(message, "error")
        return redirect(url_for("intel.detail", reference=reference))
    except ServiceError as error:
        _record_refusal("intel.proposal_decide", reference)
        for message in explain_intel(error.reasons):
            flash(message, "error")
        return redirect(url_for("intel.detail", reference=reference))
    db.session.commit()
    flash(_("The proposed change is now the entry's current version."), "success")
    return redirect(url_for("intel.detail", reference=reference))


@bp.route("/<reference>/proposals/<public_id>/decline", methods=["POST"])
@requires(Permission.INTEL_WRITE)
def decline_proposal(reference: str, public_id: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    entry = _entry_or_404(reference)
    proposal = _proposal_or_404(entry, public_id)
    try:
        entry_changes.decline(ctx(), g.staff, entry, proposal)
    except ServiceError as error:
        _record_refusal("intel.proposal_decide", reference)
        for message in explain_intel(error.reasons):
            flash(message, "error")
        return redirect(url_for("intel.detail", reference=reference))
    db.session.commit()
    flash(_("The proposed change was declined."), "success")
    return redirect(url_for("intel.detail", reference=reference))


@bp.route("/<reference>/review", methods=["POST"])
@requires(Permission.INTEL_WRITE)
def review(reference: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    entry = _entry_or_404(reference)
    try:
        intel.review_privacy(ctx(), entry)
    except ServiceError as error:
        _record_refusal("intel.privacy_review", reference)
        for message in explain_intel(error.reasons):
            flash(message, "error")
        return redirect(url_for("intel.detail", reference=reference))
    db.session.commit()
    flash(_("Marked as reviewed for privacy."), "success")
    return redirect(url_for("intel.detail", reference=reference))
