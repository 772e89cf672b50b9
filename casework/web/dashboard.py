"""The home page's blocks and the counters in the menu (issue 10): labels and links.

The queries are in casework.services.dashboard; this module says what each kind of item is
called and where its work is done. A link is offered only where the viewer's role carries
the permission of the page it points to (casework.web.security), so nobody is sent to a
refusal.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g, has_request_context, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from casework.domain.roles import Role, can
from casework.logs import event
from casework.services import dashboard
from casework.web.context import ctx
from casework.web.outage import in_outage
from casework.web.security import ATTR, PUBLIC
from casework.web.text import lazy_gettext as _l

log = logging.getLogger("senim.web")
WAITING_LABELS = {
    "disclosure_approval": _l("Disclosure waiting for your approval"),
    "disclosure_cosign": _l("Emergency disclosure waiting for your co-signature"),
    "privacy_review": _l("Thematic entry waiting for a privacy review"),
    "clearance": _l("Clearance wanted before a legal consultation"),
    "legal_consultation": _l("Cleared for a legal consultation: advise the person"),
    "recall_notice": _l("Recall notice to send to a police unit"),
    "grant": _l("Grant of access waiting for a second person"),
}
DRAFT_LABELS = {
    "disclosure": _l("Disclosure request (draft)"),
    "interview": _l("Interview (draft)"),
}
DEADLINE_LABELS = {
    "safety_plan_review": _l("Safety plan review"),
    "witness_review": _l("Witness-protection review"),
    "consent_expiry": _l("Consent expires"),
    "risk_expiry": _l("Risk assessment expires"),
    "mou_review": _l("MoU review due"),
    "mou_expiry": _l("MoU expires"),
}
# Where the work of a task is done when it names no person the viewer may open (duty
# tasks): the first page whose name appears in the task's kind, else the list of tasks.
TASK_PAGES = (("recall", "tasks.recalls"), ("destroy", "tasks.recalls"),
              ("mou", "mou.index"), ("oncall", "roster.index"), ("on_call", "roster.index"),
              ("roster", "roster.index"), ("privacy", "intel.index"),
              ("break_glass", "grants.index"), ("grant", "grants.index"),
              ("audit", "audit.index"), ("disclosure", "disclosures.index"),
              ("package", "disclosures.index"))
# The list of tasks: the care roles' own, or every role's where that page exists.
TASK_LISTS = ("tasks.index", "tasks.duties_page")


def allowed_url(endpoint: str, **values: Any) -> str | None:
    """The URL if the signed-in role may open that page, else None."""
    view = current_app.view_functions.get(endpoint)
    needed = getattr(view, ATTR, None)
    staff = g.get("staff")
    if view is None or staff is None or needed is None:
        return None
    if needed != PUBLIC and not can(Role(staff.role), needed):
        return None
    return url_for(endpoint, **values)


def task_url(task: dashboard.TaskItem) -> str | None:
    lists = [allowed_url(endpoint) for endpoint in TASK_LISTS]
    if task.case_code:
        return next((u for u in lists if u), None) or allowed_url(
            "persons.detail", case_code=task.case_code)
    pages = [allowed_url(endpoint) for word, endpoint in TASK_PAGES if word in task.kind]
    return next((u for u in (*pages, *lists) if u), None)


def waiting_url(item: dashboard.WaitingItem) -> str | None:
    return {
        "disclosure_approval": lambda: allowed_url("disclosures.detail", reference=item.ref),
        "disclosure_cosign": lambda: allowed_url("disclosures.detail", reference=item.ref),
        "privacy_review": lambda: allowed_url("intel.detail", reference=item.ref),
        "clearance": lambda: allowed_url("persons.detail", case_code=item.ref,
                                         _anchor="consent"),
        "legal_consultation": lambda: allowed_url("legal.consultation", case_code=item.ref),
        "recall_notice": lambda: allowed_url("tasks.recalls"),
        "grant": lambda: allowed_url("grants.index"),
    }.get(item.kind, lambda: None)()


def draft_url(item: dashboard.DraftItem) -> str | None:
    if item.kind == "interview" and item.case_code:
        return allowed_url("records.interview_edit", case_code=item.case_code,
                           interview_id=item.ref)
    return allowed_url("disclosures.detail", reference=item.ref)


def deadline_url(item: dashboard.Deadline) -> str | None:
    if item.kind in ("mou_review", "mou_expiry"):
        return allowed_url("mou.index")
    if item.kind == "witness_review":
        return allowed_url("legal.witness", case_code=item.ref)
    anchor = "notes" if item.kind == "safety_plan_review" else "consent"
    return allowed_url("persons.detail", case_code=item.ref, _anchor=anchor)


def nav_counts() -> dashboard.Counters | None:
    """The menu's counters, once per request; none when signed out or the database fails."""
    if not has_request_context() or in_outage() or not current_user.is_authenticated:
        return None
    if "senim_nav_counts" not in g:
        try:
            g.senim_nav_counts = dashboard.menu_counters(ctx(), current_user)
        except SQLAlchemyError as error:  # a page after a failed statement: no counters
            event(log, "nav_counts.failed", exc=type(error).__name__)
            g.senim_nav_counts = None
    counts: dashboard.Counters | None = g.senim_nav_counts
    return counts


def register(app: Any) -> None:
    app.jinja_env.globals.update(
        allowed_url=allowed_url, WAITING_LABELS=WAITING_LABELS, DRAFT_LABELS=DRAFT_LABELS,
        DEADLINE_LABELS=DEADLINE_LABELS, task_url=task_url, waiting_url=waiting_url,
        draft_url=draft_url, deadline_url=deadline_url)
