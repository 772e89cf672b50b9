"""Writes touching both databases land on both or on neither (issue 16.5).

A failure is injected at each commit point (the intelligence side, the casework side, a
crash between the two, a casework commit that landed but reported failure); afterwards
nothing is half-saved, the user was told, and ``senim check`` agrees (or repairs).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.services import consistency
from tests.support import isolated_instance, login, make_staff, post_form
from tests.web.test_intel_pages import THEMATIC


class Crash(BaseException):
    """The process dies between the two commits (not an Exception: nothing catches it)."""


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    with isolated_instance(tmp_path_factory.mktemp("twodb")) as application:
        yield application


@pytest.fixture
def client(inst):
    user = make_staff(inst, "caseworker")
    c = inst.test_client()
    assert login(c, inst, user).status_code == 200
    return c


def counts(app):
    from casework.extensions import db
    from casework.models import AuditEvent, CrossWrite, IntelEntry, IntelWriteJournal

    with app.app_context():
        def n(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        return {"entries": n(IntelEntry),
                "created": n(AuditEvent, AuditEvent.action == "intel.create"),
                "journal": n(IntelWriteJournal),
                "aborted": n(CrossWrite, CrossWrite.outcome == "aborted")}


def check(app, *args):
    result = app.test_cli_runner().invoke(args=["senim", "check", *args])
    return result.exit_code, result.output


def fail_at(monkeypatch, side, error=None, *, after=False):
    real = consistency.commit_side
    error = error or RuntimeError("injected")

    def commit_side(which, transaction):
        if which == side:
            if after:
                real(which, transaction)
            raise error
        real(which, transaction)

    monkeypatch.setattr(consistency, "commit_side", commit_side)


def test_a_normal_write_lands_on_both_and_leaves_no_journal(inst, client):
    before = counts(inst)
    response = post_form(client, "/intel/new", data=THEMATIC)
    assert response.status_code == 302
    after = counts(inst)
    assert (after["entries"], after["created"]) == (before["entries"] + 1,
                                                    before["created"] + 1)
    assert after["journal"] == 0
    assert check(inst) == (0, "consistent\n")


@pytest.mark.parametrize("side", ["intel", "casework"])
def test_a_failed_commit_saves_nothing_and_says_so(inst, client, monkeypatch, side):
    before = counts(inst)
    fail_at(monkeypatch, side)
    response = post_form(client, "/intel/new", data=THEMATIC)
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Nothing you entered was saved" in response.get_data(as_text=True)
    after = counts(inst)
    assert (after["entries"], after["created"], after["journal"]) == (
        before["entries"], before["created"], 0)
    # The casework side's failure was fenced by an "aborted" marker before the undo.
    assert after["aborted"] == before["aborted"] + (side == "casework")
    assert check(inst, "--grace", "0") == (0, "consistent\n")


def test_a_crash_between_the_commits_is_repaired_by_check(inst, client, monkeypatch):
    before = counts(inst)
    fail_at(monkeypatch, "casework", Crash())
    with pytest.raises(Crash):
        post_form(client, "/intel/new", data=THEMATIC)
    monkeypatch.undo()
    from casework.extensions import db

    with inst.app_context():
        db.session.remove()
    half = counts(inst)
    # What a power cut leaves: the entry is there, nobody audited it, the journal knows.
    assert (half["entries"], half["created"], half["journal"]) == (
        before["entries"] + 1, before["created"], 1)
    code, output = check(inst)  # default grace: a young journal may still be in flight
    assert code == 1 and "NOT REPAIRED" in output
    code, output = check(inst, "--grace", "0")
    assert code == 0, output
    assert "undone" in output and output.endswith("consistent after repairs\n")
    after = counts(inst)
    assert (after["entries"], after["created"], after["journal"]) == (
        before["entries"], before["created"], 0)
    assert check(inst, "--grace", "0") == (0, "consistent\n")


def test_a_casework_commit_that_landed_but_failed_to_say_so_stands(inst, client,
                                                                    monkeypatch):
    before = counts(inst)
    fail_at(monkeypatch, "casework", RuntimeError("connection lost after COMMIT"), after=True)
    response = post_form(client, "/intel/new", data=THEMATIC)
    monkeypatch.undo()
    assert response.status_code == 302
    after = counts(inst)
    assert (after["entries"], after["created"], after["journal"]) == (
        before["entries"] + 1, before["created"] + 1, 0)
    assert check(inst, "--grace", "0") == (0, "consistent\n")


@pytest.mark.parametrize("side", ["intel", "casework"])
def test_an_update_that_fails_is_undone(inst, client, monkeypatch, side):
    from casework.extensions import db
    from casework.models import IntelEntry
    from casework.services import intel
    from tests.support import service_ctx

    response = post_form(client, "/intel/new", data=THEMATIC)
    reference = response.location.rsplit("/", 1)[1]
    with inst.app_context():
        entry = db.session.scalar(select(IntelEntry).where(IntelEntry.reference == reference))
        original = (entry.version, entry.details_ciphertext, entry.place_granularity
                    if hasattr(entry, "place_granularity") else None)
        data = intel.EntryInput(
            kind=intel.EntryKind.THEMATIC, subject_area=intel.SubjectArea(entry.subject_area),
            source_type=intel.SourceType(entry.source_type),
            source_evaluation=intel.SourceEvaluation("1"),
            intel_assessment=intel.IntelAssessment("A"),
            handling_code=intel.HandlingCode(entry.handling_code),
            text="Recruiters now also advertise jobs in hotels abroad.",
            tags=[], time="2024", time_granularity=intel.Granularity("year"),
            place="Almaty region", place_granularity=intel.Granularity("region"))
        fail_at(monkeypatch, side)
        intel.update(service_ctx(inst, actor=entry.created_by), entry, data)
        with pytest.raises(consistency.NotSaved):
            db.session.commit()
        monkeypatch.undo()
        db.session.remove()
        entry = db.session.scalar(select(IntelEntry).where(IntelEntry.reference == reference))
        assert (entry.version, entry.details_ciphertext) == original[:2]
        assert entry.source_evaluation == THEMATIC["source_evaluation"]
    assert counts(inst)["journal"] == 0
    assert check(inst, "--grace", "0") == (0, "consistent\n")


def test_check_reports_what_it_cannot_repair_and_repairs_what_it_can(inst, client):
    from casework.extensions import db
    from casework.models import IntelEntry
    from tests.support import service_ctx

    response = post_form(client, "/intel/new", data=THEMATIC)
    reference = response.location.rsplit("/", 1)[1]
    with inst.app_context():
        # An audited entry that no longer exists (deleted behind the application's back).
        db.session.execute(IntelEntry.__table__.delete().where(
            IntelEntry.reference == reference))
        db.session.commit()
    code, output = check(inst)
    assert code == 0, output
    assert f"entry {reference}: audited but missing; acknowledged" in output
    assert check(inst) == (0, "consistent\n")
    with inst.app_context():
        # An entry nobody audited: which author, which person? Only a human can say.
        entry = IntelEntry(reference="I-ORPHAN", direction="own", kind="thematic",
                           subject_area="recruitment_methods", source_type="open_sources",
                           source_evaluation="2", intel_assessment="C", handling_code="P",
                           wrapped_key=b"x", privacy_status="pending", created_by="x")
        db.session.add(entry)
        db.session.flush()
        service_ctx(inst).audit("test.setup")
        db.session.commit()
    code, output = check(inst)
    assert code == 1
    assert "entry I-ORPHAN: NOT REPAIRED, no audit event records its creation" in output
    with inst.app_context():
        db.session.execute(IntelEntry.__table__.delete().where(
            IntelEntry.reference == "I-ORPHAN"))
        service_ctx(inst).audit("test.cleanup")
        db.session.commit()
    assert check(inst) == (0, "consistent\n")
