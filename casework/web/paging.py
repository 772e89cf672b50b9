"""Paging parameters from the query string, and the pager every list page shows."""

from __future__ import annotations

from flask import abort, request

from casework.services import paging


def page_request(prefix: str = "") -> paging.PageRequest:
    """``?after=`` / ``?before=`` (with an optional prefix when a page shows several
    lists); anything malformed is a 400, never a 500 (issue 12)."""
    try:
        return paging.page_request(after=request.args.get(f"{prefix}after"),
                                   before=request.args.get(f"{prefix}before"),
                                   size=request.args.get(f"{prefix}size"))
    except paging.BadPage:
        abort(400)
