"""One form field as every form draws it: label, input, and its errors (each naming the
field where WTForms would only say "required").

Issue 12: this was a Jinja macro (``templates/macros/forms.html``), called seven times on
a record page; the macro's call machinery cost more than the input it drew. The function
returns the macro's markup character for character (tests/web/test_form_field.py renders
both for every kind of field, with and without errors and hostile values), and the
macro file now exports it under the same name, so templates are unchanged.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from casework.web.bidi import isolate
from casework.web.form_dates import field_error

# The macro's own lines (its {% set %} and {% if %} tags) each left a newline in front.
_OPENING = "\n" * 6


def field(f: Any, autocomplete: Any = None, autofocus: Any = False,
          inputmode: Any = None) -> Markup:
    attrs: dict[str, Any] = {}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if autofocus:
        attrs["autofocus"] = True
    if inputmode:
        attrs["inputmode"] = inputmode
    errors = f.errors
    if errors:
        attrs["aria-invalid"] = "true"
    # As a template prints them: a label and an input are markup; an error message is text,
    # escaped, and isolated if it carries directional controls (casework/web/bidi.py).
    shown = "".join(f'<p class="error" role="alert">{escape(isolate(field_error(f, error)))}</p>'
                    for error in errors)
    state = ' has-error' if errors else ''
    return Markup(  # noqa: S704 - every part above went through escape()
        f'{_OPENING}<div class="field{state}">\n  {escape(f.label)}\n'
        f'  {escape(f(**attrs))}\n  {shown}\n</div>\n')


def register(app: Flask) -> None:
    app.jinja_env.globals["render_field"] = field
