"""Load an MoU version from TOML (the only I/O in ``mou``): every error names its line.

The format is documented in docs/mou-format.md with a complete example
(``mou/example.toml``).
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from typing import Any

from mou.terms import (
    FEEDBACK_EVENTS,
    HANDLING_CONDITIONS,
    PURPOSES,
    TLP_ORDER,
    Clause,
    Contact,
    Feedback,
    MouTerms,
    Party,
)

_AGE_KEY = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MOBILE = re.compile(r"^\+?[0-9][0-9 ()\-]{6,20}$")
_TABLE_HEADER = re.compile(r"^\s*\[{1,2}\s*[A-Za-z0-9_.\-]+\s*\]{1,2}\s*(#.*)?$")
REQUIRED_CLAUSES = ("no_source_identity", "no_organisation_role", "confidential_storage",
                    "contact_only_through_liaison")
# Every table and key the loader understands; anything else is refused as unsupported, so no
# term is ever accepted and then silently ignored (issue 9; mou/enforcement.py).
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "mou": frozenset({"id", "version", "title", "text_sha256", "parties", "signatories",
                      "effective_from", "expires_on", "review_every_months", "last_reviewed"}),
    "contacts": frozenset({"organisation", "police"}),
    "scope": frozenset({"purposes", "entry_kinds", "prohibited_fields", "cumulative_limit"}),
    "confidentiality": frozenset({"clauses"}),
    "use": frozenset({"onward_sharing", "evidential_use"}),
    "handling": frozenset({"code", "conditions", "tlp_thematic", "tlp_specific",
                           "allowed_tlp"}),
    "feedback": frozenset({"ack_within_days", "outcome_within_days", "events"}),
    "retention": frozenset({"review_after_months", "delete_after_months"}),
    "termination": frozenset({"notice_days", "on_termination"}),
    "recipient": frozenset({"age_public_key"}),
    "approval": frozenset({"second_approver"}),
    "consent": frozenset({"max_age_days", "withdrawal_notice_days"}),
    "risk": frozenset({"max_age_days"}),
    "emergency": frozenset({"limited_disclosure_allowed"}),
}
# A use term other than "prohibited" must be carried to the unit by a handling condition.
USE_CONDITIONS = {"onward_sharing": "NO_ONWARD_DISSEMINATION_WITHOUT_ORIGINATOR",
                  "evidential_use": "NOT_FOR_EVIDENTIAL_USE_WITHOUT_ORIGINATOR"}


class MouError(ValueError):
    """A problem in an MoU file, with the line it is on (1-based; 0 when unknown)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message, self.line = message, line


class _Reader:
    def __init__(self, text: str, data: dict[str, Any]) -> None:
        self.lines, self.data = text.splitlines(), data

    def line_of(self, path: str) -> int:
        """The line where ``table.key`` (or ``[table]``) is written, for error messages."""
        *tables, key = path.split(".")
        start = 0
        if tables:
            header = re.compile(r"^\s*\[+\s*" + re.escape(".".join(tables)) + r"\s*\]+")
            found = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
            if found is None:
                return 0  # the whole table is missing: no line to point at
            start = found + 1
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for i in range(start, len(self.lines)):
            if _TABLE_HEADER.match(self.lines[i]):
                break  # never blame a same-named key in the next table
            if pattern.match(self.lines[i]):
                return i + 1
        return start if tables else 0

    def get(self, path: str, kind: type | tuple[type, ...]) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                raise MouError(f"missing '{path}'", self.line_of(path))
            node = node[part]
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)) or (
                kind is date and isinstance(node, datetime)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise MouError(f"'{path}' must be {names}", self.line_of(path))
        return node

    def choice(self, path: str, allowed: tuple[str, ...]) -> str:
        value: str = self.get(path, str)
        if value not in allowed:
            raise MouError(f"'{path}' must be one of: {', '.join(allowed)}", self.line_of(path))
        return value

    def choices(self, path: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        values = self.get(path, list)
        for value in values:
            if value not in allowed:
                raise MouError(f"'{path}' has an unknown value '{value}'; allowed: "
                               f"{', '.join(allowed)}", self.line_of(path))
        return tuple(values)

    def positive(self, path: str) -> int:
        value: int = self.get(path, int)
        if value <= 0:
            raise MouError(f"'{path}' must be a positive number", self.line_of(path))
        return value


def _contacts(reader: _Reader, path: str) -> tuple[Contact, ...]:
    items = reader.get(path, list)
    contacts = []
    for item in items:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in
                                                 ("name", "role", "mobile")):
            raise MouError(f"each of '{path}' needs name, role and mobile", reader.line_of(path))
        if item["role"] not in ("liaison", "deputy") or not _MOBILE.match(item["mobile"]):
            raise MouError(f"'{path}': role must be liaison or deputy and mobile a phone "
                           "number reachable 24/7", reader.line_of(path))
        contacts.append(Contact(item["name"], item["role"], item["mobile"]))
    if not any(c.role == "liaison" for c in contacts):
        raise MouError(f"'{path}' must name a liaison (rule 1)", reader.line_of(path))
    return tuple(contacts)


def loads(text: str) -> MouTerms:
    """Parse and validate one MoU version; raises MouError with a line number."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(error))) else 0
        raise MouError(f"not valid TOML: {error.args[0].split(' (at')[0]}", line) from None
    r = _Reader(text, data)
    _refuse_unsupported(r, data)
    parties = tuple(Party(p.get("code", ""), p.get("name", ""), p.get("role", ""))
                    for p in r.get("mou.parties", list) if isinstance(p, dict))
    if sorted(p.role for p in parties) != ["originator", "recipient"] or not all(
            p.code and p.name for p in parties):
        raise MouError("'mou.parties' must list one originator and one recipient, each with "
                       "code and name", r.line_of("mou.parties"))
    effective, expires = r.get("mou.effective_from", date), r.get("mou.expires_on", date)
    if expires <= effective:
        raise MouError("'mou.expires_on' must be after 'mou.effective_from'",
                       r.line_of("mou.expires_on"))
    key = r.get("recipient.age_public_key", str)
    if not _AGE_KEY.match(key):
        raise MouError("'recipient.age_public_key' must be an age X25519 public key (age1...)",
                       r.line_of("recipient.age_public_key"))
    text_sha = r.get("mou.text_sha256", str).lower()
    if not _SHA256.match(text_sha):
        raise MouError("'mou.text_sha256' must be the SHA-256 (hex) of the signed text",
                       r.line_of("mou.text_sha256"))
    clauses = tuple(Clause(str(c.get("id", "")), str(c.get("text", "")))
                    for c in r.get("confidentiality.clauses", list) if isinstance(c, dict))
    missing = [c for c in REQUIRED_CLAUSES if c not in {x.id for x in clauses}]
    if missing:
        raise MouError("confidentiality clauses required by rules 11, 84, 95 and 96 are "
                       "missing: "
                       + ", ".join(missing), r.line_of("confidentiality.clauses"))
    tlp_thematic = r.choice("handling.tlp_thematic", TLP_ORDER)
    tlp_specific = r.choice("handling.tlp_specific", TLP_ORDER)
    allowed_tlp = r.choices("handling.allowed_tlp", TLP_ORDER)
    for path, value in (("handling.tlp_thematic", tlp_thematic),
                        ("handling.tlp_specific", tlp_specific)):
        if value not in allowed_tlp:
            raise MouError(f"'{path}' must be one of handling.allowed_tlp", r.line_of(path))
    conditions = r.choices("handling.conditions", HANDLING_CONDITIONS)
    for term, condition in USE_CONDITIONS.items():
        # "prohibited" and "with_originator_consent" both mean: not without us.
        if condition not in conditions:
            raise MouError(f"'use.{term}' must be carried by the handling condition "
                           f"{condition}", r.line_of("handling.conditions"))
    return MouTerms(
        id=r.get("mou.id", str), version=r.positive("mou.version"),
        title=r.get("mou.title", str), text_sha256=text_sha, parties=parties,
        signatories=tuple(r.get("mou.signatories", list)), effective_from=effective,
        expires_on=expires, review_every_months=r.positive("mou.review_every_months"),
        last_reviewed=r.get("mou.last_reviewed", date),
        organisation_contacts=_contacts(r, "contacts.organisation"),
        police_contacts=_contacts(r, "contacts.police"),
        purposes=r.choices("scope.purposes", PURPOSES),
        entry_kinds=r.choices("scope.entry_kinds", ("thematic", "specific")),
        prohibited_fields=tuple(r.get("scope.prohibited_fields", list)), clauses=clauses,
        feedback=Feedback(r.positive("feedback.ack_within_days"),
                          r.positive("feedback.outcome_within_days"),
                          r.choices("feedback.events", FEEDBACK_EVENTS)),
        onward_sharing=r.choice("use.onward_sharing", ("prohibited", "with_originator_consent")),
        evidential_use=r.choice("use.evidential_use", ("prohibited", "with_originator_consent")),
        tlp_thematic=tlp_thematic, tlp_specific=tlp_specific, allowed_tlp=allowed_tlp,
        handling_code=r.choice("handling.code", ("P", "C")),
        handling_conditions=conditions,
        retention_review_months=r.positive("retention.review_after_months"),
        retention_delete_months=r.positive("retention.delete_after_months"),
        termination_notice_days=r.positive("termination.notice_days"),
        on_termination=r.choice("termination.on_termination", ("destroy", "return",
                                                               "destroy_or_return")),
        recipient_age_key=key, second_approver=r.get("approval.second_approver", bool),
        consent_max_age_days=r.positive("consent.max_age_days"),
        risk_max_age_days=r.positive("risk.max_age_days"),
        withdrawal_notice_days=r.positive("consent.withdrawal_notice_days"),
        emergency_disclosure=r.get("emergency.limited_disclosure_allowed", bool),
        cumulative_limit=r.positive("scope.cumulative_limit"),
    )


def _refuse_unsupported(reader: _Reader, data: dict[str, Any]) -> None:
    for table, value in data.items():
        if table not in KNOWN_KEYS:
            raise MouError(f"'[{table}]' is not a term Senim can enforce; remove it or ask "
                           "for it to be supported", reader.line_of(f"{table}.x"))
        if not isinstance(value, dict):
            raise MouError(f"'{table}' must be a table", reader.line_of(table))
        for key in value:
            if key not in KNOWN_KEYS[table]:
                raise MouError(f"'{table}.{key}' is not a term Senim can enforce; remove it "
                               "or ask for it to be supported", reader.line_of(f"{table}.{key}"))
