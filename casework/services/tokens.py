"""Per-user API tokens (issue 2, item 7): shown once, stored as SHA-256, revocable.

A token is 256 random bits, so a fast hash is enough (no offline guessing is possible);
the prefix lets a person recognise a token in the list without it being usable.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from casework.models import ApiToken, Staff
from casework.services.context import Ctx
from casework.services.errors import NotFound

PREFIX = "snm_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create(ctx: Ctx, staff: Staff, *, name: str) -> tuple[ApiToken, str]:
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(staff_id=staff.id, name=name.strip()[:80], prefix=token[:10],
                   token_hash=_hash(token), created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("api_token.create", object_type="api_token", object_ref=row.public_id)
    return row, token


def authenticate(ctx: Ctx, token: str) -> Staff | None:
    """The active member of staff a presented token belongs to, if any."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = ctx.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token),
                                                    ApiToken.revoked_at.is_(None)))
    if row is None:
        return None
    staff = ctx.session.get(Staff, row.staff_id)
    if staff is None or not staff.is_active or staff.must_change_password:
        return None
    row.last_used_at = ctx.now
    return staff


def list_for(ctx: Ctx, staff: Staff) -> list[ApiToken]:
    return list(ctx.session.scalars(select(ApiToken).where(ApiToken.staff_id == staff.id)
                                    .order_by(ApiToken.created_at.desc())))


def revoke(ctx: Ctx, staff: Staff, public_id: str) -> None:
    row = ctx.session.scalar(select(ApiToken).where(ApiToken.public_id == public_id,
                                                    ApiToken.staff_id == staff.id))
    if row is None:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = ctx.now
        ctx.session.flush()
    ctx.audit("api_token.revoke", object_type="api_token", object_ref=row.public_id)
