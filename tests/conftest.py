"""Shared fixtures: a migrated app per test session on SQLite or PostgreSQL.

``SENIM_TEST_DATABASE_URL`` selects PostgreSQL (e.g. postgresql+psycopg://postgres@127.0.0.1/test);
each test process then gets two private schemas (casework and intel) in that database, so
parallel workers never meet. Without it, two SQLite files in a temporary folder are used.
CSRF protection stays ON everywhere: tests read the token from the form like a browser.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework.config import Argon2Params, Settings
from tests.support import postgres_schema_url

PG_URL = os.environ.get("SENIM_TEST_DATABASE_URL", "")


def make_settings(root: Path, *, database_url: str | None = None,
                  intel_database_url: str | None = None, **changes: object) -> Settings:
    settings = Settings(
        environment="test",
        instance_path=root,
        database_url=database_url or f"sqlite:///{root / 'casework.db'}",
        intel_database_url=intel_database_url or f"sqlite:///{root / 'intel.db'}",
        key_file=root / "keys" / "keys.json",
        # Cheap KDF parameters through injection, never by patching globals.
        argon2=Argon2Params(time_cost=1, memory_cost_kib=1024, parallelism=1),
        scrypt_n=2**10,
        default_language="en",
    )
    return settings.replace(**changes) if changes else settings


@pytest.fixture(scope="session")
def database_urls() -> Iterator[tuple[str, str]]:
    if not PG_URL:
        yield "", ""
        return
    suffix = secrets.token_hex(4)
    engine = sa.create_engine(PG_URL)
    schemas = (f"senim_cw_{suffix}", f"senim_in_{suffix}")
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield postgres_schema_url(PG_URL, schemas[0]), postgres_schema_url(PG_URL, schemas[1])
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def app_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def app(app_root: Path, database_urls: tuple[str, str]):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from casework import create_app

    cw, intel = database_urls
    application = create_app(make_settings(app_root, database_url=cw or None,
                                           intel_database_url=intel or None))
    with application.app_context():
        upgrade()
    yield application
    from casework.extensions import db

    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    from casework.extensions import db

    with application.app_context():
        db.session.remove()
        for bind_key, metadata in db.metadatas.items():
            engine = db.engines[bind_key]
            with engine.begin() as conn:
                for table in reversed(metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def ctx(app):  # type: ignore[no-untyped-def]
    """A service context inside an app context (services tests)."""
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services.context import Ctx

    with app.app_context():
        yield Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(), request_id="test")
        db.session.rollback()
