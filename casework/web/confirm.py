"""The server half of the one confirmation pattern (issue 13, point 6).

An action that cannot be undone runs only when its form carries ``confirmed=yes`` (the
"Yes, I am sure" box of ``templates/macros/confirm.html``). Without it the request is
refused with 400 and a page that says why; nothing is changed.
"""

from __future__ import annotations

from flask import render_template, request

FIELD = "confirmed"


def confirmed() -> bool:
    return request.form.get(FIELD) == "yes"


def unconfirmed(back: str) -> tuple[str, int]:
    return render_template("errors/unconfirmed.html", back=back), 400
