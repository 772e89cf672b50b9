"""Staff accounts: creation, deactivation, reset, password change, TOTP enrolment,
recovery codes and language preference (issue 2, item 3)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update

from casework.domain.accounts import AccountReason, can_deactivate, can_reactivate, can_reset
from casework.domain.decisions import Decision
from casework.domain.roles import Role
from casework.models import ApiToken, RecoveryCode, Staff
from casework.services import sessions, totp
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError
from casework.services.passwords import validate_new_password
from casework.services.secrets_at_rest import seal, unseal
from crypto import CryptoError

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud over the phone


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def generate_password() -> str:
    """A temporary password: four groups of five, about 98 bits."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))


def by_email(ctx: Ctx, email: str) -> Staff | None:
    return ctx.session.scalar(select(Staff).where(Staff.email == normalise_email(email)))


def by_public_id(ctx: Ctx, public_id: str) -> Staff:
    staff = ctx.session.scalar(select(Staff).where(Staff.public_id == public_id))
    if staff is None:
        raise NotFound()
    return staff


def list_staff(ctx: Ctx) -> list[Staff]:
    return list(ctx.session.scalars(select(Staff).order_by(Staff.display_name)))


def create_staff(ctx: Ctx, *, email: str, display_name: str, role: Role,
                 password: str | None = None) -> tuple[Staff, str]:
    """Create an account; returns it with the temporary password to hand over once."""
    email = normalise_email(email)
    if by_email(ctx, email) is not None:
        raise ServiceError(AccountReason.EMAIL_TAKEN)
    temporary = password or generate_password()
    if password is not None:
        _require(validate_new_password(password, identity_words=[email.split("@")[0]]))
    staff = Staff(email=email, display_name=display_name.strip(), role=role.value,
                  password_hash=ctx.passwords.hash(temporary), is_active=True,
                  must_change_password=password is None, password_changed_at=ctx.now,
                  created_at=ctx.now, totp_last_step=0)
    ctx.session.add(staff)
    ctx.session.flush()
    ctx.audit("staff.create", object_type="staff", object_ref=staff.public_id)
    return staff, temporary


def deactivate(ctx: Ctx, staff: Staff) -> None:
    _require(can_deactivate(actor_id=ctx.actor or "", target_id=staff.public_id,
                            target_active=staff.is_active))
    staff.is_active, staff.deactivated_at = False, ctx.now
    _end_all_access(ctx, staff)
    ctx.audit("staff.deactivate", object_type="staff", object_ref=staff.public_id)


def reactivate(ctx: Ctx, staff: Staff) -> None:
    _require(can_reactivate(target_active=staff.is_active))
    staff.is_active, staff.deactivated_at = True, None
    ctx.session.flush()
    ctx.audit("staff.reactivate", object_type="staff", object_ref=staff.public_id)


def can_reactivate_or_raise(staff: Staff) -> None:
    _require(can_reactivate(target_active=staff.is_active))


def reset(ctx: Ctx, staff: Staff) -> str:
    """New temporary password and a fresh TOTP enrolment; every session and token ends."""
    _require(can_reset(actor_id=ctx.actor or "", target_id=staff.public_id))
    temporary = generate_password()
    staff.password_hash = ctx.passwords.hash(temporary)
    staff.must_change_password, staff.password_changed_at = True, ctx.now
    staff.totp_secret_ciphertext = staff.totp_pending_ciphertext = None
    ctx.session.execute(update(RecoveryCode).where(RecoveryCode.staff_id == staff.id,
                                                   RecoveryCode.used_at.is_(None))
                        .values(used_at=ctx.now))
    _end_all_access(ctx, staff)
    ctx.audit("staff.reset", object_type="staff", object_ref=staff.public_id)
    return temporary


def change_password(ctx: Ctx, staff: Staff, *, current: str, new: str,
                    keep_sid: str | None) -> None:
    """Change one's own password; all other sessions and all API tokens end."""
    if not ctx.passwords.verify(staff.password_hash, current):
        raise ServiceError(AccountReason.WRONG_PASSWORD)
    if ctx.passwords.verify(staff.password_hash, new):
        raise ServiceError(AccountReason.SAME_PASSWORD)
    _require(validate_new_password(new, identity_words=[staff.email.split("@")[0],
                                                         *staff.display_name.split()]))
    staff.password_hash = ctx.passwords.hash(new)
    staff.must_change_password, staff.password_changed_at = False, ctx.now
    sessions.revoke_all(ctx.session, staff.id, except_sid=keep_sid)
    _revoke_tokens(ctx, staff)
    ctx.session.flush()
    ctx.audit("account.password_change", object_type="staff", object_ref=staff.public_id)


def change_password_denied(ctx: Ctx, staff: Staff) -> None:
    """Audit a refused change (recorded after the caller rolled the change back)."""
    ctx.audit("account.password_change", outcome="denied", object_type="staff",
              object_ref=staff.public_id)


def begin_totp_enrolment(ctx: Ctx, staff: Staff) -> str:
    """Create (or reuse) the pending secret; it is stored encrypted until confirmed."""
    if staff.totp_pending_ciphertext is not None:
        return _unseal_totp(ctx, staff, "totp_pending_ciphertext")
    secret = totp.new_secret()
    staff.totp_pending_ciphertext = _seal_totp(ctx, staff, "totp_pending_ciphertext", secret)
    ctx.session.flush()
    return secret


def confirm_totp_enrolment(ctx: Ctx, staff: Staff, code: str) -> list[str] | None:
    """Activate the pending secret if the code matches; returns fresh recovery codes."""
    if staff.totp_pending_ciphertext is None:
        return None
    secret = _unseal_totp(ctx, staff, "totp_pending_ciphertext")
    step = totp.matching_step(secret, code, now=ctx.now, last_step=staff.totp_last_step)
    if step is None:
        ctx.audit("auth.totp_enrol", outcome="fail", object_type="staff",
                  object_ref=staff.public_id, actor=staff.public_id)
        return None
    staff.totp_secret_ciphertext = _seal_totp(ctx, staff, "totp_secret_ciphertext", secret)
    staff.totp_pending_ciphertext, staff.totp_last_step = None, step
    codes = issue_recovery_codes(ctx, staff)
    ctx.audit("auth.totp_enrol", object_type="staff", object_ref=staff.public_id,
              actor=staff.public_id)
    return codes


def enrol_totp_directly(ctx: Ctx, staff: Staff, secret: str) -> list[str]:
    """Demo and CLI only: enrol a known secret without the confirmation round trip."""
    staff.totp_secret_ciphertext = _seal_totp(ctx, staff, "totp_secret_ciphertext", secret)
    staff.totp_pending_ciphertext = None
    return issue_recovery_codes(ctx, staff)


def check_totp(ctx: Ctx, staff: Staff, code: str) -> bool:
    """Verify a code and burn its step, so the same code can never be used twice."""
    if staff.totp_secret_ciphertext is None:
        return False
    secret = _unseal_totp(ctx, staff, "totp_secret_ciphertext")
    step = totp.matching_step(secret, code, now=ctx.now, last_step=staff.totp_last_step)
    if step is None:
        return False
    # Compare-and-set on the stored step: of two requests racing with one code, one wins.
    won = ctx.session.execute(update(Staff).where(
        Staff.id == staff.id, Staff.totp_last_step < step).values(totp_last_step=step))
    ctx.session.refresh(staff)
    return bool(won.rowcount)  # type: ignore[attr-defined]


def issue_recovery_codes(ctx: Ctx, staff: Staff) -> list[str]:
    """Ten single-use codes (about 80 bits each); only their hashes are kept."""
    ctx.session.execute(update(RecoveryCode).where(RecoveryCode.staff_id == staff.id,
                                                   RecoveryCode.used_at.is_(None))
                        .values(used_at=ctx.now))
    codes = ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
             for _ in range(RECOVERY_CODES)]
    for code in codes:
        ctx.session.add(RecoveryCode(staff_id=staff.id, code_hash=_code_hash(code)))
    ctx.session.flush()
    return codes


def use_recovery_code(ctx: Ctx, staff: Staff, code: str) -> bool:
    digest = _code_hash(code)
    won = ctx.session.execute(update(RecoveryCode).where(
        RecoveryCode.staff_id == staff.id, RecoveryCode.code_hash == digest,
        RecoveryCode.used_at.is_(None)).values(used_at=ctx.now))
    ok = bool(won.rowcount)  # type: ignore[attr-defined]
    ctx.audit("auth.recovery_code", outcome="ok" if ok else "fail", object_type="staff",
              object_ref=staff.public_id, actor=staff.public_id)
    return ok


def remaining_recovery_codes(ctx: Ctx, staff: Staff) -> int:
    return len(list(ctx.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None)))))


def set_language(ctx: Ctx, staff: Staff, language: str) -> None:
    staff.preferred_language = language
    ctx.session.flush()


def _code_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.casefold() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _seal_totp(ctx: Ctx, staff: Staff, column: str, secret: str) -> bytes:
    return seal(ctx.keys, "staff", secret, table="staff", column=column, row=staff.public_id)


def _unseal_totp(ctx: Ctx, staff: Staff, column: str) -> str:
    token: bytes = getattr(staff, column)
    try:
        return unseal(ctx.keys, "staff", token, table="staff", column=column,
                      row=staff.public_id)
    except CryptoError:
        # A secret that does not decrypt was tampered with or moved from another account:
        # an integrity alarm, never a sign-in and never a crash.
        from casework.services.subjects import _alarm

        _alarm(ctx, "staff", staff.public_id)
        raise


def _end_all_access(ctx: Ctx, staff: Staff) -> None:
    sessions.revoke_all(ctx.session, staff.id)
    _revoke_tokens(ctx, staff)
    ctx.session.flush()


def _revoke_tokens(ctx: Ctx, staff: Staff) -> None:
    ctx.session.execute(update(ApiToken).where(ApiToken.staff_id == staff.id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=ctx.now))


def _require(decision: Decision) -> None:
    if not decision.allowed:
        raise ServiceError(*decision.reasons)


def change_role(ctx: Ctx, staff: Staff, role: Role) -> None:
    """A new role (only ever as an effective grant): every session and token ends, so the
    old permissions cannot linger in a signed-in browser."""
    staff.role = role.value
    _end_all_access(ctx, staff)
    ctx.audit("staff.role_change", outcome=role.value, object_type="staff",
              object_ref=staff.public_id)
