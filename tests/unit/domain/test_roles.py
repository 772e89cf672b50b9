"""The role table is deny-by-default (issue 2, item 4).

Pinned here: the six roles, who holds the three identity permissions of issue 2 (own
account, staff administration, audit trail), and the separation rules that must survive
any later extension of the table (the auditor reads the audit trail and nothing else; the
director administers accounts but reads no victim content by default).
"""

from __future__ import annotations

import pytest

from casework.domain.roles import ROLE_PERMISSIONS, Permission, Role, can

IDENTITY = (Permission.ACCOUNT, Permission.STAFF_MANAGE, Permission.AUDIT_READ)
EXPECTED = {
    Role.CASEWORKER: {Permission.ACCOUNT},
    Role.PSYCHOLOGIST: {Permission.ACCOUNT},
    Role.LEGAL_ADVISER: {Permission.ACCOUNT},
    Role.LIAISON: {Permission.ACCOUNT},
    Role.DIRECTOR: {Permission.ACCOUNT, Permission.STAFF_MANAGE},
    Role.AUDITOR: {Permission.ACCOUNT, Permission.AUDIT_READ},
}


def test_the_six_roles_exist_with_their_stored_values():
    assert {r.value for r in Role} == {"caseworker", "psychologist", "legal_adviser",
                                       "liaison", "director", "auditor"}


def test_every_role_has_an_entry_and_no_extra_entries():
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", IDENTITY)
def test_identity_permissions_table(role, permission):
    assert can(role, permission) is (permission in EXPECTED[role])


def test_only_the_director_manages_staff_and_only_the_auditor_reads_audit():
    assert [r for r in Role if can(r, Permission.STAFF_MANAGE)] == [Role.DIRECTOR]
    assert [r for r in Role if can(r, Permission.AUDIT_READ)] == [Role.AUDITOR]


def test_the_auditor_holds_nothing_but_the_audit_trail():
    assert ROLE_PERMISSIONS[Role.AUDITOR] == frozenset({Permission.ACCOUNT,
                                                        Permission.AUDIT_READ})


def test_the_director_reads_no_victim_content_by_default():
    content = {p for p in Permission if p.value.split(".")[0] in (
        "person", "screening", "interview", "casenote", "intel", "attachment")
        and p.value.split(".")[-1] in ("read", "write", "export")}
    assert not content & ROLE_PERMISSIONS[Role.DIRECTOR]


def test_unknown_role_is_denied_everything():
    for permission in Permission:
        assert can("intruder", permission) is False  # type: ignore[arg-type]


def test_permission_sets_are_immutable():
    with pytest.raises(AttributeError):
        ROLE_PERMISSIONS[Role.CASEWORKER].add(Permission.STAFF_MANAGE)  # type: ignore[attr-defined]
