"""``flask senim import people FILE`` (issue 12, item 4; docs/import.md).

The whole file is validated before anything is written; errors name the line and the
column, never the cell's content; a dry run writes nothing; a crash mid-file is resumed
without duplicates; XLSX works like CSV; the imported rows are the ones registration
writes (read back through the services); names never reach logs or output.
"""

from __future__ import annotations

import csv
import logging
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import Assignment, AuditEvent, ImportRun, Person, Screening
from casework.services import imports, persons, screenings
from tests.support import make_staff, service_ctx, table_counts

HEADER = ["full_name", "aliases", "date_of_birth", "dob_source", "gender", "phones",
          "languages", "screening_outcome", "screening_legal_context",
          "screening_perpetrators", "screening_person_perspective", "screening_acts",
          "screening_means", "screening_purposes", "screening_could_leave",
          "screening_indicators", "screening_rationale", "caseworker"]


def _canary() -> str:
    return f"Canary{uuid.uuid4().hex[:12]}"


def _letters(text: str) -> str:
    return "".join(ch for ch in text if not ch.isdigit())


def person_row(name: str, **changes: str) -> dict[str, str]:
    row = {"full_name": name, "aliases": f"{name} Alias", "date_of_birth": "17.05.1990",
           "dob_source": "document", "gender": "female", "phones": "+7 701 555 12 34",
           "languages": "kk;ru", "screening_outcome": "trafficking",
           "screening_legal_context": "Criminal Code art. 128",
           "screening_perpetrators": "Recruiter promised work abroad",
           "screening_person_perspective": "She could not leave the house",
           "screening_acts": "recruitment;transportation", "screening_means": "deception",
           "screening_purposes": "forced_labour", "screening_could_leave": "no",
           "screening_indicators": "documents_withheld;debt_bondage",
           "screening_rationale": "All three Palermo elements are present.",
           "caseworker": ""}
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(
        args=["senim", "import", "people", *args])


def names_in_db(app: Any) -> list[str]:
    with app.app_context():
        ctx = service_ctx(app)
        people = db.session.scalars(select(Person).order_by(Person.id)).all()
        return [persons.read(ctx, p).names[0] for p in people]


def test_a_valid_file_arrives_encrypted_with_screenings_and_assignments(app, tmp_path):
    worker = make_staff(app, "caseworker")
    names = [_canary() for _ in range(3)]
    rows = [person_row(names[0], caseworker=worker.email, aliases="Zhanbyrshy Kuralaiyna"),
            person_row(names[1], date_of_birth="", dob_source="", phones="",
                       screening_outcome="undetermined", screening_acts="",
                       screening_means="", screening_purposes="",
                       screening_could_leave="unknown"),
            person_row(names[2], date_of_birth="2015-03-01", screening_means="")]
    result = run(app, str(write_csv(tmp_path / "people.csv", rows)), "--batch-size", "2")
    assert result.exit_code == 0, result.output + result.stderr
    assert "imported: 3 people" in result.output
    assert names_in_db(app) == names
    with app.app_context():
        ctx = service_ctx(app)
        people = db.session.scalars(select(Person).order_by(Person.id)).all()
        first = persons.read(ctx, people[0])
        assert first.names == [names[0], "Zhanbyrshy Kuralaiyna"]
        assert first.date_of_birth == "1990-05-17" and first.phones == ["+7 701 555 12 34"]
        assert first.profile["languages"] == ["kk", "ru"]
        assert first.profile["dob_source"] == "document"
        # The same search the pages use finds the imported person by the blind index.
        assert persons.search(ctx, "Zhanbyrshy kuralaiyna") == [people[0]]
        assert persons.search(ctx, "17.05.1990") == [people[0]]
        history = screenings.history(ctx, people[0])
        assert [row.outcome for row, _ in history] == ["trafficking"]
        assert history[0][1]["rationale"] == "All three Palermo elements are present."
        assert screenings.latest_outcome(ctx, people[1]) == "undetermined"
        # A child by the date of birth: the screening was recorded as a child's (rule 128),
        # so the means are not required.
        assert screenings.history(ctx, people[2])[0][1]["is_child"] is True
        assigned = db.session.scalars(select(Assignment.person_id)).all()
        assert assigned == [people[0].id]
        actions = [a for a in db.session.scalars(
            select(AuditEvent.action).order_by(AuditEvent.seq)).all()
            if a.startswith(("import.", "person.", "screening."))]
        assert actions == ["import.start", "import.batch", "import.batch", "import.finish"]
        run_row = db.session.scalars(select(ImportRun)).one()
        assert run_row.imported == 3 and run_row.finished_at is not None


def test_errors_name_line_and_column_and_nothing_is_written(app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    secret = _canary()
    rows = [person_row(_canary()),
            person_row(secret, date_of_birth=f"{secret}"),                 # line 3
            person_row(_canary(), gender="", screening_rationale="short"),  # line 4
            person_row(_canary(), phones=_letters(secret), screening_means=""),  # line 5
            person_row(_canary(), caseworker=f"{secret}@nowhere.kz")]       # line 6
    before = table_counts(app)
    result = run(app, str(write_csv(tmp_path / "bad.csv", rows)))
    assert result.exit_code == 1
    errors = result.stderr
    assert "line 3, column date_of_birth: not a date" in errors
    assert "line 4, column gender: required" in errors
    assert "line 4, column screening_rationale" in errors
    assert "line 5, column phones: not a phone number" in errors
    assert "line 5, column screening_means" in errors
    assert "line 6, column caseworker" in errors
    assert "line 2" not in errors
    assert "nothing was imported" in errors
    for needle in (secret, _letters(secret)):
        assert needle not in result.output + errors + caplog.text
    assert table_counts(app) == before


def test_header_problems_are_reported_before_any_row(app, tmp_path):
    header = [h for h in HEADER if h != "gender"] + ["favourite_colour"]
    result = run(app, str(write_csv(tmp_path / "h.csv", [person_row("A B")], header)))
    assert result.exit_code == 1
    assert "line 1, column gender: required column is missing" in result.stderr
    assert "line 1, column favourite_colour: unknown column" in result.stderr


def test_a_multi_line_cell_keeps_line_numbers_of_the_file(app, tmp_path):
    rows = [person_row("A B", screening_legal_context="first\nsecond\nthird"),
            person_row("C D", gender="unknown")]
    result = run(app, str(write_csv(tmp_path / "m.csv", rows)))
    assert "line 5, column gender: not one of" in result.stderr


def test_dry_run_writes_nothing(app, tmp_path):
    before = table_counts(app)
    result = run(app, str(write_csv(tmp_path / "p.csv", [person_row(_canary())] * 3)),
                 "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "dry run: 3 people valid" in result.output
    assert table_counts(app) == before


def test_resume_after_a_crash_mid_file_imports_each_line_once(app, tmp_path, monkeypatch):
    names = [_canary() for _ in range(7)]
    path = write_csv(tmp_path / "p.csv", [person_row(n) for n in names])
    calls = {"n": 0}
    real = screenings.record

    def crash_on_the_fourth(ctx: Any, person: Any, data: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:  # inside the second batch of three, after a person was written
            raise RuntimeError("power cut")
        return real(ctx, person, data)

    monkeypatch.setattr(screenings, "record", crash_on_the_fourth)
    crashed = run(app, str(path), "--batch-size", "3", "--quiet")
    assert isinstance(crashed.exception, RuntimeError)
    with app.app_context():
        db.session.rollback()  # the process died: its open transaction is gone
        db.session.remove()
    monkeypatch.setattr(screenings, "record", real)
    assert names_in_db(app) == names[:3]

    again = run(app, str(path), "--quiet")
    assert again.exit_code == 1 and "--resume" in again.stderr
    resumed = run(app, str(path), "--resume", "--batch-size", "3", "--quiet")
    assert resumed.exit_code == 0, resumed.stderr
    assert "imported: 7 people" in resumed.output
    assert names_in_db(app) == names
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 7
    twice = run(app, str(path), "--resume")
    assert twice.exit_code == 1 and "imported completely already" in twice.stderr
    assert names_in_db(app) == names


def test_resume_without_an_interrupted_run_is_refused(app, tmp_path):
    result = run(app, str(write_csv(tmp_path / "p.csv", [person_row("A B")])), "--resume")
    assert result.exit_code == 1 and "no interrupted import" in result.stderr
    assert names_in_db(app) == []


def test_xlsx_is_read_like_csv(app, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    names = [_canary(), _canary()]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for name in names:
        row = person_row(name)
        values: list[Any] = [row[h] for h in HEADER]
        values[HEADER.index("date_of_birth")] = date(1990, 5, 17)  # a real date cell
        sheet.append(values)
    sheet.append([""] * len(HEADER))  # an empty row is skipped
    bad = person_row(_canary(), gender="dragon")
    sheet.append([bad[h] for h in HEADER])
    path = tmp_path / "people.xlsx"
    book.save(path)
    result = run(app, str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("line 5, column gender")
    sheet.delete_rows(5)
    book.save(path)
    result = run(app, str(path), "--quiet")
    assert result.exit_code == 0, result.stderr
    assert names_in_db(app) == names
    with app.app_context():
        ctx = service_ctx(app)
        first = db.session.scalars(select(Person).order_by(Person.id)).first()
        assert persons.read(ctx, first).date_of_birth == "1990-05-17"


def test_unreadable_files_are_refused_cleanly(app, tmp_path):
    for name, content in (("x.csv", b"\xff\xfe\x00bad"), ("x.xlsx", b"not a zip"),
                          ("x.txt", b"full_name\n")):
        path = tmp_path / name
        path.write_bytes(content)
        result = run(app, str(path))
        assert result.exit_code == 1 and result.exception is None or \
            isinstance(result.exception, SystemExit), name
        assert "Error:" in result.stderr


def test_names_never_reach_logs_or_exception_text(app, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    names = [_canary() for _ in range(4)]
    path = write_csv(tmp_path / "p.csv", [person_row(n, aliases=f"{n}Alias") for n in names])
    result = run(app, str(path), "--batch-size", "2")
    assert result.exit_code == 0, result.stderr

    # A service refusal mid-file: the message names lines, not people.
    rows = [person_row(_canary()) for _ in range(3)]
    refused_path = write_csv(tmp_path / "r.csv", rows)
    real = persons.register

    def refuse(ctx: Any, **kwargs: Any) -> Any:
        from casework.services.errors import ServiceError
        raise ServiceError()

    monkeypatch.setattr(persons, "register", refuse)
    refused = run(app, str(refused_path))
    monkeypatch.setattr(persons, "register", real)
    assert refused.exit_code == 1 and "line 2 to line 4 was refused" in refused.stderr
    text = result.output + result.stderr + refused.output + refused.stderr + caplog.text
    for name in names + [r["full_name"] for r in rows]:
        assert name not in text
    problems = [str(p) for p in imports.check_row(
        imports.Row(2, {"full_name": names[0], "date_of_birth": names[0]}),
        today=date(2026, 1, 1), staff={})[1]]
    assert problems and not any(names[0] in p for p in problems)


def test_the_example_in_the_documentation_is_valid(app, tmp_path):
    text = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text()
    example = text.split("```csv\n", 1)[1].split("```", 1)[0]
    make_staff(app, "caseworker", email="caseworker@ngo.kz")
    path = tmp_path / "example.csv"
    path.write_text(example, encoding="utf-8")
    result = run(app, str(path), "--quiet")
    assert result.exit_code == 0, result.stderr
    assert len(names_in_db(app)) == 2


def test_a_second_process_on_the_same_run_is_refused(app, tmp_path):
    path = write_csv(tmp_path / "p.csv", [person_row(_canary()) for _ in range(2)])
    with app.app_context():
        ctx = service_ctx(app)
        table = imports.read_table(path)
        rows, problems = imports.validate(ctx, table)
        run_row = imports.start_run(ctx, table, resume=False)
        imports.import_batch(ctx, run_row, rows[:1], after_line=0)
        db.session.commit()
        # Another process still believes nothing was committed: refused, nothing written.
        with pytest.raises(imports.ImportRefused):
            imports.import_batch(ctx, run_row, rows[:1], after_line=0)
        db.session.rollback()
    assert len(names_in_db(app)) == 1
