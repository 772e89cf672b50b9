"""Versions of intelligence entries: who may change, check, review and approve what.

Issue 11 (points 1-2): what was reviewed is what leaves, and no response tells a user
anything about a person they cannot read. Every edit of an entry makes a new immutable
version; a privacy review and a disclosure item bind to one version (id and content hash).
Pure rules over the version history, each returning a ``Decision`` with reason codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from casework.domain.decisions import Decision

# Refusals by one user within REFUSAL_WINDOW_HOURS that raise an alert to the director and
# the auditor (issue 11, point 1): a few blocked saves are ordinary, a run of them is
# someone probing what the check knows.
REFUSAL_ALERT_THRESHOLD = 5
REFUSAL_WINDOW_HOURS = 24


class VersionState(str, Enum):
    CURRENT = "current"  # what the entry says now
    SUPERSEDED = "superseded"  # an earlier current version (kept, immutable)
    PROPOSED = "proposed"  # a change by someone who may not read the source person
    DECLINED = "declined"  # a proposal the source's caseworker did not accept


class EditRoute(str, Enum):
    DIRECT = "direct"  # a new current version, checked against the source's identifiers
    PROPOSAL = "proposal"  # a pending version for the source's caseworker; nothing checked


class VersionReason(str, Enum):
    REVIEWER_EDITED = "privacy_review_by_author"  # author of this or an earlier version
    NOT_PENDING = "privacy_review_not_pending"
    NOT_CURRENT = "version_not_current"
    APPROVER_EDITED = "version_approver_wrote_it"
    BINDING_STALE = "version_binding_stale"
    HASH_MISMATCH = "version_hash_mismatch"
    PRIVACY_NOT_BOUND = "version_privacy_review_not_for_this_version"
    PROPOSAL_NOT_OPEN = "version_proposal_not_open"
    PROPOSAL_OUTDATED = "version_proposal_outdated"
    CANNOT_READ_SOURCE = "version_cannot_read_source"


@dataclass(frozen=True)
class VersionFacts:
    """One version as the rules see it (no content)."""

    number: int
    author: str
    state: VersionState
    content_hash: str
    privacy_status: str = "not_needed"  # not_needed | pending | cleared
    privacy_reviewed_hash: str | None = None


def edit_route(*, linked_to_person: bool, may_read_person: bool) -> EditRoute:
    """Only staff who may read the source person have an entry compared with that person's
    identifiers; everyone else's change waits, unchecked, for the person's caseworker."""
    if linked_to_person and not may_read_person:
        return EditRoute.PROPOSAL
    return EditRoute.DIRECT


def editors(history: Iterable[VersionFacts], up_to: int) -> frozenset[str]:
    """Everyone who wrote the text of version ``up_to``: the authors of it and of every
    accepted version before it (earlier wording can survive into later versions).
    Proposals never accepted wrote nothing that stands."""
    return frozenset(v.author for v in history if v.number <= up_to
                     and v.state in (VersionState.CURRENT, VersionState.SUPERSEDED))


def can_review_privacy(*, reviewer: str, version: VersionFacts,
                       history: Sequence[VersionFacts]) -> Decision:
    """The second person of a thematic entry's privacy review wrote none of it."""
    reasons: list[VersionReason] = []
    if reviewer in editors(history, version.number):
        reasons.append(VersionReason.REVIEWER_EDITED)
    if version.state is not VersionState.CURRENT:
        reasons.append(VersionReason.NOT_CURRENT)
    if version.privacy_status != "pending":
        reasons.append(VersionReason.NOT_PENDING)
    return Decision.deny(*reasons) if reasons else Decision.allow()


@dataclass(frozen=True)
class BoundVersion:
    """A disclosure item's binding, as found when someone acts on the request."""

    kind: str  # thematic | specific
    bound_hash: str | None  # what the item recorded
    version: VersionFacts | None  # the version it names (None: missing)
    computed_hash: str | None  # recomputed from the decrypted version
    editors: frozenset[str]


def binding_holds(bound: BoundVersion, *, require_review: bool = True) -> Decision:
    """The item still names the current version, unchanged, reviewed if thematic (the
    checklist leaves the review to its own line, MOU-08: ``require_review=False``)."""
    version = bound.version
    if version is None or bound.bound_hash is None:
        return Decision.deny(VersionReason.BINDING_STALE)
    reasons: list[VersionReason] = []
    if version.state is not VersionState.CURRENT:
        reasons.append(VersionReason.BINDING_STALE)
    if not (bound.bound_hash == version.content_hash == bound.computed_hash):
        reasons.append(VersionReason.HASH_MISMATCH)
    if require_review and bound.kind == "thematic" and not (version.privacy_status == "cleared" and
                                         version.privacy_reviewed_hash == version.content_hash):
        reasons.append(VersionReason.PRIVACY_NOT_BOUND)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def can_approve_versions(*, approver: str, bound: Sequence[BoundVersion]) -> Decision:
    """Nobody approves (or releases) text they wrote: the liaison edits nothing they will
    approve. Every binding must also still hold."""
    reasons: list[VersionReason] = []
    for item in bound:
        if approver in item.editors and VersionReason.APPROVER_EDITED not in reasons:
            reasons.append(VersionReason.APPROVER_EDITED)
        for reason in binding_holds(item).reasons:
            if reason not in reasons:
                reasons.append(reason)  # type: ignore[arg-type]
    return Decision.deny(*reasons) if reasons else Decision.allow()


def can_decide_proposal(*, may_read_person: bool, proposal: VersionFacts,
                        base_number: int | None, current_number: int,
                        accepting: bool) -> Decision:
    """Only someone who may read the source decides on a proposal (they alone run the
    identifier check); accepting needs it to be written against the current version (else
    it would silently undo later changes). Declining an outdated proposal is fine."""
    reasons: list[VersionReason] = []
    if not may_read_person:
        reasons.append(VersionReason.CANNOT_READ_SOURCE)
    if proposal.state is not VersionState.PROPOSED:
        reasons.append(VersionReason.PROPOSAL_NOT_OPEN)
    elif accepting and base_number != current_number:
        reasons.append(VersionReason.PROPOSAL_OUTDATED)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def should_alert(*, refusals_in_window: int, alerted_in_window: bool) -> bool:
    """Alert once the count reaches the threshold, once per window."""
    return refusals_in_window >= REFUSAL_ALERT_THRESHOLD and not alerted_in_window
