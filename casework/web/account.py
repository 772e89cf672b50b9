"""One's own account: password, sessions, API tokens, recovery codes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import accounts, tokens
from casework.services import sessions as session_service
from casework.services.errors import NotFound, ServiceError
from casework.web.context import ctx
from casework.web.forms import ConfirmForm, PasswordChangeForm, TokenForm
from casework.web.messages import explain
from casework.web.security import requires, step_up_required

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/")
@requires(Permission.ACCOUNT)
def index() -> str:
    return render_template("account/index.html", staff=g.staff,
                           remaining_codes=accounts.remaining_recovery_codes(ctx(), g.staff))


@bp.route("/password", methods=["GET", "POST"])
@requires(Permission.ACCOUNT)
def password() -> str | Response:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if form.new.data != form.confirm.data:
            form.confirm.errors.append(_("The two new passwords do not match."))
        else:
            try:
                accounts.change_password(ctx(), g.staff, current=form.current.data or "",
                                         new=form.new.data or "",
                                         keep_sid=getattr(session, "sid", None))
            except ServiceError as error:
                db.session.rollback()
                if error.reasons and error.reasons[0].value == "wrong_password":
                    accounts.change_password_denied(ctx(), g.staff)
                    db.session.commit()
                form.new.errors.extend(explain(error.reasons))
            else:
                session.regenerate()  # type: ignore[attr-defined]
                db.session.commit()
                flash(_("Your password was changed. Your other sessions and API tokens "
                        "were ended."), "success")
                return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form)


@bp.route("/sessions")
@requires(Permission.ACCOUNT)
def sessions() -> str:
    rows = session_service.list_for(db.session, g.staff.id)
    current = session_service.hash_sid(getattr(session, "sid", None) or "")
    return render_template("account/sessions.html", rows=rows, current=current,
                           form=ConfirmForm())


@bp.route("/sessions/<public_id>/revoke", methods=["POST"])
@requires(Permission.ACCOUNT)
def revoke_session(public_id: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if session_service.revoke_one(db.session, g.staff.id, public_id):
        ctx().audit("account.session_revoke", object_type="session", object_ref=public_id)
        db.session.commit()
        flash(_("The session was ended."), "success")
    return redirect(url_for("account.sessions"))


@bp.route("/tokens", methods=["GET", "POST"])
@requires(Permission.ACCOUNT)
def api_tokens() -> str:
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        _row, created = tokens.create(ctx(), g.staff, name=form.name.data or "")
        db.session.commit()
        form = TokenForm(formdata=None)
    return render_template("account/tokens.html", form=form, created=created,
                           rows=tokens.list_for(ctx(), g.staff), revoke_form=ConfirmForm())


@bp.route("/tokens/<public_id>/revoke", methods=["POST"])
@requires(Permission.ACCOUNT)
def revoke_token(public_id: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        tokens.revoke(ctx(), g.staff, public_id)
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("account.api_tokens"))


@bp.route("/recovery-codes", methods=["POST"])
@requires(Permission.ACCOUNT)
@step_up_required
def new_recovery_codes() -> str:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    codes = accounts.issue_recovery_codes(ctx(), g.staff)
    ctx().audit("account.recovery_codes", object_type="staff", object_ref=g.staff.public_id)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_url=url_for("account.index"))
