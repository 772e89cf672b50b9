"""Page benchmark: Senim against a plaintext control app, same rows, same serving (issue 12).

For each size (people, each with a screening, two interviews and three case notes, all
assigned to one caseworker), this:

1. creates a fresh Senim instance (``senim init``), a caseworker with TOTP, and loads the
   people through Senim's services (``bench/people.py``), then reads a sample back through
   the services (names, date of birth, screening, notes, interviews, search);
2. loads the same people in plaintext into the control app (``bench/control_app.py``);
   Both use SQLite files in a temporary folder (Senim's default deployment);
3. serves both with gunicorn, 2 workers each (Senim with ``deploy/gunicorn.conf.py``);
4. signs in to each (Senim: password, then TOTP, as ``deploy/smoke.py`` does);
5. measures four pages with ``--connections`` concurrent clients, A/B interleaved (rounds
   alternate which app goes first): a person's page, the "my people" list, a name search
   (POST) and adding a case note (POST, redirect not followed);
6. probes the person page and the search with one connection (``_1conn_``): the latency
   one person sees when no other request is queued ahead of theirs.

It prints ``name=value unit`` lines: throughput, p50/p95/p99 per app and page, and the
Senim/control throughput ratio, all measured in the same run. Nothing is asserted.

    python bench/pages.py                       # sizes 1,000 and 10,000 (make bench)
    python bench/pages.py --sizes 1000          # quicker
    python bench/pages.py --sizes 100000        # the large size; loading takes a while

Loading runs at the import's speed (``bench/import.py``): about a minute per 10,000 people
on a two-core machine, so the 100,000 size spends most of its time loading.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH), str(REPO / "deploy")]

PASSWORD = "bench horse battery staple 42"
EMAIL = "bench-caseworker@senim.test"
PAGES = ("person", "list", "search", "note")


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ loading


def senim_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENIM_")}
    env.update(SENIM_INSTANCE_PATH=str(instance), SENIM_ENV="development",
               SENIM_LOG_LEVEL="WARNING", SENIM_DEMO="0", PYTHONPATH=str(REPO))
    return env


def prepare_senim(work: Path, count: int) -> tuple[dict[str, str], str, list[str]]:
    """A fresh Senim instance with ``count`` people; returns (env, TOTP secret, case codes)."""
    instance = work / "senim"
    env = senim_env(instance)
    flask = [sys.executable, "-m", "flask", "--app", "casework", "senim"]
    subprocess.run([*flask, "init"], env=env, cwd=work, check=True, capture_output=True)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        from people import check_sample, load_senim

        from casework import create_app
        from casework.domain.roles import Role
        from casework.extensions import db
        from casework.models.base import utcnow
        from casework.services import accounts, totp
        from casework.services.context import Ctx

        app = create_app()
        with app.app_context():
            ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                      passwords=app.extensions["senim.passwords"], now=utcnow(),
                      request_id="bench")
            staff, _ = accounts.create_staff(ctx, email=EMAIL, display_name="Bench Caseworker",
                                             role=Role.CASEWORKER, password=PASSWORD)
            secret = totp.new_secret()
            accounts.enrol_totp_directly(ctx, staff, secret)
            staff.must_change_password = False
            db.session.commit()
        started = time.perf_counter()
        codes = load_senim(app, count, staff_email=EMAIL, progress=count >= 5000)
        seconds = time.perf_counter() - started
        print(f"pages_{count}_senim_load_people_per_s={count / seconds:.0f} people/s",
              flush=True)
        matched = check_sample(app, codes, count)
        print(f"pages_{count}_senim_sample_read_back={matched} people", flush=True)
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return env, secret, codes


def prepare_control(work: Path, count: int) -> tuple[str, list[str]]:
    import control_app

    url = f"sqlite:///{work / 'control.db'}"
    app = control_app.create_app(url)
    codes = control_app.load(app, count, email=EMAIL, password=PASSWORD)
    with app.app_context():
        control_app.db.engine.dispose()
    return url, codes


# ------------------------------------------------------------------ serving


def start_senim(work: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    gunicorn = [sys.executable, "-m", "gunicorn", "--config",
                str(REPO / "deploy" / "gunicorn.conf.py"), "casework.wsgi:app"]
    serve_env = {**env, "SENIM_BIND": f"127.0.0.1:{port}", "SENIM_WORKERS": "2"}
    out = (work / "senim-gunicorn.log").open("wb")
    return subprocess.Popen(gunicorn, env=serve_env, cwd=work, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def start_control(work: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                f"127.0.0.1:{port}", "--chdir", str(BENCH), "control_app:create_app()"]
    out = (work / "control-gunicorn.log").open("wb")
    return subprocess.Popen(gunicorn, env={**os.environ, "CONTROL_DATABASE_URL": url},
                            cwd=work, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/auth/login")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"bench: nothing answers on port {port}")


# ------------------------------------------------------------------ a signed-in client


@dataclass
class Target:
    """One app, signed in: its port, the session cookies and the forms' CSRF tokens."""

    name: str
    port: int
    codes: list[str]
    cookie: str = ""
    search_fields: dict[str, str] = field(default_factory=dict)
    note_fields: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": self.cookie}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()


def sign_in(target: Target, totp_secret: str | None) -> None:
    """Password (then TOTP for Senim) through the real forms, like deploy/smoke.py."""
    from smoke import Client, form_fields

    client = Client(f"http://127.0.0.1:{target.port}")
    _, _, html = client.get("/auth/login")
    status, where, html = client.post("/auth/login", {
        **form_fields(html, field="email"), "email": EMAIL, "password": PASSWORD})
    if totp_secret is not None:
        import pyotp

        if "/auth/code" not in where:
            raise SystemExit(f"bench: {target.name} password step ended at {where} ({status})")
        status, where, html = client.post("/auth/code", {
            **form_fields(html, field="code"), "code": pyotp.TOTP(totp_secret).now()})
    if status != 200 or "/auth/" in urllib.parse.urlsplit(where).path:
        raise SystemExit(f"bench: {target.name} sign-in ended at {where} ({status})")
    target.cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
    _, html = target.request("GET", "/persons/")
    target.search_fields = form_fields(html, field="query")
    _, html = target.request("GET", f"/persons/{target.codes[0]}")
    target.note_fields = form_fields(html, action=r"/notes(#notes)?$")


def page_request(target: Target, page: str, rng: random.Random,
                 names: list[str]) -> Callable[[], tuple[int, str]]:
    if page == "person":
        code = rng.choice(target.codes)
        return lambda: target.request("GET", f"/persons/{code}")
    if page == "list":
        return lambda: target.request("GET", "/persons/")
    if page == "search":
        form = {**target.search_fields, "query": rng.choice(names)}
        return lambda: target.request("POST", "/persons/search", form)
    code = rng.choice(target.codes)
    form = {**target.note_fields, "occurred_on": date.today().isoformat(),
            "body": f"Bench note {rng.randrange(10**9)}"}
    return lambda: target.request("POST", f"/persons/{code}/notes", form)


# ------------------------------------------------------------------ measuring


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0


def run_phase(target: Target, page: str, seconds: float, connections: int,
              names: list[str], sample: Sample, seed: int) -> None:
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker(n: int) -> None:
        rng = random.Random(seed * 100 + n)
        mine: list[float] = []
        errors = 0
        while time.perf_counter() < deadline:
            call = page_request(target, page, rng, names)
            start = time.perf_counter()
            status, _ = call()
            mine.append(time.perf_counter() - start)
            if status >= 400:
                errors += 1
        with lock:
            sample.latencies.extend(mine)
            sample.errors += errors

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.seconds += time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def measure(size: int, senim: Target, control: Target, *, seconds: float, rounds: int,
            connections: int, names: list[str]) -> None:
    for page in PAGES:
        samples = {"senim": Sample(), "control": Sample()}
        for round_number in range(rounds):
            order = (senim, control) if round_number % 2 == 0 else (control, senim)
            for target in order:
                run_phase(target, page, seconds, connections, names, samples[target.name],
                          seed=round_number)
        rates = {}
        for name, sample in samples.items():
            prefix = f"pages_{size}_{page}_{name}"
            rates[name] = len(sample.latencies) / sample.seconds if sample.seconds else 0.0
            print(f"{prefix}_throughput={rates[name]:.1f} req/s")
            for p in (50, 95, 99):
                print(f"{prefix}_p{p}={percentile(sample.latencies, p) * 1000:.1f} ms")
            if sample.errors:
                print(f"{prefix}_errors={sample.errors} requests")
        ratio = rates["senim"] / rates["control"] if rates["control"] else float("nan")
        print(f"pages_{size}_{page}_ratio={ratio:.3f} x", flush=True)


def probe(size: int, senim: Target, control: Target, *, seconds: float, rounds: int,
          names: list[str]) -> None:
    """Latency with one connection (nothing queued behind another request): what one
    person waits for a page, apart from what concurrent load adds."""
    for page in ("person", "search"):
        samples = {"senim": Sample(), "control": Sample()}
        for round_number in range(rounds):
            order = (senim, control) if round_number % 2 == 0 else (control, senim)
            for target in order:
                run_phase(target, page, seconds, 1, names, samples[target.name],
                          seed=100 + round_number)
        for name, sample in samples.items():
            prefix = f"pages_{size}_{page}_1conn_{name}"
            for p in (50, 95, 99):
                print(f"{prefix}_p{p}={percentile(sample.latencies, p) * 1000:.1f} ms")
        sys.stdout.flush()


def bench_size(size: int, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"senim-bench-{size}-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        log(f"{size} people: loading Senim through its services")
        env, secret, senim_codes = prepare_senim(work, size)
        log(f"{size} people: loading the plaintext control")
        control_url, control_codes = prepare_control(work, size)
        senim_port, control_port = free_port(), free_port()
        processes.append(start_senim(work, env, senim_port))
        processes.append(start_control(work, control_url, control_port))
        wait_for(senim_port)
        wait_for(control_port)
        senim = Target("senim", senim_port, senim_codes)
        control = Target("control", control_port, control_codes)
        sign_in(senim, secret)
        sign_in(control, None)
        from people import people

        names = [p.full_name for p in people(size)]
        log(f"{size} people: measuring {', '.join(PAGES)} ({args.rounds} rounds of "
            f"{args.seconds:g} s per app, {args.connections} connections)")
        measure(size, senim, control, seconds=args.seconds, rounds=args.rounds,
                connections=args.connections, names=names)
        probe(size, senim, control, seconds=args.seconds, rounds=2, names=names)
    finally:
        for process in processes:
            stop(process)
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated numbers of people (e.g. 1000,10000,100000)")
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="seconds per app per round and page")
    parser.add_argument("--rounds", type=int, default=4, help="A/B rounds per page")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the instance folders")
    parser.add_argument("--control-journal", choices=("default", "wal"), default="default",
                        help="the control's SQLite journal: its default (rollback journal, "
                             "the plain app) or the write-ahead log Senim runs with")
    args = parser.parse_args()
    if args.control_journal == "wal":
        os.environ["CONTROL_SQLITE_JOURNAL"] = "wal"
    print(f"pages_control_journal={args.control_journal}", flush=True)
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        bench_size(size, args)


if __name__ == "__main__":
    main()
