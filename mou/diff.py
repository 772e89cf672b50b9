"""What changed between two MoU versions (shown to the director when registering one)."""

from __future__ import annotations

from dataclasses import fields

from mou.terms import MouTerms


def changes(old: MouTerms, new: MouTerms) -> list[tuple[str, str, str]]:
    """(field, old value, new value) for every field that differs."""
    out = []
    for f in fields(MouTerms):
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before != after:
            out.append((f.name, _show(before), _show(after)))
    return out


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(_show(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return ", ".join(f"{k}={getattr(value, k)}" for k in value.__dataclass_fields__)
    return str(value)
