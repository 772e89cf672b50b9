"""Home page, language switcher and health check."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.config import LANGUAGES
from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import accounts
from casework.web.context import ctx
from casework.web.forms import LanguageForm
from casework.web.security import public, requires
from casework.web.urls import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@requires(Permission.ACCOUNT)
def home() -> str:
    return render_template("main/home.html", staff=g.staff)


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    """Anyone may switch language (the login page too); a signed-in choice is remembered."""
    form = LanguageForm()
    if not form.validate_on_submit() or form.language.data not in LANGUAGES:
        abort(400)
    session["lang"] = form.language.data
    if current_user.is_authenticated:
        accounts.set_language(ctx(), current_user, form.language.data or "en")
        db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("main.home"))


@bp.route("/healthz")
@public
def health() -> Response:
    """For load balancers: says only that the process answers."""
    return jsonify(status="ok")
