"""The role table is deny-by-default: exactly these role/permission pairs are allowed."""

from __future__ import annotations

import pytest

from casework.domain.roles import ROLE_PERMISSIONS, Permission, Role, can

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
@pytest.mark.parametrize("permission", list(Permission))
def test_can_matches_the_expected_table(role, permission):
    assert can(role, permission) is (permission in EXPECTED[role])


def test_only_the_director_manages_staff_and_only_the_auditor_reads_audit():
    assert [r for r in Role if can(r, Permission.STAFF_MANAGE)] == [Role.DIRECTOR]
    assert [r for r in Role if can(r, Permission.AUDIT_READ)] == [Role.AUDITOR]


def test_unknown_role_is_denied_everything():
    class Other(str):
        pass

    for permission in Permission:
        assert can(Other("intruder"), permission) is False  # type: ignore[arg-type]


def test_permission_sets_are_immutable():
    with pytest.raises(AttributeError):
        ROLE_PERMISSIONS[Role.CASEWORKER].add(Permission.STAFF_MANAGE)  # type: ignore[attr-defined]
