"""The request class: uploads never touch the disk, malformed form bodies are noticed.

Werkzeug spools any multipart upload over 500 KiB into a temporary file, in plaintext,
before a view sees it (and on Linux an unnamed ``O_TMPFILE`` one, visible only in
``/proc/self/fd``). Here every uploaded part is kept in memory instead; the whole body is
already bounded by ``MAX_CONTENT_LENGTH`` (the upload limit plus 1 MiB), so memory is
bounded too. The buffers are overwritten with zeros when the request closes (best effort:
the encryptor's own chunks are ordinary Python objects).

Werkzeug also swallows a form body that is not valid UTF-8 (the form just comes out
empty), which flask-wtf then took for a missing CSRF token and ended the session. The
parser below notes the failure instead, and ``casework.web.input_guard`` answers 400.
"""

from __future__ import annotations

import io
from typing import IO, Any
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.formparser import FormDataParser


class StrictFormDataParser(FormDataParser):
    """Form parsing that decodes strictly and remembers whether the body was malformed."""

    malformed = False

    def parse(self, stream: IO[bytes], mimetype: str, content_length: int | None,
              options: dict[str, str] | None = None) -> Any:
        self.silent = False
        try:
            return super().parse(stream, mimetype, content_length, options)
        except ValueError:  # UnicodeDecodeError included
            self.malformed = True
            return stream, self.cls(), self.cls()

    def _parse_urlencoded(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                          options: dict[str, str]) -> Any:
        # Werkzeug keeps an undecodable %XX escape as literal text; refuse it instead.
        items = parse_qsl(stream.read().decode("utf-8"), keep_blank_values=True,
                          errors="strict")
        return stream, self.cls(items), self.cls()


class SenimRequest(Request):
    _parser: StrictFormDataParser | None = None
    _buffers: list[io.BytesIO]

    def make_form_data_parser(self) -> FormDataParser:
        self._parser = StrictFormDataParser(
            stream_factory=self._get_file_stream,
            max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length,
            max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class,
        )
        return self._parser

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        """Every uploaded part in memory, never in a temporary file (issue 11, item 5)."""
        buffer = io.BytesIO()
        self.__dict__.setdefault("_buffers", []).append(buffer)
        return buffer

    @property
    def form_malformed(self) -> bool:
        """Whether the form body could not be decoded (parses the form if not yet done)."""
        self.form  # noqa: B018  (parsing is what sets the flag)
        return bool(self._parser is not None and self._parser.malformed)

    def close(self) -> None:
        for buffer in self.__dict__.get("_buffers", ()):
            try:
                view = buffer.getbuffer()
            except ValueError:  # already closed
                continue
            with view:
                view[:] = bytes(len(view))
        super().close()
