"""The name-pair blind index: a full name finds its few people directly (issue 12).

A name search needs people who have every word typed. Word by word, the candidates come
from the rarest word and each is probed for the others: at 100,000 people the ~100 who
share a surname. With an index entry for every pair of a person's name words, "Aigul
Bekova" is one lookup that returns the handful who carry both words.

It tells a reader of the database nothing the word entries do not: two people share a
pair value exactly when they share both words, which their word entries already show.
Its values are keyed apart from the words' (their own derived key, docs/crypto.md).

People recorded before this index existed have no pair entries until
``senim reindex names`` writes them; a person with more than ``PAIR_WORDS_MAX`` distinct
name words never has them (the pairs grow with the square). While any such person exists
(``Person.name_pairs`` false, a partial index keeps finding them cheap), name searches
take the word-by-word path, which finds everyone: never a missed match for speed.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import ColumnElement, exists, select, text

from casework.models import Person
from casework.services import subjects
from casework.services.context import Ctx
from casework.services.db import read_columns

NAME_INDEX = "persons.name"
NAME_PAIR_INDEX = "persons.name_pair"
# 24 words make 276 pairs; a real person's names and spellings are a dozen words at most.
PAIR_WORDS_MAX = 24
# Spelled exactly as the partial index's condition, so the database can use that index.
UNPAIRED = text("NOT persons.name_pairs")
_ANY_UNPAIRED = select(exists().select_from(Person).where(UNPAIRED))  # built once (issue 12)
_ALL_PAIRED = "senim.all_name_pairs"


def pair(first: str, second: str) -> str:
    """One pair value: the two normalised words in order (they hold only a-z: no clash)."""
    return " ".join(sorted((first, second)))


def write(ctx: Ctx, person: Person, tokens: list[str]) -> None:
    """Replace the person's pair entries (write_identity calls this with the word entries)."""
    words = sorted(set(tokens))
    paired = len(words) <= PAIR_WORDS_MAX
    subjects.set_index(ctx, person.subject_id, NAME_PAIR_INDEX,
                       [pair(a, b) for a, b in itertools.combinations(words, 2)]
                       if paired else [])
    person.name_pairs = paired
    if not paired:
        ctx.session.info.pop(_ALL_PAIRED, None)


def all_paired(ctx: Ctx) -> bool:
    """No person lacks pair entries. Asked once per session (a request): a page's search
    and its "someone else matches" check share it; only write() can make it false again
    within the session, and it forgets the answer when it does."""
    known = ctx.session.info.get(_ALL_PAIRED)
    if known is None:
        known = not read_columns(ctx.session, _ANY_UNPAIRED, on=Person).scalar()
        if known:
            ctx.session.info[_ALL_PAIRED] = True
    return bool(known)


def conditions(ctx: Ctx, tokens: list[str], subject: Any) -> list[ColumnElement[bool]]:
    """Conditions that ``subject`` carries every word of ``tokens`` (before re-checking)."""
    return subjects.clauses(probes(ctx, tokens), subject)


def probes(ctx: Ctx, tokens: list[str]) -> list[subjects.Probe]:
    """Blind-index probes that a subject carries every word of ``tokens``."""
    words = sorted(dict.fromkeys(tokens))
    if len(words) >= 2 and all_paired(ctx):
        # Carrying each neighbouring pair means carrying every word. A pair value is 16
        # bits like the rest, so it also brings the people of the pairs it collides with;
        # probing those few for the words themselves drops them before anyone decrypts.
        return [*subjects.matching_all_probes(
                    ctx, NAME_PAIR_INDEX, [pair(a, b) for a, b in itertools.pairwise(words)]),
                *subjects.carrying_probes(ctx, NAME_INDEX, words)]
    return subjects.matching_all_probes(ctx, NAME_INDEX, list(dict.fromkeys(tokens)))
