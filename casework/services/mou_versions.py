"""Registering MoU versions with their signed PDF, and finding the one in force."""

from __future__ import annotations

import hashlib
import io
from enum import Enum
from pathlib import Path

from sqlalchemy import select

from casework.models import MouVersion, PoliceUnit
from casework.services import attachments
from casework.services.context import Ctx
from casework.services.errors import ServiceError
from mou import MouError, MouTerms, loads
from mou.diff import changes


class MouReason(str, Enum):
    INVALID = "mou_file_invalid"
    PDF_MISMATCH = "mou_pdf_hash_mismatch"
    WRONG_UNIT = "mou_recipient_is_another_unit"
    VERSION_EXISTS = "mou_version_exists"


class MouInvalid(ServiceError):  # noqa: N818
    def __init__(self, error: MouError) -> None:
        super().__init__(MouReason.INVALID)
        self.message, self.line = error.message, error.line


def parse(text: str) -> MouTerms:
    try:
        return loads(text)
    except MouError as error:
        raise MouInvalid(error) from None


def register(ctx: Ctx, folder: Path, unit: PoliceUnit, *, toml_text: str, pdf: bytes,
             filename: str, max_bytes: int) -> MouVersion:
    """Register a version: terms valid, the PDF is the signed text the terms name."""
    terms = parse(toml_text)
    if hashlib.sha256(pdf).hexdigest() != terms.text_sha256:
        raise ServiceError(MouReason.PDF_MISMATCH)
    elsewhere = ctx.session.scalar(select(MouVersion.id).where(
        MouVersion.mou_code == terms.id, MouVersion.unit_id != unit.id))
    if elsewhere is not None:
        # The same MoU belongs to one unit; registering it under another is a mistake.
        raise ServiceError(MouReason.WRONG_UNIT)
    existing = ctx.session.scalar(select(MouVersion.id).where(
        MouVersion.unit_id == unit.id, MouVersion.mou_code == terms.id,
        MouVersion.version == terms.version))
    if existing is not None:
        raise ServiceError(MouReason.VERSION_EXISTS)
    row = MouVersion(unit_id=unit.id, mou_code=terms.id, version=terms.version,
                     terms_toml=toml_text, text_sha256=terms.text_sha256,
                     registered_by=ctx.actor or "", registered_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    stored = attachments.store(ctx, folder, subject_id=unit.subject_id, owner_type="mou",
                               owner_ref=row.public_id, stream=io.BytesIO(pdf),
                               filename=filename, max_bytes=max_bytes)
    row.signed_pdf = stored.public_id
    ctx.session.flush()
    ctx.audit("mou.register", outcome=f"v{terms.version}", object_type="police_unit",
              object_ref=unit.public_id)
    return row


def versions(ctx: Ctx, unit: PoliceUnit) -> list[MouVersion]:
    return list(ctx.session.scalars(select(MouVersion).where(MouVersion.unit_id == unit.id)
                                    .order_by(MouVersion.registered_at.desc(),
                                              MouVersion.version.desc())))


def terms_of(row: MouVersion) -> MouTerms:
    return loads(row.terms_toml)


def active(ctx: Ctx, unit: PoliceUnit) -> tuple[MouVersion, MouTerms] | None:
    """The newest registered, not terminated version in force today."""
    today = ctx.now.date()
    for row in versions(ctx, unit):
        if row.terminated_at is not None:
            continue
        terms = terms_of(row)
        if terms.effective_from <= today <= terms.expires_on:
            return row, terms
    return None


def diff_with_previous(ctx: Ctx, unit: PoliceUnit,
                       row: MouVersion) -> list[tuple[str, str, str]]:
    older = [v for v in versions(ctx, unit) if v.registered_at < row.registered_at
             or (v.registered_at == row.registered_at and v.version < row.version)]
    return changes(terms_of(older[0]), terms_of(row)) if older else []


def terminate(ctx: Ctx, row: MouVersion, *, packages_folder: Path | None = None) -> None:
    """Terminate; what was sent under it must be destroyed or returned (issue 9)."""
    from casework.services import download_gates

    row.terminated_at = ctx.now
    ctx.session.flush()
    ctx.audit("mou.terminate", object_type="mou", object_ref=row.public_id)
    download_gates.after_termination(ctx, row, packages_folder)
