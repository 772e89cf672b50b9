"""Import benchmark: people per second of ``senim import people`` (issue 12, item 4).

Writes a CSV of synthetic people (``bench/people.py``: name, alias, date of birth, phone,
languages and a full trafficking screening each), creates a fresh instance, and runs the
real command twice: ``--dry-run`` (validation of the whole file only), then the import.
Prints ``name=value unit`` lines (wall-clock and per CPU-second of this process, since a
busy machine lowers the first); nothing is asserted. The target is 200 people/s with their
screening on a two-core machine.

    python bench/import.py                     # 2,000 people, SQLite (make bench)
    python bench/import.py --people 10000
    python bench/import.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench
        (two throw-away schemas are created in that database and dropped afterwards)
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]


def schema_url(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL database URL")
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask_migrate import upgrade
    from people import write_csv

    work = Path(tempfile.mkdtemp(prefix="senim-bench-import-"))
    schemas: list[str] = []
    engine = sa.create_engine(args.postgres) if args.postgres else None
    try:
        os.environ.update(SENIM_INSTANCE_PATH=str(work / "instance"), SENIM_ENV="development",
                          SENIM_LOG_LEVEL="WARNING", SENIM_DEMO="0")
        if engine is not None:
            suffix = secrets.token_hex(4)
            schemas = [f"bench_cw_{suffix}", f"bench_in_{suffix}"]
            with engine.begin() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            os.environ["SENIM_DATABASE_URL"] = schema_url(args.postgres, schemas[0])
            os.environ["SENIM_INTEL_DATABASE_URL"] = schema_url(args.postgres, schemas[1])
        from casework import create_app

        app = create_app()
        with app.app_context():
            upgrade()
        path = write_csv(work / "people.csv", args.people)
        runner = app.test_cli_runner()
        command = ["senim", "import", "people", str(path), "--quiet",
                   "--batch-size", str(args.batch_size)]
        database = "postgresql" if engine is not None else "sqlite"
        print(f"import_people={args.people} people")
        print(f"import_database={database} name")

        started = time.perf_counter()
        result = runner.invoke(args=[*command, "--dry-run"])
        validate_s = time.perf_counter() - started
        if result.exit_code != 0:
            raise SystemExit(f"bench: the dry run failed: {result.output}{result.stderr}")
        print(f"import_validate_per_s={args.people / validate_s:.0f} people/s")

        started, cpu = time.perf_counter(), time.process_time()
        result = runner.invoke(args=command)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if result.exit_code != 0:
            raise SystemExit(f"bench: the import failed: {result.output}{result.stderr}")
        print(f"import_seconds={seconds:.1f} s")
        print(f"import_people_per_s={args.people / seconds:.0f} people/s")
        # CPU time of this process (all of the work on SQLite; without the server's share on
        # PostgreSQL): what one dedicated core would do, whatever else the machine runs.
        print(f"import_people_per_cpu_s={args.people / cpu:.0f} people/s")
        print(f"import_10000_people_estimate={10000 / (args.people / seconds) / 60:.1f} min")
        from casework.extensions import db

        with app.app_context():
            db.session.remove()
            for bound in db.engines.values():
                bound.dispose()
    finally:
        if engine is not None:
            with engine.begin() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
