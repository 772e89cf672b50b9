"""The form field drawn in Python (issue 12) is the macro it replaced, character for
character: every field of every form, with each option the templates pass, with and
without errors, and with values and errors that try to break out of the markup."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from flask import render_template_string
from flask_wtf import FlaskForm

import casework.web

# templates/macros/forms.html as it was before the field moved to casework/web/form_fields.py
OLD_MACRO = """{% macro field(f, autocomplete=None, autofocus=False, inputmode=None) %}
{% set attrs = {} %}
{% if autocomplete %}{% set _x = attrs.update({'autocomplete': autocomplete}) %}{% endif %}
{% if autofocus %}{% set _x = attrs.update({'autofocus': True}) %}{% endif %}
{% if inputmode %}{% set _x = attrs.update({'inputmode': inputmode}) %}{% endif %}
{% if f.errors %}{% set _x = attrs.update({'aria-invalid': 'true'}) %}{% endif %}
<div class="field{% if f.errors %} has-error{% endif %}">
  {{ f.label }}
  {{ f(**attrs) }}
  {% for error in f.errors %}<p class="error" role="alert">{{ field_error(f, error) }}</p>\
{% endfor %}
</div>
{% endmacro %}"""

CALLS = ["field(f)", 'field(f, autocomplete="off")', "field(f, autofocus=True)",
         'field(f, inputmode="numeric", autocomplete="one-time-code", autofocus=True)']
ERRORS = [[], ["This field is required."], ['<script>"x"</script> & \u202eevil', "Second"]]
HOSTILE = '"><script>alert(1)</script>\u202e'


def _forms() -> list[type[FlaskForm]]:
    found: dict[str, type[FlaskForm]] = {}
    for module in pkgutil.iter_modules(casework.web.__path__):
        if module.name.startswith("forms"):
            loaded = importlib.import_module(f"casework.web.{module.name}")
            for name, value in inspect.getmembers(loaded, inspect.isclass):
                if issubclass(value, FlaskForm) and value.__module__ == loaded.__name__:
                    found[f"{loaded.__name__}.{name}"] = value
    return list(found.values())


def test_every_field_is_drawn_as_the_macro_drew_it(app):
    drawn = 0
    with app.test_request_context("/", method="POST", data={}):
        for form_class in _forms():
            try:
                form = form_class()
            except TypeError:  # a form that needs arguments to be built
                continue
            for f in form:
                if f.type in ("CSRFTokenField", "HiddenField", "SubmitField"):
                    continue
                for errors in ERRORS:
                    f.errors = list(errors)
                    if f.type in ("StringField", "TextAreaField"):
                        f.data = HOSTILE
                    for call in CALLS:
                        old = render_template_string(OLD_MACRO + "{{ " + call + " }}", f=f)
                        new = render_template_string(
                            '{% from "macros/forms.html" import field %}{{ ' + call + " }}",
                            f=f)
                        assert new == old, (form_class.__name__, f.name, call, errors)
                        drawn += 1
    assert drawn > 500  # most forms build without arguments: the comparison is broad
