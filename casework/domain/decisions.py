"""Decisions are values: an expected "no" is returned with reason codes, never raised."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Decision:
    """The outcome of a rule: ``allowed`` and the reason codes that explain a refusal."""

    allowed: bool
    reasons: tuple[Enum, ...] = ()

    @classmethod
    def allow(cls) -> Decision:
        return cls(True, ())

    @classmethod
    def deny(cls, *reasons: Enum) -> Decision:
        if not reasons:
            raise ValueError("a refusal needs at least one reason")
        return cls(False, tuple(reasons))

    def __bool__(self) -> bool:
        return self.allowed


def combine(decisions: Iterable[Decision]) -> Decision:
    """All must allow; the reasons of every refusal are kept, in order, without repeats."""
    reasons: list[Enum] = []
    for decision in decisions:
        for reason in decision.reasons:
            if reason not in reasons:
                reasons.append(reason)
    return Decision(not reasons, tuple(reasons))
