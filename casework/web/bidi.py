"""Bidirectional isolation of every value a template prints (issue 11, item 6).

A right-to-left override (U+202E) typed into intelligence, a note or a name would reorder
everything after it on the line: "Grade A1, release ‮ton od" reads as "do not". Every string a
template prints that holds a directional control is therefore wrapped in a first-strong
isolate (U+2068 ... U+2069, the plain-text twin of ``<bdi>``) after closing whatever the
text itself opened and dropping closers it had no opener for, so nothing inside can reach
outside. It works in text, attributes and text areas alike. The free-text blocks
(``.pre``, ``.intel-text``) are also ``unicode-bidi: plaintext`` in the style sheet.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

FSI, PDI, PDF = "\u2068", "\u2069", "\u202c"
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE, RLE, LRO, RLO: closed by PDF
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI: closed by PDI
_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def isolate(value: Any) -> Any:
    """Jinja ``finalize``: leave markup and plain text alone, isolate directional text."""
    if not isinstance(value, str) or isinstance(value, Markup) or not _CONTROLS.search(value):
        return value
    return FSI + balanced(value) + PDI


def balanced(text: str) -> str:
    """``text`` with every embedding, override and isolate it opens closed at its end and
    every closer without an opener removed (UAX #9 matching, simplified: a PDI also closes
    the embeddings opened inside its isolate)."""
    out: list[str] = []
    stack: list[str] = []
    for ch in text:
        if ch in _EMBEDDINGS:
            stack.append(PDF)
        elif ch in _ISOLATES:
            stack.append(PDI)
        elif ch == PDF:
            if not stack or stack[-1] != PDF:
                continue
            stack.pop()
        elif ch == PDI:
            if PDI not in stack:
                continue
            while stack.pop() != PDI:
                pass
        out.append(ch)
    return "".join(out) + "".join(reversed(stack))
