"""A withdrawal, recorded while another user is preparing a disclosure that depends on it,
wins: the dependent object is stopped (issue 5; ``casework.services.consents`` docstring).

Two independent SQLAlchemy sessions on the casework engine play two members of staff:

* A prepares a disclosure: ``consents.lock``, check the consent is active, add a
  ``DisclosureItem`` that relies on it, commit.
* B withdraws the consent: ``consents.withdraw``, commit.

On PostgreSQL the two really overlap (B runs in a thread and must wait on A's row lock, and
the other way round). SQLite serialises writers with one database lock, so there the two
orderings are run one after the other; both databases must end in the same place: either
the request is stopped because of the withdrawal, or the preparation saw the withdrawal and
refused. Never an open request relying on a withdrawn consent.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from casework.domain.consent import NOTICES_29, NOTICES_HTCDS, Purpose, ShareLevel, is_active
from casework.models import Consent, DisclosureItem, DisclosureRequest, Notification, Person
from casework.models.base import utcnow
from casework.models.disclosure import OPEN_STATUSES
from casework.services import consents, persons, police_units
from casework.services.context import Ctx
from tests.conftest import PG_URL
from tests.support import make_staff

PDF = b"%PDF-1.4 signed consent form"
BLOCK_CHECK = 0.5  # how long the second writer must still be waiting
JOIN_TIMEOUT = 8.0  # a deadlock or a lost wake-up fails the test instead of hanging

postgres_only = pytest.mark.postgres_only
needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="two overlapping transactions need PostgreSQL row locks; set "
    "SENIM_TEST_DATABASE_URL (SQLite serialises writers with one database lock, covered by "
    "test_sequential_orderings_end_the_same)")


@dataclass(frozen=True)
class Setup:
    person_id: int
    consent_id: int
    request_id: int
    reference: str
    drafter_staff_id: int


@pytest.fixture
def engine(app) -> Iterator[sa.Engine]:  # type: ignore[no-untyped-def]
    from casework.extensions import db

    with app.app_context():
        yield db.engines[None]


def _ctx(app: Any, session: Session, actor: str) -> Ctx:
    return Ctx(session=session, keys=app.extensions["senim.keys"],
               passwords=app.extensions["senim.passwords"], now=utcnow(), actor=actor,
               request_id=f"conc-{actor[0]}")


def _begin(session: Session) -> None:
    """Start the transaction; on PostgreSQL, bound every lock wait (no hanging test)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        session.execute(sa.text("SET LOCAL statement_timeout = '10s'"))


def _setup(app: Any, engine: sa.Engine) -> Setup:
    drafter = make_staff(app, "liaison")
    with Session(engine) as session:
        ctx = _ctx(app, session, "c" * 32)
        person = persons.register(ctx, names=["Айгерім Омарова"], date_of_birth="1996-06-06",
                                  phones=[], profile={"gender": "female"})
        unit = police_units.create(ctx, name="Anti-Trafficking Unit, Almaty",
                                   jurisdiction="KZ")
        consent = consents.record(
            ctx, app.extensions["senim.settings"].attachments_path, person,
            consents.ConsentInput(
                purposes=frozenset({Purpose.INVESTIGATION}),
                recipient_units=frozenset({unit.public_id}),
                share_level=ShareLevel.SPECIFIC, identity_allowed=False,
                identity_at_persons_request=False, valid_until=None,
                notices=frozenset(NOTICES_29 + NOTICES_HTCDS), language="kk",
                interpreter="", witness="Dana (caseworker)"),
            form_stream=io.BytesIO(PDF), form_filename="form.pdf", max_bytes=10_000)
        session.commit()
        request = DisclosureRequest(reference="D-CONC01", unit_id=unit.id, purpose="x",
                                    status="submitted", drafted_by=drafter.public_id,
                                    drafted_at=ctx.now)
        session.add(request)
        session.commit()
        from casework.models import Staff

        staff_id = session.scalar(sa.select(Staff.id).where(
            Staff.public_id == drafter.public_id))
        assert staff_id is not None
        return Setup(person.id, consent.id, request.id, request.reference, staff_id)


def _prepare(ctx: Ctx, setup: Setup) -> bool:
    """Session A's preparation: lock the consent, check it, add the item (no commit)."""
    person = ctx.session.get(Person, setup.person_id)
    assert person is not None
    consent = consents.lock(ctx, setup.consent_id)
    if not is_active(consents.facts(ctx, person, consent), now=ctx.now):
        return False  # the preparation refuses: nothing relies on a withdrawn consent
    ctx.session.add(DisclosureItem(request_id=setup.request_id, entry_public_id="e" * 32,
                                   person_id=person.id, consent_id=consent.id))
    ctx.session.flush()
    return True


def _withdraw(ctx: Ctx, setup: Setup) -> list[str]:
    person = ctx.session.get(Person, setup.person_id)
    consent = ctx.session.get(Consent, setup.consent_id)
    assert person is not None and consent is not None
    return [r.reference for r in consents.withdraw(ctx, person, consent)]


class Worker(threading.Thread):
    """Run ``body`` in its own session and transaction on another thread, then commit."""

    def __init__(self, app: Any, engine: sa.Engine, actor: str,
                 body: Callable[[Ctx], Any]) -> None:
        super().__init__(daemon=True)
        self.app, self.engine, self.actor, self.body = app, engine, actor, body
        self.backend_pid: int | None = None
        self.started_work = threading.Event()
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with Session(self.engine) as session:
                _begin(session)
                if session.get_bind().dialect.name == "postgresql":
                    self.backend_pid = session.scalar(sa.text("SELECT pg_backend_pid()"))
                self.started_work.set()
                try:
                    self.result = self.body(_ctx(self.app, session, self.actor))
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except BaseException as exc:  # reported by the main thread
            self.error = exc
        finally:
            self.started_work.set()
            self.done.set()


def _waiting_on_lock(engine: sa.Engine, pid: int | None) -> bool:
    with engine.connect() as conn:
        return conn.scalar(sa.text(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
            {"pid": pid}) == "Lock"


def _final_state(engine: sa.Engine, setup: Setup) -> dict[str, Any]:
    with Session(engine) as session:
        request = session.get(DisclosureRequest, setup.request_id)
        consent = session.get(Consent, setup.consent_id)
        assert request is not None and consent is not None
        items = session.scalars(sa.select(DisclosureItem).where(
            DisclosureItem.consent_id == setup.consent_id)).all()
        alerts = session.scalars(sa.select(Notification).where(
            Notification.staff_id == setup.drafter_staff_id,
            Notification.kind == "disclosure_stopped")).all()
        # The invariant behind both orderings: no open request relies on a withdrawn consent.
        open_on_withdrawn = session.scalar(
            sa.select(sa.func.count()).select_from(DisclosureItem)
            .join(DisclosureRequest, DisclosureRequest.id == DisclosureItem.request_id)
            .join(Consent, Consent.id == DisclosureItem.consent_id)
            .where(Consent.withdrawn_at.is_not(None),
                   DisclosureRequest.status.in_(OPEN_STATUSES)))
        return {"status": request.status, "stop_reason": request.stop_reason,
                "version": request.version, "withdrawn": consent.withdrawn_at is not None,
                "items": len(items), "alerts": [(a.object_ref, a.urgent) for a in alerts],
                "open_on_withdrawn": open_on_withdrawn}


STOPPED = {"status": "stopped", "stop_reason": "consent_withdrawn", "version": 2,
           "withdrawn": True, "items": 1, "alerts": [("D-CONC01", True)],
           "open_on_withdrawn": 0}
REFUSED = {"status": "submitted", "stop_reason": None, "version": 1, "withdrawn": True,
           "items": 0, "alerts": [], "open_on_withdrawn": 0}


@postgres_only
@needs_postgres
def test_withdrawal_waits_for_preparation_then_stops_the_request(app, engine) -> None:
    setup = _setup(app, engine)
    session_a = Session(engine)
    withdrawer = Worker(app, engine, "b" * 32, lambda ctx: _withdraw(ctx, setup))
    try:
        _begin(session_a)
        assert _prepare(_ctx(app, session_a, "a" * 32), setup)  # A holds the row lock
        withdrawer.start()
        assert withdrawer.started_work.wait(JOIN_TIMEOUT)
        # B is blocked on the consent row lock while A's transaction is open.
        assert not withdrawer.done.wait(BLOCK_CHECK), withdrawer.error
        assert _waiting_on_lock(engine, withdrawer.backend_pid)
        session_a.commit()
        withdrawer.join(JOIN_TIMEOUT)
        assert withdrawer.done.is_set(), "the withdrawal never finished (deadlock?)"
        assert withdrawer.error is None, withdrawer.error
        assert withdrawer.result == [setup.reference]
    finally:
        session_a.rollback()
        session_a.close()
        withdrawer.join(JOIN_TIMEOUT)
    assert _final_state(engine, setup) == STOPPED


@postgres_only
@needs_postgres
def test_preparation_waits_for_withdrawal_then_refuses(app, engine) -> None:
    setup = _setup(app, engine)
    session_b = Session(engine)
    preparer = Worker(app, engine, "a" * 32, lambda ctx: _prepare_with_stale_read(ctx, setup))
    try:
        _begin(session_b)
        assert _withdraw(_ctx(app, session_b, "b" * 32), setup) == []  # nothing relies yet
        preparer.start()
        assert preparer.started_work.wait(JOIN_TIMEOUT)
        assert not preparer.done.wait(BLOCK_CHECK), preparer.error
        assert _waiting_on_lock(engine, preparer.backend_pid)
        session_b.commit()
        preparer.join(JOIN_TIMEOUT)
        assert preparer.done.is_set(), "the preparation never finished (deadlock?)"
        assert preparer.error is None, preparer.error
        assert preparer.result is False  # it saw the withdrawal and refused
    finally:
        session_b.rollback()
        session_b.close()
        preparer.join(JOIN_TIMEOUT)
    assert _final_state(engine, setup) == REFUSED


def _prepare_with_stale_read(ctx: Ctx, setup: Setup) -> bool:
    # Read the consent before locking (as a form handler would): ``lock`` must hand back the
    # row as it is after the lock, not this stale copy from the identity map.
    stale = ctx.session.get(Consent, setup.consent_id)
    assert stale is not None and stale.withdrawn_at is None
    return _prepare(ctx, setup)


@pytest.mark.parametrize("order", ["prepare_then_withdraw", "withdraw_then_prepare"])
def test_sequential_orderings_end_the_same(app, engine, order: str) -> None:
    """Both databases: one committed transaction after the other, in either order."""
    setup = _setup(app, engine)
    steps = {"prepare": lambda ctx: _prepare(ctx, setup),
             "withdraw": lambda ctx: _withdraw(ctx, setup)}
    results = {}
    for name in order.split("_then_"):
        with Session(engine) as session:
            _begin(session)
            results[name] = steps[name](_ctx(app, session, name[0] * 32))
            session.commit()
    if order == "prepare_then_withdraw":
        assert results == {"prepare": True, "withdraw": [setup.reference]}
        assert _final_state(engine, setup) == STOPPED
    else:
        assert results == {"withdraw": [], "prepare": False}
        assert _final_state(engine, setup) == REFUSED


def test_sequential_stale_read_is_refreshed_by_lock(app, engine) -> None:
    """A reads the consent, B withdraws and commits, then A (same session, nothing expired)
    locks: ``lock`` must refresh the identity map's stale copy and A sees the withdrawal."""
    setup = _setup(app, engine)
    with Session(engine) as session_a:
        stale = session_a.get(Consent, setup.consent_id)
        assert stale is not None and stale.withdrawn_at is None
        with Session(engine) as session_b:
            _begin(session_b)
            _withdraw(_ctx(app, session_b, "b" * 32), setup)
            session_b.commit()
        _begin(session_a)
        assert _prepare(_ctx(app, session_a, "a" * 32), setup) is False
        session_a.commit()
    assert _final_state(engine, setup) == REFUSED
