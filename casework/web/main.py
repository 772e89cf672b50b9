"""Home page, language switcher and health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify, redirect, render_template, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.config import LANGUAGES
from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import accounts, dashboard
from casework.web import dashboard as dashboard_web
from casework.web.context import ctx
from casework.web.forms import LanguageForm
from casework.web.security import public, requires
from casework.web.tasks import TASK_LABELS
from casework.web.urls import safe_next

bp = Blueprint("main", __name__)


@bp.record_once
def _dashboard_helpers(state: BlueprintSetupState) -> None:
    dashboard_web.register(state.app)


@bp.app_context_processor
def _nav_counts() -> dict[str, Any]:
    """The menu's counters (tasks, waiting items, unread notifications), signed in only."""
    return {"nav_counts": dashboard_web.nav_counts()}


@bp.route("/")
@requires(Permission.ACCOUNT)
def home() -> str:
    """What must I do now? Urgent first, each block linking to where the work is done."""
    c = ctx()
    return render_template("main/home.html", staff=g.staff, board=dashboard.build(c, g.staff),
                           now=c.now, task_labels=TASK_LABELS)


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
