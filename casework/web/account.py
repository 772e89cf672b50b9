"""One's own account: password, sessions, API tokens, recovery codes, notifications."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import get_locale
from werkzeug.wrappers import Response

from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import accounts, outbox, tokens
from casework.services import sessions as session_service
from casework.services.errors import NotFound, ServiceError
from casework.web.channel_messages import composer
from casework.web.context import ctx
from casework.web.forms import (
    ConfirmForm,
    NotificationSettingsForm,
    PasswordChangeForm,
    TokenForm,
)
from casework.web.messages import explain
from casework.web.security import requires, step_up_required
from casework.web.text import gettext as _

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


@bp.route("/notifications", methods=["GET", "POST"])
@requires(Permission.ACCOUNT)
def notification_settings() -> tuple[str, int] | Response:
    """One's own address and opt-in for notifications outside the app (issue 10)."""
    current = outbox.settings_for(ctx(), g.staff)
    form = NotificationSettingsForm(data={"address": current.address or "",
                                          "opted_in": current.opted_in})
    if form.validate_on_submit():
        try:
            outbox.update_settings(ctx(), g.staff, address=form.address.data or "",
                                   opted_in=bool(form.opted_in.data))
        except ServiceError as error:
            db.session.rollback()
            form.address.errors = [*form.address.errors, *explain(error.reasons)]
        else:
            db.session.commit()
            flash(_("Your notification settings were saved."), "success")
            return redirect(url_for("account.notification_settings"))
    return render_template("account/notifications.html", form=form, current=current,
                           enabled=current_app.extensions.get("senim.sender") is not None,
                           test_form=ConfirmForm()), 422 if form.errors else 200


@bp.route("/notifications/test", methods=["POST"])
@requires(Permission.ACCOUNT)
def notification_test() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sender = current_app.extensions.get("senim.sender")
    if sender is None:
        flash(_("E-mail is not set up for this organisation. Ask your administrator."),
              "error")
        return redirect(url_for("account.notification_settings"))
    settings = current_app.extensions["senim.settings"]
    try:
        sent = outbox.send_test(ctx(), g.staff, sender, composer(settings.public_url or ""),
                                str(get_locale() or settings.default_language))
    except ServiceError as error:
        db.session.rollback()
        for message in explain(error.reasons):
            flash(message, "error")
        return redirect(url_for("account.notification_settings"))
    db.session.commit()
    if sent:
        flash(_("A test message was sent. Check your inbox (and the spam folder)."),
              "success")
    else:
        flash(_("The test message could not be sent. Try again later or ask your "
                "administrator to check the e-mail settings."), "error")
    return redirect(url_for("account.notification_settings"))
