"""Readable names for the audit trail's actions (issue 13, point 10).

The stored action stays a stable code (``disclosure.approve``) and is still shown as a small
reference tag; people read the label. An action without its own label is named by its area.
"""

from __future__ import annotations

from casework.web.text import lazy_gettext as _l

AREAS = {
    "access": _l("Access"), "account": _l("Own account"), "api_token": _l("API tokens"),
    "attachment": _l("Attachments"), "audit": _l("Audit trail"), "auth": _l("Sign-in"),
    "case_event": _l("Case events"), "consent": _l("Consent"),
    "consistency": _l("Consistency checks"), "crypto": _l("Encryption"),
    "disclosure": _l("Disclosures"), "grant": _l("Approvals by a second person"),
    "intel": _l("Intelligence"), "interview": _l("Interviews"), "keys": _l("Keys"),
    "legal": _l("Legal support"), "meeting": _l("Meetings with the police"),
    "mou": _l("Memoranda of understanding"), "organisation": _l("Organisation"),
    "package": _l("Disclosure packages"), "person": _l("Person records"),
    "police": _l("Police calls"), "request": _l("Requests"), "restore": _l("Restore"),
    "risk": _l("Risk assessments"), "roster": _l("Liaison roster"),
    "screening": _l("Screening"), "staff": _l("Staff accounts"),
    "statistics": _l("Statistics"), "subject": _l("Erasure and legal hold"),
    "system": _l("System"), "task": _l("Tasks"), "unit": _l("Police units"),
    "view": _l("Opened a page"),
}

ACTIONS = {
    "access.denied": _l("Access refused"),
    "account.password_change": _l("Changed own password"),
    "account.session_revoke": _l("Ended a session"),
    "api_token.create": _l("Created an API token"),
    "api_token.revoke": _l("Revoked an API token"),
    "attachment.read": _l("Opened an attachment"),
    "attachment.store": _l("Attached a file"),
    "audit.verify": _l("Verified the audit trail"),
    "auth.password": _l("Password accepted"),
    "auth.login": _l("Signed in"),
    "auth.totp": _l("Sign-in code"),
    "auth.logout": _l("Signed out"),
    "auth.step_up": _l("Confirmed identity again"),
    "auth.recovery_code": _l("Used a recovery code"),
    "case_event.record": _l("Recorded a case event"),
    "consent.record": _l("Recorded a consent"),
    "consent.withdraw": _l("Recorded a withdrawal of consent"),
    "disclosure.draft": _l("Drafted a disclosure"),
    "disclosure.submit": _l("Submitted a disclosure"),
    "disclosure.approve": _l("Approved a disclosure"),
    "disclosure.reject": _l("Rejected a disclosure"),
    "disclosure.release": _l("Released a disclosure package"),
    "disclosure.cancel": _l("Cancelled a disclosure request"),
    "grant.request": _l("Asked for a second person's approval"),
    "grant.approve": _l("Approved a request for access"),
    "grant.block": _l("Blocked a request for access"),
    "intel.create": _l("Created an intelligence entry"),
    "intel.update": _l("Changed an intelligence entry"),
    "intel.privacy_review": _l("Reviewed an entry for privacy"),
    "interview.notice": _l("Gave the pre-interview notice"),
    "interview.record": _l("Recorded an interview"),
    "interview.edit": _l("Edited an interview draft"),
    "interview.sign_off": _l("Signed off and locked an interview"),
    "interview.addendum": _l("Added an addendum"),
    "legal.consultation": _l("Recorded a legal consultation"),
    "legal.clearance": _l("Gave psychological clearance"),
    "meeting.arrange": _l("Arranged a meeting with the police"),
    "mou.register": _l("Registered a memorandum"),
    "mou.terminate": _l("Terminated a memorandum"),
    "package.download": _l("Downloaded a disclosure package"),
    "package.feedback": _l("Recorded police feedback"),
    "package.revoked": _l("Revoked a disclosure package"),
    "person.create": _l("Registered a person"),
    "person.update": _l("Changed a person's record"),
    "person.open": _l("Opened a person's record"),
    "person.search": _l("Searched for a person"),
    "person.reindex_names": _l("Indexed people's names for search"),
    "person.assign": _l("Assigned staff to a person"),
    "person.unassign": _l("Removed staff from a person"),
    "person.break_glass": _l("Emergency access to a record"),
    "risk.record": _l("Recorded a risk assessment"),
    "roster.designate": _l("Designated a liaison"),
    "roster.end": _l("Ended a liaison's designation"),
    "roster.shift": _l("Added an on-call shift"),
    "screening.record": _l("Recorded a screening"),
    "staff.create": _l("Created a staff account"),
    "staff.deactivate": _l("Deactivated a staff account"),
    "staff.reactivate": _l("Reactivated a staff account"),
    "staff.reset": _l("Reset a staff account"),
    "staff.role_change": _l("Changed a staff member's role"),
    "statistics.export": _l("Exported statistics"),
    "subject.shred": _l("Erased a person's data"),
    "subject.legal_hold": _l("Placed a legal hold"),
    "system.backup": _l("Made a backup"),
    "system.restore": _l("Restored a backup"),
    "task.done": _l("Completed a task"),
    "unit.create": _l("Added a police unit"),
    "unit.assess": _l("Assessed a police unit"),
}

OUTCOMES = {"ok": _l("done"), "denied": _l("refused"), "fail": _l("failed"),
            "forbidden": _l("not allowed"), "anonymous": _l("not signed in"),
            "broken": _l("chain broken")}


def area_of(action: str) -> str:
    return action.split(".", 1)[0]


def action_label(action: str) -> str:
    """The readable name of a stored action code."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    area = AREAS.get(area_of(action))
    return str(area) if area is not None else action


def outcome_label(outcome: str | None) -> str:
    if not outcome:
        return ""
    label = OUTCOMES.get(outcome)
    return str(label) if label is not None else outcome


def choices(actions: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Options for the filter: each area ("all of it", value "area.") then its actions."""
    grouped: dict[str, list[str]] = {}
    for action in sorted(set(actions)):
        grouped.setdefault(area_of(action), []).append(action)
    out = []
    for area in sorted(grouped, key=lambda a: str(AREAS.get(a, a))):
        name = str(AREAS.get(area, area))
        options = [(f"{area}.", str(_l("%(area)s: all", area=name)))]
        if area != "view":  # one option per page opened would be hundreds: the area will do
            options += [(a, action_label(a)) for a in grouped[area]]
        out.append((name, options))
    return out
