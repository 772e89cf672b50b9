"""Lists paged in the database (issue 12, item 1).

Every list is ordered newest first by columns that end with the row's unique id, so the
order is stable and a page can start right after (or end right before) a known row: keyset
pagination, which costs the same on page 1 and on page 4,000, where ``OFFSET`` would read
and drop every earlier row. A cursor is ``<row id>-<position>``: the id of the row the page
continues from and that row's position in the list, kept only to say "41-60 of 2,310".
Only the rows of the page are returned, so only they are ever decrypted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from casework.services.db import DbSession

T = TypeVar("T")
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
_CURSOR = re.compile(r"^([0-9]{1,18})-([0-9]{1,12})$")


class BadPage(ValueError):
    """A cursor or page size that is not one this application wrote (answered with 400)."""


@dataclass(frozen=True)
class PageRequest:
    """Where a page starts: after a row (next), before one (previous), or at the top."""

    after: tuple[int, int] | None = None
    before: tuple[int, int] | None = None
    size: int = PAGE_SIZE


def parse_cursor(value: str) -> tuple[int, int]:
    match = _CURSOR.match(value)
    if match is None:
        raise BadPage("bad cursor")
    return int(match.group(1)), int(match.group(2))


def page_request(*, after: str | None = None, before: str | None = None,
                 size: str | int | None = None) -> PageRequest:
    """Validate paging parameters (raises :class:`BadPage`)."""
    if after and before:
        raise BadPage("after and before together")
    if size in (None, ""):
        count = PAGE_SIZE
    else:
        text = str(size)
        if not text.isdigit() or len(text) > 4 or not 1 <= int(text) <= MAX_PAGE_SIZE:
            raise BadPage("bad page size")
        count = int(text)
    return PageRequest(after=parse_cursor(after) if after else None,
                       before=parse_cursor(before) if before else None, size=count)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int  # position of the first item in the whole list (0-based)
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def first(self) -> int:
        return self.offset + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.items)

    def map(self, fn: Callable[[T], Any]) -> Page[Any]:
        """The same page with each item replaced (e.g. by its decrypted view)."""
        return Page([fn(item) for item in self.items], self.total, self.offset,
                     self.next_cursor, self.prev_cursor)


def _after(order: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any],
           *, later: bool) -> Any:
    """Rows after the anchor in a newest-first order (``later``: before it)."""
    terms = []
    for k, column in enumerate(order):
        step = column > values[k] if later else column < values[k]
        terms.append(and_(*[order[j] == values[j] for j in range(k)], step))
    return or_(*terms)


def keyset(session: DbSession, query: Select[Any], order: Sequence[InstrumentedAttribute[Any]],
           request: PageRequest) -> Page[Any]:
    """One page of ``query`` (a select of one entity, filtered, not yet ordered).

    ``order`` lists the sort columns, newest first, ending with a unique integer column
    (the id, or the audit chain's sequence number). At most three statements whatever the
    list's length: the total, the anchor row, the page; a first page that holds the whole
    list is one statement (it is its own total).
    """
    id_column = order[-1]
    name = id_column.key
    anchor = request.after or request.before
    values = None
    if anchor is not None:
        values = session.execute(select(*order).where(id_column == anchor[0])).first()
    if anchor is None or values is None:  # the top, or the anchor row is gone: start over
        rows = list(session.scalars(query.order_by(*[c.desc() for c in order])
                                    .limit(request.size + 1)))
        # A first page that holds the whole list is its own count (most people have fewer
        # than a page of notes): the COUNT is only run when there is more.
        total = len(rows) if len(rows) <= request.size else _count(session, query)
        return _page(rows, request.size, total, 0, more_before=False, name=name)
    total = _count(session, query)
    if request.after is not None:
        rows = list(session.scalars(query.where(_after(order, values, later=False))
                                    .order_by(*[c.desc() for c in order])
                                    .limit(request.size + 1)))
        return _page(rows, request.size, total, anchor[1], more_before=True, name=name)
    rows = list(session.scalars(query.where(_after(order, values, later=True))
                                .order_by(*[c.asc() for c in order]).limit(request.size + 1)))
    more_before = len(rows) > request.size
    rows = list(reversed(rows[:request.size]))
    offset = max(0, anchor[1] - len(rows)) if more_before else 0
    page = _page(rows, request.size, total, offset, more_before=more_before, name=name)
    return Page(page.items, total, offset, _cursor(rows[-1], name, offset + len(rows))
                if rows else None, page.prev_cursor)


def id_page(session: DbSession, entity: Any, sources: Sequence[Select[Any]], total: int,
            request: PageRequest) -> Page[Any]:
    """One page of ``entity`` rows, newest (highest id) first, whose ids ``sources`` give.

    Each source selects one column of ids and is read in id order from its own index,
    ``LIMIT`` page size + 1: the union of a few sources (a caseworker's assignments and
    emergency grants) costs the same with ten ids as with 100,000, where ``IN (union)``
    sorted the whole union for every page. ``total`` is the caller's count. Cursors and
    pages are those of :func:`keyset` ordered by the id alone."""
    anchor = request.after or request.before
    if anchor is not None and session.scalar(
            select(entity.id).where(entity.id == anchor[0])) is None:
        anchor = None  # the row is gone: start over, as keyset() does
    later = anchor is not None and request.before is not None
    ids: set[int] = set()
    for source in sources:
        column = source.selected_columns[0]
        query = source
        if anchor is not None:
            query = query.where(column > anchor[0] if later else column < anchor[0])
        query = query.order_by(column.asc() if later else column.desc())
        ids.update(session.scalars(query.limit(request.size + 1)))
    chosen = sorted(ids) if later else sorted(ids, reverse=True)
    chosen = chosen[:request.size + 1]
    rows_by_id = ({row.id: row for row in session.scalars(
        select(entity).where(entity.id.in_(chosen)))} if chosen else {})
    rows = [rows_by_id[i] for i in chosen if i in rows_by_id]
    if anchor is None:
        return _page(rows, request.size, total, 0, more_before=False, name="id")
    if not later:
        return _page(rows, request.size, total, anchor[1], more_before=True, name="id")
    more_before = len(rows) > request.size
    rows = list(reversed(rows[:request.size]))
    offset = max(0, anchor[1] - len(rows)) if more_before else 0
    page = _page(rows, request.size, total, offset, more_before=more_before, name="id")
    return Page(page.items, total, offset, _cursor(rows[-1], "id", offset + len(rows))
                if rows else None, page.prev_cursor)


def _count(session: DbSession, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0


def _page(rows: list[Any], size: int, total: int, offset: int, *,
          more_before: bool, name: str) -> Page[Any]:
    items = rows[:size]
    next_cursor = (_cursor(items[-1], name, offset + len(items)) if len(rows) > size
                   else None)
    prev_cursor = _cursor(items[0], name, offset) if more_before and items else None
    return Page(items, total, offset, next_cursor, prev_cursor)


def _cursor(row: Any, name: str, position: int) -> str:
    return f"{getattr(row, name)}-{position}"


def offset_page(session: DbSession, query: Select[Any], request: PageRequest) -> Page[Any]:
    """One page of an ordered ``query`` by LIMIT/OFFSET, for orders that mix directions
    (urgent first, then soonest due). The order must end with a unique column so it is
    stable; the cursor's position is the offset, its row id only labels it."""
    if request.after is not None:
        offset = request.after[1]
    elif request.before is not None:
        offset = max(0, request.before[1] - request.size)
    else:
        offset = 0
    rows = list(session.scalars(query.offset(offset).limit(request.size + 1)))
    total = (len(rows) if offset == 0 and len(rows) <= request.size
             else _count(session, query))
    items = rows[:request.size]
    next_cursor = f"{items[-1].id}-{offset + len(items)}" if len(rows) > request.size else None
    prev_cursor = f"{items[0].id}-{offset}" if offset > 0 and items else None
    return Page(items, total, offset, next_cursor, prev_cursor)


def everything(items: list[T]) -> Page[T]:
    """A list that is bounded by nature, shown as one page."""
    return Page(items, len(items), 0, None, None)
