"""Memoranda of understanding with police units: register a version (terms as TOML plus
the signed PDF), read the terms in plain words, see what changed, terminate (issue 6).

The director registers and terminates (MOU_MANAGE); the liaison reads (DISCLOSURE_REVIEW),
because every release is checked against these terms.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.wrappers import Response

from casework.domain.roles import Permission, Role, can
from casework.extensions import db
from casework.models import MouVersion, PoliceUnit, Staff
from casework.services import attachments, mou_versions, police_units
from casework.services.attachments import AttachmentRefused
from casework.services.errors import NotFound, ServiceError
from casework.services.mou_versions import MouInvalid, MouReason
from casework.web.confirm import confirmed, unconfirmed
from casework.web.context import ctx, settings
from casework.web.form_base import FlaskForm
from casework.web.forms import ConfirmForm
from casework.web.forms_consent import PURPOSE_LABELS
from casework.web.messages import explain
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l
from mou.checks import _add_months
from mou.terms import MouTerms

bp = Blueprint("mou", __name__, url_prefix="/mou")


class RegisterForm(FlaskForm):
    terms = FileField(_l("Terms file (.toml)"))
    signed_pdf = FileField(_l("Signed MoU (PDF)"))


ENTRY_KIND_LABELS = {"thematic": _l("Thematic (general patterns, no case details)"),
                     "specific": _l("Specific (about a case, after a risk assessment)")}
EVENT_LABELS = {
    "acknowledged": _l("Receipt acknowledged"), "actioned": _l("Acted upon"),
    "arrest": _l("Arrest"), "charge": _l("Charge"), "release": _l("Suspect released"),
    "no_further_action": _l("No further action"),
    "assessed_false": _l("Assessed as not accurate"),
}
USE_LABELS = {"prohibited": _l("Prohibited"),
              "with_originator_consent": _l("Only with our prior written consent")}
TERMINATION_LABELS = {"destroy": _l("Destroy everything received"),
                      "return": _l("Return everything received"),
                      "destroy_or_return": _l("Destroy or return everything received")}
CONDITION_LABELS = {
    "NO_ONWARD_DISSEMINATION_WITHOUT_ORIGINATOR": _l("No onward sharing without our consent"),
    "NOT_FOR_EVIDENTIAL_USE_WITHOUT_ORIGINATOR": _l("Not to be used as evidence without our "
                                                    "consent"),
    "NO_DIRECT_CONTACT_WITH_SOURCE": _l("No direct contact with the source"),
    "REFER_DISCLOSURE_REQUESTS_TO_ORIGINATOR": _l("Refer any request to disclose it to us"),
}
HANDLING_LABELS = {"P": _l("P: may be shared within the police unit"),
                   "C": _l("C: conditions apply (see below)")}
CONTACT_ROLE_LABELS = {"liaison": _l("Liaison"), "deputy": _l("Deputy")}
PARTY_ROLE_LABELS = {"originator": _l("Gives information (us)"),
                     "recipient": _l("Receives information (police)")}
# Issue 13.10: what the MoU's own keys mean, for people (the key stays as a small tag).
PROHIBITED_LABELS = {
    "victim_name": _l("The person's name"),
    "victim_date_of_birth": _l("The person's date of birth"),
    "victim_phone": _l("The person's phone number"),
    "shelter_location": _l("Where a shelter is"),
    "staff_name": _l("Names of our staff"),
    "health_data": _l("Health information"),
    "interview_transcript": _l("Interview records"),
}
CLAUSE_LABELS = {
    "no_source_identity": _l("The source's identity is never disclosed"),
    "no_organisation_role": _l("Our role in obtaining the information is not disclosed"),
    "confidential_storage": _l("Stored and used strictly confidentially"),
    "contact_only_through_liaison": _l("Contact only through our liaison or deputy"),
}
# What the fields of a version are called when the director compares two versions.
FIELD_LABELS = {
    "id": _l("MoU identifier"), "version": _l("Version"), "title": _l("Title"),
    "text_sha256": _l("Fingerprint of the signed PDF (SHA-256)"), "parties": _l("Parties"),
    "signatories": _l("Signatories"), "effective_from": _l("In force from"),
    "expires_on": _l("Expires on"), "review_every_months": _l("Review every (months)"),
    "last_reviewed": _l("Last reviewed"),
    "organisation_contacts": _l("Our liaison and deputies"),
    "police_contacts": _l("Police liaison and deputies"), "purposes": _l("Purposes"),
    "entry_kinds": _l("Kinds of information"), "prohibited_fields": _l("Never shared"),
    "clauses": _l("Confidentiality clauses"), "feedback": _l("Feedback from the police"),
    "onward_sharing": _l("Onward sharing"), "evidential_use": _l("Use as evidence"),
    "tlp_thematic": _l("TLP for thematic information"),
    "tlp_specific": _l("TLP for specific information"), "allowed_tlp": _l("Allowed TLP"),
    "handling_code": _l("Handling code"), "handling_conditions": _l("Handling conditions"),
    "retention_review_months": _l("Review kept information after (months)"),
    "retention_delete_months": _l("Delete kept information after (months)"),
    "termination_notice_days": _l("Notice to terminate (days)"),
    "on_termination": _l("On termination"), "recipient_age_key": _l("Recipient encryption key"),
    "second_approver": _l("Second approver"),
    "consent_max_age_days": _l("Consent must be newer than (days)"),
    "risk_max_age_days": _l("Risk assessment must be newer than (days)"),
    "withdrawal_notice_days": _l("Tell the unit of a withdrawn consent within (days)"),
    "emergency_disclosure": _l("Limited emergency disclosure allowed"),
    "cumulative_limit": _l("Most quasi-identifying details per person and unit"),
    "extra": _l("Other"),
}


def labels() -> dict[str, Any]:
    return {"purposes": PURPOSE_LABELS, "kinds": ENTRY_KIND_LABELS, "events": EVENT_LABELS,
            "use": USE_LABELS, "termination": TERMINATION_LABELS,
            "conditions": CONDITION_LABELS, "handling": HANDLING_LABELS,
            "contact_roles": CONTACT_ROLE_LABELS, "party_roles": PARTY_ROLE_LABELS,
            "fields": FIELD_LABELS, "prohibited": PROHIBITED_LABELS,
            "clauses": CLAUSE_LABELS}


def _unit_or_404(unit_id: str) -> PoliceUnit:
    try:
        return police_units.get(ctx(), unit_id[:32])
    except NotFound:
        abort(404)


def _version_or_404(version_id: str) -> tuple[MouVersion, PoliceUnit]:
    row = db.session.scalar(select(MouVersion).where(MouVersion.public_id == version_id[:32]))
    unit = db.session.get(PoliceUnit, row.unit_id) if row is not None else None
    if row is None or unit is None:
        abort(404)
    return row, unit


def _may_manage() -> bool:
    return can(Role(g.staff.role), Permission.MOU_MANAGE)


def _names(public_ids: set[str]) -> dict[str, str]:
    if not public_ids:
        return {}
    rows = db.session.execute(select(Staff.public_id, Staff.display_name).where(
        Staff.public_id.in_(public_ids)))
    return {public_id: name for public_id, name in rows}


def review_due(terms: MouTerms) -> date:
    return _add_months(terms.last_reviewed, terms.review_every_months)


@bp.route("/")
@requires(Permission.DISCLOSURE_REVIEW)
def index() -> str:
    c = ctx()
    rows = []
    for unit in police_units.all_units(c):
        active = mou_versions.active(c, unit)
        versions = []
        for row in mou_versions.versions(c, unit):
            terms = mou_versions.terms_of(row)
            versions.append({"row": row, "terms": terms})
        rows.append({"unit": unit, "active": active[0] if active else None,
                     "active_terms": active[1] if active else None, "versions": versions})
    return render_template("mou/index.html", rows=rows, can_manage=_may_manage(),
                           today=c.now.date())


def _read_upload(upload: Any, limit: int) -> bytes | None:
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return bytes(upload.stream.read(limit + 1))


@bp.route("/<unit_id>/register", methods=["GET", "POST"])
@requires(Permission.MOU_MANAGE)
def register(unit_id: str) -> ResponseReturnValue:
    unit = _unit_or_404(unit_id)
    form = RegisterForm()
    if form.validate_on_submit():
        limit = settings().max_upload_bytes
        toml_bytes = _read_upload(form.terms.data, limit)
        pdf = _read_upload(form.signed_pdf.data, limit)
        toml_text = None
        if toml_bytes is None:
            form.terms.errors = [_("Choose the terms file (.toml).")]
        else:
            try:
                toml_text = toml_bytes.decode("utf-8")
            except UnicodeDecodeError:
                form.terms.errors = [_("The terms file must be text in UTF-8.")]
            if len(toml_bytes) > limit:
                form.terms.errors = [_("The file is too large.")]
        if pdf is None:
            form.signed_pdf.errors = [_("Choose the signed PDF.")]
        elif len(pdf) > limit:
            form.signed_pdf.errors = [_("The file is too large.")]
        if toml_text is not None and not form.terms.errors and not form.signed_pdf.errors:
            assert pdf is not None
            try:
                row = mou_versions.register(
                    ctx(), settings().attachments_path, unit, toml_text=toml_text, pdf=pdf,
                    filename=form.signed_pdf.data.filename or "mou.pdf", max_bytes=limit)
            except MouInvalid as error:
                db.session.rollback()
                form.terms.errors = [_("Line %(line)s: %(message)s", line=error.line,
                                       message=error.message) if error.line else
                                     error.message]
            except (AttachmentRefused, ServiceError) as error:
                db.session.rollback()
                messages = explain(error.reasons)
                if MouReason.VERSION_EXISTS in error.reasons:
                    form.terms.errors = messages
                else:
                    form.signed_pdf.errors = messages
            else:
                db.session.commit()
                flash(_("Version %(version)s was registered.", version=row.version), "success")
                return redirect(url_for("mou.version", version_id=row.public_id))
        ctx().audit("mou.register", outcome="denied", object_type="police_unit",
                    object_ref=unit.public_id)
        db.session.commit()
    failed = bool(form.errors or form.terms.errors or form.signed_pdf.errors)
    return render_template("mou/register.html", unit=unit, form=form), \
        422 if failed else 200


@bp.route("/versions/<version_id>")
@requires(Permission.DISCLOSURE_REVIEW)
def version(version_id: str) -> str:
    row, unit = _version_or_404(version_id)
    c = ctx()
    terms = mou_versions.terms_of(row)
    active = mou_versions.active(c, unit)
    changes = [(FIELD_LABELS.get(name, name), before, after)
               for name, before, after in mou_versions.diff_with_previous(c, unit, row)]
    has_previous = any(v.registered_at < row.registered_at or (
        v.registered_at == row.registered_at and v.version < row.version)
        for v in mou_versions.versions(c, unit))
    return render_template("mou/version.html", row=row, unit=unit, terms=terms,
                           is_active=bool(active and active[0].id == row.id),
                           review_due=review_due(terms), changes=changes,
                           has_previous=has_previous, L=labels(), can_manage=_may_manage(),
                           names=_names({row.registered_by}), form=ConfirmForm(),
                           today=c.now.date())


@bp.route("/versions/<version_id>/pdf")
@requires(Permission.DISCLOSURE_REVIEW)
def pdf(version_id: str) -> Response:
    """The signed text, decrypted with the unit's key; checked here, not only on the page."""
    row, unit = _version_or_404(version_id)
    c = ctx()
    if not row.signed_pdf:
        abort(404)
    try:
        stored = attachments.get(c, row.signed_pdf)
    except NotFound:
        abort(404)
    if stored.subject_id != unit.subject_id or stored.owner_type != "mou":
        abort(404)
    name, data = attachments.read(c, settings().attachments_path, stored)
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype=stored.content_type, as_attachment=True,
                     download_name=name, max_age=0)


@bp.route("/versions/<version_id>/terminate", methods=["POST"])
@requires(Permission.MOU_MANAGE)
def terminate(version_id: str) -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row, _unit = _version_or_404(version_id)
    if not confirmed():  # issue 13.6
        return unconfirmed(url_for("mou.version", version_id=row.public_id))
    if row.terminated_at is None:
        mou_versions.terminate(ctx(), row,
                               packages_folder=settings().instance_path / "packages")
        db.session.commit()
        flash(_("The MoU version was terminated. Nothing more can be released under it."),
              "success")
    return redirect(url_for("mou.version", version_id=row.public_id))
