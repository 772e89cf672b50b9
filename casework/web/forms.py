"""Forms check shape only (required, length, format); rules live in the domain."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from casework.config import LANGUAGES
from casework.domain.roles import Role
from casework.web.form_base import FlaskForm
from casework.web.text import lazy_gettext as _l


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


ROLE_LABELS = {
    Role.CASEWORKER: _l("Caseworker"),
    Role.PSYCHOLOGIST: _l("Psychologist"),
    Role.LEGAL_ADVISER: _l("Legal adviser"),
    Role.LIAISON: _l("Liaison officer"),
    Role.DIRECTOR: _l("Director"),
    Role.AUDITOR: _l("Auditor"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class CodeForm(FlaskForm):
    code = StringField(_l("6-digit code from your authenticator app"),
                       validators=[DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$",
                                                          message=_l("Enter the 6 digits."))])


class RecoveryForm(FlaskForm):
    code = StringField(_l("Recovery code"), validators=[DataRequired(), Length(max=40)])


class StepUpForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    code = StringField(_l("6-digit code from your authenticator app"),
                       validators=[DataRequired(), Regexp(r"^\s*\d{3}\s?\d{3}\s*$",
                                                          message=_l("Enter the 6 digits."))])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(),
                                                                 Length(max=1024)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(),
                                                                   Length(max=1024)])


class StaffCreateForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address."))])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=120)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(),
                                                                Length(min=2, max=80)])


class NotificationSettingsForm(FlaskForm):
    """One's own address for notifications outside the app (issue 10); the format is
    checked by casework.domain.notify_channel."""

    address = EmailField(_l("E-mail address for notifications"),
                         validators=[Optional(), Length(max=254)])
    opted_in = BooleanField(_l("Send me an e-mail when something is waiting for me"))


class LanguageForm(FlaskForm):
    language = SelectField(choices=[(code, code) for code in LANGUAGES],
                           validators=[DataRequired()])
    next = HiddenField()
