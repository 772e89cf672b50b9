"""Encrypted attachments (issue 3, item 5): streamed, never a plaintext byte on disk.

The upload is encrypted chunk by chunk straight from the request stream into a file with
a random name in the attachments folder; the file appears under its final name only once
it is complete (atomic rename), and a failed or oversized upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from enum import Enum
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from casework.domain.files import SNIFF_BYTES, sniff_content_type
from casework.models import Attachment
from casework.services import subjects
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError
from crypto import (
    CryptoError,
    SecretKey,
    SizeLimitError,
    canonical,
    decrypt_stream_to_bytes,
    encrypt_stream,
    generate_key,
    unwrap_key,
    wrap_key,
    wrapped_key_version,
)
from crypto import KeySet as _KeySet

FILE_KEY_PURPOSE = "attachment-file-key"


class AttachmentRefused(ServiceError):  # noqa: N818
    """The upload was not stored; ``reasons`` says why."""


class AttachmentReason(str, Enum):
    TYPE_NOT_ALLOWED = "attachment_type_not_allowed"
    TOO_LARGE = "attachment_too_large"
    EMPTY = "attachment_empty"


def _aad(subject_id: str, public_id: str) -> bytes:
    return canonical("senim-attachment-v1", subject_id, public_id)


def _dek_as_keyset(key: SecretKey) -> _KeySet:
    return _KeySet({key.version: key.material}, key.version)


def store(ctx: Ctx, folder: Path, *, subject_id: str, owner_type: str, owner_ref: str,
          stream: BinaryIO, filename: str, max_bytes: int) -> Attachment:
    """Encrypt an upload to disk and record it; refuses disallowed or oversized files."""
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise AttachmentRefused(AttachmentReason.EMPTY)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise AttachmentRefused(AttachmentReason.TYPE_NOT_ALLOWED)
    # The data key first: an upload for a shredded subject must not leave a file behind.
    dek = subjects.data_key(ctx, subject_id, for_write=True)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    attachment = Attachment(subject_id=subject_id, owner_type=owner_type, owner_ref=owner_ref,
                            storage_name=secrets.token_hex(20), content_type=content_type,
                            created_at=ctx.now, created_by=ctx.actor, size=0,
                            ciphertext_sha256="", wrapped_file_key=b"",
                            filename_ciphertext=b"")
    attachment.public_id = secrets.token_hex(16)
    file_key = generate_key()
    final = folder / attachment.storage_name
    partial = folder / (attachment.storage_name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            hashing = _HashingWriter(out)
            size = encrypt_stream(file_key, _Chain(head, stream),  # type: ignore[arg-type]
                                  hashing,  # type: ignore[arg-type]
                                  aad=_aad(subject_id, attachment.public_id),
                                  max_bytes=max_bytes)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
    except SizeLimitError:
        partial.unlink(missing_ok=True)
        raise AttachmentRefused(AttachmentReason.TOO_LARGE) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    attachment.wrapped_file_key = wrap_key(dek, file_key, subject=attachment.public_id,
                                           purpose=FILE_KEY_PURPOSE)
    attachment.size, attachment.ciphertext_sha256 = size, hashing.hexdigest()
    ctx.session.add(attachment)
    ctx.session.flush()
    attachment.filename_ciphertext = subjects.seal(
        ctx, subject_id, _safe_name(filename), table="attachments", column="filename_ciphertext",
        row=attachment.public_id)
    ctx.session.flush()
    ctx.audit("attachment.store", object_type="attachment", object_ref=attachment.public_id)
    return attachment


def get(ctx: Ctx, public_id: str) -> Attachment:
    row = ctx.session.scalar(select(Attachment).where(Attachment.public_id == public_id))
    if row is None:
        raise NotFound()
    return row


def read(ctx: Ctx, folder: Path, attachment: Attachment) -> tuple[str, bytes]:
    """Decrypt and verify the whole file before returning any of it (filename, bytes)."""
    try:
        dek = subjects.data_key(ctx, attachment.subject_id, _wrapped_version(attachment))
        file_key = unwrap_key(_dek_as_keyset(dek), attachment.wrapped_file_key,
                              subject=attachment.public_id, purpose=FILE_KEY_PURPOSE)
        with open(folder / attachment.storage_name, "rb") as handle:
            data = decrypt_stream_to_bytes(file_key, handle,
                                           aad=_aad(attachment.subject_id, attachment.public_id))
    except (CryptoError, OSError):
        subjects._alarm(ctx, "attachments", attachment.public_id)
    name = subjects.unseal(ctx, attachment.subject_id, attachment.filename_ciphertext,
                           table="attachments", column="filename_ciphertext",
                           row=attachment.public_id)
    ctx.audit("attachment.read", object_type="attachment", object_ref=attachment.public_id)
    return str(name), data


def rewrap(ctx: Ctx, attachment: Attachment, old: SecretKey, new: SecretKey) -> None:
    """Move a file key from one data-key version to another (the file is untouched)."""
    file_key = unwrap_key(_dek_as_keyset(old), attachment.wrapped_file_key,
                          subject=attachment.public_id, purpose=FILE_KEY_PURPOSE)
    attachment.wrapped_file_key = wrap_key(new, file_key, subject=attachment.public_id,
                                           purpose=FILE_KEY_PURPOSE)


def destroy_file(folder: Path, attachment: Attachment) -> None:
    """Overwrite, then unlink. Overwriting is best effort on SSDs and copy-on-write file
    systems; the real guarantee is that the file key is gone with the subject's data key."""
    path = folder / attachment.storage_name
    try:
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.write(secrets.token_bytes(size))
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
    except FileNotFoundError:
        pass


def _wrapped_version(attachment: Attachment) -> int:
    return wrapped_key_version(attachment.wrapped_file_key)


def _safe_name(filename: str) -> str:
    """Keep only the last path component and printable characters (display only)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())[:120]
    return name or "file"


class _Chain(io.RawIOBase):
    """The sniffed first bytes followed by the rest of the stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = (self._head, b"") if size < 0 or size >= len(self._head) else (
                self._head[:size], self._head[size:])
            return data
        return self._rest.read(size)


class _HashingWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._out, self._hash = out, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        return self._out.write(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
