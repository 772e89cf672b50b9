"""Senim: secure case management for organisations supporting victims of trafficking."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask.typing import ResponseReturnValue
from sqlalchemy import event
from sqlalchemy.engine import Engine

from casework.config import Settings
from casework.extensions import babel, csrf, db, login_manager, migrate
from casework.logs import configure_logging
from casework.services.keys import open_keys
from casework.services.passwords import Passwords

ROOT = Path(__file__).resolve().parent.parent
# An installed wheel carries the templates inside the package (setup.py); a checkout keeps
# them at the top of the repository.
TEMPLATES = (Path(__file__).resolve().parent / "templates"
             if (Path(__file__).resolve().parent / "templates").is_dir() else ROOT / "templates")


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory: the single place where the pieces are put together."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    settings.instance_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(TEMPLATES),
        static_folder=str(Path(__file__).parent / "web" / "static"),
    )
    from casework.web import template_class
    from casework.web.requests import SenimRequest

    template_class.install(app)

    app.request_class = SenimRequest  # uploads stay in memory, never a temporary file
    keys = open_keys(settings.key_file, passphrase=settings.key_passphrase,
                     scrypt_n=settings.scrypt_n,
                     create_if_missing=settings.environment != "production")
    app.config.update(
        SECRET_KEY=keys.current("secret").material,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_BINDS={"intel": {"url": settings.intel_database_url,
                                    **_engine_options(settings.intel_database_url)}},
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # bound to the server-side session, which expires itself
        WTF_CSRF_SSL_STRICT=settings.secure_cookies,
        BABEL_DEFAULT_LOCALE=settings.default_language,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        # Re-reading templates from disk is for the development server (cli_serve.py turns
        # it on); under gunicorn, in any environment, every render would stat every
        # template file it includes (bench/pages.py measured about 3 ms a person page).
        TEMPLATES_AUTO_RELOAD=False,
        TESTING=settings.environment == "test",
        SENIM_TIMEZONE=settings.timezone,
    )
    app.extensions["senim.settings"] = settings
    from casework.services import clock

    clock.configure(settings.timezone)
    app.extensions["senim.keys"] = keys
    app.extensions["senim.passwords"] = Passwords(settings.argon2)
    from casework.services.channels import sender_for

    # Issue 10: e-mail to staff who opted in; None when SENIM_SMTP_HOST is not set.
    app.extensions["senim.sender"] = sender_for(settings)

    from casework.web.session_store import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface(
        idle=timedelta(seconds=settings.session_idle_seconds),
        absolute=timedelta(seconds=settings.session_absolute_seconds),
        secure=settings.secure_cookies,
    )

    @app.before_request
    def _request_id() -> ResponseReturnValue | None:
        # The first hook of all (before CSRF's and the access gate's), so every response,
        # a rejected form included, and every audit entry carries the id.
        g.request_id = secrets.token_hex(8)
        from casework.web.outage import refuse

        return refuse()  # the session could not be opened: the database is down

    from casework.web.input_guard import reject_malformed

    app.before_request(reject_malformed)  # before CSRF's hook and the gate (issue 11)

    @app.before_request
    def _follow_keys() -> None:
        # Every request first takes up the key versions the casework database names as
        # current, so it never protects new data under a superseded version (issue 16).
        from flask import abort, request

        from casework.models.base import utcnow
        from casework.services import keystate

        if request.endpoint == "static" or (request.endpoint or "").startswith("health."):
            return  # the probes report the database themselves and must answer when it is down
        try:
            keystate.follow(db.engines[None], keys, now=utcnow(), role="web",
                            session=db.session)
        except keystate.KeyStateMismatch:
            abort(503)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from casework.web.i18n import install_memoised_gettext, select_locale

    babel.init_app(app, locale_selector=select_locale)
    install_memoised_gettext(app)
    from casework.web.form_base import install_fast_html_params

    install_fast_html_params()
    from casework.services import counter_cache, dashboard
    from casework.services.db import restore_durability_on_checkin

    with app.app_context():
        for engine in db.engines.values():
            _harden_sqlite(engine)
            restore_durability_on_checkin(engine)
            # The menu's counters are remembered until a write to what they count.
            counter_cache.watch(engine, dashboard.counted_tables())

    from casework.cli import register_cli
    from casework.web import register_web

    register_web(app)
    register_cli(app)
    # A restore that is running or was interrupted leaves the databases half switched:
    # serve nobody (not even the session store) until `senim restore` completed (issue 16).
    app.wsgi_app = RestoreGate(app.wsgi_app, settings.restore_marker_file)  # type: ignore[method-assign]
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    return app


class RestoreGate:
    """WSGI wrapper: 503 with no body while the restore marker exists."""

    def __init__(self, wsgi_app: Any, marker: Path) -> None:
        self.wsgi_app, self.marker = wsgi_app, marker

    def __call__(self, environ: Any, start_response: Any) -> Any:
        if self.marker.exists():
            start_response("503 Service Unavailable",
                           [("Content-Length", "0"), ("Retry-After", "60")])
            return [b""]
        return self.wsgi_app(environ, start_response)


def _engine_options(url: str) -> dict[str, Any]:
    # A server connection may have been dropped (a restart, a firewall): test it on checkout.
    # A SQLite file cannot drop, and the test would cost a statement on every checkout (a
    # page view checks out three: its session, the key state, its audit event).
    return {"pool_pre_ping": not url.startswith("sqlite")}


def _harden_sqlite(engine: Engine) -> None:
    """SQLite pragmas: foreign keys, WAL, and overwrite deleted content (crypto-shredding)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


logging.getLogger(__name__).addHandler(logging.NullHandler())
