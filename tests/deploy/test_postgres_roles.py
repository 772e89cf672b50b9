"""deploy/postgres-setup.sh: the application role appends to the audit trail but can never
rewrite it, and cannot change the schema (issue 14, item 3). PostgreSQL only."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support import dispose, make_staff

PG_URL = os.environ.get("SENIM_TEST_DATABASE_URL", "")
SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres-setup.sh"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL, reason="needs SENIM_TEST_DATABASE_URL (PostgreSQL)"),
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs psql (postgresql-client)"),
]


def _url_as(role: str, database: str) -> str:
    return make_url(PG_URL).set(username=role, password=None, database=database).render_as_string(
        hide_password=False)


@pytest.fixture
def provisioned() -> Iterator[dict[str, str]]:
    suffix = secrets.token_hex(4)
    names = {
        "SENIM_PG_OWNER": f"senim_owner_{suffix}",
        "SENIM_PG_APP": f"senim_app_{suffix}",
        "SENIM_PG_CASEWORK_DB": f"senim_cw_{suffix}",
        "SENIM_PG_INTEL_DB": f"senim_in_{suffix}",
        "SENIM_PG_CHECK_DB": f"senim_ck_{suffix}",
    }
    url = make_url(PG_URL)
    env = {**os.environ, **names, "PGHOST": url.host or "127.0.0.1",
           "PGPORT": str(url.port or 5432), "PGUSER": url.username or "postgres"}
    if url.password:
        env["PGPASSWORD"] = url.password
    names["_env"] = env  # type: ignore[assignment]
    try:
        yield names
    finally:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for db in (names["SENIM_PG_CASEWORK_DB"], names["SENIM_PG_INTEL_DB"],
                       names["SENIM_PG_CHECK_DB"]):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            for role in (names["SENIM_PG_APP"], names["SENIM_PG_OWNER"]):
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def _run(step: str, names: dict[str, Any]) -> None:
    result = subprocess.run(["bash", str(SCRIPT), step], env=names["_env"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def _app(root: Path, role: str, names: dict[str, str]) -> Any:
    from casework import create_app
    from tests.conftest import make_settings

    return create_app(make_settings(
        root, database_url=_url_as(role, names["SENIM_PG_CASEWORK_DB"]),
        intel_database_url=_url_as(role, names["SENIM_PG_INTEL_DB"])))


def test_app_role_appends_audit_but_cannot_rewrite_it(provisioned: dict[str, str],
                                                      tmp_path: Path) -> None:
    from flask_migrate import upgrade

    _run("create", provisioned)
    # Migrations run as the owner, never as the application role.
    owner_app = _app(tmp_path, provisioned["SENIM_PG_OWNER"], provisioned)
    with owner_app.app_context():
        upgrade()
    dispose(owner_app)
    _run("grants", provisioned)
    _run("grants", provisioned)  # idempotent: run after every migration

    # The running application, as the app role, works and appends to the audit trail.
    app = _app(tmp_path, provisioned["SENIM_PG_APP"], provisioned)
    try:
        make_staff(app, "caseworker")
        make_staff(app, "director")
    finally:
        dispose(app)

    engine = sa.create_engine(_url_as(provisioned["SENIM_PG_APP"],
                                      provisioned["SENIM_PG_CASEWORK_DB"]))
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() > 0
        forbidden = [
            "UPDATE audit_events SET outcome = 'forged'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
            "ALTER TABLE audit_events ADD COLUMN forged text",
            "UPDATE audit_roots SET note = 'forged'",
            "DELETE FROM audit_roots",
            "TRUNCATE audit_roots",
            "DROP TABLE staff",
            "CREATE TABLE planted (id int)",
            "UPDATE alembic_version SET version_num = 'x'",
        ]
        for statement in forbidden:
            with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError) as caught:
                conn.execute(sa.text(statement))
            assert "permission denied" in str(caught.value.orig).lower() or \
                "must be owner" in str(caught.value.orig).lower(), statement
    finally:
        engine.dispose()
    # The owner still can (negative control: the refusals above are about the role).
    owner = sa.create_engine(_url_as(provisioned["SENIM_PG_OWNER"],
                                     provisioned["SENIM_PG_CASEWORK_DB"]))
    try:
        with owner.begin() as conn:
            conn.execute(sa.text("CREATE TABLE control_table (id int)"))
            conn.execute(sa.text("DROP TABLE control_table"))
    finally:
        owner.dispose()
