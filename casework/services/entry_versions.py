"""Immutable versions of intelligence entries (issue 11, point 2).

Each version holds the entry's whole content (text, statement, tags, time, place and the
grading fields) as canonical JSON encrypted under the entry's own data key, bound to the
version row, and a content hash: HMAC-SHA256 under a key derived from the entry key, over
the entry's public id and the canonical JSON. Keyed, so the hash column cannot be used to
confirm a guessed text; derived from the entry key, so shredding the entry shreds it too.
The caller passes the entry key (``intel.entry_key``) so this module needs no other service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from casework.domain.versions import BoundVersion, VersionFacts, VersionState, editors
from casework.models import IntelEntry, IntelEntryVersion
from casework.services import subjects
from casework.services.context import Ctx
from crypto import (
    CryptoError,
    SecretKey,
    canonical,
    decrypt_field,
    derive_index_key,
    encrypt_field,
    field_context,
    mac,
)

FIELDS = ("kind", "subject_area", "source_type", "source_evaluation", "intel_assessment",
          "handling_code")
DETAILS = ("text", "statement", "tags", "time", "time_granularity", "place",
           "place_granularity")


@dataclass(frozen=True)
class VersionContent:
    """A decrypted version: its content and the hash recomputed from it."""

    version: IntelEntryVersion
    content: dict[str, Any]
    computed_hash: str

    @property
    def intact(self) -> bool:
        return self.computed_hash == self.version.content_hash


def _encode(content: dict[str, Any]) -> bytes:
    return json.dumps({k: content.get(k) for k in (*FIELDS, *DETAILS)}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(key: SecretKey, entry: IntelEntry, content: dict[str, Any]) -> str:
    hash_key = derive_index_key(key.material, table="intel_entry_versions",
                                column="content_hash")
    return mac(hash_key, canonical(entry.public_id, _encode(content))).hex()


def _context(entry: IntelEntry, version: IntelEntryVersion) -> bytes:
    return field_context(table="intel_entry_versions", column="details_ciphertext",
                         row=version.public_id, subject=entry.public_id)


def record(ctx: Ctx, entry: IntelEntry, key: SecretKey, content: dict[str, Any], *,
           state: VersionState, author: str, privacy_status: str,
           base_number: int | None = None) -> IntelEntryVersion:
    """Add one version; a new current version supersedes the previous one."""
    number = (ctx.session.scalar(select(func.max(IntelEntryVersion.number)).where(
        IntelEntryVersion.entry_id == entry.id)) or 0) + 1
    if state is VersionState.CURRENT:
        for old in ctx.session.scalars(select(IntelEntryVersion).where(
                IntelEntryVersion.entry_id == entry.id,
                IntelEntryVersion.state == VersionState.CURRENT.value)):
            old.state = VersionState.SUPERSEDED.value
    version = IntelEntryVersion(
        entry_id=entry.id, number=number, state=state.value, base_number=base_number,
        **{name: content[name] for name in FIELDS}, details_ciphertext=b"",
        content_hash=content_hash(key, entry, content), created_by=author[:32],
        created_at=ctx.now, privacy_status=privacy_status)
    ctx.session.add(version)
    ctx.session.flush()
    version.details_ciphertext = encrypt_field(key, _encode(content),
                                               context=_context(entry, version))
    ctx.session.flush()
    return version


def read(ctx: Ctx, entry: IntelEntry, key: SecretKey,
         version: IntelEntryVersion) -> VersionContent:
    if version.entry_id != entry.id:
        subjects._alarm(ctx, "intel_entry_versions", version.public_id)
    try:
        raw = decrypt_field(key, version.details_ciphertext, context=_context(entry, version))
        content: dict[str, Any] = json.loads(raw.decode("utf-8"))
    except (CryptoError, ValueError):
        subjects._alarm(ctx, "intel_entry_versions", version.public_id)
    return VersionContent(version, content, content_hash(key, entry, content))


def history(ctx: Ctx, entry: IntelEntry) -> list[IntelEntryVersion]:
    return list(ctx.session.scalars(select(IntelEntryVersion).where(
        IntelEntryVersion.entry_id == entry.id).order_by(IntelEntryVersion.number)))


def current(ctx: Ctx, entry: IntelEntry) -> IntelEntryVersion | None:
    return ctx.session.scalar(select(IntelEntryVersion).where(
        IntelEntryVersion.entry_id == entry.id,
        IntelEntryVersion.state == VersionState.CURRENT.value))


def by_id(ctx: Ctx, version_id: int | None) -> IntelEntryVersion | None:
    return ctx.session.get(IntelEntryVersion, version_id) if version_id else None


def by_public_id(ctx: Ctx, entry: IntelEntry, public_id: str) -> IntelEntryVersion | None:
    return ctx.session.scalar(select(IntelEntryVersion).where(
        IntelEntryVersion.entry_id == entry.id,
        IntelEntryVersion.public_id == public_id[:32]))


def facts(version: IntelEntryVersion) -> VersionFacts:
    return VersionFacts(number=version.number, author=version.created_by,
                        state=VersionState(version.state), content_hash=version.content_hash,
                        privacy_status=version.privacy_status,
                        privacy_reviewed_hash=version.privacy_reviewed_hash)


def editors_of(ctx: Ctx, entry: IntelEntry, version: IntelEntryVersion) -> frozenset[str]:
    return editors([facts(v) for v in history(ctx, entry)], version.number)


def bound(ctx: Ctx, entry: IntelEntry | None, key: SecretKey | None,
          version_id: int | None, bound_hash: str | None) -> BoundVersion:
    """What a disclosure item's binding amounts to now (decrypting the version)."""
    version = by_id(ctx, version_id)
    if entry is None or key is None or version is None or version.entry_id != entry.id:
        return BoundVersion(kind=entry.kind if entry else "", bound_hash=bound_hash,
                            version=None, computed_hash=None, editors=frozenset())
    opened = read(ctx, entry, key, version)
    return BoundVersion(kind=version.kind, bound_hash=bound_hash, version=facts(version),
                        computed_hash=opened.computed_hash,
                        editors=editors_of(ctx, entry, version))
