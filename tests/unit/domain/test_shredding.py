"""When a subject's data may be destroyed: a second person, a director, no legal hold."""

from __future__ import annotations

import pytest

from casework.domain.shredding import ShredRefusal, can_shred

R = ShredRefusal


@pytest.mark.parametrize(
    ("hold", "shredded", "requested", "approved", "director", "reasons"), [
        pytest.param(False, False, "cw", "dir", True, (), id="director-approves-other's-request"),
        pytest.param(False, False, None, "dir", True, (), id="no-recorded-requester"),
        pytest.param(True, False, "cw", "dir", True, (R.LEGAL_HOLD,), id="legal-hold-wins"),
        pytest.param(False, True, "cw", "dir", True, (R.ALREADY_SHREDDED,),
                     id="already-shredded"),
        pytest.param(False, False, "cw", None, False, (R.APPROVER_REQUIRED,), id="no-approver"),
        pytest.param(False, False, "cw", "", False, (R.APPROVER_REQUIRED,),
                     id="blank-approver"),
        pytest.param(False, False, "cw", None, True, (R.APPROVER_REQUIRED,),
                     id="no-approver-director-flag-irrelevant"),
        pytest.param(False, False, "dir", "dir", True, (R.APPROVER_IS_REQUESTER,),
                     id="director-approves-own-request"),
        pytest.param(False, False, "cw", "cw2", False, (R.APPROVER_NOT_DIRECTOR,),
                     id="approver-not-director"),
        pytest.param(False, False, "cw", "cw", False,
                     (R.APPROVER_IS_REQUESTER, R.APPROVER_NOT_DIRECTOR),
                     id="self-approval-by-non-director"),
        pytest.param(True, True, "dir", "dir", False,
                     (R.ALREADY_SHREDDED, R.LEGAL_HOLD, R.APPROVER_IS_REQUESTER,
                      R.APPROVER_NOT_DIRECTOR),
                     id="everything-wrong-all-reasons-in-order"),
        pytest.param(True, True, "cw", None, False,
                     (R.ALREADY_SHREDDED, R.LEGAL_HOLD, R.APPROVER_REQUIRED),
                     id="hold-shredded-unapproved"),
    ])
def test_can_shred(hold, shredded, requested, approved, director, reasons):
    decision = can_shred(legal_hold=hold, already_shredded=shredded, requested_by=requested,
                         approved_by=approved, approver_is_director=director)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons
