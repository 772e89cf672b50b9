"""Every term the loader accepts, and the named check that enforces it (issue 9, item 5).

A term is either enforced by a check with an id (``MOU-01`` ... ``MOU-18``) or refused by
the loader as unsupported (``mou.loader.KNOWN_KEYS``: an unknown table or key is an error).
``tests/unit/mou/test_enforcement.py`` keeps this map complete: a new field of
``MouTerms`` without an entry here fails the suite.
"""

from __future__ import annotations

# Check ids beyond mou.checks.RULES, enforced by the application where the term takes effect.
ENFORCEMENT: dict[str, tuple[str, str]] = {
    "effective_from": ("MOU-01", "in force today"),
    "expires_on": ("MOU-01", "in force today; re-checked at every download"),
    "review_every_months": ("MOU-01", "review not overdue"),
    "last_reviewed": ("MOU-01", "review not overdue"),
    "parties": ("MOU-02", "the package goes to the recipient party"),
    "recipient_age_key": ("MOU-02", "the package is encrypted to the pinned key"),
    "purposes": ("MOU-03", "purpose allowed"),
    "entry_kinds": ("MOU-04", "entry kinds allowed"),
    "tlp_thematic": ("MOU-05", "TLP floor for thematic packages"),
    "tlp_specific": ("MOU-05", "TLP floor for specific packages"),
    "allowed_tlp": ("MOU-05", "TLP marking allowed"),
    "handling_code": ("MOU-06", "handling code never loosened"),
    "prohibited_fields": ("MOU-07", "nothing prohibited leaves"),
    "second_approver": ("MOU-09", "approvals sufficient"),
    "emergency_disclosure": ("MOU-10", "emergency disclosure provided for"),
    "consent_max_age_days": ("MOU-11", "consent relied on is recent enough"),
    "risk_max_age_days": ("MOU-12", "risk assessment relied on is recent enough"),
    # MOU-13: the signed envelope of every package carries these to the unit; the loader
    # refuses use terms that the handling conditions do not carry.
    "id": ("MOU-13", "named in the package envelope"),
    "version": ("MOU-13", "named in the package envelope"),
    "title": ("MOU-13", "shown with the version; the envelope names id and version"),
    "text_sha256": ("MOU-13", "checked against the signed PDF; in the envelope"),
    "signatories": ("MOU-13", "registered with the signed PDF (rule 100)"),
    "clauses": ("MOU-13", "required clauses present; every clause in the envelope"),
    "handling_conditions": ("MOU-13", "in the envelope"),
    "onward_sharing": ("MOU-13", "carried by a handling condition (loader)"),
    "evidential_use": ("MOU-13", "carried by a handling condition (loader)"),
    "retention_review_months": ("MOU-13", "in the envelope"),
    "retention_delete_months": ("MOU-13", "in the envelope"),
    "feedback": ("MOU-14", "deadlines recorded per package; only listed events recorded"),
    "withdrawal_notice_days": ("MOU-15", "recall notice due date"),
    "termination_notice_days": ("MOU-16", "destroy-or-return notice due date"),
    "on_termination": ("MOU-16", "destroy-or-return notice and a task to the liaison"),
    "organisation_contacts": ("MOU-17", "a liaison named; contacts logged against the "
                              "designated liaison or deputy"),
    "police_contacts": ("MOU-17", "a liaison named for the unit"),
    "cumulative_limit": ("MOU-18", "cumulative detail per source across packages"),
}
# Not a term: filled by the application, never read from the file.
NOT_TERMS = frozenset({"extra"})
