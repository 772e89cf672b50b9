"""Operational logging: event names and opaque ids only (non-negotiable 4).

Our own code logs ``event=name key=opaque_id``. The filter below guards what other
libraries emit: it strips query strings from request lines (a search term or token must
never reach a log), neutralises control characters (log injection) and truncates.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback

_QUERY = re.compile(r"(\"[A-Z]+ [^\"?\s]*)\?[^\"\s]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x1b]")
MAX_MESSAGE = 500


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        message = _QUERY.sub(r"\1?[redacted]", message)
        message = _CONTROL.sub(" ", message)[:MAX_MESSAGE]
        record.msg, record.args = message, None
        # Exception text can carry values (SQL parameters, user input): keep the type and
        # where it happened, which is what an operator needs, and drop the message.
        if record.exc_info and record.exc_info[0] is not None:
            frames = traceback.extract_tb(record.exc_info[2])[-5:]
            where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}"
                               for f in reversed(frames))
            record.msg = f"{message} exc={record.exc_info[0].__name__} at={where}"
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Install one redacting handler on the root logger (idempotent)."""
    root = logging.getLogger()
    if any(getattr(h, "_senim", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._senim = True  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").addFilter(RedactingFilter())


def event(logger: logging.Logger, name: str, **ids: str | int | None) -> None:
    """Log one operator event with opaque identifiers only."""
    parts = " ".join(f"{k}={v}" for k, v in ids.items() if v is not None)
    logger.info("event=%s %s", name, parts)
