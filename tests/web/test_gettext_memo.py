"""The per-request catalogue memo (issue 12) never serves one language's words in another:
``force_locale`` (a message in the recipient's language) and ``refresh`` (a language switch)
each find their own catalogue, templates and lazy form labels included, and the memo dies
with the request. Senim's own ``gettext`` and ``lazy_gettext`` (casework/web/text.py, which
read the memo in one lookup) answer exactly as Flask-Babel's do."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext, refresh

from casework.web import text

WORDS = {"en": "Sign in", "ru": "Войти", "kk": "Кіру"}


def test_force_locale_inside_a_request_switches_and_restores(app):
    label = lazy_gettext("Sign in")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Sign in") == WORDS["en"]
        assert render_template_string("{{ _('Sign in') }}") == WORDS["en"]
        for language in ("ru", "kk", "en", "ru"):
            with force_locale(language):
                assert gettext("Sign in") == WORDS[language]
                assert str(label) == WORDS[language]
                assert render_template_string("{{ _('Sign in') }}") == WORDS[language]
            assert gettext("Sign in") == WORDS["en"]
            assert render_template_string("{{ _('Sign in') }}") == WORDS["en"]


def test_refresh_after_a_language_change_takes_the_new_catalogue(app):
    with app.test_request_context("/", headers={"Accept-Language": "kk"}):
        from flask import session

        assert gettext("Sign in") == WORDS["kk"]
        session["lang"] = "ru"
        refresh()
        assert gettext("Sign in") == WORDS["ru"]
        assert render_template_string("{{ _('Sign in') }}") == WORDS["ru"]


def test_each_request_chooses_its_own_language(app):
    for language in ("ru", "en", "kk", "kk", "en"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            assert render_template_string("{{ _('Sign in') }}") == WORDS[language]
            assert str(lazy_gettext("Sign in")) == WORDS[language]


def test_outside_any_context_the_words_are_the_source_words(app):
    assert gettext("Sign in") == WORDS["en"]
    assert app.extensions["babel"].instance.domain_instance.get_translations().gettext(
        "Sign in") == WORDS["en"]


BABEL = (gettext, lazy_gettext)
SENIM = (text.gettext, text.lazy_gettext)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_senims_gettext_answers_as_flask_babels(app, language):
    samples = ["Sign in", "Saved.", "Not a message in any catalogue"]
    with app.test_request_context("/", headers={"Accept-Language": language}):
        for sample in samples:
            assert text.gettext(sample) == gettext(sample)
            assert str(text.lazy_gettext(sample)) == str(lazy_gettext(sample))
        assert text.gettext("Sign in") == WORDS[language]
        template = "The entry %(reference)s was saved."
        assert (text.gettext(template, reference="IN-7") ==
                gettext(template, reference="IN-7"))
        for other in ("ru", "kk", "en"):
            with force_locale(other):
                assert text.gettext("Sign in") == WORDS[other] == gettext("Sign in")
                assert str(text.lazy_gettext("Sign in")) == WORDS[other]
            assert text.gettext("Sign in") == WORDS[language]


@pytest.mark.parametrize(("translate", "lazy"), [BABEL, SENIM])
def test_both_follow_a_language_switch_and_work_outside_a_request(app, translate, lazy):
    label = lazy("Sign in")
    with app.test_request_context("/", headers={"Accept-Language": "kk"}):
        from flask import session

        assert translate("Sign in") == str(label) == WORDS["kk"]
        session["lang"] = "ru"
        refresh()
        assert translate("Sign in") == str(label) == WORDS["ru"]
    assert translate("Sign in") == str(label) == WORDS["en"]
    assert translate("%(n)s left", n=2) == "2 left"


def test_the_templates_gettext_is_jinjas_newstyle_gettext(app):
    """``_()`` in a template: markup when autoescaping, always %-formatted (so "%%" is one
    percent sign), the variables escaped; plain text where nothing is escaped."""
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert render_template_string("{{ _('Sign in') }}") == WORDS["ru"]
        assert render_template_string("{{ gettext('Sign in') }}") == WORDS["ru"]
        hostile = render_template_string("{{ _('Hello %(name)s, 100%%', name='<b>') }}")
        assert hostile == "Hello &lt;b&gt;, 100%"
        assert render_template_string("{{ _('Fully 100%% sure') }}") == "Fully 100% sure"
        assert render_template_string("{{ _('<b>Sign in</b>') }}") == "<b>Sign in</b>"
        plain = app.jinja_env.from_string("{% autoescape false %}{{ _('A %(x)s', x='<b>') }}"
                                          "{% endautoescape %}").render()
        assert plain == "A <b>"
        assert render_template_string("{% trans n=3 %}Sign in{% endtrans %}") == WORDS["ru"]
