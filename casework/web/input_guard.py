"""Malformed input is refused before anything reads it (issue 11, item 6; GUIDE rule 5).

The first ``before_request`` hook after the request id, so it runs before the CSRF check
(an undecodable form must not look like a forged one and end the session) and before the
access gate. It refuses, with 400 (404 for an over-long id) and an audit entry naming the
endpoint only, never the input:

* a URL path or query string that is not UTF-8 or holds a control character (NUL first:
  PostgreSQL refuses it in text, which used to surface as a 500);
* an id in the URL longer than any id Senim issues (64 characters; the audit column);
* a form body that is not UTF-8 (field names, values, upload filenames), or holds NUL;
* a JSON body that is not UTF-8, nested too deeply to parse, or whose strings hold NUL or
  a lone surrogate (which neither database nor the encryptor can encode). JSON that does
  not parse is left to the view, which answers 400 with its own code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from flask import abort, request
from flask_login import current_user

from casework.extensions import db
from casework.logs import event
from casework.web.context import ctx

log = logging.getLogger("senim.web")

MAX_ID_LENGTH = 64
_URL_BAD = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffd]")
_TEXT_BAD = re.compile("[\x00\ud800-\udfff]")
# A multipart field is decoded with "replace": U+FFFD is what an invalid byte leaves.
_FIELD_BAD = re.compile("[\x00\ud800-\udfff\ufffd]")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


_OPAQUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def opaque_ref(value: object) -> str | None:
    """What the audit trail may keep of an id taken from a URL: the id when it has the
    shape of one Senim issues, otherwise a marker, never the raw input (which could be a
    name typed into the address bar)."""
    if value is None:
        return None
    text = str(value)
    return text if _OPAQUE.fullmatch(text) else "~malformed"


def reject_malformed() -> None:
    """before_request: abort(400/404) on malformed input, audited; otherwise nothing."""
    problem = _problem()
    if problem is None:
        return
    status, outcome = problem
    db.session.rollback()
    ctx().audit("request.rejected", outcome=outcome, object_type="endpoint",
                object_ref=(request.endpoint or "unmatched")[:64], actor=_actor())
    db.session.commit()
    event(log, "request.rejected", outcome=outcome, status=status)
    abort(status)


def _actor() -> str | None:
    if request.path.startswith("/api/"):
        from casework.web.security import _bearer_user

        staff = _bearer_user()
        return staff.public_id if staff is not None else None
    return current_user.public_id if current_user.is_authenticated else None


def _problem() -> tuple[int, str] | None:
    environ = request.environ
    if _bad_url_part(environ.get("PATH_INFO", ""), query=False):
        return 400, "malformed_path"
    if _bad_url_part(environ.get("QUERY_STRING", ""), query=True):
        return 400, "malformed_query"
    if any(isinstance(v, str) and len(v) > MAX_ID_LENGTH
           for v in (request.view_args or {}).values()):
        return 404, "id_too_long"
    if request.method not in _BODY_METHODS:
        return None
    if request.mimetype in _FORM_TYPES:
        return _form_problem()
    if request.is_json:
        return _json_problem()
    return None


def _bad_url_part(raw: str, *, query: bool) -> bool:
    """WSGI gives the path (percent-decoded) and query (still encoded) as latin-1 text."""
    try:
        text = raw.encode("latin-1").decode("utf-8")
        values = ([k + v for k, v in parse_qsl(text, keep_blank_values=True, errors="strict")]
                  if query else [text])
    except (UnicodeError, ValueError):
        return True
    return any(_URL_BAD.search(value) for value in values)


def _form_problem() -> tuple[int, str] | None:
    if getattr(request, "form_malformed", False):
        return 400, "malformed_form"
    for name, value in request.form.items(multi=True):
        if _FIELD_BAD.search(name) or _FIELD_BAD.search(value):
            return 400, "malformed_form"
    for name, upload in request.files.items(multi=True):
        if _FIELD_BAD.search(name) or _FIELD_BAD.search(upload.filename or ""):
            return 400, "malformed_form"
    return None


def _json_problem() -> tuple[int, str] | None:
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError):
        return 400, "malformed_json"
    except ValueError:
        return None  # not JSON at all: the view answers with its own error code
    if any(_TEXT_BAD.search(text) for text in _strings(document)):
        return 400, "malformed_json"
    return None


def _strings(document: Any) -> Iterator[str]:
    """Every key and string in a JSON document (iteratively: nesting may be deep)."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
