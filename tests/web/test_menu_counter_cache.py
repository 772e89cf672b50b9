"""The menu's counters are remembered per process, never past a write this process makes to
what they count, nor past TTL for a write made elsewhere (services/counter_cache.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from freezegun import freeze_time

from casework.services import counter_cache
from tests.support import login, make_staff
from tests.web.test_dashboard_pages import add_task, home, nav
from tests.web.test_legal_pages import make_person

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def tasks_badge(client) -> int:
    found = re.search(r'nav-count-tasks"><span aria-hidden="true">(\d+)<', nav(home(client)))
    return int(found.group(1)) if found else 0


def _counting_statements(app):
    """How many times the tasks counter runs (its statement names the notifications too)."""
    from casework.extensions import db

    seen: list[str] = []

    def listen(_c, _cur, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if "FROM tasks" in statement and "FROM notifications" in statement:
            seen.append(statement)

    with app.app_context():
        sa.event.listen(db.engines[None], "before_cursor_execute", listen)
    return seen


def test_a_write_in_this_process_shows_on_the_next_page(app, client):
    worker = make_staff(app, "caseworker")
    mine = make_person(app, worker)
    login(client, app, worker)
    counted = _counting_statements(app)
    assert tasks_badge(client) == 0
    assert tasks_badge(client) == 0
    assert len(counted) <= 1  # signing in landed on a page that counted already
    add_task(app, mine)  # another session, same process: a new generation
    before = len(counted)
    assert tasks_badge(client) == 1
    assert tasks_badge(client) == 1
    assert len(counted) == before + 1  # counted once, then remembered


def test_a_write_elsewhere_shows_within_ttl_and_the_clock_is_the_apps(app, client):
    from casework.extensions import db

    worker = make_staff(app, "caseworker")
    mine = make_person(app, worker)
    with freeze_time(START) as clock:
        login(client, app, worker)
        task_id = add_task(app, mine)
        assert tasks_badge(client) == 1
        # Another process (a second engine, as another web worker or the scheduler has)
        # closes the task: this process cannot see that write happen.
        with app.app_context():
            other = sa.create_engine(db.engines[None].url)
        with other.begin() as conn:
            conn.execute(sa.text("UPDATE tasks SET done_at = :at WHERE public_id = :id"),
                         {"at": START.replace(tzinfo=None), "id": task_id})
        other.dispose()
        clock.tick(1)
        assert tasks_badge(client) == 1  # remembered: the other write unseen
        clock.tick(counter_cache.TTL)
        assert tasks_badge(client) == 0  # past TTL: counted afresh
        clock.move_to(START - timedelta(minutes=5))  # a clock that goes back forgets
        assert tasks_badge(client) == 0


def test_counts_are_never_shared_between_members_of_staff(app):
    worker, other = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    mine = make_person(app, worker)
    add_task(app, mine)
    first, second = app.test_client(), app.test_client()
    login(first, app, worker)
    login(second, app, other)
    assert tasks_badge(first) == 1
    assert tasks_badge(second) == 0
    assert tasks_badge(first) == 1


def test_the_cache_is_bounded_and_keyed_on_generation_and_time():
    cache = counter_cache.CounterCache[int](ttl=timedelta(seconds=10), size=2)
    generation = cache.generation()
    for staff_id in (1, 2, 3):
        cache.put(staff_id, START, generation, staff_id * 10)
    assert cache.get(1, START) is None  # the oldest was dropped
    assert cache.get(3, START) == 30
    assert cache.get(3, START + timedelta(seconds=10)) is None
    assert cache.get(3, START - timedelta(seconds=1)) is None
    cache.put(4, START, generation - 1, 40)  # counted before a write finished
    assert cache.get(4, START) is None


def test_only_writes_to_counted_tables_start_a_generation(app):
    from casework.extensions import db
    from casework.services import dashboard

    counted = dashboard.counted_tables()
    assert {"tasks", "notifications", "assignments", "break_glass_grants"} <= counted
    assert not counted & {"audit_events", "audit_chain_heads", "staff_sessions", "key_users"}
    with app.app_context():
        engine = db.engines[None]
        before = counter_cache._GENERATION.value
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT count(*) FROM tasks"))
            conn.execute(sa.text("UPDATE key_users SET role = role WHERE 1 = 0"))
        assert counter_cache._GENERATION.value == before
        with engine.begin() as conn:
            conn.execute(sa.text("update Tasks set urgent = urgent where 1 = 0"))
        assert counter_cache._GENERATION.value == before + 1
