"""Jinja's template class, with macro imports that cost what they should (issue 12).

A template that imports macros (``{% from "macros/forms.html" import field %}``: 47 of
ours) asks, on every render, which of the importing page's globals the macro file lacks.
Jinja answers with ``set - KeysView(ChainMap)``, which Python computes one key at a time
through ``ChainMap.__contains__``: with our seventy-odd globals, about 70 µs per import,
five imports on a record page. The same set is computed here in C (the ChainMap's keys
gathered into a set first). When it is empty, as it always is for our templates (they
share the environment's globals), the macro file's cached module is used, exactly as
Jinja does; otherwise Jinja's own path runs.
"""

from __future__ import annotations

from typing import Any

import jinja2
from flask import Flask


class Template(jinja2.Template):
    def _get_default_module(self, ctx: Any = None) -> Any:
        if ctx is not None and not (ctx.globals_keys - set(self.globals)):
            ctx = None  # no global of the importer is missing here: the cached module
        return super()._get_default_module(ctx)


def install(app: Flask) -> None:
    """Before any template is loaded (templates are cached with their class)."""
    app.jinja_env.template_class = Template
