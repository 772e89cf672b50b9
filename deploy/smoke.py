"""Deployment smoke test (issue 14): what an operator does, end to end, on PostgreSQL.

Builds the wheel, installs it with its dependencies into a fresh virtualenv, provisions two
fresh databases with least-privilege roles (deploy/postgres-setup.sh), migrates as the owner,
starts gunicorn with two workers and the scheduler as the application role, then over HTTP:
signs in with password and TOTP, registers a person, records 40 notes from two concurrent
clients (spread over both workers), checks that every note is there and that
`senim audit verify` passes. Stops everything it started and drops what it created.

    python deploy/smoke.py            (PostgreSQL from SENIM_SMOKE_POSTGRES_URL or 127.0.0.1:5432)
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTES_PER_CLIENT = 20


def log(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise SystemExit(f"smoke: FAILED {' '.join(cmd[:4])}…\n{result.stdout[-3000:]}\n"
                         f"{result.stderr[-3000:]}")
    return result


class Forms(HTMLParser):
    """Every form of a page: its action and its fields, with sensible defaults (the first
    choice of a radio group or a select, the value a field already has)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
            return
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "radio" or kind not in ("checkbox", "submit", "button", "file"):
                self._fields.setdefault(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            self._fields.setdefault(self._select, a["value"])
        elif tag == "textarea" and name:
            self._fields.setdefault(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


def form_fields(html: str, *, field: str | None = None, action: str | None = None
                ) -> dict[str, str]:
    """The fields of the first form that has ``field`` or whose action matches ``action``."""
    parser = Forms()
    parser.feed(html)
    for form_action, fields in parser.forms:
        if (field and field in fields) or (action and re.search(action, form_action)):
            return dict(fields)
    raise SystemExit(f"smoke: FAILED no form with {field or action!r}")


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, str]:
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(fields).encode()
        return self._send(urllib.request.Request(self.base + path, data=body, method="POST"))

    def _send(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"smoke: FAILED nothing answers at {url}")


def main() -> int:
    pg = os.environ.get("SENIM_SMOKE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    parsed = urllib.parse.urlsplit(pg)
    work = Path(tempfile.mkdtemp(prefix="senim-smoke-"))
    suffix = secrets.token_hex(3)
    names = {"SENIM_PG_OWNER": f"smoke_owner_{suffix}", "SENIM_PG_APP": f"smoke_app_{suffix}",
             "SENIM_PG_CASEWORK_DB": f"smoke_cw_{suffix}",
             "SENIM_PG_INTEL_DB": f"smoke_in_{suffix}", "SENIM_PG_CHECK_DB": f"smoke_ck_{suffix}"}
    pg_env = {**os.environ, **names, "PGHOST": parsed.hostname or "127.0.0.1",
              "PGPORT": str(parsed.port or 5432), "PGUSER": parsed.username or "postgres"}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        log("building the wheel")
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
             str(REPO)])
        (wheel,) = (work / "dist").glob("senim-*.whl")
        log("installing it into a fresh virtualenv")
        run([sys.executable, "-m", "venv", str(work / "venv")])
        py = str(work / "venv" / "bin" / "python")
        run([py, "-m", "pip", "install", "-q", str(wheel)])

        log("provisioning PostgreSQL roles and databases")
        setup = str(REPO / "deploy" / "postgres-setup.sh")
        run(["bash", setup, "create"], env=pg_env)

        def url(role: str, database: str) -> str:
            host = f"{pg_env['PGHOST']}:{pg_env['PGPORT']}"
            return f"postgresql+psycopg://{role}@{host}/{database}"

        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SENIM_", "PYTHON", "VIRTUAL_ENV"))}
        instance = work / "instance"
        common = {**base_env, "SENIM_INSTANCE_PATH": str(instance), "SENIM_DEMO": "1",
                  "SENIM_LOG_LEVEL": "WARNING"}
        def urls(role: str) -> dict[str, str]:
            return {"SENIM_DATABASE_URL": url(names[role], names["SENIM_PG_CASEWORK_DB"]),
                    "SENIM_INTEL_DATABASE_URL": url(names[role], names["SENIM_PG_INTEL_DB"])}

        owner_env = {**common, **urls("SENIM_PG_OWNER")}
        app_env = {**common, **urls("SENIM_PG_APP")}
        flask = [py, "-m", "flask", "--app", "casework", "senim"]
        log("senim init (migrations as the owner role)")
        run([*flask, "init"], env=owner_env, cwd=work)
        run(["bash", setup, "grants"], env=pg_env)
        log("loading the demo organisation as the application role")
        run([*flask, "demo", "--out", str(work / "demo.json")], env=app_env, cwd=work)
        users = json.loads((work / "demo.json").read_text())["users"]
        caseworker = next(u for u in users if u["role"] == "caseworker")

        port = free_port()
        log(f"starting gunicorn (2 workers) on 127.0.0.1:{port} and the scheduler")
        gunicorn = [str(work / "venv" / "bin" / "gunicorn"), "--config",
                    str(REPO / "deploy" / "gunicorn.conf.py"), "casework.wsgi:app"]
        serve_env = {**app_env, "SENIM_BIND": f"127.0.0.1:{port}", "SENIM_WORKERS": "2"}
        out = (work / "gunicorn.log").open("wb")
        processes.append(subprocess.Popen(gunicorn, env=serve_env, cwd=work, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        sched_out = (work / "scheduler.log").open("wb")
        processes.append(subprocess.Popen([*flask, "run-scheduler"], env=app_env, cwd=work,
                                          stdout=sched_out, stderr=subprocess.STDOUT,
                                          start_new_session=True))
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/auth/login")

        log("signing in with password and TOTP")
        client = Client(base)
        _, _, html = client.get("/auth/login")
        fields = {**form_fields(html, field="email"), "email": caseworker["email"],
                  "password": caseworker["password"]}
        status, where, html = client.post("/auth/login", fields)
        if "/auth/code" not in where:
            raise SystemExit(f"smoke: FAILED password step ended at {where} ({status})")
        code = run([py, "-m", "casework.totp_code", caseworker["totp_secret"]]).stdout.strip()
        status, where, html = client.post("/auth/code",
                                          {**form_fields(html, field="code"), "code": code})
        if status != 200 or "/auth/" in urllib.parse.urlsplit(where).path:
            raise SystemExit(f"smoke: FAILED second factor ended at {where} ({status})")

        log("registering a person")
        _, _, html = client.get("/persons/new")
        fields = {**form_fields(html, field="full_name"),
                  "full_name": f"Smoke Person {suffix}"}
        status, where, html = client.post("/persons/new", fields)
        match = re.search(r"/persons/([A-Za-z0-9-]+)$", urllib.parse.urlsplit(where).path)
        if status != 200 or not match:
            errors = re.findall(r'class="error"[^>]*>([^<]+)<', html)
            raise SystemExit(f"smoke: FAILED registration ended at {where} ({status}): "
                             f"{errors[:5]}")
        case_code = match.group(1)

        log(f"recording {2 * NOTES_PER_CLIENT} notes from two concurrent clients")
        _, _, html = client.get(f"/persons/{case_code}")
        note_form = form_fields(html, action=r"/notes(#notes)?$")
        failures: list[str] = []

        def writer(worker: int) -> None:
            for i in range(NOTES_PER_CLIENT):
                fields = {**note_form, "occurred_on": time.strftime("%Y-%m-%d"),
                          "body": f"smoke note {worker}-{i}"}
                status, _, _ = client.post(f"/persons/{case_code}/notes", fields)
                if status != 200:
                    failures.append(f"{worker}-{i}: {status}")

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise SystemExit(f"smoke: FAILED note writes: {failures[:5]}")
        # The notes are paged (25 a page, newest first): read every page of them.
        _, _, html = client.get(f"/persons/{case_code}")
        pages = [html]
        for _ in range(10):
            following = re.search(r'href="([^"]*notes_after=[^"#]*)[^"]*"', pages[-1])
            if not following:
                break
            _, _, more = client.get(following.group(1).replace("&amp;", "&"))
            pages.append(more)
        html = "\n".join(pages)
        missing = [f"{w}-{i}" for w in range(2) for i in range(NOTES_PER_CLIENT)
                   if f"smoke note {w}-{i}<" not in html and f"smoke note {w}-{i}\n" not in html]
        if missing:
            raise SystemExit(f"smoke: FAILED notes not on the person's page: {missing[:5]}")

        log("senim audit verify")
        result = run([*flask, "audit", "verify"], env=app_env, cwd=work)
        log(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "verified")
        for process in processes:
            if process.poll() is not None:
                raise SystemExit("smoke: FAILED a server process died; see its log")

        # The runbook's commands (docs/operations.md), as an operator runs them.
        log("audit checkpoint and verify --checkpoint (runbook section 7)")
        checkpoint = work / "checkpoint.json"
        run([*flask, "audit", "checkpoint", "--out", str(checkpoint)], env=app_env, cwd=work)
        run([*flask, "audit", "verify", "--checkpoint", str(checkpoint)], env=app_env,
            cwd=work)
        log("keys status (runbook section 5)")
        run([*flask, "keys", "status"], env=app_env, cwd=work)
        log("manual backup (runbook section 6)")
        run([*flask, "backup", "--out", str(work / "manual.age")], env=app_env, cwd=work)
        log("stopping the scheduler; scheduled backup and restore check once "
            "(runbook section 6)")
        scheduler_process = processes.pop()
        os.killpg(scheduler_process.pid, signal.SIGTERM)
        scheduler_process.wait(timeout=60)
        check_env = {**app_env, "SENIM_BACKUP_FOLDER": str(work / "backups"),
                     "SENIM_BACKUP_CHECK_DATABASE_URL": url(names["SENIM_PG_APP"],
                                                            names["SENIM_PG_CHECK_DB"])}
        result = run([*flask, "run-scheduler", "--once", "--only", "backup_daily",
                      "--only", "check_backup"], env=check_env, cwd=work)
        check_line = next((line for line in result.stdout.splitlines()
                           if line.startswith("check_backup:")), "")
        if "'failures': 0" not in check_line or "'audit_ok': 1" not in check_line \
                or "'persons_ok': 0" in check_line:
            raise SystemExit(f"smoke: FAILED restore check: {result.stdout[-2000:]}")
        log(check_line)
        log("upgrade and rollback as the owner role, then grants (runbook section 4)")
        run([py, "-m", "flask", "--app", "casework", "db", "upgrade"], env=owner_env, cwd=work)
        run([py, "-m", "flask", "--app", "casework", "db", "downgrade"], env=owner_env,
            cwd=work)
        run([py, "-m", "flask", "--app", "casework", "db", "upgrade"], env=owner_env, cwd=work)
        run(["bash", setup, "grants"], env=pg_env)
        run([*flask, "audit", "verify"], env=app_env, cwd=work)
        print("smoke: 1 passed, 0 failed")
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for db in (names["SENIM_PG_CASEWORK_DB"], names["SENIM_PG_INTEL_DB"],
                   names["SENIM_PG_CHECK_DB"]):
            subprocess.run(["psql", "-q", "-X", "-d", "postgres", "-c",
                            f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], env=pg_env,
                           capture_output=True)
        for role in (names["SENIM_PG_APP"], names["SENIM_PG_OWNER"]):
            subprocess.run(["psql", "-q", "-X", "-d", "postgres", "-c",
                            f"DROP ROLE IF EXISTS {role}"], env=pg_env, capture_output=True)
        if os.environ.get("SENIM_SMOKE_KEEP"):
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
