"""The package that leaves for the police (issue 6, item 4; docs/export-format.md).

Built entirely in memory: entries with fresh ids and per-package source tokens, an
envelope with the MoU reference and handling, a human-readable report, a manifest with the
SHA-256 of every file signed with the organisation's Ed25519 key, all in a tar encrypted
to the unit's age key pinned in the MoU. Only ciphertext is written to disk, and we cannot
decrypt it ourselves.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import secrets
import tarfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyrage

from crypto import CryptoError, public_key, public_key_from_pem, public_key_pem, sign, verify

FORMAT = "senim-tiep/1"
STATEMENT_BASIS = {"reported_fact": "reported-fact", "assessment": "organisation-assessment"}
SOURCE_TYPES = {"victim_or_close_person": "supported-person", "open_sources": "open-source",
                "other_office": "other-office", "law_enforcement": "law-enforcement",
                "partner_organisation": "partner-organisation"}


@dataclass(frozen=True)
class PackageEntry:
    kind: str
    subject_area: str
    source_type: str
    grading: tuple[str, str, str]  # source evaluation, assessment, handling code
    statement: str
    text: str
    tags: tuple[str, ...]
    time: str
    time_granularity: str | None
    place: str
    place_granularity: str | None
    # A salted commitment to the reviewed version's content hash (issue 11): the
    # manifest names the versions a package was built from without revealing anything.
    version_commitment: str | None = None


@dataclass(frozen=True)
class Envelope:
    producer: str
    recipient_code: str
    recipient_name: str
    mou_id: str
    mou_version: int
    mou_sha256: str
    purpose: str
    tlp: str
    handling_code: str
    conditions: tuple[str, ...]
    clauses: tuple[tuple[str, str], ...]
    retention_review_months: int
    retention_delete_months: int
    feedback_ack_days: int
    feedback_outcome_days: int
    emergency: bool


@dataclass(frozen=True)
class Built:
    package_uuid: str
    feedback_token: str
    ciphertext: bytes
    sha256: str
    files: dict[str, bytes]
    entry_uuids: tuple[str, ...] = ()


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _entry_json(entry: PackageEntry, entry_uuid: str) -> dict[str, Any]:
    return {
        "entry_uuid": entry_uuid, "entry_type": entry.kind, "subject_area": entry.subject_area,
        "tags": [f"thb:{t.replace(':', '=')}" for t in entry.tags],
        "statements": [{"text": entry.text,
                        "basis": STATEMENT_BASIS.get(entry.statement, "reported-fact")}],
        "time": {"value": entry.time, "granularity": entry.time_granularity},
        "place": {"value": entry.place, "granularity": entry.place_granularity},
        "grading": {"scheme": "UK-3x5x2", "source_evaluation": entry.grading[0],
                    "intelligence_assessment": entry.grading[1],
                    "handling_code": entry.grading[2]},
        # A fresh random token per package: packages cannot be linked through their source.
        "source": {"source_token": secrets.token_urlsafe(18),
                   "source_type": SOURCE_TYPES.get(entry.source_type, "other")},
    }


def _report(envelope: Envelope, entries: list[dict[str, Any]], package_uuid: str,
            created: str) -> bytes:
    e = html.escape
    rows = "".join(
        f"<section><h2>{e(item['entry_type'].title())} intelligence</h2>"
        f"<p><strong>Grading:</strong> {e(item['grading']['source_evaluation'])}/"
        f"{e(item['grading']['intelligence_assessment'])}/"
        f"{e(item['grading']['handling_code'])} (UK 3x5x2)</p>"
        + "".join(f"<p><em>{e(s['basis'])}:</em> {e(s['text'])}</p>" for s in item["statements"])
        + f"<p><strong>Time:</strong> {e(str(item['time']['value']))} "
          f"({e(str(item['time']['granularity']))}); <strong>Place:</strong> "
          f"{e(str(item['place']['value']))} ({e(str(item['place']['granularity']))})</p>"
          f"<p><strong>Tags:</strong> {e(', '.join(item['tags']))}</p></section>"
        for item in entries)
    clauses = "".join(f"<li>{e(text)}</li>" for _, text in envelope.clauses)
    banner = "EMERGENCY LIMITED DISCLOSURE. " if envelope.emergency else ""
    page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            f"Intelligence package {e(package_uuid)}</title></head><body>"
            f"<p><strong>{e(banner)}{e(envelope.tlp)} - handling code "
            f"{e(envelope.handling_code)}</strong></p>"
            f"<h1>Intelligence package {e(package_uuid)}</h1>"
            f"<p>From {e(envelope.producer)} to {e(envelope.recipient_name)} under "
            f"{e(envelope.mou_id)} version {envelope.mou_version}, created {e(created)}. "
            f"Purpose: {e(envelope.purpose)}.</p><h2>Conditions</h2><ul>"
            + "".join(f"<li>{e(c)}</li>" for c in envelope.conditions)
            + f"</ul><h2>Confidentiality</h2><ul>{clauses}</ul>{rows}"
            f"<p>Acknowledge within {envelope.feedback_ack_days} days and report outcomes "
            f"within {envelope.feedback_outcome_days} days, quoting the feedback token in "
            f"envelope.json.</p></body></html>")
    return page.encode("utf-8")


def build(envelope: Envelope, entries: list[PackageEntry], *, recipient_age_key: str,
          signing_key: bytes, now: datetime) -> Built:
    """Assemble, sign and encrypt one package; nothing touches the disk."""
    package_uuid, token = str(uuid.uuid4()), secrets.token_urlsafe(24)
    created = now.replace(microsecond=0).isoformat() + "Z"
    entry_docs = [_entry_json(entry, str(uuid.uuid4())) for entry in entries]
    files: dict[str, bytes] = {}
    for doc in entry_docs:
        files[f"entries/{doc['entry_uuid']}.json"] = _json(doc)
    files["envelope.json"] = _json({
        "schema": FORMAT, "package_uuid": package_uuid, "created_utc": created,
        "producer": envelope.producer,
        "recipient": {"code": envelope.recipient_code, "name": envelope.recipient_name},
        "mou": {"id": envelope.mou_id, "version": envelope.mou_version,
                "sha256_of_signed_text": envelope.mou_sha256},
        "purpose": envelope.purpose, "tlp": envelope.tlp,
        "handling": {"scheme": "UK-3x5x2", "code": envelope.handling_code,
                     "conditions": list(envelope.conditions)},
        "confidentiality": [{"id": i, "text": t} for i, t in envelope.clauses],
        "iep": {"attribution": "must-not", "encrypt_in_transit": "must"},
        "retention": {"review_after_months": envelope.retention_review_months,
                      "delete_after_months": envelope.retention_delete_months},
        "feedback": {"token": token, "ack_within_days": envelope.feedback_ack_days,
                     "outcome_within_days": envelope.feedback_outcome_days},
        "emergency_limited_disclosure": envelope.emergency,
        "entries": [doc["entry_uuid"] for doc in entry_docs]})
    files["report.html"] = _report(envelope, entry_docs, package_uuid, created)
    files["signing-key.pem"] = public_key_pem(signing_key)
    manifest = _json({"package_uuid": package_uuid, "created_utc": created,
                      "files": [{"path": p, "sha256": hashlib.sha256(d).hexdigest(),
                                 "size": len(d)} for p, d in sorted(files.items())],
                      "versions": [{"entry_uuid": doc["entry_uuid"],
                                    "version_commitment": entry.version_commitment}
                                   for doc, entry in zip(entry_docs, entries, strict=True)]})
    files["manifest.json"] = manifest
    files["manifest.sig"] = sign(signing_key, manifest)
    tar = _tar(files)
    ciphertext = pyrage.encrypt(tar, [pyrage.x25519.Recipient.from_str(recipient_age_key)])
    return Built(package_uuid, token, ciphertext, hashlib.sha256(ciphertext).hexdigest(), files,
                 tuple(doc["entry_uuid"] for doc in entry_docs))


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(f"package/{name}")
            info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
            tar.addfile(info, io.BytesIO(files[name]))
    return buffer.getvalue()


def store(folder: Path, built: Built) -> str:
    """Write the (encrypted) package under a random name; returns that name."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(20) + ".age"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(built.ciphertext)
        handle.flush()
        os.fsync(handle.fileno())
    return name


class PackageInvalid(ValueError):
    """The package failed to decrypt, its signature or a file hash did not match."""


def open_and_verify(ciphertext: bytes, identity_text: str,
                    expected_signer: bytes | None = None) -> dict[str, bytes]:
    """What a recipient does: decrypt, check the signature and every hash."""
    try:
        # An identity file as age-keygen writes it: "# created", "# public key" comment
        # lines, then one AGE-SECRET-KEY-1... line (age accepts several).
        identities = [pyrage.x25519.Identity.from_str(line.strip())
                      for line in identity_text.splitlines()
                      if line.strip() and not line.lstrip().startswith("#")]
        tar = pyrage.decrypt(ciphertext, identities)
    except Exception:  # noqa: BLE001 - pyrage raises its own types
        raise PackageInvalid("cannot decrypt with this identity") from None
    files: dict[str, bytes] = {}
    try:
        # A whole archive ends with two zero blocks; one cut at a member boundary does not
        # (tarfile would read it without complaint).
        if not tar.endswith(bytes(2 * tarfile.BLOCKSIZE)):
            raise tarfile.TarError("no end-of-archive marker")
        with tarfile.open(fileobj=io.BytesIO(tar), mode="r") as archive:
            for member in archive.getmembers():
                if not member.isfile() or ".." in member.name:
                    raise PackageInvalid("unexpected entry in the package")
                handle = archive.extractfile(member)
                content = handle.read() if handle else b""
                if len(content) != member.size:  # cut short: not a whole archive
                    raise tarfile.TarError("truncated member")
                files[member.name.removeprefix("package/")] = content
    except tarfile.TarError:
        # Anyone can encrypt to the unit's public key: what decrypts need not be a package.
        raise PackageInvalid("the decrypted content is not a package archive") from None
    manifest, signature = files.get("manifest.json"), files.get("manifest.sig")
    if manifest is None or signature is None:
        raise PackageInvalid("manifest or signature missing")
    try:
        signer = expected_signer or public_key_from_pem(files.get("signing-key.pem", b""))
        verify(signer, manifest, signature)
    except CryptoError:
        raise PackageInvalid("the manifest signature does not verify") from None
    for item in json.loads(manifest)["files"]:
        data = files.get(item["path"])
        if data is None or hashlib.sha256(data).hexdigest() != item["sha256"]:
            raise PackageInvalid(f"hash mismatch for {item['path']}")
    return files


def signer_fingerprint(signing_key: bytes) -> str:
    return hashlib.sha256(public_key(signing_key)).hexdigest()[:16]
