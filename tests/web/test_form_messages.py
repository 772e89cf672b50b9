"""WTForms' own messages come from its catalogue, parsed once per language (issue 12), yet
still in the language of the request, of ``force_locale``, and in English outside one."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import force_locale
from wtforms import SelectField
from wtforms.validators import InputRequired

from casework.web.form_base import FlaskForm

CHOICE = {"en": "Not a valid choice.", "ru": "Неверный вариант.", "kk": "Жарамды таңдау емес."}


class _Form(FlaskForm):
    class Meta:
        csrf = False

    colour = SelectField(choices=[("red", "red")], validators=[InputRequired()])


def _refusal(app, language: str, forced: str | None = None) -> str:
    with app.test_request_context("/", method="POST", data={"colour": "blue"},
                                  headers={"Accept-Language": language}):
        if forced is None:
            form = _Form()
            assert not form.validate()
            return str(form.colour.errors[0])
        with force_locale(forced):
            form = _Form()
            assert not form.validate()
            return str(form.colour.errors[0])


def test_each_request_gets_its_own_language(app):
    for language in ("ru", "kk", "en", "ru"):
        assert _refusal(app, language) == CHOICE[language]


def test_force_locale_is_honoured(app):
    assert _refusal(app, "en", forced="kk") == CHOICE["kk"]
    assert _refusal(app, "kk", forced="en") == CHOICE["en"]


def test_every_form_is_built_on_the_cached_base():
    root = Path(__file__).resolve().parents[2] / "casework"
    offenders = [str(path) for path in root.rglob("*.py")
                 if path.name != "form_base.py"
                 and re.search(r"from flask_wtf import .*FlaskForm", path.read_text())]
    assert offenders == []


def test_the_app_renders_fields_with_the_fast_attribute_writer(app):
    from wtforms.widgets import core

    from casework.web.form_base import html_params

    assert core.html_params is html_params
    # Input and Button keep a reference of their own (a staticmethod taken at import).
    assert core.Input.html_params is html_params
    assert core.DateInput.html_params is html_params
    assert core.Button.html_params is html_params
    with app.test_request_context("/"):
        from casework.web.forms import LoginForm

        rendered = str(LoginForm().email(placeholder='"><x>'))
    assert '"><x>' not in rendered and "&#34;&gt;&lt;x&gt;" in rendered
