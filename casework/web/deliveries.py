"""For the director: notifications outside the app that are retrying or were given up
(issue 10). Counts and the staff member only; never an address, a kind or any content."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from casework.domain.notify_channel import MAX_ATTEMPTS
from casework.domain.roles import Permission
from casework.services import outbox
from casework.web.context import ctx
from casework.web.security import requires

bp = Blueprint("deliveries", __name__, url_prefix="/notifications/deliveries")


@bp.route("/")
@requires(Permission.STAFF_MANAGE)
def index() -> str:
    return render_template("organisation/deliveries.html", summary=outbox.summary(ctx()),
                           enabled=current_app.extensions.get("senim.sender") is not None,
                           max_attempts=MAX_ATTEMPTS)
