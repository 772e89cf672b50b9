"""Sign-in (issue 2, item 3): throttle first, then password, then the second factor.

Every failure looks the same to the person at the keyboard (no account enumeration), and
every attempt lands in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from sqlalchemy import func, select

from casework.domain.throttle import ThrottleLimits, throttle_decision
from casework.models import LoginAttempt, Staff
from casework.services import accounts
from casework.services.context import Ctx
from crypto import canonical, mac


class LoginOutcome(str, Enum):
    OK = "ok"
    FAILED = "failed"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    staff: Staff | None = None


@dataclass(frozen=True)
class Throttle:
    window: timedelta
    limits: ThrottleLimits


def _key(ctx: Ctx, kind: str, value: str) -> str:
    # Keyed hashes: the attempts table can be counted but reveals no addresses or e-mails.
    return mac(ctx.keys.current("audit").material, canonical("senim-throttle", kind,
                                                             value)).hex()


def _failures(ctx: Ctx, throttle: Throttle, column: Any, key: str) -> int:
    since = ctx.now - throttle.window
    return ctx.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        column == key, LoginAttempt.at > since)) or 0


def is_throttled(ctx: Ctx, throttle: Throttle, *, email: str, address: str) -> bool:
    account_key = _key(ctx, "account", accounts.normalise_email(email))
    address_key = _key(ctx, "address", address)
    decision = throttle_decision(
        account_failures=_failures(ctx, throttle, LoginAttempt.account_key, account_key),
        address_failures=_failures(ctx, throttle, LoginAttempt.address_key, address_key),
        limits=throttle.limits)
    return not decision.allowed


def record_failure(ctx: Ctx, *, email: str, address: str) -> None:
    ctx.session.add(LoginAttempt(account_key=_key(ctx, "account", accounts.normalise_email(email)),
                                 address_key=_key(ctx, "address", address), at=ctx.now))
    ctx.session.flush()


def check_password(ctx: Ctx, throttle: Throttle, *, email: str, password: str,
                   address: str) -> LoginResult:
    """First factor. On success the caller asks for the second factor before signing in."""
    if is_throttled(ctx, throttle, email=email, address=address):
        ctx.audit("auth.login", outcome="throttled")
        return LoginResult(LoginOutcome.THROTTLED)
    staff = accounts.by_email(ctx, email)
    valid = ctx.passwords.verify(staff.password_hash if staff else None, password)
    if not valid or staff is None or not staff.is_active:
        record_failure(ctx, email=email, address=address)
        ctx.audit("auth.login", outcome="fail", object_type="staff",
                  object_ref=staff.public_id if staff else None)
        return LoginResult(LoginOutcome.FAILED)
    if ctx.passwords.needs_rehash(staff.password_hash):
        staff.password_hash = ctx.passwords.hash(password)
    ctx.audit("auth.password", object_type="staff", object_ref=staff.public_id,
              actor=staff.public_id)
    return LoginResult(LoginOutcome.OK, staff)


def check_second_factor(ctx: Ctx, throttle: Throttle, staff: Staff, *, code: str,
                        address: str, recovery: bool = False) -> LoginResult:
    """Second factor: a TOTP code (never the same one twice) or a recovery code."""
    if is_throttled(ctx, throttle, email=staff.email, address=address):
        ctx.audit("auth.totp", outcome="throttled", actor=staff.public_id)
        return LoginResult(LoginOutcome.THROTTLED)
    if not staff.is_active:
        return LoginResult(LoginOutcome.FAILED)
    ok = (accounts.use_recovery_code(ctx, staff, code) if recovery
          else accounts.check_totp(ctx, staff, code))
    if not ok:
        record_failure(ctx, email=staff.email, address=address)
        if not recovery:
            ctx.audit("auth.totp", outcome="fail", actor=staff.public_id)
        return LoginResult(LoginOutcome.FAILED)
    ctx.audit("auth.login", object_type="staff", object_ref=staff.public_id,
              actor=staff.public_id)
    return LoginResult(LoginOutcome.OK, staff)


def step_up(ctx: Ctx, throttle: Throttle, staff: Staff, *, password: str, code: str,
            address: str) -> bool:
    """Re-prove both factors before a sensitive action (release, key operations, resets)."""
    if is_throttled(ctx, throttle, email=staff.email, address=address):
        ctx.audit("auth.step_up", outcome="throttled")
        return False
    ok = ctx.passwords.verify(staff.password_hash, password) and accounts.check_totp(
        ctx, staff, code)
    if not ok:
        record_failure(ctx, email=staff.email, address=address)
    ctx.audit("auth.step_up", outcome="ok" if ok else "fail", object_type="staff",
              object_ref=staff.public_id)
    return ok
