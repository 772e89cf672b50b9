"""Grants of privilege in the service layer (issue 11, point 3): what is rechecked when a
grant comes due, races between deciders, and which grants the delay applies to."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from casework.domain.grants import GrantReason
from casework.domain.roles import Role
from casework.services import access, accounts, grants, persons
from casework.services.errors import ServiceError


def staff(ctx, role: Role, name: str):
    member, _ = accounts.create_staff(ctx, email=f"{name}@grants.test", display_name=name,
                                      role=role, password="correct horse battery staple 42")
    return member


@pytest.fixture
def org(ctx):
    d1, d2 = staff(ctx, Role.DIRECTOR, "d1"), staff(ctx, Role.DIRECTOR, "d2")
    cw = staff(ctx, Role.CASEWORKER, "cw")
    person = persons.register(ctx, names=["Aigul"], date_of_birth=None, phones=[])
    return d1, d2, cw, person


def test_a_grant_whose_subject_was_deactivated_meanwhile_is_void(ctx, org):
    d1, d2, cw, person = org
    grant = grants.request_assignment(ctx.as_actor(d1.public_id), d1, person, cw,
                                      single_administrator=False)
    accounts.deactivate(ctx.as_actor(d1.public_id), cw)
    grants.approve(ctx.as_actor(d2.public_id), d2, grant)
    assert grant.status == "void"
    assert not access.is_assigned(ctx, person, cw)


def test_approve_after_block_and_block_after_approve_are_refused(ctx, org):
    d1, d2, cw, person = org
    grant = grants.request_assignment(ctx.as_actor(d1.public_id), d1, person, cw,
                                      single_administrator=False)
    grants.block(ctx.as_actor(d1.public_id), d1, grant)  # the requester withdraws
    with pytest.raises(ServiceError) as refused:
        grants.approve(ctx.as_actor(d2.public_id), d2, grant)
    assert refused.value.reasons == (GrantReason.NOT_PENDING,)
    second = grants.request_assignment(ctx.as_actor(d1.public_id), d1, person, cw,
                                       single_administrator=False)
    grants.approve(ctx.as_actor(d2.public_id), d2, second)
    with pytest.raises(ServiceError):
        grants.block(ctx.as_actor(d1.public_id), d1, second)
    assert access.is_assigned(ctx, person, cw)


def test_the_delay_never_applies_to_grants_made_with_two_administrators(ctx, org):
    d1, _d2, cw, person = org
    grants.request_assignment(ctx.as_actor(d1.public_id), d1, person, cw,
                              single_administrator=False)
    assert grants.apply_due(replace(ctx, now=ctx.now + timedelta(days=365))) == 0
    assert not access.is_assigned(ctx, person, cw)


def test_a_blocked_new_account_shows_as_deactivated(ctx, org):
    d1, d2, _cw, _person = org
    grant = grants.request_account(ctx.as_actor(d1.public_id), d1, email="x@grants.test",
                                   display_name="X", role=Role.CASEWORKER,
                                   single_administrator=True)
    grants.block(ctx.as_actor(d2.public_id), d2, grant)
    subject = accounts.by_email(ctx, "x@grants.test")
    assert subject is not None and not subject.is_active and subject.deactivated_at
    assert grants.apply_due(replace(ctx, now=ctx.now + timedelta(days=2))) == 0
