"""No plaintext upload on disk, ever (issue 11, item 5; GUIDE rule 4).

Werkzeug spools a multipart part over 500 KiB into a temporary file (on Linux an unnamed
O_TMPFILE, visible only in /proc/self/fd) before the view runs. The application's request
class keeps uploads in memory instead; this test uploads several MiB through the real
page and watches the temporary folder and the process's open files during the request.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.support import csrf_token, login, make_staff, post_form

SIZE = 6 * 1024 * 1024  # well past Werkzeug's 500 KiB spooling threshold, under the limit


def _register(client) -> str:
    response = post_form(client, "/persons/new", data={
        "full_name": "Айгүл Садықова", "date_of_birth": "17.05.1990",
        "dob_source": "document", "gender": "female",
        "phones": "+7 701 555 12 34", "placement": "Umit shelter",
        "safe_channel": "in_person", "code_word": "apricot"})
    assert response.status_code == 302
    return response.location.rsplit("/", 1)[-1]


def _interview(client, code: str) -> str:
    notice = post_form(client, f"/persons/{code}/notice", data={
        "language": "ru", "response": "acknowledged"})
    form = client.get(notice.location)
    saved = client.post(notice.location.split("?")[0], data={
        "csrf_token": csrf_token(form.get_data(as_text=True)),
        "notice": notice.location.split("notice=")[1], "interviewee_role": "victim",
        "place_type": "shelter", "narrative": "Recruited online.",
        # Not before the notice (given today, local time) nor in the future (issue 9.8).
        "held_on": datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()})
    assert saved.status_code == 302
    return saved.location


def _open_files() -> dict[str, str]:
    """fd -> target of every open descriptor of this process."""
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
    return found


class Watch:
    """Polls the temporary folders and /proc/self/fd while a request runs."""

    def __init__(self, folders: list[Path], instance: Path, canary: bytes) -> None:
        self.folders, self.instance, self.canary = folders, str(instance), canary
        self.before_entries = {folders[0]: set(os.listdir(folders[0]))}
        self.before_fds = _open_files()
        self.new_entries: set[str] = set()
        self.suspicious_fds: set[str] = set()
        self.plaintext_seen: set[str] = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def check(self) -> None:
        # One check at a time: a listing in one thread holds a descriptor on the folder
        # that the other thread's scan of /proc/self/fd would report.
        with self._lock:
            self._check()

    def _check(self) -> None:
        for folder in self.before_entries:
            self.new_entries |= set(os.listdir(folder)) - self.before_entries[folder]
        for fd, target in _open_files().items():
            if self.before_fds.get(fd) == target or not target.startswith("/"):
                continue  # sockets, pipes, anonymous inodes, descriptors already open
            temporary = target.endswith("(deleted)") or target.startswith(
                tuple(str(f) for f in self.folders))
            if temporary and not target.startswith(self.instance):
                self.suspicious_fds.add(target)
            try:
                with open(f"/proc/self/fd/{fd}", "rb") as handle:
                    if self.canary in handle.read():
                        self.plaintext_seen.add(target)
            except OSError:
                continue

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(0.005)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_a_large_upload_never_reaches_a_temporary_file(app, client, tmp_path, monkeypatch):
    import casework.services.interviews as interviews

    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    # Anything that asks tempfile for a place now gets this private, watched folder.
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert tempfile.gettempdir() == str(private_tmp)

    login(client, app, make_staff(app, "caseworker"))
    code = _register(client)
    interview_url = _interview(client, code)
    page = client.get(interview_url).get_data(as_text=True)
    canary = b"SENIM-PLAINTEXT-CANARY-" + secrets.token_hex(8).encode()
    body = b"%PDF-1.4\n" + canary * (SIZE // len(canary))
    instance = app.extensions["senim.settings"].instance_path

    # Other processes share /tmp, so its listing is not compared; this process's open
    # descriptors into it (or into no folder at all: O_TMPFILE, unlinked) are.
    watch = Watch([private_tmp, Path("/tmp"), Path("/var/tmp")], instance, canary)
    original = interviews.attach
    seen_at_store: list[bool] = []

    def attach_while_watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        # The upload has been parsed and is held somewhere right now: look for it.
        watch.check()
        seen_at_store.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(interviews, "attach", attach_while_watched)
    path = interview_url.split("?")[0] + "/attachments"
    # The body is encoded here, in memory: Werkzeug's test client would otherwise spool
    # it to a temporary file of its own on the sending side.
    boundary = "senim" + secrets.token_hex(8)
    encoded = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
               f"{csrf_token(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
               f'name="file"; filename="statement.pdf"\r\nContent-Type: application/pdf'
               "\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
    with watch:
        response = client.post(path, input_stream=io.BytesIO(encoded),
                               content_length=len(encoded),
                               content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    assert seen_at_store == [True]
    assert watch.plaintext_seen == set()
    assert watch.suspicious_fds == set()
    assert watch.new_entries == set()
    # And it really was stored (encrypted, in the attachments folder).
    stored = list(app.extensions["senim.settings"].attachments_path.glob("*"))
    assert stored and all(canary not in p.read_bytes() for p in stored)
    assert sum(p.stat().st_size for p in stored) > SIZE
