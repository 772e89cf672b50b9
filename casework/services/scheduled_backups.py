"""Scheduled backups (issue 14 item 4): daily into a folder, keep the newest N.

A scheduled backup is encrypted to two age recipients: the organisation's offline key
(``SENIM_BACKUP_RECIPIENT``, kept off the server, for a real restore) and the server's own
check identity, so the monthly restore check can open it without the offline key. A copy
stolen off-host opens with neither; whoever holds the server already holds the live data
and the key file, so the check identity gives them nothing more (docs/operations.md).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyrage

from casework.config import Settings
from casework.services import backup

NAME = re.compile(r"^senim-(\d{8}T\d{6}Z)\.age$")
SCRATCH = ".restore-check"


def _identity(path: Path) -> pyrage.x25519.Identity:
    """Read the identity at ``path``, creating it (0600, exclusively) the first time."""
    if not path.exists():
        identity = pyrage.x25519.Identity.generate()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(str(identity) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
    return pyrage.x25519.Identity.from_str(path.read_text().strip())


def offline_recipient(settings: Settings) -> str:
    """The configured offline key; development instances get a local identity instead."""
    if settings.backup_recipient:
        return settings.backup_recipient
    if settings.environment == "production":
        raise backup.BackupError("set SENIM_BACKUP_RECIPIENT to the offline age public key")
    return str(_identity(settings.backup_identity_file).to_public())


def check_identity_text(settings: Settings) -> str:
    return str(_identity(settings.backup_check_identity_file))


def key_metadata(keys: Any) -> dict[str, Any]:
    from casework.services import keyops

    return {name: {"versions": list(keys.keyset(name).versions),
                   "current_fingerprint": keys.keyset(name).current_key.fingerprint()}
            for name in keyops.ROTATABLE}


def excluded(settings: Settings) -> tuple[Path, ...]:
    """Never inside a backup: the key folder, earlier backups, the check's scratch copy."""
    return (settings.key_file.parent, settings.backups_path,
            settings.instance_path / SCRATCH)


def file_name(now: datetime) -> str:
    return f"senim-{now.strftime('%Y%m%dT%H%M%SZ')}.age"


@dataclass(frozen=True)
class Taken:
    path: Path
    attachments: int
    files: int
    removed: int
    kept: int


def take(settings: Settings, keys: Any, databases: list[backup.DatabaseTarget], *,
         now: datetime) -> Taken:
    """Write today's backup (atomically: a crash leaves only a ``.part``), then prune."""
    folder = settings.backups_path
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    out = folder / file_name(now)
    recipients = [offline_recipient(settings),
                  str(_identity(settings.backup_check_identity_file).to_public())]
    manifest = backup.create_backup(
        out, databases=databases, attachments=settings.attachments_path,
        recipient=recipients, key_metadata=key_metadata(keys), now=now,
        instance=settings.instance_path, exclude=excluded(settings))
    removed = prune(folder, keep=settings.backup_keep)
    return Taken(out, len(manifest["attachments"]), len(manifest["files"]), removed,
                 len(listing(folder)))


def listing(folder: Path) -> list[Path]:
    """The scheduled backups in ``folder``, oldest first (by the time in their name)."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and NAME.match(p.name)),
                  key=lambda p: p.name)


def prune(folder: Path, *, keep: int) -> int:
    """Delete all but the newest ``keep`` backups, and leftovers of interrupted writes."""
    removed = 0
    for stale in folder.glob("senim-*.age.part"):
        stale.unlink(missing_ok=True)
    backups = listing(folder)
    for old in backups[:-keep] if keep > 0 else backups:
        old.unlink(missing_ok=True)
        removed += 1
    return removed


def latest(folder: Path) -> Path | None:
    backups = listing(folder)
    return backups[-1] if backups else None
