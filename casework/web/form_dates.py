"""Date fields and field messages that say precisely what is wrong (issue 13, items 1, 11).

``LocalDateField`` accepts the browser's ISO value (``2026-12-02``) and the local convention
typed by hand (``02.12.2026``); a date that does not exist ("31.02.2026") is answered with
"This date does not exist", not a generic "not a valid value". ``NotInFuture`` refuses a date
after today in the organisation's zone, for dates that can only be in the past (a note, an
interview, an event). ``field_error`` names the field in a "required" message ("Date is
required.") wherever a field is rendered.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask
from wtforms import DateField, ValidationError
from wtforms.validators import StopValidation

from casework.web import timefmt
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_REQUIRED_TEXTS = frozenset({"This field is required."})


def local_today() -> date:
    """Today in the organisation's zone (the UTC date is wrong for hours each night)."""
    from casework.web.context import ctx

    return timefmt.to_local(ctx().now).date()


def parse_date(text: str) -> date:
    """ISO or DD.MM.YYYY; ``ValueError`` with a message people can act on."""
    text = text.strip()
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DOTTED.match(text)
        if not match:
            raise ValueError(str(_("Use the form DD.MM.YYYY, for example 17.05.1990.")))
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(str(_("This date does not exist."))) from None


class LocalDateField(DateField):
    """A date input with precise messages (see the module docstring)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_date(str(valuelist[0]))
        except ValueError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def pre_validate(self, form: Any) -> None:
        # A typed value that is not a date says so; "required" would hide the real reason.
        if self.process_errors:
            raise StopValidation()


FUTURE = _l("This date is in the future. Enter the day it happened.")


class NotInFuture:
    """Refuse a date after today (organisation's zone)."""

    def __init__(self, message: Any = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is not None and field.data > local_today():
            raise ValidationError(str(self.message or FUTURE))


def field_error(field: Any, error: Any) -> str:
    """A field's error as shown: a bare "required" names the field."""
    text = str(error)
    if text in _REQUIRED_TEXTS or text == str(field.gettext("This field is required.")):
        return _("%(field)s is required.", field=str(field.label.text))
    return text


def form_errors(form: Any) -> list[str]:
    """Every error of a form, each naming its field (for flashes and error boxes)."""
    out = []
    for name, errors in form.errors.items():
        field = form._fields.get(name)
        for error in errors:
            out.append(field_error(field, error) if field is not None else str(error))
    return out


def register(app: Flask) -> None:
    app.jinja_env.globals["field_error"] = field_error
