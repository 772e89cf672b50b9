"""The text of messages sent outside the app (issue 10): content-free by construction.

There are three messages and they take no argument but the link to the app's home page:
no name, case code, unit, notification kind or text can reach them (rules 5-7 reach the
liaison; nothing identifying leaves the system). Each is in the staff member's language.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale

from casework.config import LANGUAGES
from casework.domain.notify_channel import MessageKind
from casework.web.text import gettext as _


def _texts(kind: MessageKind, link: str) -> tuple[str, str]:
    if kind == MessageKind.URGENT:
        return (_("Senim: something urgent is waiting for you"),
                _("Something urgent is waiting for you in Senim. Please sign in as soon as "
                  "you can: %(link)s", link=link))
    if kind == MessageKind.DIGEST:
        return (_("Senim: new items are waiting for you"),
                _("New items are waiting for you in Senim. Sign in to see them: %(link)s",
                  link=link))
    return (_("Senim: test message"),
            _("This is a test message from Senim. Notifications will reach you at this "
              "address. Sign in: %(link)s", link=link))


def composer(public_url: str) -> Callable[[MessageKind, str], tuple[str, str]]:
    """``compose(kind, language)`` with the link to the app's home page."""
    link = public_url.rstrip("/") + "/"

    def compose(kind: MessageKind, language: str) -> tuple[str, str]:
        with force_locale(language if language in LANGUAGES else "en"):
            subject, body = _texts(kind, link)
        footer = "\n\n-- \n" + _footer(language)
        return subject, body + footer

    return compose


def _footer(language: str) -> str:
    with force_locale(language if language in LANGUAGES else "en"):
        return _("You receive this because you asked for notifications by e-mail. "
                 "You can turn them off under My account.")
