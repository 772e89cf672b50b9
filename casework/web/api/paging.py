"""Paged API lists (issue 12): the body stays a JSON array of the page's items; the total
is in ``X-Total-Count`` and the neighbours in an RFC 8288 ``Link`` header (``rel="next"``,
``rel="prev"``), each a URL with the opaque cursor to follow."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from werkzeug.wrappers import Response

from casework.services import paging

PAGE_PARAMETERS: list[dict[str, Any]] = [
    {"name": "after", "in": "query", "required": False,
     "description": "Cursor from a Link rel=\"next\" header",
     "schema": {"type": "string", "pattern": r"^[0-9]{1,18}-[0-9]{1,12}$"}},
    {"name": "before", "in": "query", "required": False,
     "description": "Cursor from a Link rel=\"prev\" header",
     "schema": {"type": "string", "pattern": r"^[0-9]{1,18}-[0-9]{1,12}$"}},
    {"name": "size", "in": "query", "required": False,
     "description": f"Items per page (default {paging.PAGE_SIZE})",
     "schema": {"type": "integer", "minimum": 1, "maximum": paging.MAX_PAGE_SIZE}},
]
PAGE_HEADERS: dict[str, Any] = {
    "X-Total-Count": {"description": "Items in the whole list",
                      "schema": {"type": "integer", "minimum": 0}},
    "Link": {"description": "RFC 8288 links to the next and previous pages",
             "schema": {"type": "string"}},
}

CURSOR_HEADERS: dict[str, Any] = {
    "X-Total-Count": PAGE_HEADERS["X-Total-Count"],
    "X-Next-Cursor": {"description": "Send as \"after\" for the next page",
                      "schema": {"type": "string"}},
    "X-Prev-Cursor": {"description": "Send as \"before\" for the previous page",
                      "schema": {"type": "string"}},
}


def paged(items: list[Any], page: paging.Page[Any], **params: Any) -> Response:
    """The page as a JSON array with its paging headers."""
    response = jsonify(items)
    response.headers["X-Total-Count"] = str(page.total)
    links = []
    size = request.args.get("size")
    extra = {**params, **({"size": size} if size else {})}
    for rel, name, cursor in (("next", "after", page.next_cursor),
                              ("prev", "before", page.prev_cursor)):
        if cursor:
            values: dict[str, Any] = {**extra, name: cursor}
            url = url_for(str(request.endpoint), **values)
            links.append(f'<{url}>; rel="{rel}"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response
