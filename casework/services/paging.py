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
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, bindparam, func, or_, select
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


# Issue 12: building a statement (and its cache key) costs more than running it on a page
# of 25 rows. A list whose query is a template (values only as named bind parameters,
# built once) gets its derived statements (the page, the anchor, the count) built once
# too, and looked up by the template object itself. A query built per call with its
# values inside gets them built per call, as before. Bounded: the templates are
# module-level statements, a few dozen at most; the table is emptied if it ever grows.
# Keyed by the owner's id, and the entry holds the owner itself, so the id cannot be
# reused by another object while the entry lives (and no statement's __eq__ is ever asked).
_SHAPES: dict[tuple[int, Hashable], tuple[Any, Any]] = {}
_SHAPES_MAX = 512


def _shape(query: Any, kind: str, params: Mapping[str, Any] | None,
           build: Callable[[], Any]) -> Any:
    if params is None:
        return build()
    found = _SHAPES.get((id(query), kind))
    if found is not None:
        return found[1]
    if (id(query), "checked") not in _SHAPES:
        _check_template(query, params)
        derived(query, "checked", lambda: True)
    return derived(query, kind, build)


def derived(owner: Any, kind: Hashable, build: Callable[[], Any]) -> Any:
    """The statement of this ``kind`` derived from ``owner`` (a template, a mapped class, a
    condition built once), built on first use. ``build`` must put no value of a request
    into the statement: the same statement serves every later request."""
    found = _SHAPES.get((id(owner), kind))
    if found is None:
        if len(_SHAPES) > _SHAPES_MAX:
            _SHAPES.clear()
        found = _SHAPES[(id(owner), kind)] = (owner, build())
    return found[1]


def _check_template(query: Any, params: Mapping[str, Any]) -> None:
    """A template must hold no values of its own: one built with a person's id inside and
    then cached would show that person's rows on every other person's page."""
    unnamed = set(query.compile().params) - set(params)
    if unnamed:
        raise ValueError("a paged query given with params must hold its values only as "
                         f"named bind parameters (also bound: {sorted(unnamed)})")


def _anchors(order: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    return [bindparam(f"_anchor_{k}", type_=column.type) for k, column in enumerate(order)]


def keyset(session: DbSession, query: Select[Any], order: Sequence[InstrumentedAttribute[Any]],
           request: PageRequest, params: Mapping[str, Any] | None = None) -> Page[Any]:
    """One page of ``query`` (a select of one entity, filtered, not yet ordered).

    ``order`` lists the sort columns, newest first, ending with a unique integer column
    (the id, or the audit chain's sequence number). At most three statements whatever the
    list's length: the total, the anchor row, the page; a first page that holds the whole
    list is one statement (it is its own total).

    ``params``: ``query`` is a template built once, whose values are the named bind
    parameters given here; the statements derived from it are then built once as well.
    A cursor's row counts as an anchor only if it belongs to this list (otherwise the
    list starts over at the top): a cursor names a position, never another list's row.
    """
    id_column = order[-1]
    name = id_column.key
    anchor = request.after or request.before
    bound: dict[str, Any] = {**(params or {}), "_limit": request.size + 1}
    values = None
    if anchor is not None:
        find = _shape(query, "anchor", params, lambda: query.with_only_columns(*order).where(
            id_column == bindparam("_anchor_id")))
        values = session.execute(find, {**bound, "_anchor_id": anchor[0]}).first()
    if anchor is None or values is None:  # the top, or the anchor row is gone: start over
        top = _shape(query, "top", params, lambda: query.order_by(
            *[c.desc() for c in order]).limit(bindparam("_limit")))
        rows = list(session.scalars(top, bound))
        # A first page that holds the whole list is its own count (most people have fewer
        # than a page of notes): the COUNT is only run when there is more.
        total = (len(rows) if len(rows) <= request.size
                 else _counted(session, query, params, bound))
        return _page(rows, request.size, total, 0, more_before=False, name=name)
    total = _counted(session, query, params, bound)
    bound.update({f"_anchor_{k}": value for k, value in enumerate(values)})
    if request.after is not None:
        after = _shape(query, "after", params, lambda: query.where(
            _after(order, _anchors(order), later=False)).order_by(
            *[c.desc() for c in order]).limit(bindparam("_limit")))
        rows = list(session.scalars(after, bound))
        return _page(rows, request.size, total, anchor[1], more_before=True, name=name)
    before = _shape(query, "before", params, lambda: query.where(
        _after(order, _anchors(order), later=True)).order_by(
        *[c.asc() for c in order]).limit(bindparam("_limit")))
    rows = list(session.scalars(before, bound))
    more_before = len(rows) > request.size
    rows = list(reversed(rows[:request.size]))
    offset = max(0, anchor[1] - len(rows)) if more_before else 0
    page = _page(rows, request.size, total, offset, more_before=more_before, name=name)
    return Page(page.items, total, offset, _cursor(rows[-1], name, offset + len(rows))
                if rows else None, page.prev_cursor)


def _counted(session: DbSession, query: Select[Any], params: Mapping[str, Any] | None,
             bound: Mapping[str, Any]) -> int:
    count = _shape(query, "count", params, lambda: select(func.count()).select_from(
        query.order_by(None).subquery()))
    return int(session.scalar(count, bound) or 0)


def id_page(session: DbSession, entity: Any, sources: Sequence[Select[Any]], total: int,
            request: PageRequest, params: Mapping[str, Any] | None = None) -> Page[Any]:
    """One page of ``entity`` rows, newest (highest id) first, whose ids ``sources`` give.

    Each source selects one column of ids and is read in id order from its own index,
    ``LIMIT`` page size + 1: the union of a few sources (a caseworker's assignments and
    emergency grants) costs the same with ten ids as with 100,000, where ``IN (union)``
    sorted the whole union for every page. ``total`` is the caller's count. Cursors and
    pages are those of :func:`keyset` ordered by the id alone. ``params``: the sources are
    templates, as in :func:`keyset`."""
    anchor = request.after or request.before
    bound: dict[str, Any] = {**(params or {}), "_limit": request.size + 1}
    if anchor is not None:
        bound["_anchor_id"] = anchor[0]
        exists_ = derived(entity, "exists", lambda: select(entity.id).where(
            entity.id == bindparam("_anchor_id")))
        if session.scalar(exists_, bound) is None:
            anchor = None  # the row is gone: start over, as keyset() does
    later = anchor is not None and request.before is not None
    mode = "top" if anchor is None else "before" if later else "after"
    ids: set[int] = set()
    for source in sources:
        def build(source: Select[Any] = source) -> Any:
            column = source.selected_columns[0]
            query = source
            if mode != "top":
                limit: Any = bindparam("_anchor_id")
                query = query.where(column > limit if later else column < limit)
            return (query.order_by(column.asc() if later else column.desc())
                    .limit(bindparam("_limit")))
        ids.update(session.scalars(_shape(source, mode, params, build), bound))
    chosen = sorted(ids) if later else sorted(ids, reverse=True)
    chosen = chosen[:request.size + 1]
    rows_by_id: dict[int, Any] = {}
    if chosen:
        rows = derived(entity, "rows", lambda: select(entity).where(
            entity.id.in_(bindparam("_ids", expanding=True))))
        rows_by_id = {row.id: row for row in session.scalars(rows, {"_ids": chosen})}
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
