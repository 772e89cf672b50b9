"""Migrations match the models exactly, on SQLite and (when configured) PostgreSQL, and go
down to nothing and up again (security.md 6, "An Alembic up/down migration test")."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_settings
from tests.support import postgres_schema_url

PG_URL = os.environ.get("SENIM_TEST_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request, tmp_path) -> Iterator[object]:
    """An application on empty databases (never the shared test databases)."""
    from casework import create_app
    from casework.extensions import db

    schemas: tuple[str, ...] = ()
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("SENIM_TEST_DATABASE_URL is not set")
        suffix = secrets.token_hex(4)
        schemas = (f"senim_mig_cw_{suffix}", f"senim_mig_in_{suffix}")
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        settings = make_settings(tmp_path, database_url=postgres_schema_url(PG_URL, schemas[0]),
                                 intel_database_url=postgres_schema_url(PG_URL, schemas[1]))
    else:
        settings = make_settings(tmp_path)
    application = create_app(settings)
    yield application
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    if schemas:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def differences(application) -> dict[str, list[object]]:
    from casework.extensions import db

    found: dict[str, list[object]] = {}
    with application.app_context():
        for bind_key, metadata in ((None, db.metadatas[None]), ("intel", db.metadatas["intel"])):
            with db.engines[bind_key].connect() as conn:
                context = MigrationContext.configure(conn, opts={
                    "compare_type": True, "compare_server_default": True})
                found[bind_key or "casework"] = compare_metadata(context, metadata)
    return found


def table_names(application) -> dict[str, set[str]]:
    from casework.extensions import db

    with application.app_context():
        return {bind or "casework": set(sa.inspect(db.engines[bind]).get_table_names())
                for bind in (None, "intel")}


def test_upgrade_matches_the_models(fresh):
    from flask_migrate import upgrade

    with fresh.app_context():
        upgrade()
    assert differences(fresh) == {"casework": [], "intel": []}
    tables = table_names(fresh)
    assert {"staff", "staff_sessions", "audit_events", "audit_chain_heads", "api_tokens",
            "login_attempts", "recovery_codes", "alembic_version"} <= tables["casework"]
    # Victim records and intelligence never share a database.
    from casework.extensions import db

    assert not {t.name for t in db.metadatas[None].sorted_tables} & tables["intel"]
    assert not {t.name for t in db.metadatas["intel"].sorted_tables} & tables["casework"]


def test_downgrade_to_base_and_upgrade_again(fresh):
    from flask_migrate import downgrade, upgrade

    with fresh.app_context():
        upgrade()
        downgrade(revision="base")
    assert table_names(fresh) == {"casework": {"alembic_version"},
                                  "intel": {"alembic_version"}}
    with fresh.app_context():
        upgrade()
    assert differences(fresh) == {"casework": [], "intel": []}


def test_the_comparison_can_see_a_difference(fresh):
    """Control: a column the migrations never created is reported."""
    from flask_migrate import upgrade

    from casework.extensions import db

    with fresh.app_context():
        upgrade()
        with db.engines[None].begin() as conn:
            conn.execute(sa.text("ALTER TABLE staff ADD COLUMN stray_column VARCHAR(10)"))
    found = differences(fresh)
    assert any(diff[0] == "remove_column" and diff[3].name == "stray_column"
               for diff in found["casework"])


def _caseworker_and_person(conn: Any) -> None:
    """Rows as an older schema held them: caseworker 1 and person 1 (subject 'sub1')."""
    conn.execute(sa.text(
        "INSERT INTO staff (id, public_id, email, display_name, role, password_hash, "
        "is_active, totp_last_step, created_at, password_changed_at, "
        "must_change_password) VALUES (1, 'st1', 'a@senim.test', 'A', 'caseworker', "
        "'x', TRUE, 0, '2026-01-01', '2026-01-01', FALSE)"))
    conn.execute(sa.text(
        "INSERT INTO subjects (subject_id, kind, legal_hold, created_at) "
        "VALUES ('sub1', 'person', FALSE, '2026-01-01')"))
    conn.execute(sa.text(
        "INSERT INTO persons (id, public_id, case_code, subject_id, created_at) "
        "VALUES (1, 'p1', 'SN-1', 'sub1', '2026-01-01')"))


def test_people_recorded_before_name_pairs_keep_their_rows_and_start_without(fresh):
    """Issue 12: the name-pair flag arrives down for everyone already recorded (their pairs
    need the index key: `senim reindex names`), and adding it loses nothing that hangs
    off a person (a table copy on SQLite would cascade to their assignments)."""
    from flask_migrate import upgrade

    from casework.extensions import db

    with fresh.app_context():
        upgrade(revision="7c2e3f4a5b62")
        with db.engines[None].begin() as conn:
            _caseworker_and_person(conn)
            conn.execute(sa.text(
                "INSERT INTO assignments (id, person_id, staff_id, assigned_at) "
                "VALUES (1, 1, 1, '2026-01-02')"))
        upgrade()
        with db.engines[None].begin() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM assignments")).scalar() == 1
            assert conn.execute(sa.text(
                "SELECT COUNT(*) FROM persons WHERE NOT name_pairs")).scalar() == 1


def test_duplicate_open_assignments_end_before_the_unique_index(fresh):
    """Issue 12: a race before ``uq_assignments_open`` may have left two open rows for one
    (staff, person); the upgrade keeps the oldest open, ends the copy, and the index holds."""
    from flask_migrate import upgrade

    from casework.extensions import db

    with fresh.app_context():
        upgrade(revision="7c0a1b2c3d40")
        with db.engines[None].begin() as conn:
            _caseworker_and_person(conn)
            for row, ended in ((1, None), (2, None), (3, "2026-01-03")):
                conn.execute(sa.text(
                    "INSERT INTO assignments (id, person_id, staff_id, assigned_at, ended_at) "
                    "VALUES (:id, 1, 1, '2026-01-02', :ended)"), {"id": row, "ended": ended})
        upgrade()
        with db.engines[None].begin() as conn:
            rows = conn.execute(sa.text(
                "SELECT id, ended_at IS NULL FROM assignments ORDER BY id")).all()
        assert [(r[0], bool(r[1])) for r in rows] == [(1, True), (2, False), (3, False)]
        with pytest.raises(sa.exc.IntegrityError), db.engines[None].begin() as conn:
            conn.execute(sa.text("INSERT INTO assignments (id, person_id, staff_id) "
                                 "VALUES (4, 1, 1)"))
