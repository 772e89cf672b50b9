"""When a subject's data may be destroyed (issue 3, item 7)."""

from __future__ import annotations

from enum import Enum

from casework.domain.decisions import Decision


class ShredReason(str, Enum):
    """Why destruction was requested (recorded on the certificate)."""

    ERASURE_REQUEST = "erasure_request"
    RETENTION_EXPIRED = "retention_expired"
    CREATED_IN_ERROR = "created_in_error"


class ShredRefusal(str, Enum):
    LEGAL_HOLD = "legal_hold"
    ALREADY_SHREDDED = "already_shredded"
    APPROVER_REQUIRED = "approver_required"
    APPROVER_IS_REQUESTER = "approver_is_requester"
    APPROVER_NOT_DIRECTOR = "approver_not_director"


def can_shred(*, legal_hold: bool, already_shredded: bool, requested_by: str | None,
              approved_by: str | None, approver_is_director: bool) -> Decision:
    """Destruction is irreversible: it needs an approver other than the requester, and a
    legal hold (an open prosecution, a court order) always wins. Only an active director
    may approve."""
    reasons: list[ShredRefusal] = []
    if already_shredded:
        reasons.append(ShredRefusal.ALREADY_SHREDDED)
    if legal_hold:
        reasons.append(ShredRefusal.LEGAL_HOLD)
    if not approved_by:
        reasons.append(ShredRefusal.APPROVER_REQUIRED)
    elif requested_by is not None and approved_by == requested_by:
        reasons.append(ShredRefusal.APPROVER_IS_REQUESTER)
    if approved_by and not approver_is_director:
        reasons.append(ShredRefusal.APPROVER_NOT_DIRECTOR)
    return Decision.deny(*reasons) if reasons else Decision.allow()


class ShredStep(str, Enum):
    """The steps of a shred, in order; a job records the last one it completed.

    Intelligence first (the person stays readable until their own keys go, so a stop here
    loses nothing that was to be kept), then the casework keys in one transaction, then
    the files, then the tombstone list (only once the person is really gone), and the
    signed certificate last, saying what went."""

    PLANNED = "planned"
    INTEL = "intel"
    KEYS = "keys"
    FILES = "files"
    TOMBSTONED = "tombstoned"
    DONE = "done"


SHRED_STEPS = tuple(ShredStep)


def next_shred_step(reached: ShredStep) -> ShredStep | None:
    """The step to run after ``reached``; None once the shred is done."""
    index = SHRED_STEPS.index(reached)
    return SHRED_STEPS[index + 1] if index + 1 < len(SHRED_STEPS) else None


def tombstone_applies(*, tombstoned_at: str, backup_taken_at: str,
                      shredded_in_backup: bool) -> str:
    """What a restore does with one tombstone (subject on the list) found in the backup.

    ``apply``: shredded after the backup was taken, so shred it in the restored copy.
    ``already``: the backup already has it shredded. ``conflict``: it was on the list
    BEFORE the backup was taken yet the backup has it live; a tombstone is written only
    once the person is gone, so this is an inconsistency (an interrupted old-style shred,
    a tampered list) that is reported and never silently erased. ISO-8601 UTC strings
    compare in time order."""
    if shredded_in_backup:
        return "already"
    if tombstoned_at.rstrip("Z") < backup_taken_at.rstrip("Z"):
        return "conflict"
    return "apply"
