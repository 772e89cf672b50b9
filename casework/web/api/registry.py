"""Registry of API operations; the single source for routing and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from casework.domain.roles import Permission

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    path: str  # OpenAPI style: /staff/{public_id}
    method: str
    summary: str
    permission: Permission
    response: dict[str, Any]
    request: dict[str, Any] | None = None
    errors: tuple[int, ...] = field(default=(401, 403))
    status: int = 200  # the success status (201 where something is created)
    paged: bool = False  # a list paged with cursors (casework/web/api/paging.py)
    search_paged: bool = False  # cursors in the body and X-Next-Cursor / X-Prev-Cursor


OPERATIONS: list[Operation] = []


def describe(op: Operation) -> Callable[[F], F]:
    OPERATIONS.append(op)

    def mark(view: F) -> F:
        view._senim_operation = op  # type: ignore[attr-defined]
        return view
    return mark


def utc_iso(value: datetime | None) -> str | None:
    """A stored time (naive UTC, or aware) as RFC 3339 ``date-time`` with its offset."""
    if value is None:
        return None
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat().replace("+00:00", "Z")


def _errors(op: Operation) -> set[int]:
    """The operation's own errors plus what any request may get: 400 for malformed input
    (casework/web/input_guard.py), 404 for an unknown or over-long id in the path."""
    return set(op.errors) | {400, 401} | ({404} if "{" in op.path else set())


def spec_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document for every registered operation."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": f"{op.method}_{op.path.strip('/').replace('/', '_')}",
            "security": [{"bearer": []}],
            "x-senim-permission": op.permission.value,
            "responses": {
                str(op.status): {"description": "Created" if op.status == 201 else "OK",
                                 "content": {"application/json": {"schema": op.response}}},
                **{str(code): {"$ref": f"#/components/responses/E{code}"}
                   for code in sorted(_errors(op))},
            },
        }
        params = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
        if params:
            entry["parameters"] = [{"name": p, "in": "path", "required": True,
                                    "schema": {"type": "string", "minLength": 1,
                                               "maxLength": 64}} for p in params]
        if op.paged:
            from casework.web.api.paging import PAGE_HEADERS, PAGE_PARAMETERS

            entry.setdefault("parameters", []).extend(PAGE_PARAMETERS)
            entry["responses"][str(op.status)]["headers"] = PAGE_HEADERS
        if op.search_paged:
            from casework.web.api.paging import CURSOR_HEADERS

            entry["responses"][str(op.status)]["headers"] = CURSOR_HEADERS
        if op.request is not None:
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": op.request}}}
        paths.setdefault("/api/v1" + op.path, {})[op.method] = entry
    errors = {f"E{code}": {"description": text, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
        for code, text in ((400, "Invalid request"), (401, "No valid token"),
                           (403, "Not permitted"), (404, "Not found"), (409, "Conflict"),
                           (422, "Refused by a rule"))}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Senim API", "version": "1",
                 "description": "Per-user bearer tokens: `Authorization: Bearer snm_...`."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": errors,
            "schemas": {"Error": {"type": "object", "required": ["error"],
                                  "properties": {"error": {"type": "string"},
                                                 "reasons": {"type": "array", "items": {
                                                     "type": "string"}}}}},
        },
    }
