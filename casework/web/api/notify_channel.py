"""API: one's own notification settings for the channel outside the app (issue 10)."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import outbox
from casework.services.errors import ServiceError
from casework.web.api import bp
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx
from casework.web.security import requires

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["address", "opted_in", "enabled"],
    "properties": {"address": {"type": ["string", "null"]},
                   "opted_in": {"type": "boolean"},
                   # Whether the organisation has e-mail set up at all.
                   "enabled": {"type": "boolean"}}}
UPDATE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["address", "opted_in"],
    "properties": {"address": {"type": "string", "maxLength": 254},
                   "opted_in": {"type": "boolean"}}}


def _json(view: outbox.ChannelView) -> dict[str, Any]:
    return {"address": view.address, "opted_in": view.opted_in,
            "enabled": current_app.extensions.get("senim.sender") is not None}


def _error(status: int, code: str, reasons: tuple[Any, ...] = ()) -> tuple[dict[str, Any], int]:
    return {"error": code, "reasons": [str(getattr(r, "value", r)) for r in reasons]}, status


@bp.route("/account/notifications")
@requires(Permission.ACCOUNT)
@describe(Operation("/account/notifications", "get",
                    "My address and opt-in for notifications by e-mail", Permission.ACCOUNT,
                    SETTINGS_SCHEMA))
def notification_settings_get() -> dict[str, Any]:
    return _json(outbox.settings_for(ctx(), g.staff))


@bp.route("/account/notifications", methods=["PUT"])
@requires(Permission.ACCOUNT)
@describe(Operation("/account/notifications", "put",
                    "Set my address and opt-in for notifications by e-mail (content-free "
                    "messages: something is waiting, and the link)", Permission.ACCOUNT,
                    SETTINGS_SCHEMA, request=UPDATE_SCHEMA, errors=(400, 401, 403, 422)))
def notification_settings_put() -> dict[str, Any] | tuple[dict[str, Any], int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("address"), str) \
            or not isinstance(body.get("opted_in"), bool) or len(body["address"]) > 254:
        return _error(400, "invalid_fields")
    try:
        view = outbox.update_settings(ctx(), g.staff, address=body["address"],
                                      opted_in=body["opted_in"])
    except ServiceError as error:
        db.session.rollback()
        return _error(422, "refused", error.reasons)
    db.session.commit()
    return _json(view)
