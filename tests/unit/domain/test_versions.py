"""Decision tables for entry versions (issue 11): who may check, review and approve what,
given the version history."""

from __future__ import annotations

import pytest

from casework.domain.versions import (
    REFUSAL_ALERT_THRESHOLD,
    BoundVersion,
    EditRoute,
    VersionFacts,
    VersionReason,
    VersionState,
    binding_holds,
    can_approve_versions,
    can_decide_proposal,
    can_review_privacy,
    edit_route,
    editors,
    should_alert,
)

C, S, P, D = (VersionState.CURRENT, VersionState.SUPERSEDED, VersionState.PROPOSED,
              VersionState.DECLINED)
R = VersionReason


def v(number, author, state=C, *, privacy="pending", reviewed=None, hash_="h"):
    return VersionFacts(number=number, author=author, state=state, content_hash=hash_,
                        privacy_status=privacy, privacy_reviewed_hash=reviewed)


@pytest.mark.parametrize(("linked", "reader", "route"), [
    (False, False, EditRoute.DIRECT),  # no person: nothing to compare with, nothing leaks
    (False, True, EditRoute.DIRECT),
    (True, True, EditRoute.DIRECT),  # the person's own caseworker: checked, told why
    (True, False, EditRoute.PROPOSAL),  # liaison, unassigned caseworker: unchecked proposal
])
def test_edit_route(linked, reader, route):
    assert edit_route(linked_to_person=linked, may_read_person=reader) is route


HISTORY = [v(1, "ana", S), v(2, "liaison", D), v(3, "bek", S), v(4, "cem", C),
           v(5, "dan", P)]


@pytest.mark.parametrize(("up_to", "expected"), [
    (1, {"ana"}),
    (3, {"ana", "bek"}),  # the declined proposal by the liaison wrote nothing that stands
    (4, {"ana", "bek", "cem"}),
    (5, {"ana", "bek", "cem"}),  # an open proposal is nobody's text yet
])
def test_editors_are_the_authors_of_every_accepted_version_so_far(up_to, expected):
    assert editors(HISTORY, up_to) == expected


@pytest.mark.parametrize(("reviewer", "version", "reasons"), [
    ("eve", v(4, "cem"), ()),
    ("cem", v(4, "cem"), (R.REVIEWER_EDITED,)),  # the author of this version
    ("ana", v(4, "cem"), (R.REVIEWER_EDITED,)),  # wrote an earlier version it builds on
    ("liaison", v(4, "cem"), ()),  # a declined proposal does not make one an editor
    ("eve", v(3, "bek", S), (R.NOT_CURRENT,)),
    ("eve", v(4, "cem", privacy="cleared"), (R.NOT_PENDING,)),
    ("eve", v(4, "cem", privacy="not_needed"), (R.NOT_PENDING,)),
    ("bek", v(3, "bek", S, privacy="cleared"),
     (R.REVIEWER_EDITED, R.NOT_CURRENT, R.NOT_PENDING)),
])
def test_can_review_privacy(reviewer, version, reasons):
    decision = can_review_privacy(reviewer=reviewer, version=version, history=HISTORY)
    assert decision.reasons == reasons and decision.allowed == (not reasons)


PLAIN = v(4, "cem", privacy="not_needed")


def bound(*, kind="specific", bound_hash="h", version=PLAIN, computed="h",
          eds=frozenset({"cem"})):
    return BoundVersion(kind=kind, bound_hash=bound_hash, version=version,
                        computed_hash=computed, editors=eds)


REVIEWED = v(4, "cem", privacy="cleared", reviewed="h")


@pytest.mark.parametrize(("item", "require_review", "reasons"), [
    (bound(), True, ()),
    (bound(kind="thematic", version=REVIEWED), True, ()),
    (bound(version=None), True, (R.BINDING_STALE,)),
    (bound(bound_hash=None), True, (R.BINDING_STALE,)),
    (bound(version=v(3, "bek", S)), True, (R.BINDING_STALE,)),  # the entry changed since
    (bound(bound_hash="other"), True, (R.HASH_MISMATCH,)),
    (bound(computed="tampered"), True, (R.HASH_MISMATCH,)),  # stored content altered
    (bound(kind="thematic"), True, (R.PRIVACY_NOT_BOUND,)),  # never reviewed
    (bound(kind="thematic", version=v(4, "cem", privacy="cleared", reviewed="old")), True,
     (R.PRIVACY_NOT_BOUND,)),  # reviewed, but another text
    (bound(kind="thematic"), False, ()),  # the checklist has its own review line
])
def test_binding_holds(item, require_review, reasons):
    decision = binding_holds(item, require_review=require_review)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("approver", "items", "reasons"), [
    ("lia", [bound(), bound()], ()),
    ("cem", [bound()], (R.APPROVER_EDITED,)),  # wrote the bound version
    ("ana", [bound(), bound(eds=frozenset({"ana", "cem"}))], (R.APPROVER_EDITED,)),
    ("lia", [bound(version=v(3, "bek", S))], (R.BINDING_STALE,)),
    ("cem", [bound(bound_hash="x"), bound()], (R.APPROVER_EDITED, R.HASH_MISMATCH)),
    ("lia", [], ()),
])
def test_can_approve_versions(approver, items, reasons):
    assert can_approve_versions(approver=approver, bound=items).reasons == reasons


@pytest.mark.parametrize(("reader", "state", "base", "current", "accepting", "reasons"), [
    (True, P, 4, 4, True, ()),
    (True, P, 3, 4, True, (R.PROPOSAL_OUTDATED,)),  # would undo version 4
    (True, P, 3, 4, False, ()),  # declining an outdated proposal is fine
    (False, P, 4, 4, True, (R.CANNOT_READ_SOURCE,)),  # only the source's readers decide
    (False, P, 4, 4, False, (R.CANNOT_READ_SOURCE,)),
    (True, D, 4, 4, True, (R.PROPOSAL_NOT_OPEN,)),
    (True, C, 4, 4, False, (R.PROPOSAL_NOT_OPEN,)),
])
def test_can_decide_proposal(reader, state, base, current, accepting, reasons):
    decision = can_decide_proposal(may_read_person=reader, proposal=v(5, "lia", state),
                                   base_number=base, current_number=current,
                                   accepting=accepting)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("count", "alerted", "alert"), [
    (0, False, False), (REFUSAL_ALERT_THRESHOLD - 1, False, False),
    (REFUSAL_ALERT_THRESHOLD, False, True), (REFUSAL_ALERT_THRESHOLD + 3, False, True),
    (REFUSAL_ALERT_THRESHOLD, True, False),  # once per window, not on every later refusal
    (REFUSAL_ALERT_THRESHOLD + 3, True, False),
])
def test_should_alert(count, alerted, alert):
    assert should_alert(refusals_in_window=count, alerted_in_window=alerted) is alert
