"""gettext and lazy_gettext for the interface, with the catalogue found in one lookup.

Issue 12: Flask-Babel's ``gettext`` reaches the catalogue through half a dozen
context-local lookups (``g``, its babel namespace, the domain, the locale): about 4 µs a
string. A record page resolves some 130 strings (template text, form labels, select
options), so that was a twentieth of the page. Here the catalogue memoised for this
request and locale (by :class:`casework.web.i18n.MemoisedDomain`) is read with one
context lookup, 0.8 µs; when there is none yet, Flask-Babel's own path finds it (and
memoises it). The result is what Flask-Babel returns, character for character
(tests/web/test_gettext_memo.py compares both in every language, ``force_locale``
included).

No casework imports: every form module imports this one.
"""

from __future__ import annotations

from typing import Any

import flask_babel
from babel import support
from flask import g, has_app_context
from flask_babel.speaklater import LazyString

__all__ = ["MEMO", "current_translations", "gettext", "lazy_gettext", "remembered"]

# The memo lives on Flask-Babel's own per-request namespace (``g._flask_babel``), so it
# dies with the request; it is keyed on the locale object, so ``force_locale`` (a message
# written in a recipient's language) and ``refresh`` (a language switch) each find their
# own catalogue and never another's.
MEMO = "senim_translations"


def remembered(namespace: object | None) -> support.NullTranslations | None:
    """The catalogue memoised on Flask-Babel's namespace for its current locale, if any."""
    if namespace is None:
        return None
    attrs = namespace.__dict__
    memo = attrs.get(MEMO)
    if memo is not None and memo[0] is attrs.get("babel_locale"):
        found: support.NullTranslations = memo[1]
        return found
    return None


def current_translations() -> support.NullTranslations:
    """The catalogue of the current request's language (no context: untranslated)."""
    if has_app_context():
        found = remembered(g._get_current_object().__dict__.get("_flask_babel"))
        if found is not None:
            return found
    translations: support.NullTranslations = flask_babel.get_domain().get_translations()
    return translations


def gettext(string: str, **variables: Any) -> str:
    """As ``flask_babel.gettext``: the translation, ``%``-formatted with ``variables``."""
    text: str = current_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """As ``flask_babel.lazy_gettext``: translated each time it is turned into text."""
    return LazyString(gettext, string, **variables)
