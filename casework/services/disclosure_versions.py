"""What was reviewed is what leaves; what left is fixed (issue 11 point 2, rule 79).

A disclosure item binds to one entry version (id and content hash) when drafted; the
package is built from that version alone, after its hash is recomputed; at release the
exact text and fields that went into the package are sealed with the item (under the
source person's key, or the organisation's for an entry from no person, like the item's
withholding list), and the disclosure page shows that record, never the entry's current
text.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from casework.domain.versions import BoundVersion, VersionState
from casework.models import (
    DisclosureItem,
    DisclosurePackage,
    DisclosureRequest,
    IntelEntry,
    IntelEntryVersion,
    Person,
)
from casework.services import entry_versions, intel, packages, subjects
from casework.services.context import Ctx


def bind(ctx: Ctx, item: DisclosureItem, entry: IntelEntry) -> IntelEntryVersion:
    """Bind the item to the entry's current version."""
    version = intel.current_version(ctx, entry)
    item.entry_version_id, item.entry_version_hash = version.id, version.content_hash
    return version


def entry_of(ctx: Ctx, item: DisclosureItem) -> IntelEntry | None:
    return ctx.session.scalar(select(IntelEntry).where(
        IntelEntry.public_id == item.entry_public_id))


def bound_version(ctx: Ctx, item: DisclosureItem,
                  entry: IntelEntry) -> IntelEntryVersion | None:
    version = entry_versions.by_id(ctx, item.entry_version_id)
    return version if version is not None and version.entry_id == entry.id else None


def bound_content(ctx: Ctx, item: DisclosureItem,
                  entry: IntelEntry) -> tuple[IntelEntryVersion, dict[str, Any]]:
    """The bound version and its content (the entry's current one for an item drafted
    before versions existed: its binding check then fails until it is bound)."""
    version = bound_version(ctx, item, entry) or intel.current_version(ctx, entry)
    return version, intel.read_version(ctx, entry, version).content


def binding(ctx: Ctx, item: DisclosureItem) -> BoundVersion:
    entry = entry_of(ctx, item)
    key = intel.entry_key(ctx, entry) if entry is not None else None
    return entry_versions.bound(ctx, entry, key, item.entry_version_id,
                                item.entry_version_hash)


def bindings(ctx: Ctx, items: list[DisclosureItem]) -> list[BoundVersion]:
    return [binding(ctx, item) for item in items]


def commitment(salt: str, version_hash: str) -> str:
    """What the manifest names: a salted commitment to the version's content hash. The
    recipient learns nothing from it (and packages cannot be linked through it); we can
    show which version left by revealing the salt from the release record."""
    return hashlib.sha256(bytes.fromhex(salt) + version_hash.encode("ascii")).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(32)


@dataclass(frozen=True)
class Released:
    """One item of a released package, as kept at release."""

    entry_reference: str
    version_number: int
    version_hash: str
    entry_uuid: str
    commitment_salt: str
    entry: packages.PackageEntry


def _subject(ctx: Ctx, item: DisclosureItem) -> str:
    person = ctx.session.get(Person, item.person_id) if item.person_id else None
    return person.subject_id if person else subjects.organisation_subject(ctx)


def keep(ctx: Ctx, item: DisclosureItem, record: Released) -> None:
    data = asdict(record)
    data["entry"]["grading"] = list(record.entry.grading)
    data["entry"]["tags"] = list(record.entry.tags)
    subjects.seal_row(ctx, _subject(ctx, item), item, "released_ciphertext", data)


def kept(ctx: Ctx, request: DisclosureRequest) -> list[Released]:
    """The release record of a released request (empty if nothing was released)."""
    out = []
    for item in ctx.session.scalars(select(DisclosureItem).where(
            DisclosureItem.request_id == request.id).order_by(DisclosureItem.id)):
        if item.released_ciphertext is None:
            continue
        data = subjects.unseal_row(ctx, _subject(ctx, item), item, "released_ciphertext")
        entry = dict(data["entry"])
        entry["grading"] = tuple(entry["grading"])
        entry["tags"] = tuple(entry["tags"])
        out.append(Released(
            entry_reference=data["entry_reference"], version_number=data["version_number"],
            version_hash=data["version_hash"], entry_uuid=data["entry_uuid"],
            commitment_salt=data["commitment_salt"],
            entry=packages.PackageEntry(**entry)))
    return out


@dataclass(frozen=True)
class Disclosed:
    """For the entry page: a version of this entry that left, and when."""

    version_number: int
    released_at: Any
    current: bool


def disclosed_versions(ctx: Ctx, entry: IntelEntry) -> list[Disclosed]:
    """Which versions of this entry were released (newest first), marked if still the
    entry's current version (no decryption: version ids and release times only)."""
    rows = ctx.session.execute(select(DisclosureItem.entry_version_id,
                                      DisclosurePackage.released_at).join(
        DisclosurePackage, DisclosurePackage.request_id == DisclosureItem.request_id).where(
        DisclosureItem.entry_public_id == entry.public_id,
        DisclosureItem.released_ciphertext.is_not(None))
        .order_by(DisclosurePackage.released_at.desc()))
    out = []
    for version_id, released_at in rows:
        version = entry_versions.by_id(ctx, version_id)
        if version is None or version.entry_id != entry.id:
            continue
        out.append(Disclosed(version.number, released_at,
                             version.state == VersionState.CURRENT.value))
    return out


@dataclass(frozen=True)
class Shown:
    """One item as a disclosure page shows it: the release record once released, the
    bound version (after withholding) before."""

    entry_reference: str
    version_number: int | None
    released: bool
    entry: packages.PackageEntry

    @property
    def grading(self) -> str:
        return "/".join(self.entry.grading)


def shown(ctx: Ctx, request: DisclosureRequest, preview: list[Any]) -> list[Shown]:
    """What the page shows; ``preview`` is ``disclosures.preview(ctx, request)`` (only
    used while nothing was released). Never the entry's current text after release."""
    record = kept(ctx, request)
    if record or request.status == "released":
        return [Shown(r.entry_reference, r.version_number, True, r.entry) for r in record]
    out = []
    for p in preview:
        fields = p.fields
        out.append(Shown(p.entry.reference, p.version.number if p.version else None, False,
                         packages.PackageEntry(
                             kind=fields["kind"], subject_area=fields["subject_area"],
                             source_type=fields["source_type"],
                             grading=(fields["source_evaluation"], fields["intel_assessment"],
                                      fields["handling_code"]),
                             statement=p.view.statement, text=p.text,
                             tags=tuple(p.view.tags), time=p.view.time,
                             time_granularity=p.view.time_granularity, place=p.view.place,
                             place_granularity=p.view.place_granularity)))
    return out
