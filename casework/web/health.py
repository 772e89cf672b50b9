"""Liveness and readiness for probes and operators (issue 16.6).

``/health/live`` says the process answers. ``/health/ready`` runs four checks (each
database reachable, the key file unlocked, migrations current) and names the ones that
failed, nothing else: no versions, hosts or messages.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from casework.extensions import db
from casework.logs import event
from casework.web.outage import RETRY_AFTER_SECONDS
from casework.web.security import public

bp = Blueprint("health", __name__, url_prefix="/health")
log = logging.getLogger("senim.web")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@bp.route("/live")
@public
def live() -> Response:
    return jsonify(status="live")


def _heads() -> set[str]:
    cached = current_app.extensions.get("senim.migration_heads")
    if cached is None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        cached = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["senim.migration_heads"] = cached
    return cached


def _database(engine: Engine) -> tuple[bool, bool]:
    """(reachable, migrations current) for one database."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                versions = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
            except SQLAlchemyError:
                versions = set()
    except SQLAlchemyError:
        return False, False
    return True, versions == _heads()


def _keys_unlocked() -> bool:
    keys = current_app.extensions.get("senim.keys")
    try:
        return keys is not None and all(
            keys.current(purpose) is not None for purpose in ("audit", "intel", "secret"))
    except Exception:  # noqa: BLE001 (any failure means "not usable")
        return False


@bp.route("/ready")
@public
def ready() -> Response:
    failed: list[str] = []
    migrations_current = True
    for name, key in (("database_casework", None), ("database_intel", "intel")):
        reachable, current = _database(db.engines[key])
        if not reachable:
            failed.append(name)
        migrations_current = migrations_current and current
    if not _keys_unlocked():
        failed.append("key_file")
    if not migrations_current and not set(failed) & {"database_casework", "database_intel"}:
        failed.append("migrations")
    if not failed:
        return jsonify(status="ready")
    event(log, "health.not_ready", failed=",".join(failed))
    response = jsonify(status="unavailable", failed=failed)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
