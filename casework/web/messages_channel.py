"""Reason codes of the notification settings (issue 10), translated for people."""

from __future__ import annotations

from enum import Enum
from typing import Any

from casework.domain.notify_channel import AddressReason
from casework.web.text import lazy_gettext as _l

CHANNEL_MESSAGES: dict[Enum, Any] = {
    AddressReason.ADDRESS_REQUIRED: _l("Enter the e-mail address the notifications should "
                                       "go to."),
    AddressReason.ADDRESS_INVALID: _l("This is not an e-mail address we can send to. Check "
                                      "it for typing mistakes (for example name@example.org)."),
}
