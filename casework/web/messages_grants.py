"""Reason codes of grants of privilege (issue 11, point 3), translated for people."""

from __future__ import annotations

from enum import Enum
from typing import Any

from casework.domain.grants import GrantReason
from casework.web.text import lazy_gettext as _l

GRANT_MESSAGES: dict[Enum, Any] = {
    GrantReason.NOT_AUTHORISED: _l("Your role cannot do this."),
    GrantReason.SELF_GRANT: _l("You cannot ask for access for yourself."),
    GrantReason.REQUESTER_APPROVES: _l("You asked for this access, so another person must "
                                       "approve it."),
    GrantReason.SUBJECT_APPROVES: _l("You cannot approve access for yourself."),
    GrantReason.NOT_PENDING: _l("This request was already decided."),
    GrantReason.ALREADY_PENDING: _l("This is already in place or already waiting for "
                                    "approval."),
    GrantReason.CANNOT_BLOCK: _l("You cannot block this request."),
    GrantReason.LETTER_BY_REQUESTER: _l("You asked for this account, so another person must "
                                        "print its letter."),
    GrantReason.LETTER_BY_SUBJECT: _l("You cannot print your own letter."),
    GrantReason.LETTER_ISSUED: _l("This letter was already printed."),
    GrantReason.LETTER_NOT_ACTIVE: _l("The account is not active yet."),
}
