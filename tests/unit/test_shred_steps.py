"""Decision tables: the order of a shred's steps, and what a restore does with one
tombstone (issue 16)."""

from __future__ import annotations

import pytest

from casework.domain.shredding import ShredStep, next_shred_step, tombstone_applies


@pytest.mark.parametrize(("reached", "expected"), [
    (ShredStep.PLANNED, ShredStep.INTEL),
    (ShredStep.INTEL, ShredStep.KEYS),
    (ShredStep.KEYS, ShredStep.FILES),
    (ShredStep.FILES, ShredStep.TOMBSTONED),
    (ShredStep.TOMBSTONED, ShredStep.DONE),
    (ShredStep.DONE, None),
])
def test_next_step(reached, expected):
    assert next_shred_step(reached) is expected


def test_the_tombstone_is_written_only_after_keys_and_files():
    order = list(ShredStep)
    assert order.index(ShredStep.KEYS) < order.index(ShredStep.TOMBSTONED)
    assert order.index(ShredStep.FILES) < order.index(ShredStep.TOMBSTONED)
    assert order.index(ShredStep.INTEL) < order.index(ShredStep.KEYS)


BACKUP = "2026-06-01T12:00:00.000000Z"


@pytest.mark.parametrize(("tombstoned_at", "shredded", "expected"), [
    ("2026-06-01T12:00:01", False, "apply"),       # shredded after the backup
    ("2026-06-01T12:00:00.000000", False, "apply"),  # same instant: never resurrect
    ("2026-07-01T00:00:00", True, "already"),
    ("2026-05-01T00:00:00", True, "already"),      # the backup already has it gone
    ("2026-05-01T00:00:00", False, "conflict"),    # listed before the backup, live in it
    ("2026-06-01T11:59:59.999999", False, "conflict"),
])
def test_tombstone_applies(tombstoned_at, shredded, expected):
    assert tombstone_applies(tombstoned_at=tombstoned_at, backup_taken_at=BACKUP,
                             shredded_in_backup=shredded) == expected
