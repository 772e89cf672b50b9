"""The page's header (menu, counters, language switch, sign-out), drawn once per kind of
viewer and reused: issue 12.

Every page drew it afresh: some twenty links, twenty translated words and the viewer's
name, about half a millisecond, about 8% of a record page. What it shows depends on the
language, the viewer's role, name and menu counters, and the application's root, which is
the cache key. Two values differ from request to request and are filled in after: the
form token of the two small forms (language, sign-out) and the page's path (where the
language switch returns to). They are drawn as markers made of a random per-process value,
so no name, translation or URL can forge one, and replaced by the value printed exactly as
the template would print it (escaped, directional text isolated: casework/web/bidi.py).

The cache holds markup only (no person's data ever reaches the header) and lives in one
worker's memory; it is bounded (least recently used out first). A viewer's counters or
name changing is a new key, so nothing stale is ever shown.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from casework.web import dashboard as dashboard_web
from casework.web.bidi import isolate

SIZE = 512
_CSRF = f"senim-chrome-csrf-{secrets.token_hex(16)}"
_HERE = f"senim-chrome-here-{secrets.token_hex(16)}"


class ChromeCache:
    """Rendered headers by viewer kind, least recently used out first; thread-safe."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> str | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], html: str) -> None:
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _key() -> tuple[Any, ...]:
    locale = str(get_locale())
    if not current_user or not current_user.is_authenticated:
        return (locale, request.script_root, False)
    counts = dashboard_web.nav_counts()
    shown = None if counts is None else (counts.tasks, counts.waiting, counts.unread)
    return (locale, request.script_root, True, current_user.role,
            current_user.display_name, shown)


def _printed(value: str) -> str:
    return str(escape(isolate(value)))


def page_chrome() -> Markup:
    """The header of this page, from the cache when this kind of viewer had it drawn."""
    cache = _cache()
    key = _key()
    html = cache.get(key)
    if html is None:
        html = render_template("_chrome.html", csrf=Markup(_CSRF),  # noqa: S704 - a marker
                               here=Markup(_HERE)).lstrip("\n")  # noqa: S704 - a marker
        cache.put(key, html)
    filled = html.replace(_CSRF, _printed(generate_csrf())).replace(_HERE,
                                                                   _printed(request.path))
    return Markup(filled)  # noqa: S704 - drawn by the template, markers filled escaped


def _cache() -> ChromeCache:
    cache: ChromeCache = current_app.extensions["senim.chrome"]
    return cache


def register(app: Flask) -> None:
    app.extensions["senim.chrome"] = ChromeCache()
    app.jinja_env.globals["page_chrome"] = page_chrome
