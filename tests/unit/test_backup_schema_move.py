"""Moving a PostgreSQL dump to the staging schema rewrites statements, never row data."""

from __future__ import annotations

from casework.services.backup import _move_schema

DUMP = "\n".join([
    "CREATE SCHEMA public;",
    "CREATE TABLE public.staff (id integer, email text);",
    "ALTER TABLE ONLY public.staff ALTER COLUMN id SET DEFAULT "
    "nextval('public.staff_id_seq'::regclass);",
    "COPY public.staff (id, email) FROM stdin;",
    "1\tjohn.public.works@example.kz",
    "2\tpublic.relations@example.kz",
    "\\.",
    "SELECT pg_catalog.setval('public.staff_id_seq', 2, true);",
    "",
])


def test_statements_move_and_rows_stay():
    moved = _move_schema(DUMP.encode(), "public", "senim_staging").decode()
    assert "CREATE SCHEMA public;" not in moved
    assert "CREATE TABLE senim_staging.staff" in moved
    assert "nextval('senim_staging.staff_id_seq'" in moved
    assert "COPY senim_staging.staff (id, email) FROM stdin;" in moved
    assert "1\tjohn.public.works@example.kz" in moved
    assert "2\tpublic.relations@example.kz" in moved
    assert "setval('senim_staging.staff_id_seq'" in moved
