"""API: who am I."""

from __future__ import annotations

from flask import g

from casework.domain.roles import Permission
from casework.models import Staff
from casework.web.api import bp
from casework.web.api.registry import Operation, describe
from casework.web.security import requires

STAFF_SCHEMA = {"type": "object", "required": ["id", "email", "name", "role", "active"],
                "properties": {"id": {"type": "string"}, "email": {"type": "string"},
                               "name": {"type": "string"}, "role": {"type": "string"},
                               "active": {"type": "boolean"}}}


def staff_json(staff: Staff) -> dict[str, object]:
    return {"id": staff.public_id, "email": staff.email,
            "name": staff.display_name, "role": staff.role,
            "active": staff.is_active}


@bp.route("/me")
@requires(Permission.ACCOUNT)
@describe(Operation("/me", "get", "The account the token belongs to", Permission.ACCOUNT,
                    STAFF_SCHEMA))
def me() -> dict[str, object]:
    return staff_json(g.staff)
