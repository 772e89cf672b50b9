"""The base of every form: Flask-WTF's, with WTForms' own messages ("Not a valid choice.",
"Invalid date") read from their catalogue once per language and process (issue 12).

Flask-WTF loads that catalogue from disk on every request that builds a form: a tenth of
the samples of a search in one profile of a gunicorn worker. The catalogue is WTForms'
packaged ``.mo`` file, the same for every request, so one parsed copy per language is
kept; the language is still chosen at each call (``force_locale`` included)."""

from __future__ import annotations

import functools
from typing import Any

import wtforms.widgets
import wtforms.widgets.core as wtforms_widgets_core
from babel import support
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm as _FlaskForm
from markupsafe import Markup, escape
from wtforms.i18n import messages_path


@functools.cache
def _catalogue(language: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


def _current() -> support.NullTranslations | None:
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    locale = get_locale()
    return _catalogue(str(locale)) if locale is not None else None


class _Translations:
    """WTForms' translations interface over the cached catalogues."""

    def gettext(self, string: str) -> str:
        found = _current()
        return string if found is None else found.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = _current()
        if found is None:
            return singular if n == 1 else plural
        return found.ungettext(singular, plural, n)


_TRANSLATIONS = _Translations()


class FlaskForm(_FlaskForm):
    class Meta(_FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS


# --- Faster attribute rendering ------------------------------------------------------------
#
# WTForms writes every attribute of every input and option through ``Markup.format`` and
# ``Markup.replace`` (``wtforms.widgets.core.html_params``): on the record page that was
# about a tenth of the time. The function below returns the same markup: ``escape`` already
# turns a double quote into ``&#34;``, so WTForms' extra quote replacement never changes
# anything, and the key is escaped as ``Markup.format`` would escape it
# (tests/unit/test_html_params.py compares the two on hostile values).

_WTFORMS_HTML_PARAMS = wtforms_widgets_core.html_params


def html_params(**kwargs: Any) -> Markup:
    params = []
    for key, value in sorted(kwargs.items()):
        key = wtforms_widgets_core.clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            params.append(f'{escape(key)}="{escape(value)}"')
    # Every key and value above went through escape(): the joined text is safe markup.
    return Markup(" ".join(params))  # noqa: S704


_WTFORMS_RENDER_OPTION = wtforms_widgets_core.Select.render_option


def render_option(choice: Any, **kwargs: Any) -> Markup:
    """WTForms' ``Select.render_option``, the same markup: an option of a select.

    WTForms builds a dictionary of attributes for every option and writes it through
    ``html_params``: a select of twelve services cost 200 µs on every record page. The
    common option (a value, maybe selected, no attributes of its own) is written here
    directly; any other goes to WTForms. A label is escaped as WTForms escapes it: a
    lazy translation is markup to it (Flask-Babel gives it ``__html__``), anything else
    is text (tests/unit/test_html_params.py compares both on hostile values)."""
    if kwargs or choice.render_kw:
        return _WTFORMS_RENDER_OPTION(choice, **kwargs)
    value = choice.value
    if isinstance(value, bool):
        value = str(value)
    label = escape(choice.label or choice.value)
    # html_params sorts its keys: "selected" comes before "value".
    selected = "selected " if choice.selected else ""
    return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')  # noqa: S704


def install_fast_html_params() -> None:
    """Make WTForms' widgets and labels use :func:`html_params`.

    ``Input`` (every text, date, hidden and submit input) and ``Button`` hold their own
    reference, taken when WTForms was imported: replacing the module's name alone left
    every input on the slow path (a date input cost 47 µs; 17 µs on the fast path)."""
    wtforms_widgets_core.html_params = html_params
    wtforms.widgets.html_params = html_params
    for widget in (wtforms_widgets_core.Input, wtforms_widgets_core.Button):
        widget.html_params = staticmethod(html_params)
    wtforms_widgets_core.Select.render_option = staticmethod(render_option)
