"""Encrypted backups (issue 3, item 8).

One file: a tar of both databases, every file the application keeps in the instance
folder (attachments, MoU documents, released packages still encrypted to their unit: all
ciphertext already) and a manifest, encrypted with age to an offline backup public key.
The backup never contains the key file: a thief needs the backup, the offline age
identity AND the instance's key file (sealed by a passphrase) to read anything.
``restore`` (casework/cli_restore.py) rebuilds the instance in a staging location,
applies the tombstone list (subjects shredded since the backup was taken), decrypts every
record to prove the backup is usable, and only then switches the staged copy in.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyrage
from sqlalchemy.engine import Engine

FORMAT = "senim-backup-v1"


class BackupError(RuntimeError):
    """A backup or restore could not be completed (message safe to show operators)."""


@dataclass(frozen=True)
class DatabaseTarget:
    name: str  # "casework" or "intel"
    engine: Engine


def _sqlite_bytes(engine: Engine) -> bytes:
    path = engine.url.database or ""
    source = sqlite3.connect(path)
    try:
        memory = sqlite3.connect(":memory:")
        source.backup(memory)  # a consistent snapshot, WAL content included
        return memory.serialize()
    finally:
        source.close()


def _pg_args(engine: Engine) -> tuple[list[str], dict[str, str], str | None]:
    url = engine.url
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
            "-U", url.username or "postgres", "-d", url.database or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    options = str(url.query.get("options", ""))
    schema = options.split("search_path=", 1)[1].split()[0] if "search_path=" in options \
        else None
    return args, env, schema


def _pg_dump(engine: Engine) -> bytes:
    args, env, schema = _pg_args(engine)
    command = ["pg_dump", "--no-owner", "--no-privileges", *args]
    if schema:
        command += ["--schema", schema]
    result = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError("pg_dump failed (is the PostgreSQL client installed?)")
    return result.stdout


def dump_database(engine: Engine) -> tuple[str, bytes]:
    if engine.dialect.name == "sqlite":
        return "sqlite", _sqlite_bytes(engine)
    if engine.dialect.name == "postgresql":
        return "sql", _pg_dump(engine)
    raise BackupError("unsupported database for backup")


def instance_files(instance: Path, *, exclude: tuple[Path, ...] = ()) -> list[Path]:
    """Every file the application keeps in folders of the instance, relative paths: not
    the databases and loose files at its top, not the key folder (never in a backup),
    nothing hidden (a restore's staging) and no half-written ``.part`` file."""
    if not instance.exists():
        return []
    skip = {path.resolve() for path in exclude}
    out = []
    for folder in sorted(p for p in instance.iterdir() if p.is_dir()):
        if folder.name.startswith(".") or folder.resolve() in skip:
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(instance)
            if (path.is_file() and not path.name.endswith(".part")
                    and not any(part.startswith(".") for part in rel.parts)):
                out.append(rel)
    return out


def create_backup(out: Path, *, databases: list[DatabaseTarget], attachments: Path,
                  recipient: str | Sequence[str], key_metadata: dict[str, Any], now: datetime,
                  instance: Path | None = None,
                  exclude: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Write an age-encrypted backup to ``out`` (mode 0600); returns the manifest.

    Several recipients (the offline key and the server's check key) may each open it."""
    wanted = [recipient] if isinstance(recipient, str) else list(recipient)
    try:
        recipient_keys = [pyrage.x25519.Recipient.from_str(r.strip()) for r in wanted]
    except Exception:  # noqa: BLE001 - pyrage raises its own types
        raise BackupError("the backup recipient is not an age public key") from None
    buffer = io.BytesIO()
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": now.isoformat() + "Z",
                                "keys": key_metadata, "databases": {}, "attachments": []}
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for target in databases:
            kind, data = dump_database(target.engine)
            member = f"databases/{target.name}.{kind}"
            _add(tar, member, data)
            manifest["databases"][target.name] = {"file": member, "kind": kind,
                                                  "schema": _pg_args(target.engine)[2]
                                                  if kind == "sql" else None}
        manifest["files"] = []
        if instance is not None:
            for rel in instance_files(instance, exclude=exclude):
                _add(tar, f"instance/{rel.as_posix()}", (instance / rel).read_bytes())
                manifest["files"].append(rel.as_posix())
                if (instance / rel).parent.resolve() == attachments.resolve():
                    manifest["attachments"].append(rel.name)
        elif attachments.exists():
            for path in sorted(attachments.iterdir()):
                if path.is_file() and not path.name.endswith(".part"):
                    _add(tar, f"attachments/{path.name}", path.read_bytes())
                    manifest["attachments"].append(path.name)
        _add(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
    encrypted = pyrage.encrypt(buffer.getvalue(), recipient_keys)
    _write_private(out, encrypted)
    return manifest


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


def _write_private(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def open_backup(path: Path, identity_text: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Decrypt and unpack a backup in memory; returns (manifest, files)."""
    try:
        identity = pyrage.x25519.Identity.from_str(identity_text.strip())
        plaintext = pyrage.decrypt(path.read_bytes(), [identity])
    except Exception:  # noqa: BLE001
        raise BackupError("the backup could not be decrypted with this identity") from None
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(plaintext), mode="r") as tar:
        for member in tar.getmembers():
            if not member.isfile() or member.name.startswith("/") or ".." in member.name:
                raise BackupError("the backup contains an unexpected entry")
            handle = tar.extractfile(member)
            files[member.name] = handle.read() if handle else b""
    manifest = json.loads(files.get("manifest.json", b"{}"))
    if manifest.get("format") != FORMAT:
        raise BackupError("not a Senim backup")
    return manifest, files


def restore_database(engine: Engine, kind: str, data: bytes, *,
                     source_schema: str | None = None) -> None:
    """Load one database dump into an EMPTY target database."""
    if kind == "sqlite":
        path = Path(engine.url.database or "")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        _write_private(path, data)
        return
    args, env, schema = _pg_args(engine)
    source_schema = source_schema or "public"
    if schema and source_schema != schema:
        data = _move_schema(data, source_schema, schema)
    result = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", *args],  # noqa: S603,S607
                            input=data, env=env, capture_output=True, check=False)
    if result.returncode != 0:
        raise BackupError("loading the PostgreSQL dump failed")


def _move_schema(data: bytes, source: str, target: str) -> bytes:
    """A dump names its schema everywhere; move it to the target's (an existing, empty)
    schema. Only statements are rewritten, never the rows between ``COPY ... FROM stdin;``
    and ``\\.`` (a value that happens to contain "public." stays as it was)."""
    # split("\n"), never splitlines(): COPY data keeps U+2028, \x85, \x1c... verbatim,
    # and splitting on them corrupts rows (a staff name with one broke every restore).
    pattern = re.compile(rf"\b{re.escape(source)}\.")
    out, in_copy = [], False
    for line in data.decode("utf-8").split("\n"):
        if in_copy:
            in_copy = line != "\\."
            out.append(line)
            continue
        if line.strip() == f"CREATE SCHEMA {source};":
            continue
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
        out.append(pattern.sub(f"{target}.", line))
    return "\n".join(out).encode("utf-8")


def restore_instance_files(files: dict[str, bytes], instance: Path) -> int:
    """Write the backup's instance files (and the attachments of older backups)."""
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    count = 0
    for name, data in files.items():
        if name.startswith("instance/"):
            target = instance / Path(name.removeprefix("instance/"))
        elif name.startswith("attachments/"):
            target = instance / "attachments" / Path(name).name
        else:
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_private(target, data)
        count += 1
    return count


def restore_attachments(files: dict[str, bytes], folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    count = 0
    for name, data in files.items():
        if name.startswith("attachments/"):
            _write_private(folder / Path(name).name, data)
            count += 1
    return count


def clear_folder(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
