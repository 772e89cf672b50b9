"""Blueprints, the access gate, headers and error pages."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from casework.web import (
    account,
    admin,
    api,
    assignments,
    audit,
    auth,
    case_events,
    chrome,
    consent,
    deliveries,
    disclosures,
    form_dates,
    form_fields,
    grants,
    health,
    intel,
    legal,
    main,
    mou,
    organisation,
    persons,
    records,
    roster,
    statistics,
    tasks,
    timefmt,
    visibility,
)
from casework.web.bidi import isolate
from casework.web.context import drop_key_cache
from casework.web.errors import register_error_handlers
from casework.web.numbers import format_count
from casework.web.security import check_endpoints, gate, security_headers


def register_web(app: Flask) -> None:
    for module in (main, auth, account, admin, audit, api, persons, records, assignments,
                   intel, health):
        app.register_blueprint(module.bp)
    app.register_blueprint(legal.units_bp)  # /units/; legal.bp is /persons/<code>/legal
    app.register_blueprint(legal.bp)
    app.register_blueprint(consent.bp)
    app.register_blueprint(organisation.bp)
    app.register_blueprint(disclosures.bp)
    app.register_blueprint(case_events.bp)
    for extra in (mou, roster, tasks, statistics, grants, deliveries):
        app.register_blueprint(extra.bp)
    app.before_request(gate)
    app.after_request(security_headers)
    app.teardown_appcontext(drop_key_cache)  # unwrapped keys die with the request (issue 12)
    register_error_handlers(app)
    app.jinja_env.globals["ROLE_LABELS"] = _role_labels()
    app.jinja_env.globals["get_locale"] = get_locale
    from casework.web.forms_casework import LANGUAGE_CHOICES, OUTCOME_LABELS

    app.jinja_env.globals["OUTCOME_LABELS"] = OUTCOME_LABELS
    app.jinja_env.globals["LANGUAGE_LABELS"] = dict(LANGUAGE_CHOICES)
    app.jinja_env.filters["dotted"] = _dotted
    app.jinja_env.filters["number"] = format_count  # "2,310" / "2 310" by language
    timefmt.register(app)
    form_dates.register(app)
    form_fields.register(app)
    chrome.register(app)
    visibility.register(app)
    app.jinja_env.finalize = isolate  # bidirectional isolation of printed text (issue 11)
    check_endpoints(app)


def _dotted(iso: str) -> str:
    """ISO date as DD.MM.YYYY, the way dates are written in Kazakhstan (and typed in forms)."""
    parts = str(iso).split("-")
    return ".".join(reversed(parts)) if len(parts) == 3 else str(iso)


def _role_labels() -> dict[str, object]:
    from casework.web.forms import ROLE_LABELS

    return {role.value: label for role, label in ROLE_LABELS.items()}
