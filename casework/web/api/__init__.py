"""JSON API under /api/v1 (issue 2, item 7).

Every operation is registered through ``operation`` with its path, method, permission and
schema; the OpenAPI document is generated from that registry, and a test compares it with
the URL map, so the document cannot drift from what the server actually serves.
"""

from __future__ import annotations

from flask import Blueprint

from casework.extensions import csrf
from casework.web.api.registry import spec_document
from casework.web.security import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, not cookies, authenticate the API, so cross-site requests carry no
# credentials and CSRF tokens are not needed (the session interface ignores /api/ too).
csrf.exempt(bp)


@bp.route("/openapi.json")
@public
def openapi() -> dict[str, object]:
    return spec_document()


import casework.web.api.case_events  # noqa: E402,F401  (registers operations)
import casework.web.api.dashboard  # noqa: E402,F401  (registers operations)
import casework.web.api.disclosures  # noqa: E402,F401  (registers operations)
from casework.web.api import account, admin_audit, consent, intel, legal, persons, roster  # noqa: E402,F401  (registers operations)
from casework.web.api import notify_channel as _notify_channel  # noqa: E402,F401  (registers operations)
from casework.web.api import statistics as _statistics  # noqa: E402,F401  (registers operations)
