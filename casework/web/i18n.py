"""Language choice: the user's preference, then the session (switcher), then the browser."""

from __future__ import annotations

from typing import Any

from babel import support
from flask import Flask, g, has_app_context, request, session
from flask_babel import Domain
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from casework.config import LANGUAGES
from casework.web.context import settings
from casework.web.text import MEMO, current_translations, remembered

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


# Issue 12: a page makes a hundred or more gettext calls (template strings and lazy form
# labels). Flask-Babel resolves the locale and its catalogue on every call through
# several context-local lookups: memoising them took the record page from 64 to 56
# million instructions (callgrind). The catalogue is resolved once per request and
# locale here; casework/web/text.py reads the memo back with one context lookup.


class MemoisedDomain(Domain):
    """Flask-Babel's domain whose catalogue lookup is memoised per request and locale."""

    def get_translations(self) -> support.NullTranslations:
        if not has_app_context():
            return super().get_translations()
        namespace = g.get("_flask_babel")
        found = remembered(namespace)
        if found is not None:
            return found
        translations = super().get_translations()
        namespace = g.get("_flask_babel")
        if namespace is not None and translations is not None:
            setattr(namespace, MEMO, (getattr(namespace, "babel_locale", None), translations))
        return translations


def install_memoised_gettext(app: Flask) -> None:
    """Use :class:`MemoisedDomain` for lazy strings, ``gettext`` and the templates."""
    configuration = app.extensions["babel"]
    domain = MemoisedDomain(domain=configuration.default_domain)
    configuration.instance.domain_instance = domain
    lookup = current_translations
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: lookup().ugettext(s),
        ngettext=lambda s, p, n: lookup().ungettext(s, p, n),
        pgettext=lambda c, s: lookup().upgettext(c, s),
        npgettext=lambda c, s, p, n: lookup().unpgettext(c, s, p, n),
        newstyle=True)
    # A page prints some eighty words through ``_()``: the extension's alias resolves
    # "gettext" from the template's context and calls it through the context twice. This
    # one answers the same (the translation is markup when autoescaping, then always
    # %-formatted, the variables escaped: Jinja's "newstyle" gettext) in one call.
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    text: Any = current_translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - the catalogue's words, as Jinja's gettext has it
    if variables or "%" in text:  # without either, formatting would change nothing
        text = text % variables
    result: str = text
    return result
