"""RedactingFilter: what other libraries log never carries queries, control chars or values."""

from __future__ import annotations

import logging
import sys

from casework.logs import MAX_MESSAGE, RedactingFilter, event


def record(msg: str, *args: object, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 10, msg, args or None,
                             exc_info)


def filtered(rec: logging.LogRecord) -> logging.LogRecord:
    assert RedactingFilter().filter(rec) is True  # never drops the line
    return rec


def test_query_strings_are_stripped_from_request_lines():
    rec = filtered(record('%s - - "%s" %s', "127.0.0.1",
                          "GET /cases/search?q=Aigerim+Nurlanovna&token=snm_secret HTTP/1.1",
                          200))
    message = rec.getMessage()
    assert "Aigerim" not in message and "snm_secret" not in message
    assert '"GET /cases/search?[redacted] HTTP/1.1"' in message
    assert rec.args is None


def test_path_without_query_is_kept():
    message = filtered(record('"POST /auth/login HTTP/1.1" 302 -')).getMessage()
    assert message == '"POST /auth/login HTTP/1.1" 302 -'


def test_control_characters_are_neutralised():
    rec = filtered(record("user said %s", "ok\r\nFAKE event=auth.login outcome=ok\x1b[31m\x00"))
    message = rec.getMessage()
    assert "\n" not in message and "\r" not in message
    assert "\x1b" not in message and "\x00" not in message
    assert "ok  FAKE event=auth.login" in message


def test_long_messages_are_truncated():
    message = filtered(record("x" * 5000)).getMessage()
    assert len(message) == MAX_MESSAGE


def test_exception_messages_are_dropped_but_type_and_place_kept():
    try:
        raise ValueError("victim name Aigerim, passport N1234567")
    except ValueError:
        info = sys.exc_info()
    rec = filtered(record("event=request.failed request_id=%s", "abc", exc_info=info))
    message = rec.getMessage()
    assert "Aigerim" not in message and "N1234567" not in message
    assert "exc=ValueError" in message
    assert "test_logs.py" in message
    assert rec.exc_info is None and rec.exc_text is None
    # A formatter cannot resurrect the traceback text either.
    formatted = logging.Formatter("%(message)s").format(rec)
    assert "Aigerim" not in formatted and "Traceback" not in formatted


def test_unformattable_record_does_not_crash():
    rec = filtered(record("%s %s", "only-one"))
    assert rec.getMessage() == "%s %s"


def test_event_helper_writes_only_names_and_ids(caplog):
    logger = logging.getLogger("senim.test")
    with caplog.at_level(logging.INFO, logger="senim.test"):
        event(logger, "case.view", case="c123", actor=None)
    assert caplog.messages == ["event=case.view case=c123"]
