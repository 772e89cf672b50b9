"""Sign-in (issue 2, item 3): throttle first, then password, then the second factor.

Every failure looks the same to the person at the keyboard (no account enumeration), and
every attempt lands in the audit trail.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from sqlalchemy import func, select

from casework.domain.roles import Role
from casework.domain.throttle import ThrottleLimits, should_alert, throttle_decision
from casework.models import LoginAttempt, Staff
from casework.services import accounts, notifications
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


def _failures(ctx: Ctx, throttle: Throttle, column: Any, key: str,
              *extra: Any) -> int:
    since = ctx.now - throttle.window
    return ctx.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        column == key, LoginAttempt.at > since, *extra)) or 0


# --- known devices (issue 11, point 4; OWASP "Slow down online guessing attacks with
# device cookies") --------------------------------------------------------------------------


def device_token(ctx: Ctx, staff: Staff) -> str:
    """A new device cookie for a browser that just signed in to ``staff``: the account's
    public id, a random nonce, and a MAC over both (nothing to learn, nothing to forge)."""
    nonce = secrets.token_urlsafe(18)
    return f"{staff.public_id}.{nonce}.{_device_mac(ctx, staff.public_id, nonce)}"


def device_key(ctx: Ctx, staff: Staff | None, token: str | None) -> str | None:
    """The counting key of a valid device cookie for this account, else None (unknown)."""
    if staff is None or not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != staff.public_id:
        return None
    if not hmac.compare_digest(parts[2], _device_mac(ctx, parts[0], parts[1])):
        return None
    return _key(ctx, "device", parts[1])


def _device_mac(ctx: Ctx, public_id: str, nonce: str) -> str:
    return mac(ctx.keys.current("audit").material,
               canonical("senim-device", public_id, nonce)).hex()


def is_throttled(ctx: Ctx, throttle: Throttle, *, email: str, address: str,
                 device: str | None = None) -> bool:
    account_key = _key(ctx, "account", accounts.normalise_email(email))
    address_key = _key(ctx, "address", address)
    decision = throttle_decision(
        account_failures=_failures(ctx, throttle, LoginAttempt.account_key, account_key,
                                   LoginAttempt.device_key.is_(None)),
        address_failures=_failures(ctx, throttle, LoginAttempt.address_key, address_key),
        device_failures=(None if device is None else
                         _failures(ctx, throttle, LoginAttempt.device_key, device)),
        limits=throttle.limits)
    return not decision.allowed


def record_failure(ctx: Ctx, *, email: str, address: str, device: str | None = None,
                   throttle: Throttle | None = None, staff: Staff | None = None) -> None:
    account_key = _key(ctx, "account", accounts.normalise_email(email))
    ctx.session.add(LoginAttempt(account_key=account_key,
                                 address_key=_key(ctx, "address", address),
                                 device_key=device, at=ctx.now))
    ctx.session.flush()
    if device is None and throttle is not None and staff is not None and should_alert(
            account_failures_after=_failures(ctx, throttle, LoginAttempt.account_key,
                                             account_key, LoginAttempt.device_key.is_(None)),
            limits=throttle.limits):
        _alert(ctx, staff)


def _alert(ctx: Ctx, staff: Staff) -> None:
    """Content-free: the owner and every director learn that the account is under attack
    (its public id), never from where or with what."""
    ctx.audit("auth.attack", object_type="staff", object_ref=staff.public_id)
    told = {staff.id}
    notifications.notify(ctx, staff, "sign_in_attack", object_ref=staff.public_id,
                         urgent=True)
    for director in ctx.session.scalars(select(Staff).where(
            Staff.role == Role.DIRECTOR.value, Staff.is_active.is_(True))):
        if director.id not in told:
            notifications.notify(ctx, director, "sign_in_attack",
                                 object_ref=staff.public_id, urgent=True)


def check_password(ctx: Ctx, throttle: Throttle, *, email: str, password: str,
                   address: str, device_cookie: str | None = None) -> LoginResult:
    """First factor. On success the caller asks for the second factor before signing in."""
    staff = accounts.by_email(ctx, email)
    device = device_key(ctx, staff, device_cookie)
    if is_throttled(ctx, throttle, email=email, address=address, device=device):
        ctx.audit("auth.login", outcome="throttled")
        return LoginResult(LoginOutcome.THROTTLED)
    valid = ctx.passwords.verify(staff.password_hash if staff else None, password)
    if not valid or staff is None or not staff.is_active:
        record_failure(ctx, email=email, address=address, device=device, throttle=throttle,
                       staff=staff)
        ctx.audit("auth.login", outcome="fail", object_type="staff",
                  object_ref=staff.public_id if staff else None)
        return LoginResult(LoginOutcome.FAILED)
    if ctx.passwords.needs_rehash(staff.password_hash):
        staff.password_hash = ctx.passwords.hash(password)
    ctx.audit("auth.password", object_type="staff", object_ref=staff.public_id,
              actor=staff.public_id)
    return LoginResult(LoginOutcome.OK, staff)


def check_second_factor(ctx: Ctx, throttle: Throttle, staff: Staff, *, code: str,
                        address: str, recovery: bool = False,
                        device_cookie: str | None = None) -> LoginResult:
    """Second factor: a TOTP code (never the same one twice) or a recovery code."""
    device = device_key(ctx, staff, device_cookie)
    if is_throttled(ctx, throttle, email=staff.email, address=address, device=device):
        ctx.audit("auth.totp", outcome="throttled", actor=staff.public_id)
        return LoginResult(LoginOutcome.THROTTLED)
    if not staff.is_active:
        return LoginResult(LoginOutcome.FAILED)
    ok = (accounts.use_recovery_code(ctx, staff, code) if recovery
          else accounts.check_totp(ctx, staff, code))
    if not ok:
        record_failure(ctx, email=staff.email, address=address, device=device,
                       throttle=throttle, staff=staff)
        if not recovery:
            ctx.audit("auth.totp", outcome="fail", actor=staff.public_id)
        return LoginResult(LoginOutcome.FAILED)
    ctx.audit("auth.login", object_type="staff", object_ref=staff.public_id,
              actor=staff.public_id)
    return LoginResult(LoginOutcome.OK, staff)


def step_up(ctx: Ctx, throttle: Throttle, staff: Staff, *, password: str, code: str,
            address: str, device_cookie: str | None = None) -> bool:
    """Re-prove both factors before a sensitive action (release, key operations, resets)."""
    device = device_key(ctx, staff, device_cookie)
    if is_throttled(ctx, throttle, email=staff.email, address=address, device=device):
        ctx.audit("auth.step_up", outcome="throttled")
        return False
    ok = ctx.passwords.verify(staff.password_hash, password) and accounts.check_totp(
        ctx, staff, code)
    if not ok:
        record_failure(ctx, email=staff.email, address=address, device=device,
                       throttle=throttle, staff=staff)
    ctx.audit("auth.step_up", outcome="ok" if ok else "fail", object_type="staff",
              object_ref=staff.public_id)
    return ok
