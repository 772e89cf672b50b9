"""Bulk import of people from a spreadsheet (issue 12, item 4; docs/import.md).

Three steps, each usable alone:

1. :func:`read_table` turns a CSV or XLSX file into numbered rows of text cells.
2. :func:`validate` checks EVERY row before anything is written and returns each problem as
   (line, column, reason). A reason never contains the cell's content: the file holds
   victims' names and histories, and error output ends up in terminals and tickets.
3. :func:`import_batch` registers one batch of valid rows through the same services the
   pages use (``persons.register``, ``screenings.record``, ``access.assign``), so every
   imported person has exactly the encrypted rows a registration on the pages writes. Only
   the overhead around them is batched: one transaction per batch, each data key unwrapped
   at most once per batch (``subjects.key_scope``), one content-free audit event per batch
   instead of one per person and service call.

A run is recorded (:class:`ImportRun`) under the file's SHA-256 with the last line whose
batch committed, in the same transaction as the batch: after a crash, ``--resume`` goes on
after that line, so no line is imported twice and none is skipped.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from casework.domain.access import can_be_assigned
from casework.domain.minors import DobSource, minor_status
from casework.domain.roles import Role
from casework.domain.screening import (
    INDICATORS,
    Act,
    CouldLeave,
    Means,
    Outcome,
    Purpose,
    ScreeningInput,
    ScreeningReason,
    evaluate_screening,
)
from casework.models import ImportRun, Person, Staff
from casework.services import access, clock, minors, persons, screenings, subjects
from casework.services.context import Ctx
from casework.services.errors import ServiceError
from crypto import normalise_date, normalise_phone

BATCH_SIZE = 500
MAX_ROWS = 200_000
KIND = "people"
LIST_SEPARATOR = ";"
GENDERS = ("female", "male", "other", "not_stated")
LANGUAGES = ("kk", "ru", "en", "uz", "ky", "tg", "other")
YES = ("yes", "y", "true", "1", "да", "иә")
NO = ("no", "n", "false", "0", "нет", "жоқ", "")

REQUIRED = ("full_name", "gender", "screening_outcome", "screening_legal_context",
            "screening_perpetrators", "screening_person_perspective", "screening_rationale")
OPTIONAL = ("aliases", "date_of_birth", "dob_source", "estimated_age", "possibly_child",
            "is_minor", "nationality", "languages", "phones", "screening_acts",
            "screening_means", "screening_purposes", "screening_could_leave",
            "screening_indicators", "caseworker")
COLUMNS = REQUIRED + OPTIONAL
# Longest accepted cell per column (the pages' form limits).
_MAX = {"full_name": 200, "aliases": 2000, "nationality": 80, "phones": 500, "caseworker": 254,
        "screening_legal_context": 4000, "screening_perpetrators": 4000,
        "screening_person_perspective": 4000, "screening_rationale": 4000}
_SCREENING_COLUMN = {
    ScreeningReason.RATIONALE_REQUIRED: "screening_rationale",
    ScreeningReason.PERSPECTIVES_REQUIRED: "screening_person_perspective",
    ScreeningReason.ACT_REQUIRED: "screening_acts",
    ScreeningReason.MEANS_REQUIRED: "screening_means",
    ScreeningReason.PURPOSE_REQUIRED: "screening_purposes",
    ScreeningReason.COERCION_CONTRADICTS: "screening_could_leave",
    ScreeningReason.COERCION_UNANSWERED: "screening_could_leave",
    ScreeningReason.UNKNOWN_INDICATOR: "screening_indicators",
}


class ImportRefused(ServiceError):  # noqa: N818 - a refusal with a reason, not a bug
    """The file cannot be imported as asked (reason is a fixed code, never content)."""

    def __init__(self, reason: str) -> None:
        Exception.__init__(self, reason)
        self.reason = reason
        self.reasons = ()


@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be imported; never holds the cell's content."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]


@dataclass
class PersonRow:
    """One valid row, ready for the services (held in memory only during the import)."""

    line: int
    names: list[str]
    date_of_birth: str | None
    phones: list[str]
    profile: dict[str, Any]
    screening: ScreeningInput
    caseworker: int | None = None  # staff id


@dataclass
class Table:
    sha256: str
    header: list[str]
    rows: list[Row] = field(default_factory=list)


# ---------------------------------------------------------------- reading the file


def read_table(path: Path) -> Table:
    """Read a .csv (UTF-8, comma or semicolon separated) or .xlsx file into text cells.

    Line numbers are the file's: in a CSV the physical line a row starts on (a quoted cell
    may span lines), in a workbook the sheet's row number. The header is line 1.
    """
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = _read_csv(data)
    elif suffix == ".xlsx":
        header, rows = _read_xlsx(data)
    else:
        raise ImportRefused("the file must be .csv or .xlsx")
    if len(rows) > MAX_ROWS:
        raise ImportRefused(f"more than {MAX_ROWS} rows: split the file")
    return Table(sha256=digest, header=header, rows=rows)


def _read_csv(data: bytes) -> tuple[list[str], list[Row]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("the CSV file is not UTF-8 text (save it as \"CSV UTF-8\")") \
            from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[Row] = []
    start = 1
    try:
        for record in reader:
            if header is None:
                header = [_column_name(c) for c in record]
            elif any(cell.strip() for cell in record):
                rows.append(_row(start, header, record))
            start = reader.line_num + 1
    except csv.Error:
        raise ImportRefused(f"line {start}: the CSV is malformed (check the quotes)") from None
    if header is None:
        raise ImportRefused("the file is empty")
    return header, rows


def _read_xlsx(data: bytes) -> tuple[list[str], list[Row]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise ImportRefused("the file is not a readable .xlsx workbook") from None
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[Row] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                header = [_column_name(c) for c in cells]
            elif any(cell.strip() for cell in cells):
                rows.append(_row(number, header, cells))
    finally:
        book.close()
    if header is None:
        raise ImportRefused("the file is empty")
    return header, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):  # a date cell (datetime is a date too)
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _column_name(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_")


def _row(line: int, header: list[str], values: list[str]) -> Row:
    cells = {name: (values[i] if i < len(values) else "").strip()
             for i, name in enumerate(header) if name}
    if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
        cells["\0extra"] = "1"
    return Row(line=line, cells=cells)


# ---------------------------------------------------------------- validation


def check_header(header: list[str]) -> list[Problem]:
    problems = [Problem(1, name, "required column is missing")
                for name in REQUIRED if name not in header]
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name not in COLUMNS:
            # The header is the template's, not personal data; cut it short anyway.
            problems.append(Problem(1, name[:40], "unknown column (see docs/import.md)"))
        elif name in seen:
            problems.append(Problem(1, name, "column appears twice"))
        seen.add(name)
    return problems


def validate(ctx: Ctx, table: Table) -> tuple[list[PersonRow], list[Problem]]:
    """Check the whole file; returns the rows ready to import and every problem found."""
    problems = check_header(table.header)
    if problems:
        return [], problems
    staff = _assignable_staff(ctx)
    today = clock.today(ctx)
    valid: list[PersonRow] = []
    for row in table.rows:
        parsed, found = check_row(row, today=today, staff=staff)
        problems.extend(found)
        if parsed is not None:
            valid.append(parsed)
    return valid, problems


def _assignable_staff(ctx: Ctx) -> dict[str, int]:
    """Active staff a person may be assigned to, by lower-cased e-mail."""
    rows = ctx.session.execute(select(Staff.id, Staff.email, Staff.role).where(
        Staff.is_active.is_(True)))
    return {email.lower(): staff_id for staff_id, email, role in rows
            if can_be_assigned(Role(role)).allowed}


def check_row(row: Row, *, today: date,
              staff: dict[str, int]) -> tuple[PersonRow | None, list[Problem]]:
    """Parse one row with the rules the pages apply; problems name columns, not content."""
    cells = row.cells
    problems: list[Problem] = []

    def problem(column: str, reason: str) -> None:
        problems.append(Problem(row.line, column, reason))

    if "\0extra" in cells:
        problem("-", "more cells than header columns")
    for name in REQUIRED:
        if not cells.get(name):
            problem(name, "required")
    for name, limit in _MAX.items():
        if len(cells.get(name, "")) > limit:
            problem(name, f"longer than {limit} characters")

    names = [cells.get("full_name", ""), *_list(cells.get("aliases"))]
    dob = _date(cells.get("date_of_birth", ""), today, problem)
    source = _choice(cells, "dob_source", [s.value for s in DobSource], problem)
    if dob and not source:
        problem("dob_source", "required with a date of birth (rule 130)")
    phones = _list(cells.get("phones"))
    for phone in phones:
        try:
            normalise_phone(phone)
        except ValueError:
            problem("phones", "not a phone number (at least 7 digits)")
            break
    estimated = cells.get("estimated_age", "")
    if estimated and not (estimated.isdigit() and int(estimated) <= 120):
        problem("estimated_age", "not a whole number from 0 to 120")
    languages = _list(cells.get("languages"))
    if any(language not in LANGUAGES for language in languages):
        problem("languages", "not among: " + ", ".join(LANGUAGES))
    profile: dict[str, Any] = {
        "gender": _choice(cells, "gender", GENDERS, problem),
        "nationality": cells.get("nationality") or None, "languages": languages,
        "estimated_age": int(estimated) if estimated.isdigit() else None,
        "dob_source": source, "possibly_child": _flag(cells, "possibly_child", problem),
        "is_minor": _flag(cells, "is_minor", problem)}
    caseworker = None
    if cells.get("caseworker"):
        caseworker = staff.get(cells["caseworker"].lower())
        if caseworker is None:
            problem("caseworker", "no active member of staff who can be assigned has this "
                                  "e-mail")

    outcome = _choice(cells, "screening_outcome", [o.value for o in Outcome], problem)
    acts = _enums(cells, "screening_acts", Act, problem)
    means = _enums(cells, "screening_means", Means, problem)
    purposes = _enums(cells, "screening_purposes", Purpose, problem)
    could_leave = _choice(cells, "screening_could_leave", [c.value for c in CouldLeave],
                          problem) or CouldLeave.UNKNOWN.value
    indicators = frozenset(_list(cells.get("screening_indicators")))
    if indicators - set(INDICATORS):
        problem("screening_indicators", "unknown indicator (see docs/import.md)")
    if outcome is None:
        return None, problems
    record = persons.PersonRecord(case_code="", names=names, date_of_birth=dob, phones=phones,
                                  profile=profile)
    # Rule 128: a child from the facts on the day of screening, as the screening page does.
    is_child = minor_status(minors.age_facts(record), on=today).is_minor
    screening = ScreeningInput(
        outcome=Outcome(outcome), is_child=is_child,
        legal_context=cells.get("screening_legal_context", ""),
        perpetrators=cells.get("screening_perpetrators", ""),
        person_perspective=cells.get("screening_person_perspective", ""),
        acts=acts, means=means, purposes=purposes, could_leave=CouldLeave(could_leave),
        indicators=indicators, rationale=cells.get("screening_rationale", ""))
    reported = {p.column for p in problems}
    for reason in evaluate_screening(screening).reasons:
        column = _SCREENING_COLUMN.get(reason, "screening_outcome")  # type: ignore[call-overload]
        if column not in reported and not (
                reason is ScreeningReason.PERSPECTIVES_REQUIRED and reported & set(REQUIRED)):
            problem(column, f"the screening cannot be recorded: {reason.value}")
    if problems:
        return None, problems
    return PersonRow(line=row.line, names=names, date_of_birth=dob, phones=phones,
                     profile=profile, screening=screening, caseworker=caseworker), []


def _list(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split(LIST_SEPARATOR) if part.strip()]


def _date(cell: str, today: date, problem: Callable[[str, str], None]) -> str | None:
    if not cell:
        return None
    try:
        iso = normalise_date(cell)
    except ValueError:
        problem("date_of_birth", "not a date (use DD.MM.YYYY or YYYY-MM-DD)")
        return None
    if date.fromisoformat(iso) > today:
        problem("date_of_birth", "in the future")
        return None
    return iso


def _choice(cells: dict[str, str], column: str, allowed: Iterable[str],
            problem: Callable[[str, str], None]) -> str | None:
    value = cells.get(column, "").strip().lower()
    if not value:
        return None
    allowed = list(allowed)
    if value not in allowed:
        problem(column, "not one of: " + ", ".join(allowed))
        return None
    return value


def _flag(cells: dict[str, str], column: str, problem: Callable[[str, str], None]) -> bool:
    value = cells.get(column, "").strip().lower()
    if value in YES:
        return True
    if value not in NO:
        problem(column, "use yes or no")
    return False


def _enums(cells: dict[str, str], column: str, kind: Any,
           problem: Callable[[str, str], None]) -> frozenset[Any]:
    values = [v.lower() for v in _list(cells.get(column))]
    allowed = {member.value for member in kind}
    if any(value not in allowed for value in values):
        problem(column, "not among: " + ", ".join(sorted(allowed)))
        return frozenset()
    return frozenset(kind(value) for value in values)


# ---------------------------------------------------------------- the run


def start_run(ctx: Ctx, table: Table, *, resume: bool) -> ImportRun:
    """The run for this file: a new one, or (``resume``) the interrupted one.

    Refused when the file was imported completely already, when an interrupted run exists
    and ``resume`` was not asked (the operator must choose), or ``resume`` finds none.
    """
    run = ctx.session.scalar(select(ImportRun).where(ImportRun.file_sha256 == table.sha256))
    if run is not None and run.finished_at is not None:
        raise ImportRefused("this file was imported completely already")
    if run is not None and not resume:
        raise ImportRefused("an interrupted import of this file exists: add --resume to "
                            "continue it")
    if run is None and resume:
        raise ImportRefused("there is no interrupted import of this file to resume")
    if run is None:
        run = ImportRun(file_sha256=table.sha256, kind=KIND, total_rows=len(table.rows),
                        last_line=0, imported=0, started_at=ctx.now, actor=ctx.actor)
        ctx.session.add(run)
        ctx.session.flush()
        ctx.audit("import.start", outcome=str(len(table.rows)), object_type="import",
                  object_ref=run.public_id)
    return run


def pending(rows: list[PersonRow], run: ImportRun) -> list[PersonRow]:
    """The rows after the last committed line."""
    return [row for row in rows if row.line > run.last_line]


def batches(rows: list[PersonRow], size: int = BATCH_SIZE) -> Iterator[list[PersonRow]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


@dataclass(frozen=True)
class _BatchCtx(Ctx):
    """The services' context for one batch: their per-call audit events are counted, and
    one event for the whole batch is written instead (content-free: counts and the run)."""

    counts: dict[str, int] = field(default_factory=dict)

    def audit(self, action: str, *, outcome: str = "ok", object_type: str | None = None,
              object_ref: str | None = None, actor: str | None = None) -> None:
        self.counts[action] = self.counts.get(action, 0) + 1


def batch_ctx(ctx: Ctx) -> Ctx:
    """A context whose audit events are counted, not written (see :class:`_BatchCtx`)."""
    return _BatchCtx(**{f.name: getattr(ctx, f.name) for f in dataclasses.fields(Ctx)})


def register_rows(inner: Ctx, rows: list[PersonRow]) -> list[Person]:
    """Register valid rows through the pages' services (call inside ``key_scope``)."""
    staff = {s.id: s for s in inner.session.scalars(select(Staff).where(
        Staff.id.in_({row.caseworker for row in rows if row.caseworker is not None})))}
    registered = []
    for row in rows:
        person = persons.register(inner, names=row.names, date_of_birth=row.date_of_birth,
                                  phones=row.phones, profile=row.profile,
                                  dob_source_required=True)
        screenings.record(inner, person, row.screening)
        if row.caseworker is not None:
            access.assign(inner, person, staff[row.caseworker])
        registered.append(person)
    return registered


def import_batch(ctx: Ctx, run: ImportRun, rows: list[PersonRow], *, after_line: int) -> int:
    """Register one batch (the caller commits once after it); returns people written.

    ``after_line`` is the last committed line as the caller knows it: the run's row is
    claimed first (a row lock on PostgreSQL, the write lock on SQLite), so a second process
    resuming the same file at the same time is refused instead of importing lines twice.
    """
    if not rows:
        return 0
    claimed = ctx.session.execute(update(ImportRun).where(
        ImportRun.id == run.id, ImportRun.last_line == after_line,
        ImportRun.finished_at.is_(None)).values(
        last_line=rows[-1].line, imported=ImportRun.imported + len(rows)))
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise ImportRefused("another process is importing this file")
    with subjects.key_scope(ctx):
        register_rows(batch_ctx(ctx), rows)
    ctx.session.refresh(run)
    ctx.audit("import.batch", outcome=str(len(rows)), object_type="import",
              object_ref=run.public_id)
    return len(rows)


def finish_run(ctx: Ctx, run: ImportRun) -> None:
    run.finished_at = ctx.now
    ctx.session.flush()
    ctx.audit("import.finish", outcome=str(run.imported), object_type="import",
              object_ref=run.public_id)
