"""Reason codes of entry versions (issue 11), translated for people; merged into
``casework.web.messages.MESSAGES``."""

from __future__ import annotations

from enum import Enum
from typing import Any

from casework.domain.versions import VersionReason
from casework.web.text import lazy_gettext as _l

VERSION_MESSAGES: dict[Enum, Any] = {
    VersionReason.REVIEWER_EDITED: _l("You wrote this version or one it builds on, so "
                                      "someone else must review it for privacy."),
    VersionReason.NOT_PENDING: _l("This entry is not waiting for a privacy review."),
    VersionReason.NOT_CURRENT: _l("This is not the entry's current version."),
    VersionReason.APPROVER_EDITED: _l("You wrote text in an entry of this request, so you "
                                      "cannot approve it. Another liaison must decide."),
    VersionReason.BINDING_STALE: _l("An entry changed after this request was drafted. Check "
                                    "what would leave now and submit the request again."),
    VersionReason.HASH_MISMATCH: _l("A stored entry version does not match what was "
                                    "reviewed. Nothing was released; tell the "
                                    "administrator."),
    VersionReason.PRIVACY_NOT_BOUND: _l("The privacy review was not made for this version "
                                        "of the thematic entry. It needs a new review."),
    VersionReason.PROPOSAL_NOT_OPEN: _l("This change was already decided."),
    VersionReason.PROPOSAL_OUTDATED: _l("The entry changed after this was proposed: "
                                        "accepting it would undo that change. Decline it; "
                                        "the proposer can propose again."),
    VersionReason.CANNOT_READ_SOURCE: _l("Only someone who may open the source person's "
                                         "record can decide on this change."),
}
