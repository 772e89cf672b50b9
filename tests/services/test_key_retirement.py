"""Retiring a key version that stored data still needs is refused, for every key set."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from casework.domain.keyversions import GRACE
from casework.domain.roles import Role
from casework.extensions import db
from casework.services import accounts, keyops
from casework.services.errors import ServiceError
from tests.support import isolated_instance, service_ctx


@pytest.mark.parametrize("name", ["audit", "staff", "signing", "intel"])
def test_version_in_use_cannot_be_retired(tmp_path, name):
    with isolated_instance(tmp_path) as app, app.app_context():
        ctx = service_ctx(app, actor="operator")
        staff, _ = accounts.create_staff(ctx, email="a@t.kz", display_name="A",
                                         role=Role.CASEWORKER, password="correct horse 12345")
        accounts.enrol_totp_directly(ctx, staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        if name == "signing":
            from casework.models import DestructionCertificate

            ctx.session.add(DestructionCertificate(
                subject_id="s" * 32, reason="erasure_request", approved_by="d" * 32,
                performed_at=ctx.now, statement="{}", signature=b"x", signing_key_version=1))
        if name == "intel":
            from casework.domain.taxonomy import (
                EntryKind,
                HandlingCode,
                IntelAssessment,
                SourceEvaluation,
                SourceType,
                SubjectArea,
            )
            from casework.services import intel

            intel.create_other(ctx, intel.EntryInput(
                kind=EntryKind.SPECIFIC, subject_area=SubjectArea.ROUTES,
                source_type=SourceType.OPEN_SOURCES, source_evaluation=SourceEvaluation.UNTESTED,
                intel_assessment=IntelAssessment.INDIRECT, handling_code=HandlingCode.PERMITTED,
                text="A route."))
        db.session.commit()
        keyops.rotate_kek(ctx, name)
        db.session.commit()
        later = dataclasses.replace(ctx, now=ctx.now + GRACE + timedelta(seconds=1))
        with pytest.raises(ServiceError) as refused:
            keyops.retire(later, name, 1)
        assert refused.value.reasons == (keyops.KeyReason.IN_USE,)
        assert 1 in ctx.keys.keyset(name).versions  # nothing was destroyed


def test_unused_version_can_be_retired(tmp_path):
    with isolated_instance(tmp_path) as app, app.app_context():
        ctx = service_ctx(app, actor="operator")
        keyops.rotate_kek(ctx, "secret")
        with pytest.raises(ServiceError) as refused:
            keyops.retire(ctx, "secret", 1)
        assert refused.value.reasons == (keyops.KeyReason.RECENTLY_CURRENT,)
        later = dataclasses.replace(ctx, now=ctx.now + GRACE + timedelta(seconds=1))
        keyops.retire(later, "secret", 1)
        assert ctx.keys.keyset("secret").versions == (2,)
