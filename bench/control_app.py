"""The plaintext control for ``bench/pages.py``: a minimal Flask + SQLAlchemy app holding the
same people as Senim, in plaintext, with the same page shapes (issue 12, item 5).

Deliberately ordinary: flask-login sessions, Flask-WTF CSRF, Jinja templates, indexed
columns, a paged list (50 a page, with the total), a name search over an indexed token
table, a person page with screening, interviews and notes, and a note form that redirects
back. No encryption, no audit trail, no access rules beyond "assigned to me".

Served by gunicorn: ``CONTROL_DATABASE_URL=sqlite:///... gunicorn 'control_app:create_app()'``
from this folder (``bench/pages.py`` does it).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

from flask import Flask, abort, redirect, render_template_string, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

PAGE_SIZE = 50


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class User(db.Model, UserMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))


class Person(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_code: Mapped[str] = mapped_column(String(16), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    alias: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(40))
    gender: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class NameToken(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "name_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token: Mapped[str] = mapped_column(String(100), index=True)


class Assignment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class Screening(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "screenings"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(24))
    rationale: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime)


class Interview(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "interviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    narrative: Mapped[str] = mapped_column(Text)


class Note(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
</head><body><header><nav><a href="/persons/">My people</a></nav></header><main>
{% block main %}{% endblock %}</main></body></html>"""
LOGIN = LAYOUT.replace("{% block main %}{% endblock %}", """
<form method="post" action="/auth/login"><input type="hidden" name="csrf_token"
 value="{{ csrf_token() }}"><input name="email"><input name="password" type="password">
<button>Sign in</button></form>""")
INDEX = LAYOUT.replace("{% block main %}{% endblock %}", """
<h1>My people ({{ total }})</h1>
<form method="post" action="/persons/search"><input type="hidden" name="csrf_token"
 value="{{ csrf_token() }}"><input name="query"><button>Search</button></form>
<table>{% for p, outcome in people %}<tr><td><a href="/persons/{{ p.case_code }}">
{{ p.case_code }}</a></td><td>{{ p.full_name }}</td><td>{{ p.date_of_birth }}</td>
<td>{{ outcome or "" }}</td></tr>{% endfor %}</table>
{% if next_after %}<a href="/persons/?after={{ next_after }}">Next</a>{% endif %}""")
SEARCH = LAYOUT.replace("{% block main %}{% endblock %}", """
<h1>Search</h1><ul>{% for p in results %}<li><a href="/persons/{{ p.case_code }}">
{{ p.case_code }}</a> {{ p.full_name }} ({{ p.alias }}) {{ p.date_of_birth }}</li>
{% endfor %}</ul>""")
DETAIL = LAYOUT.replace("{% block main %}{% endblock %}", """
<h1>{{ person.case_code }}</h1><dl><dt>Name</dt><dd>{{ person.full_name }}</dd>
<dt>Other names</dt><dd>{{ person.alias }}</dd><dt>Born</dt><dd>{{ person.date_of_birth }}</dd>
<dt>Phone</dt><dd>{{ person.phone }}</dd></dl>
<h2>Screening</h2>{% for s in screenings %}<p>{{ s.outcome }}: {{ s.rationale }}</p>{% endfor %}
<h2>Interviews</h2>{% for i in interviews %}<p>{{ i.held_on }}: {{ i.narrative }}</p>
{% endfor %}<h2>Notes</h2>{% for n in notes %}<p>{{ n.occurred_on }}: {{ n.body }}</p>
{% endfor %}<form method="post" action="/persons/{{ person.case_code }}/notes">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input name="occurred_on" type="date"><textarea name="body"></textarea>
<button>Save</button></form>""")


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url or os.environ["CONTROL_DATABASE_URL"],
        SECRET_KEY=os.environ.get("CONTROL_SECRET_KEY", "control-app-not-secret"),
        WTF_CSRF_TIME_LIMIT=None)
    db.init_app(app)
    journal = os.environ.get("CONTROL_SQLITE_JOURNAL", "")
    if journal not in ("", "wal"):
        raise SystemExit(f"CONTROL_SQLITE_JOURNAL: expected 'wal', got {journal!r}")
    if journal:
        # ``bench/pages.py --control-journal wal``: the control on SQLite's write-ahead log,
        # as Senim runs, instead of SQLite's default rollback journal (a stricter control
        # for the note page: one wait for the disk per commit, as Senim's).
        with app.app_context():
            @event.listens_for(db.engine, "connect")
            def _journal(connection: Any, _record: Any) -> None:
                connection.execute(f"PRAGMA journal_mode={journal}")
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "sign_in"

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))

    @app.route("/auth/login", methods=["GET", "POST"])
    def sign_in() -> Any:
        if request.method == "POST":
            user = db.session.scalar(select(User).where(User.email == request.form["email"]))
            if user is None or not check_password_hash(user.password_hash,
                                                       request.form["password"]):
                abort(403)
            login_user(user)
            return redirect(url_for("index"))
        return render_template_string(LOGIN, title="Sign in")

    def mine() -> Any:
        return select(Person).join(Assignment, Assignment.person_id == Person.id).where(
            Assignment.user_id == current_user.id)

    @app.route("/persons/")
    @login_required
    def index() -> str:
        after = request.args.get("after", type=int) or 0
        rows = db.session.scalars(mine().where(Person.id > after).order_by(Person.id)
                                  .limit(PAGE_SIZE)).all()
        latest = select(Screening.person_id, func.max(Screening.id).label("id")).where(
            Screening.person_id.in_([p.id for p in rows])).group_by(Screening.person_id) \
            .subquery()
        outcomes = dict(db.session.execute(select(Screening.person_id, Screening.outcome)
                                           .join(latest, latest.c.id == Screening.id)).all())
        total = db.session.scalar(select(func.count()).select_from(mine().subquery()))
        return render_template_string(
            INDEX, title="My people", total=total,
            people=[(p, outcomes.get(p.id)) for p in rows],
            next_after=rows[-1].id if len(rows) == PAGE_SIZE else None)

    @app.route("/persons/search", methods=["POST"])
    @login_required
    def search() -> str:
        tokens = [t for t in request.form.get("query", "").lower().split() if t][:5]
        results: list[Person] = []
        if tokens:
            query = mine()
            for token in tokens:
                query = query.where(Person.id.in_(select(NameToken.person_id).where(
                    NameToken.token == token)))
            results = list(db.session.scalars(query.limit(100)))
        return render_template_string(SEARCH, title="Search", results=results)

    def open_person(case_code: str) -> Person:
        person = db.session.scalar(mine().where(Person.case_code == case_code))
        if person is None:
            abort(404)
        return person

    @app.route("/persons/<case_code>")
    @login_required
    def detail(case_code: str) -> str:
        person = open_person(case_code)
        return render_template_string(
            DETAIL, title=person.case_code, person=person,
            screenings=db.session.scalars(select(Screening).where(
                Screening.person_id == person.id).order_by(Screening.id.desc())).all(),
            interviews=db.session.scalars(select(Interview).where(
                Interview.person_id == person.id).order_by(Interview.held_on)).all(),
            notes=db.session.scalars(select(Note).where(
                Note.person_id == person.id).order_by(Note.id.desc())).all())

    @app.route("/persons/<case_code>/notes", methods=["POST"])
    @login_required
    def add_note(case_code: str) -> Response:
        person = open_person(case_code)
        body = request.form.get("body", "").strip()
        try:
            occurred = date.fromisoformat(request.form.get("occurred_on", ""))
        except ValueError:
            abort(400)
        if not body:
            abort(400)
        db.session.add(Note(person_id=person.id, occurred_on=occurred, body=body,
                            created_at=datetime.now()))
        db.session.commit()
        return redirect(url_for("detail", case_code=case_code, _anchor="notes"))

    return app


def load(app: Flask, count: int, *, email: str, password: str, seed: int = 12) -> list[str]:
    """Create the tables and load the same synthetic people as Senim; returns case codes."""
    from people import INTERVIEW_TEXTS, NOTE_TEXTS, SCREENING, people  # bench/people.py

    now = datetime.now()
    with app.app_context():
        db.create_all()
        user = User(email=email, password_hash=generate_password_hash(password))
        db.session.add(user)
        db.session.flush()
        codes = []
        batch: dict[str, list[dict[str, Any]]] = {}
        for p in people(count, seed):
            pid = p.number + 1
            code = f"C-{pid:07d}"
            codes.append(code)
            batch.setdefault("people", []).append(dict(
                id=pid, case_code=code, full_name=p.full_name, alias=p.alias,
                date_of_birth=p.date_of_birth, phone=p.phone,
                gender="female" if p.number % 2 else "male", created_at=now))
            batch.setdefault("tokens", []).extend(
                dict(person_id=pid, token=t) for t in
                {t.lower().strip(".") for t in f"{p.full_name} {p.alias}".split()})
            batch.setdefault("assignments", []).append(dict(person_id=pid, user_id=user.id))
            batch.setdefault("screenings", []).append(dict(
                person_id=pid, outcome=SCREENING["screening_outcome"],
                rationale=SCREENING["screening_rationale"], decided_at=now))
            batch.setdefault("interviews", []).extend(
                dict(person_id=pid, held_on=now.date(), narrative=t) for t in INTERVIEW_TEXTS)
            batch.setdefault("notes", []).extend(
                dict(person_id=pid, occurred_on=now.date(), body=t, created_at=now)
                for t in NOTE_TEXTS)
            if len(batch["people"]) >= 2000:
                _flush(batch)
        _flush(batch)
        db.session.commit()
        return codes


def _flush(batch: dict[str, list[dict[str, Any]]]) -> None:
    tables = {"people": Person, "tokens": NameToken, "assignments": Assignment,
              "screenings": Screening, "interviews": Interview, "notes": Note}
    for name, model in tables.items():
        if batch.get(name):
            db.session.execute(insert(model), batch[name])
    batch.clear()
