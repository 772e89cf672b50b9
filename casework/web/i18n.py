"""Language choice: the user's preference, then the session (switcher), then the browser."""

from __future__ import annotations

from flask import g, request, session
from flask_login import current_user

from casework.config import LANGUAGES
from casework.web.context import settings

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def select_locale() -> str:
    # During an outage the user row cannot be read (and the session may not have opened).
    outage = bool(g.get("senim_outage"))
    user_choice = (getattr(current_user, "preferred_language", None)
                   if current_user and not outage else None)
    if user_choice in LANGUAGES:
        return str(user_choice)
    chosen = (session.get("lang") if not outage and not request.path.startswith("/api/")
              else None)
    if chosen in LANGUAGES:
        return str(chosen)
    best = request.accept_languages.best_match(LANGUAGES)
    return best or settings().default_language
