"""The intelligence store (issue 4, items 4-6).

Entries live in the intelligence database under per-entry data keys wrapped by the
intelligence KEK. An entry learned from a person carries only a random source token; the
link back to the person is a ``SourceLink`` row on the casework side, encrypted under that
person's key and found through a keyed hash of the token.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import select

from casework.domain.geography import COARSE_PLACES
from casework.domain.identifiers import (
    PersonIdentifiers,
    ThematicCheck,
    check_thematic,
)
from casework.domain.taxonomy import (
    THEMATIC_PLACE,
    THEMATIC_TIME,
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
    is_known_tag,
)
from casework.domain.versions import VersionState, can_review_privacy
from casework.models import IntelEntry, IntelEntryVersion, Interview, Person, SourceLink
from casework.services import entry_versions, paging, persons, subjects
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError
from crypto import (
    CryptoError,
    SecretKey,
    decrypt_field,
    encrypt_field,
    field_context,
    generate_key,
    mac,
    name_tokens,
    normalise_phone,
    unwrap_key,
    wrap_key,
)

ENTRY_KEY_PURPOSE = "intel-entry-key"
ENTRY_KEY_KIND = "intel_entry"  # this module's entries in the per-request key cache
_REF_ALPHABET = "ACDEFHJKLMNPRTUVWXY3479"


class IntelReason(str, Enum):
    UNKNOWN_TAG = "intel_unknown_tag"
    EMPTY_TEXT = "intel_text_empty"
    SOURCE_MISMATCH = "intel_source_type_mismatch"
    INCOMING_SOURCE = "intel_incoming_needs_sender"


class ThematicBlocked(ServiceError):  # noqa: N818
    """The thematic check found identifying content; ``check`` says what and where."""

    def __init__(self, check: ThematicCheck) -> None:
        super().__init__(*check.decision.reasons)
        self.check = check


@dataclass(frozen=True)
class EntryInput:
    kind: EntryKind
    subject_area: SubjectArea
    source_type: SourceType
    source_evaluation: SourceEvaluation
    intel_assessment: IntelAssessment
    handling_code: HandlingCode
    text: str
    statement: str = "reported_fact"  # or "assessment" (organisation's own judgement)
    tags: list[str] = field(default_factory=list)
    time: str = ""
    time_granularity: Granularity | None = None
    place: str = ""
    place_granularity: Granularity | None = None


@dataclass(frozen=True)
class EntryView:
    entry: IntelEntry
    text: str
    statement: str
    tags: list[str]
    time: str
    time_granularity: str | None
    place: str
    place_granularity: str | None


def _validate(data: EntryInput) -> None:
    reasons: list[IntelReason] = []
    if not data.text.strip():
        reasons.append(IntelReason.EMPTY_TEXT)
    if any(not is_known_tag(tag) for tag in data.tags):
        reasons.append(IntelReason.UNKNOWN_TAG)
    if reasons:
        raise ServiceError(*reasons)


def _reference(ctx: Ctx) -> str:
    while True:
        code = "I-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
        if ctx.session.scalar(select(IntelEntry.id).where(IntelEntry.reference == code)) is None:
            return code


def _entry_key(ctx: Ctx, entry: IntelEntry) -> SecretKey:
    if not entry.wrapped_key:
        # Crypto-shredded with the person it was learned from (rule 92).
        raise subjects.SubjectShredded()
    cached = ctx.key_cache.get(ENTRY_KEY_KIND, entry.public_id, 1, wrapped=entry.wrapped_key)
    if cached is not None:
        return cached
    kek_version = int.from_bytes(entry.wrapped_key[1:5], "big")
    ctx.keys.version("intel", kek_version)
    try:
        material = unwrap_key(ctx.keys.keyset("intel"), entry.wrapped_key,
                              subject=entry.public_id, purpose=ENTRY_KEY_PURPOSE)
    except CryptoError:
        subjects._alarm(ctx, "intel_entries", entry.public_id)
    return ctx.key_cache.put(ENTRY_KEY_KIND, entry.public_id, SecretKey(1, material),
                             wrapped=entry.wrapped_key)


def entry_key(ctx: Ctx, entry: IntelEntry) -> SecretKey:
    """The entry's data key (for its versions, ``services.entry_versions``)."""
    return _entry_key(ctx, entry)


def _context(entry: IntelEntry) -> bytes:
    return field_context(table="intel_entries", column="details_ciphertext",
                         row=entry.public_id, subject=entry.public_id)


def _write_details(ctx: Ctx, entry: IntelEntry, data: EntryInput) -> None:
    details = {"text": data.text.strip(), "statement": data.statement,
               "tags": sorted(set(data.tags)), "time": data.time.strip(),
               "time_granularity": data.time_granularity.value if data.time_granularity
               else None, "place": data.place.strip(),
               "place_granularity": data.place_granularity.value if data.place_granularity
               else None}
    plaintext = json.dumps(details, ensure_ascii=False).encode("utf-8")
    entry.details_ciphertext = encrypt_field(_entry_key(ctx, entry), plaintext,
                                             context=_context(entry))
    for attr in ("subject_area", "source_type", "source_evaluation", "intel_assessment",
                 "handling_code"):
        setattr(entry, attr, getattr(data, attr).value)
    entry.kind = data.kind.value
    entry.updated_at = ctx.now


def content_of(data: EntryInput) -> dict[str, Any]:
    """An entry's whole content as one version stores it (issue 11)."""
    return {"kind": data.kind.value, "subject_area": data.subject_area.value,
            "source_type": data.source_type.value,
            "source_evaluation": data.source_evaluation.value,
            "intel_assessment": data.intel_assessment.value,
            "handling_code": data.handling_code.value, "text": data.text.strip(),
            "statement": data.statement, "tags": sorted(set(data.tags)),
            "time": data.time.strip(),
            "time_granularity": data.time_granularity.value if data.time_granularity
            else None, "place": data.place.strip(),
            "place_granularity": data.place_granularity.value if data.place_granularity
            else None}


def _new_version(ctx: Ctx, entry: IntelEntry, data: EntryInput) -> IntelEntryVersion:
    """Every save is a new immutable current version; the entry row mirrors it."""
    version = entry_versions.record(ctx, entry, _entry_key(ctx, entry), content_of(data),
                                    state=VersionState.CURRENT, author=ctx.actor or "",
                                    privacy_status=entry.privacy_status)
    entry.version = version.number
    return version


def current_version(ctx: Ctx, entry: IntelEntry) -> IntelEntryVersion:
    """The entry's current version; an entry saved before versions existed gets its
    first version from what it holds now (with its privacy review, if any)."""
    version = entry_versions.current(ctx, entry)
    if version is not None:
        return version
    view = read(ctx, entry)
    content = {"kind": entry.kind, "subject_area": entry.subject_area,
               "source_type": entry.source_type, "source_evaluation": entry.source_evaluation,
               "intel_assessment": entry.intel_assessment,
               "handling_code": entry.handling_code, "text": view.text,
               "statement": view.statement, "tags": view.tags, "time": view.time,
               "time_granularity": view.time_granularity, "place": view.place,
               "place_granularity": view.place_granularity}
    version = entry_versions.record(ctx, entry, _entry_key(ctx, entry), content,
                                    state=VersionState.CURRENT, author=entry.created_by,
                                    privacy_status=entry.privacy_status)
    if entry.privacy_status == "cleared":
        version.privacy_reviewed_by = entry.privacy_reviewed_by
        version.privacy_reviewed_at = entry.privacy_reviewed_at
        version.privacy_reviewed_hash = version.content_hash
    entry.version = version.number
    ctx.session.flush()
    return version


def view_of(entry: IntelEntry, content: dict[str, Any]) -> EntryView:
    return EntryView(entry=entry, text=content["text"], statement=content["statement"],
                     tags=list(content["tags"]), time=content["time"],
                     time_granularity=content["time_granularity"], place=content["place"],
                     place_granularity=content["place_granularity"])


def read_version(ctx: Ctx, entry: IntelEntry,
                 version: IntelEntryVersion) -> entry_versions.VersionContent:
    return entry_versions.read(ctx, entry, _entry_key(ctx, entry), version)


def read(ctx: Ctx, entry: IntelEntry) -> EntryView:
    try:
        raw = decrypt_field(_entry_key(ctx, entry), entry.details_ciphertext or b"",
                            context=_context(entry))
        details: dict[str, Any] = json.loads(raw.decode("utf-8"))
    except (CryptoError, ValueError):
        subjects._alarm(ctx, "intel_entries", entry.public_id)
    return EntryView(entry=entry, text=details["text"], statement=details["statement"],
                     tags=list(details["tags"]), time=details["time"],
                     time_granularity=details["time_granularity"], place=details["place"],
                     place_granularity=details["place_granularity"])


def _new_entry(ctx: Ctx, data: EntryInput, *, direction: str, token: str | None,
               received_from: str | None = None) -> IntelEntry:
    entry = IntelEntry(reference=_reference(ctx), direction=direction, kind=data.kind.value,
                       subject_area=data.subject_area.value, source_type=data.source_type.value,
                       source_token=token, source_evaluation=data.source_evaluation.value,
                       intel_assessment=data.intel_assessment.value,
                       handling_code=data.handling_code.value, wrapped_key=b"",
                       privacy_status="not_needed", received_from=received_from,
                       created_by=ctx.actor or "", created_at=ctx.now, updated_at=ctx.now)
    entry.public_id = secrets.token_hex(16)
    entry.wrapped_key = wrap_key(ctx.keys.current("intel"), generate_key(),
                                 subject=entry.public_id, purpose=ENTRY_KEY_PURPOSE)
    ctx.session.add(entry)
    ctx.session.flush()
    return entry


def _token_hash(ctx: Ctx, token: str) -> bytes:
    return mac(subjects.index_key(ctx, "source_links.token"), token.encode("ascii"))


def linked_person(ctx: Ctx, entry: IntelEntry) -> Person | None:
    """The person an entry came from (casework side only: needs the casework keys)."""
    if not entry.source_token:
        return None
    link = ctx.session.scalar(select(SourceLink).where(
        SourceLink.token_hash == _token_hash(ctx, entry.source_token)))
    return ctx.session.get(Person, link.person_id) if link else None


def identifiers_of(ctx: Ctx, person: Person) -> PersonIdentifiers:
    """What of this person must never appear in a thematic entry."""
    record = persons.read(ctx, person)
    profile = record.profile
    places: set[str] = set()
    for key in ("placement", "contact", "documents_held"):
        places.update(t for t in name_tokens(str(profile.get(key) or "")) if len(t) >= 4)
    phones = set()
    for phone in record.phones:
        try:
            phones.add(normalise_phone(phone))
        except ValueError:
            continue
    interview_dates = {str(d.isoformat()) for d in ctx.session.scalars(
        select(Interview.held_on).where(Interview.person_id == person.id))}
    dates = ({record.date_of_birth} if record.date_of_birth else set()) | interview_dates
    return PersonIdentifiers(
        name_tokens=frozenset(t for n in record.names for t in name_tokens(n) if len(t) >= 3),
        phone_digits=frozenset(phones), dates=frozenset(dates),
        places=frozenset(places - COARSE_PLACES))


def thematic_check(ctx: Ctx, data: EntryInput, person: Person | None) -> ThematicCheck:
    identifiers = identifiers_of(ctx, person) if person is not None else PersonIdentifiers()

    def phone(fragment: str) -> str | None:
        try:
            return normalise_phone(fragment)
        except ValueError:
            return None

    return check_thematic(
        " ".join((data.text, data.place, data.time)), identifiers=identifiers,
        tokens=name_tokens, digits=phone,
        time_granularity=data.time_granularity.value if data.time_granularity else None,
        place_granularity=data.place_granularity.value if data.place_granularity else None,
        coarse_times=[g.value for g in THEMATIC_TIME],
        coarse_places=[g.value for g in THEMATIC_PLACE])


def _guard_thematic(ctx: Ctx, data: EntryInput, person: Person | None) -> None:
    if data.kind is not EntryKind.THEMATIC:
        return
    check = thematic_check(ctx, data, person)
    if not check.decision.allowed:
        ctx.audit("intel.thematic_blocked", outcome="denied", object_type="intel_entry")
        raise ThematicBlocked(check)


def create_from_interview(ctx: Ctx, person: Person, interview: Interview,
                          data: EntryInput) -> IntelEntry:
    """An entry learned in an interview; the source is the person, behind a token."""
    _validate(data)
    if data.source_type is not SourceType.VICTIM_OR_CLOSE_PERSON:
        raise ServiceError(IntelReason.SOURCE_MISMATCH)
    _guard_thematic(ctx, data, person)
    token = secrets.token_urlsafe(24)
    entry = _new_entry(ctx, data, direction="own", token=token)
    _write_details(ctx, entry, data)
    entry.privacy_status = "pending" if data.kind is EntryKind.THEMATIC else "not_needed"
    _new_version(ctx, entry, data)
    link = SourceLink(person_id=person.id, token_hash=_token_hash(ctx, token),
                      created_at=ctx.now)
    ctx.session.add(link)
    ctx.session.flush()
    subjects.seal_row(ctx, person.subject_id, link, "link_ciphertext",
                      {"token": token, "entry": entry.public_id,
                       "interview": interview.public_id})
    ctx.session.flush()
    ctx.audit("intel.create", object_type="intel_entry", object_ref=entry.reference)
    return entry


def create_other(ctx: Ctx, data: EntryInput) -> IntelEntry:
    """An entry from open sources, another office, police or a partner (rule 56)."""
    _validate(data)
    if data.source_type is SourceType.VICTIM_OR_CLOSE_PERSON:
        raise ServiceError(IntelReason.SOURCE_MISMATCH)
    _guard_thematic(ctx, data, None)
    entry = _new_entry(ctx, data, direction="own", token=None)
    _write_details(ctx, entry, data)
    entry.privacy_status = "pending" if data.kind is EntryKind.THEMATIC else "not_needed"
    _new_version(ctx, entry, data)
    ctx.session.flush()
    ctx.audit("intel.create", object_type="intel_entry", object_ref=entry.reference)
    return entry


def create_incoming(ctx: Ctx, data: EntryInput, *, received_from: str) -> IntelEntry:
    """Intelligence the police shared with us (rule 62), kept apart from our own."""
    _validate(data)
    if not received_from.strip():
        raise ServiceError(IntelReason.INCOMING_SOURCE)
    entry = _new_entry(ctx, data, direction="incoming", token=None,
                       received_from=received_from.strip()[:64])
    _write_details(ctx, entry, data)
    _new_version(ctx, entry, data)
    ctx.session.flush()
    ctx.audit("intel.incoming", object_type="intel_entry", object_ref=entry.reference)
    return entry


def update(ctx: Ctx, entry: IntelEntry, data: EntryInput) -> IntelEntryVersion:
    """Change an entry; a thematic entry is checked again and needs a fresh review.

    Runs the identifier check against the source person: call it only for staff who may
    read that person (``services.entry_changes.edit`` routes everyone else to a proposal).
    """
    _validate(data)
    current_version(ctx, entry)
    if entry.direction == "incoming":
        _write_details(ctx, entry, data)
    else:
        if (data.source_type is SourceType.VICTIM_OR_CLOSE_PERSON) != bool(entry.source_token):
            raise ServiceError(IntelReason.SOURCE_MISMATCH)
        _guard_thematic(ctx, data, linked_person(ctx, entry))
        _write_details(ctx, entry, data)
        entry.privacy_status = "pending" if data.kind is EntryKind.THEMATIC else "not_needed"
        entry.privacy_reviewed_by = entry.privacy_reviewed_at = None
    version = _new_version(ctx, entry, data)
    ctx.session.flush()
    ctx.audit("intel.update", object_type="intel_entry", object_ref=entry.reference)
    return version


def review_privacy(ctx: Ctx, entry: IntelEntry) -> None:
    """A second person confirms a thematic entry identifies no one: bound to the current
    version's content hash, by someone who wrote none of that version (issue 11)."""
    version = current_version(ctx, entry)
    history = [entry_versions.facts(v) for v in entry_versions.history(ctx, entry)]
    decision = can_review_privacy(reviewer=ctx.actor or "",
                                  version=entry_versions.facts(version), history=history)
    if not decision.allowed:
        ctx.audit("intel.privacy_review", outcome="denied", object_type="intel_entry",
                  object_ref=entry.reference)
        raise ServiceError(*decision.reasons)
    if not read_version(ctx, entry, version).intact:
        subjects._alarm(ctx, "intel_entry_versions", version.public_id)
    version.privacy_status, version.privacy_reviewed_by = "cleared", ctx.actor
    version.privacy_reviewed_at, version.privacy_reviewed_hash = ctx.now, version.content_hash
    entry.privacy_status, entry.privacy_reviewed_by = "cleared", ctx.actor
    entry.privacy_reviewed_at = ctx.now
    ctx.session.flush()
    ctx.audit("intel.privacy_review", object_type="intel_entry", object_ref=entry.reference)


def get(ctx: Ctx, reference: str) -> IntelEntry:
    entry = ctx.session.scalar(select(IntelEntry).where(IntelEntry.reference == reference[:16]))
    if entry is None:
        raise NotFound()
    return entry


def list_entries(ctx: Ctx, *, direction: str | None = None, kind: str | None = None,
                 limit: int = 200) -> list[IntelEntry]:
    query = select(IntelEntry).order_by(IntelEntry.created_at.desc()).limit(limit)
    if direction:
        query = query.where(IntelEntry.direction == direction)
    if kind:
        query = query.where(IntelEntry.kind == kind)
    return list(ctx.session.scalars(query))


def entries_page(ctx: Ctx, request: paging.PageRequest, *, direction: str | None = None,
                 kind: str | None = None) -> paging.Page[IntelEntry]:
    """One page of entries, newest first, filtered on stored coarse fields only."""
    query = select(IntelEntry)
    if direction:
        query = query.where(IntelEntry.direction == direction)
    if kind:
        query = query.where(IntelEntry.kind == kind)
    return paging.keyset(ctx.session, query, (IntelEntry.created_at, IntelEntry.id), request)


def entries_for_person(ctx: Ctx, person: Person) -> list[IntelEntry]:
    """The person's own entries, found through their encrypted source links."""
    refs = []
    for link in ctx.session.scalars(select(SourceLink).where(SourceLink.person_id == person.id)):
        data = subjects.unseal_row(ctx, person.subject_id, link, "link_ciphertext") or {}
        refs.append(data.get("entry"))
    if not refs:
        return []
    return list(ctx.session.scalars(select(IntelEntry).where(IntelEntry.public_id.in_(refs))))


