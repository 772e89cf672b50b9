"""Audit-trail append throughput; prints one ``name=value unit`` line per figure.

Run: ``python bench/audit.py [--seconds 5]``. Each writer is a thread with its own session
and connection. Figures for 1 and 16 concurrent writers, measured in the same run:

    audit_appends_per_s_w1=<value> 1/s      page views: the request gate's path, one event
    audit_append_p99_ms_w1=<value> ms       made durable before the page is built (group
    audit_appends_per_s_w16=<value> 1/s     commit: concurrent page views share a commit)
    audit_append_p99_ms_w16=<value> ms
    audit_unit_appends_per_s_w1=<value> 1/s     units of work (a form post): one event
    audit_unit_commit_p99_ms_w1=<value> ms      recorded and committed with the unit's own
    audit_unit_appends_per_s_w16=<value> 1/s    transaction (a stream's head is locked at
    audit_unit_commit_p99_ms_w16=<value> ms     commit time; PostgreSQL spreads streams)
    audit_streams=<streams opened>

The database is a fresh SQLite file in a temporary folder, or PostgreSQL when
``SENIM_BENCH_DATABASE_URL`` is set (two throw-away schemas are created in that database
and dropped afterwards). The trail is verified at the end; a broken one fails the run.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from casework.config import Argon2Params, Settings  # noqa: E402
from casework.models.base import utcnow  # noqa: E402


def _schema_url(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def _app(root: Path, pg_url: str) -> Any:
    from flask_migrate import upgrade

    from casework import create_app

    urls: dict[str, Any] = {}
    if pg_url:
        suffix = secrets.token_hex(4)
        urls = {"database_url": _schema_url(pg_url, f"bench_cw_{suffix}"),
                "intel_database_url": _schema_url(pg_url, f"bench_in_{suffix}")}
        with sa.create_engine(pg_url).begin() as conn:
            for schema in (f"bench_cw_{suffix}", f"bench_in_{suffix}"):
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    settings = Settings(
        environment="test", instance_path=root,
        database_url=urls.get("database_url", f"sqlite:///{root / 'casework.db'}"),
        intel_database_url=urls.get("intel_database_url", f"sqlite:///{root / 'intel.db'}"),
        key_file=root / "keys" / "keys.json",
        argon2=Argon2Params(time_cost=1, memory_cost_kib=1024, parallelism=1), scrypt_n=2**10,
        default_language="en")
    app = create_app(settings)
    with app.app_context():
        upgrade()
    app.config["BENCH_SCHEMAS"] = [u.rpartition("%3D")[2] for u in urls.values()]
    return app


def _run(app: Any, engine: sa.Engine, writers: int, seconds: float,
         alone: bool) -> tuple[int, list[float]]:
    from casework.services import audit

    keys = app.extensions["senim.keys"]
    start = threading.Barrier(writers + 1)
    stop = threading.Event()
    counts = [0] * writers
    latencies: list[list[float]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with Session(engine) as session:
                start.wait()
                while not stop.is_set():
                    began = time.perf_counter()
                    event = audit.Event(action="view.bench", actor=f"w{n}",
                                        object_type="endpoint", object_ref=f"u{counts[n]}",
                                        request_id=secrets.token_hex(8))
                    if alone:
                        session.commit()  # as the gate does: nothing of its own pending
                        audit.append_alone(session, keys, event, now=utcnow())
                    else:
                        audit.record(session, keys, event, now=utcnow())
                        session.commit()
                    latencies[n].append(time.perf_counter() - began)
                    counts[n] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    return round(sum(counts) / elapsed), [x for lat in latencies for x in lat]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per writer count")
    args = parser.parse_args()
    pg_url = os.environ.get("SENIM_BENCH_DATABASE_URL", "")
    from casework.extensions import db
    from casework.services import audit

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp), pg_url)
        try:
            with app.app_context():
                engine = db.engines[None]
                print(f"audit_bench_database={engine.dialect.name}")
                for alone, rate_name, p99_name in (
                        (True, "audit_appends_per_s", "audit_append_p99_ms"),
                        (False, "audit_unit_appends_per_s", "audit_unit_commit_p99_ms")):
                    for writers in (1, 16):
                        rate, latencies = _run(app, engine, writers, args.seconds, alone)
                        p99 = statistics.quantiles(latencies, n=100)[98] * 1000
                        print(f"{rate_name}_w{writers}={rate} 1/s", flush=True)
                        print(f"{p99_name}_w{writers}={p99:.1f} ms", flush=True)
                with Session(engine) as session:
                    streams = session.scalar(sa.text("SELECT count(*) FROM audit_chain_heads"))
                    print(f"audit_streams={streams}")
                    report = audit.verify(session, app.extensions["senim.keys"])
                    if not report.ok:
                        raise SystemExit(f"audit trail does not verify: {report}")
                    print(f"audit_verified_entries={report.checked}")
        finally:
            with app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
            if pg_url:
                with sa.create_engine(pg_url).begin() as conn:
                    for schema in app.config["BENCH_SCHEMAS"]:
                        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
