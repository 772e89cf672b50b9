"""Encrypted attachments (issue 3): round trips by magic bytes, refusals that leave nothing
behind, and every kind of tampering with the file on disk raising an integrity alarm."""

from __future__ import annotations

import io
import os
import re

import pytest
from sqlalchemy import func, select

from casework.models import Attachment, AuditEvent
from casework.services import attachments, persons, subjects
from casework.services.attachments import AttachmentReason, AttachmentRefused
from crypto.stream import DEFAULT_CHUNK_SIZE, STREAM_HEADER_BYTES

TAG = 16
SEALED_CHUNK = DEFAULT_CHUNK_SIZE + TAG
SECRET_TEXT = b"Statement of A.S.: recruited in Shymkent, passport taken by the employer. "

SAMPLES = {
    "application/pdf": b"%PDF-1.7\n" + SECRET_TEXT * 40 + b"\n%%EOF",
    "image/png": b"\x89PNG\r\n\x1a\n" + SECRET_TEXT * 10,
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + SECRET_TEXT * 10,
    "audio/ogg": b"OggS\x00\x02" + SECRET_TEXT * 10,
    "audio/wav": b"RIFF\x24\x08\x00\x00WAVEfmt " + SECRET_TEXT * 10,
}


@pytest.fixture
def folder(app):
    path = app.extensions["senim.settings"].attachments_path
    path.mkdir(parents=True, exist_ok=True)
    before = set(path.iterdir())
    yield path
    for extra in set(path.iterdir()) - before:
        extra.unlink()


@pytest.fixture
def person(ctx):
    return persons.register(ctx, names=["Aigul Sadykova"], date_of_birth=None, phones=[])


def _store(ctx, folder, person, data, name="statement.pdf", max_bytes=10 * 1024 * 1024):
    return attachments.store(ctx, folder, subject_id=person.subject_id, owner_type="person",
                             owner_ref=person.public_id, stream=io.BytesIO(data),
                             filename=name, max_bytes=max_bytes)


def _rows(ctx):
    return ctx.session.scalar(select(func.count()).select_from(Attachment))


def _alarm_count(ctx):
    return ctx.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "crypto.integrity_failure"))


def _expect_alarm(ctx, folder, attachment):
    before = _alarm_count(ctx)
    with pytest.raises(subjects.IntegrityAlarm) as caught:
        attachments.read(ctx, folder, attachment)
    assert "Shymkent" not in str(caught.value)
    assert _alarm_count(ctx) == before + 1


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_round_trip_by_magic_bytes(ctx, folder, person, content_type):
    data = SAMPLES[content_type]
    attachment = _store(ctx, folder, person, data, name=f"file-{content_type.split('/')[1]}")
    assert attachment.content_type == content_type
    assert attachment.size == len(data)
    name, back = attachments.read(ctx, folder, attachment)
    assert back == data and name == f"file-{content_type.split('/')[1]}"
    assert ctx.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "attachment.read")) == 1


def test_large_multi_chunk_round_trip(ctx, folder, person):
    data = b"%PDF-" + os.urandom(3 * DEFAULT_CHUNK_SIZE + 1234)
    attachment = _store(ctx, folder, person, data)
    path = folder / attachment.storage_name
    assert path.stat().st_size == STREAM_HEADER_BYTES + len(data) + 4 * TAG
    assert attachments.read(ctx, folder, attachment)[1] == data


def test_stored_file_is_random_named_ciphertext(ctx, folder, person):
    attachment = _store(ctx, folder, person, SAMPLES["application/pdf"],
                        name="Aigul Sadykova passport.pdf")
    assert re.fullmatch(r"[0-9a-f]{40}", attachment.storage_name)
    raw = (folder / attachment.storage_name).read_bytes()
    assert b"Shymkent" not in raw and b"%PDF" not in raw and b"Sadykova" not in raw
    assert b"Sadykova" not in attachment.filename_ciphertext
    assert [p.name for p in folder.iterdir() if p.name.endswith(".part")] == []
    assert oct((folder / attachment.storage_name).stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("data", [
    b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100,
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"MZ\x90\x00" + b"\x00" * 60,
    b"PK\x03\x04" + b"\x00" * 60,
])
def test_disallowed_content_with_a_pdf_name_is_refused(ctx, folder, person, data):
    before = set(folder.iterdir())
    with pytest.raises(AttachmentRefused) as caught:
        _store(ctx, folder, person, data, name="consent.pdf")
    assert caught.value.reasons == (AttachmentReason.TYPE_NOT_ALLOWED,)
    assert set(folder.iterdir()) == before
    assert _rows(ctx) == 0


def test_empty_upload_is_refused(ctx, folder, person):
    with pytest.raises(AttachmentRefused) as caught:
        _store(ctx, folder, person, b"")
    assert caught.value.reasons == (AttachmentReason.EMPTY,)
    assert _rows(ctx) == 0


@pytest.mark.parametrize("size", [1001, 200_000])
def test_oversized_upload_leaves_no_part_file_and_no_row(ctx, folder, person, size):
    before = set(folder.iterdir())
    with pytest.raises(AttachmentRefused) as caught:
        _store(ctx, folder, person, b"%PDF-" + b"x" * (size - 5), max_bytes=1000)
    assert caught.value.reasons == (AttachmentReason.TOO_LARGE,)
    assert set(folder.iterdir()) == before
    assert _rows(ctx) == 0


def test_exactly_the_limit_is_accepted(ctx, folder, person):
    data = b"%PDF-" + b"x" * 995
    attachment = _store(ctx, folder, person, data, max_bytes=1000)
    assert attachments.read(ctx, folder, attachment)[1] == data


def test_upload_for_a_shredded_subject_leaves_nothing(ctx, folder, person):
    from sqlalchemy import delete

    from casework.models import SubjectKey

    ctx.session.execute(delete(SubjectKey).where(SubjectKey.subject_id == person.subject_id))
    before = set(folder.iterdir())
    with pytest.raises(subjects.SubjectShredded):
        _store(ctx, folder, person, SAMPLES["application/pdf"])
    assert set(folder.iterdir()) == before


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ("/absolute/path/scan.png", "scan.png"),
    ("dir/sub/\x00\x1bname\u202e.pdf", "name.pdf"),
    ("../", "file"),
])
def test_path_traversal_name_keeps_only_the_last_component(ctx, folder, person, name,
                                                           expected):
    attachment = _store(ctx, folder, person, SAMPLES["application/pdf"], name=name)
    stored, _ = attachments.read(ctx, folder, attachment)
    assert stored == expected
    assert (folder / attachment.storage_name).exists()
    assert not any(p.name == expected for p in folder.parent.rglob(expected))


def _big(ctx, folder, person):
    data = b"%PDF-" + os.urandom(3 * DEFAULT_CHUNK_SIZE + 777)  # 4 chunks
    attachment = _store(ctx, folder, person, data)
    return attachment, folder / attachment.storage_name


def test_truncated_file_dropping_the_last_chunk_raises_alarm(ctx, folder, person):
    attachment, path = _big(ctx, folder, person)
    raw = path.read_bytes()
    last = (len(raw) - STREAM_HEADER_BYTES) % SEALED_CHUNK
    path.write_bytes(raw[:-last])
    _expect_alarm(ctx, folder, attachment)


@pytest.mark.parametrize("cut", [1, TAG, SEALED_CHUNK + 1])
def test_truncated_anywhere_raises_alarm(ctx, folder, person, cut):
    attachment, path = _big(ctx, folder, person)
    path.write_bytes(path.read_bytes()[:-cut])
    _expect_alarm(ctx, folder, attachment)


def test_swapped_chunks_raise_alarm(ctx, folder, person):
    attachment, path = _big(ctx, folder, person)
    raw = path.read_bytes()
    header, body = raw[:STREAM_HEADER_BYTES], raw[STREAM_HEADER_BYTES:]
    chunks = [body[i:i + SEALED_CHUNK] for i in range(0, len(body), SEALED_CHUNK)]
    assert len(chunks) == 4
    chunks[0], chunks[1] = chunks[1], chunks[0]
    path.write_bytes(header + b"".join(chunks))
    _expect_alarm(ctx, folder, attachment)


def test_duplicated_chunk_and_appended_data_raise_alarm(ctx, folder, person):
    attachment, path = _big(ctx, folder, person)
    raw = path.read_bytes()
    body = raw[STREAM_HEADER_BYTES:]
    path.write_bytes(raw[:STREAM_HEADER_BYTES] + body[:SEALED_CHUNK] + body)
    _expect_alarm(ctx, folder, attachment)
    path.write_bytes(raw + b"\x00" * 32)
    _expect_alarm(ctx, folder, attachment)


@pytest.mark.parametrize("offset", [0, 5, STREAM_HEADER_BYTES - 1, STREAM_HEADER_BYTES + 10,
                                    -1])
def test_flipped_byte_raises_alarm(ctx, folder, person, offset):
    attachment = _store(ctx, folder, person, SAMPLES["image/png"])
    path = folder / attachment.storage_name
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))
    _expect_alarm(ctx, folder, attachment)


def test_file_replaced_by_another_attachments_file_raises_alarm(ctx, folder, person):
    first = _store(ctx, folder, person, SAMPLES["application/pdf"])
    second = _store(ctx, folder, person, SAMPLES["application/pdf"])
    other = persons.register(ctx, names=["Dana"], date_of_birth=None, phones=[])
    third = _store(ctx, folder, other, SAMPLES["application/pdf"])
    (folder / first.storage_name).write_bytes((folder / second.storage_name).read_bytes())
    _expect_alarm(ctx, folder, first)
    (folder / second.storage_name).write_bytes((folder / third.storage_name).read_bytes())
    _expect_alarm(ctx, folder, second)
    assert attachments.read(ctx, folder, third)[1] == SAMPLES["application/pdf"]


def test_missing_file_raises_alarm(ctx, folder, person):
    attachment = _store(ctx, folder, person, SAMPLES["application/pdf"])
    (folder / attachment.storage_name).unlink()
    _expect_alarm(ctx, folder, attachment)


def test_wrapped_file_key_moved_between_attachments_raises_alarm(ctx, folder, person):
    first = _store(ctx, folder, person, SAMPLES["application/pdf"])
    second = _store(ctx, folder, person, SAMPLES["image/png"])
    first.wrapped_file_key = second.wrapped_file_key
    _expect_alarm(ctx, folder, first)


def test_filename_ciphertext_moved_between_attachments_raises_alarm(ctx, folder, person):
    first = _store(ctx, folder, person, SAMPLES["application/pdf"], name="a.pdf")
    second = _store(ctx, folder, person, SAMPLES["application/pdf"], name="b.pdf")
    first.filename_ciphertext = second.filename_ciphertext
    _expect_alarm(ctx, folder, first)
