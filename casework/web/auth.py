"""Sign-in with password and TOTP, first-time enrolment, recovery codes, step-up, logout."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    after_this_request,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from casework.domain.roles import Permission
from casework.extensions import db, login_manager
from casework.models import Staff
from casework.models.base import utcnow
from casework.services import accounts, auth, totp
from casework.services.auth import LoginOutcome
from casework.web.context import ctx, settings
from casework.web.forms import CodeForm, LoginForm, RecoveryForm, StepUpForm
from casework.web.security import public, requires
from casework.web.text import gettext as _
from casework.web.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")
PENDING_SECONDS = 300
DEVICE_COOKIE_DAYS = 180


@login_manager.user_loader
def load_user(user_id: str) -> Staff | None:
    staff = db.session.get(Staff, int(user_id)) if user_id.isdigit() else None
    return staff if staff is not None and staff.is_active else None


def _throttle() -> auth.Throttle:
    s = settings()
    return auth.Throttle(window=timedelta(seconds=s.throttle_window_seconds),
                         limits=auth.ThrottleLimits(s.throttle_per_account,
                                                    s.throttle_per_address))


def _address() -> str:
    return request.remote_addr or "unknown"


def _device_cookie_name() -> str:
    return "__Host-senim-device" if settings().secure_cookies else "senim-device"


def _device_cookie() -> str | None:
    """The known-device cookie this browser holds, if any (issue 11, point 4)."""
    return request.cookies.get(_device_cookie_name())


def _remember_device(staff: Staff) -> None:
    """Every successful sign-in gives the browser a fresh signed device cookie, so the
    owner can still sign in while an attack from elsewhere is throttled."""
    token = auth.device_token(ctx(), staff)
    secure = settings().secure_cookies

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(_device_cookie_name(), token, max_age=DEVICE_COOKIE_DAYS * 86400,
                            path="/", secure=secure, httponly=True, samesite="Strict")
        return response


def _pending_staff() -> Staff | None:
    """The account whose password was just verified, for at most five minutes."""
    pending = session.get("pending")
    if not isinstance(pending, dict):
        return None
    started = datetime.fromisoformat(pending.get("at", "1970-01-01T00:00:00"))
    if utcnow() - started > timedelta(seconds=PENDING_SECONDS):
        session.pop("pending", None)
        return None
    staff = db.session.scalar(db.select(Staff).where(Staff.public_id == pending.get("staff")))
    return staff if staff is not None and staff.is_active else None


def _complete_login(staff: Staff) -> Response:
    session.pop("pending", None)
    language = session.get("lang")
    session.regenerate()  # type: ignore[attr-defined]
    login_user(staff)
    _remember_device(staff)
    if language:
        session["lang"] = language
    db.session.commit()
    if staff.must_change_password:
        return redirect(url_for("account.password"))
    return redirect(safe_next(session.pop("next", None)) or url_for("main.home"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        c = ctx()
        result = auth.check_password(c, _throttle(), email=form.email.data or "",
                                     password=form.password.data or "", address=_address(),
                                     device_cookie=_device_cookie())
        db.session.commit()
        if result.outcome is LoginOutcome.OK and result.staff is not None:
            session["pending"] = {"staff": result.staff.public_id, "at": utcnow().isoformat()}
            if not result.staff.totp_enrolled:
                return redirect(url_for("auth.enrol"))
            return redirect(url_for("auth.second_factor"))
        if result.outcome is LoginOutcome.THROTTLED:
            flash(_("Too many attempts. Wait a few minutes, then try again."), "error")
        else:
            flash(_("Sign-in failed. Check your e-mail address and password and try "
                    "again."), "error")
    expired = getattr(session, "expired", False)
    return render_template("auth/login.html", form=form, expired=expired)


@bp.route("/code", methods=["GET", "POST"])
@public
def second_factor() -> str | Response:
    staff = _pending_staff()
    if staff is None or not staff.totp_enrolled:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = auth.check_second_factor(ctx(), _throttle(), staff, code=form.code.data or "",
                                          address=_address(), device_cookie=_device_cookie())
        if result.outcome is LoginOutcome.OK:
            return _complete_login(staff)
        db.session.commit()
        flash(_("Too many attempts. Wait a few minutes, then try again.")
              if result.outcome is LoginOutcome.THROTTLED else
              _("That code did not work. Codes change every 30 seconds and each can be "
                "used only once; wait for the next one."), "error")
    return render_template("auth/code.html", form=form)


@bp.route("/recovery", methods=["GET", "POST"])
@public
def recovery() -> str | Response:
    staff = _pending_staff()
    if staff is None or not staff.totp_enrolled:
        return redirect(url_for("auth.login"))
    form = RecoveryForm()
    if form.validate_on_submit():
        result = auth.check_second_factor(ctx(), _throttle(), staff, code=form.code.data or "",
                                          address=_address(), recovery=True,
                                          device_cookie=_device_cookie())
        if result.outcome is LoginOutcome.OK:
            flash(_("You used a recovery code. Each code works only once."), "warning")
            return _complete_login(staff)
        db.session.commit()
        flash(_("That recovery code did not work."), "error")
    return render_template("auth/recovery.html", form=form)


@bp.route("/enrol", methods=["GET", "POST"])
@public
def enrol() -> str | Response:
    """First sign-in: set up the authenticator app; the second factor is mandatory."""
    staff = _pending_staff()
    if staff is None or staff.totp_enrolled:
        return redirect(url_for("auth.login"))
    c = ctx().as_actor(staff.public_id)
    secret = accounts.begin_totp_enrolment(c, staff)
    db.session.commit()
    form = CodeForm()
    if form.validate_on_submit():
        codes = accounts.confirm_totp_enrolment(c, staff, form.code.data or "")
        if codes is not None:
            response = _complete_login(staff)
            # The codes are shown exactly once, on this response; only hashes are kept.
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=response.location)
        db.session.commit()
        flash(_("That code did not work. Check the time on your phone and try the next code."),
              "error")
    uri = totp.provisioning_uri(secret, account=staff.email)
    return render_template("auth/enrol.html", form=form, qr=totp.qr_svg(uri),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))


@bp.route("/step-up", methods=["GET", "POST"])
@requires(Permission.ACCOUNT)
def step_up() -> str | Response | tuple[str, int]:
    from casework.web import step_up as pending_actions

    form = StepUpForm()
    row = pending_actions.pending(request.args.get("action"))
    if row is not None:
        # Issue 13.2: this page posts to the action itself, which runs once it is you.
        return pending_actions.render_page(form, row)
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        if auth.step_up(ctx(), _throttle(), g.staff, password=form.password.data or "",
                        code=form.code.data or "", address=_address(),
                        device_cookie=_device_cookie()):
            session["step_up_at"] = utcnow().isoformat()
            db.session.commit()
            flash(_("Identity confirmed."), "success")
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        db.session.commit()
        flash(_("Confirmation failed. Check your password and use a new code."), "error")
    return render_template("auth/step_up.html", form=form, pending=None, action_label=None)


@bp.route("/logout", methods=["POST"])
@requires(Permission.ACCOUNT)
def logout() -> Response:
    ctx().audit("auth.logout", object_type="staff", object_ref=g.staff.public_id)
    db.session.commit()
    logout_user()
    session.destroy()  # type: ignore[attr-defined]
    response = redirect(url_for("auth.login"))
    # Not "cookies": that would also wipe the known-device cookie, and the owner would be
    # throttled with the attacker next time. The session cookie is deleted by the store.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
