"""The list of shredded subjects, kept beside the key file and outside the databases.

A database restored from an older backup does not know what was shredded after it was
taken; this file does, and ``restore`` deletes every listed subject before the restored
instance serves anyone. It holds only opaque subject ids and dates.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path


class Tombstones:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        data: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def add(self, subject_id: str, when: datetime) -> None:
        data = self.load()
        data[subject_id] = when.isoformat()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
