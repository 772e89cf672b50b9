"""``subjects.key_scope`` (the bulk import's batch, issue 12): the rows written inside it are
the rows written outside it. Keys are unwrapped at most once, a fresh subject's index entries
are written when the scope ends, and rewriting them inside the scope leaves only the last."""

from __future__ import annotations

from sqlalchemy import event, func, select

from casework.extensions import db
from casework.models import BlindIndexEntry
from casework.services import persons, subjects
from crypto import name_tokens


def _index_rows(subject_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(BlindIndexEntry).where(
        BlindIndexEntry.subject_id == subject_id)) or 0


def test_rows_written_in_a_scope_read_and_search_like_any_other(ctx):
    outside = persons.register(ctx, names=["Aigul Sadykova"], date_of_birth="17.05.1990",
                               phones=["+7 701 555 12 34"])
    statements: list[str] = []
    engine = db.session.get_bind()
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with subjects.key_scope(ctx):
            inside = persons.register(ctx, names=["Dana Ivanova"], date_of_birth="01.02.1985",
                                      phones=["+7 702 000 11 22"])
            # Rewritten in the same scope: the first entries must not survive.
            persons.update(ctx, inside, names=["Dana Petrova"], date_of_birth="01.02.1985",
                           phones=[], profile={})
            assert _index_rows(inside.subject_id) == 0  # not written until the scope ends
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not [s for s in statements if "FROM subject_keys" in s]  # no key was re-read
    db.session.commit()
    assert persons.search(ctx, "Dana Petrova") == [inside]
    assert persons.search(ctx, "Ivanova") == []
    assert persons.search(ctx, "+7 702 000 11 22") == []
    assert persons.search(ctx, "01.02.1985") == [inside]
    # Its two words, their one pair and the date of birth; nothing of the first name.
    assert _index_rows(inside.subject_id) == len(name_tokens("Dana Petrova")) + 1 + 1
    assert persons.read(ctx, inside).names == ["Dana Petrova"]
    assert persons.search(ctx, "Aigul Sadykova") == [outside]


def test_a_failed_scope_writes_no_index_entries(ctx):
    try:
        with subjects.key_scope(ctx):
            person = persons.register(ctx, names=["Saule Omarova"], date_of_birth=None,
                                      phones=[])
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert _index_rows(person.subject_id) == 0
    db.session.rollback()
