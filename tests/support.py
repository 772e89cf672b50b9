"""Helpers for tests: staff factories, signing in through the real forms, CSRF tokens."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

PASSWORD = "correct horse battery staple 42"


def postgres_schema_url(url: str, schema: str) -> str:
    """Point a PostgreSQL URL at one schema through the search_path option."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@dataclass
class StaffLogin:
    email: str
    password: str
    totp_secret: str
    public_id: str
    role: str


def make_staff(app: Any, role: str = "caseworker", *, email: str | None = None,
               password: str = PASSWORD, enrolled: bool = True,
               must_change_password: bool = False) -> StaffLogin:
    """Create a member of staff directly through the service layer."""
    from casework.domain.roles import Role
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services import accounts, totp
    from casework.services.context import Ctx

    email = email or f"{role}-{secrets.token_hex(3)}@test.senim.kz"
    with app.app_context():
        c = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                passwords=app.extensions["senim.passwords"], now=utcnow(), request_id="t")
        staff, _ = accounts.create_staff(c, email=email, display_name=f"Test {role}",
                                         role=Role(role), password=password)
        secret = totp.new_secret()
        if enrolled:
            accounts.enrol_totp_directly(c, staff, secret)
        staff.must_change_password = must_change_password
        db.session.commit()
        return StaffLogin(email, password, secret, staff.public_id, role)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def current_code(secret: str) -> str:
    from casework.services.totp import code_for

    return code_for(secret, now=datetime.now(UTC))


def forget_last_totp_step(app: Any, public_id: str) -> None:
    """Let the same account sign in twice within one 30-second step (test-only)."""
    from sqlalchemy import update

    from casework.extensions import db
    from casework.models import Staff

    with app.app_context():
        db.session.execute(update(Staff).where(Staff.public_id == public_id)
                           .values(totp_last_step=0))
        db.session.commit()


def login(client: Any, app: Any, user: StaffLogin, *, follow: bool = True) -> Any:
    """Sign in through the real forms: password, then TOTP."""
    forget_last_totp_step(app, user.public_id)
    page = client.get("/auth/login")
    response = client.post("/auth/login", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": user.email, "password": user.password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.location.endswith("/auth/code"), response.location
    page = client.get("/auth/code")
    return client.post("/auth/code", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "code": current_code(user.totp_secret)}, follow_redirects=follow)


def post_form(client: Any, page_url: str, action_url: str | None = None,
              data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """GET a page for its CSRF token, then POST a form to it (or to action_url)."""
    page = client.get(page_url)
    payload = {"csrf_token": csrf_token(page.get_data(as_text=True)), **(data or {})}
    return client.post(action_url or page_url, data=payload, **kwargs)


# --- Helpers added for the security acceptance suite (issue 2) ---------------------------


def db_execute(app: Any, sql: str, **params: Any) -> list[Any]:
    """Run raw SQL on the casework database (tamper tests, clocks moved back)."""
    from sqlalchemy import text

    from casework.extensions import db

    with app.app_context():
        result = db.session.execute(text(sql), params)
        rows = list(result) if result.returns_rows else []
        db.session.commit()
        return rows


def table_counts(app: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, int]:
    """Row counts of every table in both databases (for "nothing changed" checks)."""
    from sqlalchemy import func, select

    from casework.extensions import db

    counts: dict[str, int] = {}
    # Bookkeeping every unit of work may touch (current key versions, process heartbeats).
    exclude = (*exclude, "key_state", "key_users")
    with app.app_context():
        for bind_key, metadata in db.metadatas.items():
            with db.engines[bind_key].connect() as conn:
                for table in metadata.sorted_tables:
                    if table.name not in exclude:
                        counts[f"{bind_key or 'casework'}.{table.name}"] = conn.scalar(
                            select(func.count()).select_from(table)) or 0
    return counts


def audit_rows(app: Any, action: str | None = None) -> list[Any]:
    """Audit events in chain order, optionally only one action."""
    if action:
        return db_execute(app, "SELECT * FROM audit_events WHERE action = :action ORDER BY seq",
                          action=action)
    return db_execute(app, "SELECT * FROM audit_events ORDER BY seq")


def staff_row(app: Any, public_id: str) -> Any:
    rows = db_execute(app, "SELECT * FROM staff WHERE public_id = :p", p=public_id)
    assert len(rows) == 1
    return rows[0]


def session_cookie_name(app: Any) -> str:
    return "__Host-senim" if app.extensions["senim.settings"].secure_cookies else "senim"


def session_cookie(client: Any, app: Any) -> str | None:
    cookie = client.get_cookie(session_cookie_name(app))
    return cookie.value if cookie is not None else None


def session_rows(app: Any, public_id: str) -> list[Any]:
    """The server-side session rows of one member of staff."""
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Staff, StaffSession

    with app.app_context():
        table = StaffSession.__table__
        query = select(table).join(Staff.__table__, Staff.id == table.c.staff_id).where(
            Staff.public_id == public_id)
        return list(db.session.execute(query))


def make_token(app: Any, user: StaffLogin, name: str = "test") -> str:
    """Create an API token for a member of staff through the service layer."""
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services import accounts, tokens
    from casework.services.context import Ctx

    with app.app_context():
        c = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                passwords=app.extensions["senim.passwords"], now=utcnow(), request_id="t",
                actor=user.public_id)
        _, token = tokens.create(c, accounts.by_public_id(c, user.public_id), name=name)
        db.session.commit()
        return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def is_login_redirect(response: Any) -> bool:
    from urllib.parse import urlsplit

    return response.status_code == 302 and urlsplit(response.location).path == "/auth/login"


def fresh_app(root: Any, **changes: Any) -> Any:
    """A separate, migrated application on SQLite under ``root`` (routes may be added to
    it before its first request)."""
    from flask_migrate import upgrade

    from casework import create_app
    from tests.conftest import make_settings

    application = create_app(make_settings(root, **changes))
    with application.app_context():
        upgrade()
    return application


def dispose(application: Any) -> None:
    from casework.extensions import db

    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


# --- Helpers added for the encryption acceptance suite (issue 3) -------------------------


def isolated_instance(root: Any, *, migrate: bool = True, **changes: Any) -> Any:
    """A separate application with its OWN key file under ``root/keys`` and its own
    databases: SQLite files under ``root``, or (with SENIM_TEST_DATABASE_URL) two new empty
    PostgreSQL schemas. Use as a context manager; the schemas are dropped on exit.

    Copy a key file into ``root/keys/keys.json`` BEFORE entering to share keys with another
    instance (restore tests). ``migrate=False`` leaves the databases empty.
    """
    import contextlib
    import os
    from pathlib import Path

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from casework import create_app
    from tests.conftest import make_settings

    @contextlib.contextmanager
    def _instance() -> Any:
        pg_url = os.environ.get("SENIM_TEST_DATABASE_URL", "")
        schemas: tuple[str, ...] = ()
        urls: dict[str, str] = {}
        if pg_url:
            suffix = secrets.token_hex(4)
            schemas = (f"senim_cw_{suffix}", f"senim_in_{suffix}")
            engine = sa.create_engine(pg_url)
            with engine.begin() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            engine.dispose()
            urls = {"database_url": postgres_schema_url(pg_url, schemas[0]),
                    "intel_database_url": postgres_schema_url(pg_url, schemas[1])}
        application = create_app(make_settings(Path(root), **urls, **changes))
        try:
            if migrate:
                with application.app_context():
                    upgrade()
            yield application
        finally:
            dispose(application)
            if schemas:
                engine = sa.create_engine(pg_url)
                with engine.begin() as conn:
                    for schema in schemas:
                        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                engine.dispose()

    return _instance()


def service_ctx(app: Any, actor: str | None = None) -> Any:
    """A service context for the CURRENT app context of ``app`` (caller enters it)."""
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services.context import Ctx

    return Ctx(session=db.session, keys=app.extensions["senim.keys"],
               passwords=app.extensions["senim.passwords"], now=utcnow(), request_id="test",
               actor=actor)


def is_postgres(app: Any) -> bool:
    from casework.extensions import db

    with app.app_context():
        return bool(db.engines[None].dialect.name == "postgresql")


def pg_dump_schemas(app: Any) -> bytes:
    """A plain-SQL ``pg_dump`` of both of the app's schemas (independent of backup.py)."""
    import os
    import subprocess

    from casework.extensions import db

    out = b""
    with app.app_context():
        for engine in db.engines.values():
            url = engine.url
            options = str(url.query.get("options", ""))
            schema = options.split("search_path=", 1)[1].split()[0]
            env = dict(os.environ)
            if url.password:
                env["PGPASSWORD"] = url.password
            result = subprocess.run(  # noqa: S603
                ["pg_dump", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),  # noqa: S607
                 "-U", url.username or "postgres", "-d", url.database or "postgres",
                 "--schema", schema], env=env, capture_output=True, check=True)
            out += result.stdout
    return out


def encodings_of(needle: str) -> list[bytes]:
    """The ways a string can show up in raw storage: UTF-8, UTF-16, hex (PostgreSQL bytea
    dumps), and base64 at every alignment."""
    import base64

    raw = needle.encode("utf-8")
    forms = [raw, needle.encode("utf-16-le"), raw.hex().encode(), raw.hex().upper().encode()]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)[4 if shift else 0:]
        forms.append(encoded[: (len(encoded) // 4 - 1) * 4 or len(encoded)])
    return forms


def find_in(blob: bytes, needle: str) -> bool:
    """Whether any encoding of ``needle`` occurs in ``blob``."""
    return any(form and form in blob for form in encodings_of(needle))


def raw_storage(app: Any) -> dict[str, bytes]:
    """Every byte the instance keeps at rest, by source: the SQLite files and their -wal
    (or, on PostgreSQL, a pg_dump of both schemas) and every file in the attachments
    folder. The scanner for the canary tests."""
    from pathlib import Path

    from casework.extensions import db

    blobs: dict[str, bytes] = {}
    if is_postgres(app):
        blobs["pg_dump"] = pg_dump_schemas(app)
    else:
        with app.app_context():
            paths = [Path(engine.url.database or "") for engine in db.engines.values()]
        for path in paths:
            for suffix in ("", "-wal", "-journal"):
                candidate = Path(str(path) + suffix)
                if candidate.exists():
                    blobs[candidate.name] = candidate.read_bytes()
    folder = app.extensions["senim.settings"].attachments_path
    if folder.exists():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                blobs[f"attachments/{path.name}"] = path.read_bytes()
    return blobs


def leaks(blobs: dict[str, bytes], needle: str) -> list[str]:
    """The sources in which any encoding of ``needle`` was found."""
    return [name for name, blob in blobs.items() if find_in(blob, needle)]


def update_table(app: Any, table_name: str, values: dict[str, Any], **where: Any) -> int:
    """UPDATE one casework table through SQLAlchemy Core (so dates are stored natively)."""
    from sqlalchemy import update

    from casework.extensions import db

    with app.app_context():
        table = db.metadatas[None].tables[table_name]
        query = update(table).values(**values)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        count = db.session.execute(query).rowcount
        db.session.commit()
        return int(count)


# --- Helpers added for the disclosure pages (issue 6) ------------------------------------


def enrol_existing(app: Any, public_id: str, password: str) -> StaffLogin:
    """Enrol TOTP for a member of staff created elsewhere (e.g. by a world builder) and
    return what ``login`` needs. Call inside no app context, or after committing."""
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Staff
    from casework.services import accounts, totp

    with app.app_context():
        c = service_ctx(app)
        staff = db.session.scalar(select(Staff).where(Staff.public_id == public_id))
        assert staff is not None
        secret = totp.new_secret()
        accounts.enrol_totp_directly(c, staff, secret)
        db.session.commit()
        return StaffLogin(staff.email, password, secret, staff.public_id, staff.role)


# --- Grants of privilege (issue 11, point 3) -------------------------------------------


def pending_grants(app: Any, kind: str | None = None) -> list[Any]:
    """Pending grants, oldest first (public_id, kind, subject public id, requested_by)."""
    sql = ("SELECT g.public_id, g.kind, s.public_id AS subject, g.requested_by, g.status "
           "FROM privilege_grants g JOIN staff s ON s.id = g.subject_id "
           "WHERE g.status = 'pending'")
    rows = db_execute(app, sql + " ORDER BY g.id")
    return [r for r in rows if kind is None or r.kind == kind]


def approve_pending(client: Any, kind: str | None = None) -> list[str]:
    """As the signed-in (second) director, approve every pending grant of ``kind``
    through the pending-grants page; returns the grants approved."""
    page = client.get("/grants/").get_data(as_text=True)
    approved = []
    for public_id in re.findall(r'action="/grants/([0-9a-f]{32})/approve"', page):
        row = re.search(rf'id="grant-{public_id}" data-kind="([a-z]+)"', page)
        assert row is not None
        if kind is None or kind == row.group(1):
            response = client.post(f"/grants/{public_id}/approve",
                                   data={"csrf_token": csrf_token(page)})
            assert response.status_code == 302, response.status_code
            approved.append(public_id)
    return approved


def step_up_as(client: Any, app: Any, user: StaffLogin, next_url: str = "/") -> Any:
    forget_last_totp_step(app, user.public_id)
    page = client.get(f"/auth/step-up?next={next_url}")
    return client.post("/auth/step-up", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "password": user.password,
        "code": current_code(user.totp_secret), "next": next_url})


def print_letter(client: Any, app: Any, user: StaffLogin, staff_public_id: str) -> Any:
    """As ``user`` (signed in on ``client``), step up and print the enrolment letter of
    that account; returns the response (the letter, or a redirect when refused)."""
    rows = db_execute(app, "SELECT l.public_id FROM enrolment_letters l JOIN staff s "
                      "ON s.id = l.staff_id WHERE s.public_id = :p AND l.issued_at IS NULL",
                      p=staff_public_id)
    assert rows, "no letter waiting"
    step_up_as(client, app, user, "/grants/")
    page = client.get("/grants/").get_data(as_text=True)
    return client.post(f"/grants/letters/{rows[0].public_id}",
                       data={"csrf_token": csrf_token(page), "back": "/grants/"})


def letter_password(response: Any) -> str:
    match = re.search(r"One-time password: ([a-z0-9-]+)", response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:500]
    return match.group(1)
