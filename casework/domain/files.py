"""Which uploads are accepted: decided from the file's first bytes, never its name.

Signed consent forms, scans, photos of documents and interview audio. The declared
content type and the extension are ignored; a file whose bytes are none of these is
refused (issue 3, item 5).
"""

from __future__ import annotations

SNIFF_BYTES = 16

_SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("application/pdf", b"%PDF-", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("audio/ogg", b"OggS", 0),
    ("audio/mpeg", b"ID3", 0),
    ("audio/flac", b"fLaC", 0),
)


def sniff_content_type(head: bytes) -> str | None:
    """The content type the first bytes prove, or None if the file is not allowed."""
    for content_type, magic, offset in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"mp4", b"iso", b"isom"[:3]):
        return "audio/mp4"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"  # an MPEG audio frame without an ID3 tag
    return None
