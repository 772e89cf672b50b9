"""``flask senim package verify FILE --identity KEYFILE`` (casework/cli_packages.py): what a
recipient runs. Exit 0 and "verified" for a genuine package; exit 1 and "NOT verified" for a
flipped byte, the wrong identity, a tampered manifest, entry or signature.

Tampering is realistic: age encryption is not authentication, anyone holding the unit's
PUBLIC key (it is in the MoU) can decrypt nothing but can encrypt anything, so a forger
re-encrypts a modified tar. Only the Ed25519 signature over the manifest protects the
content.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pyrage
import pytest

from casework.services import packages
from crypto import generate_signing_key, public_key, public_key_pem
from crypto.signing import sign

NOW = datetime(2026, 6, 1, 12, 0)


def _signing_key(app: Any) -> bytes:
    key: bytes = app.extensions["senim.keys"].current("signing").material
    return key


def _envelope() -> packages.Envelope:
    return packages.Envelope(
        producer="NGO-SENIM-DEMO", recipient_code="POL-ATU-DEMO",
        recipient_name="Demo Police Anti-Trafficking Unit", mou_id="MOU-DEMO-POLICE-01",
        mou_version=1, mou_sha256="a" * 64, purpose="investigate_traffickers",
        tlp="TLP:AMBER+STRICT", handling_code="C",
        conditions=("NO_ONWARD_DISSEMINATION_WITHOUT_ORIGINATOR",),
        clauses=(("no_source_identity", "The police shall not disclose the source."),),
        retention_review_months=12, retention_delete_months=36, feedback_ack_days=5,
        feedback_outcome_days=90, emergency=False)


def _entry(text: str = "The controller uses a bus company office.") -> packages.PackageEntry:
    return packages.PackageEntry(
        kind="specific", subject_area="routes", source_type="victim_or_close_person",
        grading=("2", "A", "C"), statement="reported_fact", text=text,
        tags=("phase:transit",), time="2026-05", time_granularity="month", place="Shymkent",
        place_granularity="city")


class Recipient:
    def __init__(self, folder: Path, name: str = "unit") -> None:
        self.identity = pyrage.x25519.Identity.generate()
        self.public = str(self.identity.to_public())
        # The file exactly as age-keygen writes it: two comment lines, then the key.
        self.key_file = folder / f"{name}-identity.txt"
        self.key_file.write_text(f"# created: 2026-06-01T12:00:00Z\n# public key: "
                                 f"{self.public}\n{self.identity}\n")


@pytest.fixture
def unit(tmp_path: Path) -> Recipient:
    return Recipient(tmp_path)


@pytest.fixture
def built(app: Any, unit: Recipient) -> packages.Built:
    return packages.build(_envelope(), [_entry(), _entry("Second entry.")],
                          recipient_age_key=unit.public, signing_key=_signing_key(app),
                          now=NOW)


def _store(folder: Path, built: packages.Built) -> Path:
    return folder / "out" / packages.store(folder / "out", built)


def _forged(folder: Path, unit: Recipient, files: dict[str, bytes], name: str) -> Path:
    """Re-encrypt a modified set of files to the unit's public key, as a forger can."""
    path = folder / name
    path.write_bytes(pyrage.encrypt(packages._tar(files),
                                    [pyrage.x25519.Recipient.from_str(unit.public)]))
    return path


def _manifest(files: dict[str, bytes]) -> bytes:
    return json.dumps({"package_uuid": "forged", "created_utc": "2026-06-01T12:00:00Z",
                       "files": [{"path": p, "sha256": hashlib.sha256(d).hexdigest(),
                                  "size": len(d)} for p, d in sorted(files.items())
                                 if p not in ("manifest.json", "manifest.sig")]},
                      indent=2, sort_keys=True).encode()


def verify(app: Any, package: Path, identity: Path, *extra: str) -> Any:
    runner = app.test_cli_runner()
    return runner.invoke(args=["senim", "package", "verify", str(package), "--identity",
                               str(identity), *extra])


def assert_refused(result: Any, why: str) -> None:
    assert result.exit_code == 1, result.output
    assert "NOT verified" in result.output and why in result.output, result.output
    assert "verified: package" not in result.output


# --- a genuine package ---------------------------------------------------------------------


def test_genuine_package_verifies(app, unit, built, tmp_path) -> None:
    result = verify(app, _store(tmp_path, built), unit.key_file)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"verified: package {built.package_uuid} for POL-ATU-DEMO under MOU-DEMO-POLICE-01 "
        "v1; 2 entries; TLP:AMBER+STRICT, handling C")


def test_genuine_package_verifies_with_the_included_key(app, unit, built, tmp_path) -> None:
    result = verify(app, _store(tmp_path, built), unit.key_file, "--trust-included-key")
    assert result.exit_code == 0 and result.output.startswith("verified: package")


def test_identity_file_with_only_the_secret_key_line(app, unit, built, tmp_path) -> None:
    bare = tmp_path / "bare.txt"
    bare.write_text(str(unit.identity))  # no comments, no trailing newline
    assert verify(app, _store(tmp_path, built), bare).exit_code == 0


@pytest.mark.skipif(shutil.which("age-keygen") is None, reason="age-keygen not installed")
def test_identity_file_made_by_age_keygen(app, tmp_path) -> None:
    """The unit makes its key with age-keygen (comment lines included); the same file opens
    the package with ``age -d -i`` and with Senim's tool. Used to fail: the whole file was
    parsed as one key."""
    key_file = tmp_path / "keygen.txt"
    subprocess.run(["age-keygen", "-o", str(key_file)], check=True, capture_output=True)
    public = next(line.split(": ", 1)[1] for line in key_file.read_text().splitlines()
                  if line.startswith("# public key: "))
    package = _store(tmp_path, packages.build(_envelope(), [_entry()], recipient_age_key=public,
                                              signing_key=_signing_key(app), now=NOW))
    result = verify(app, package, key_file)
    assert result.exit_code == 0, result.output
    assert packages.open_and_verify(package.read_bytes(), key_file.read_text())


# --- damaged or forged packages --------------------------------------------------------------


@pytest.mark.parametrize("where", ["header", "middle", "last"])
def test_flipped_byte_is_refused(app, unit, built, tmp_path, where: str) -> None:
    path = _store(tmp_path, built)
    data = bytearray(path.read_bytes())
    index = {"header": 40, "middle": len(data) // 2, "last": len(data) - 1}[where]
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    assert_refused(verify(app, path, unit.key_file), "cannot decrypt")


def test_truncated_package_is_refused(app, unit, built, tmp_path) -> None:
    path = _store(tmp_path, built)
    path.write_bytes(path.read_bytes()[:-100])
    assert_refused(verify(app, path, unit.key_file), "cannot decrypt")


def test_wrong_identity_is_refused(app, built, tmp_path) -> None:
    other = Recipient(tmp_path, "other-unit")
    assert_refused(verify(app, _store(tmp_path, built), other.key_file), "cannot decrypt")


def test_identity_file_without_a_key_is_refused(app, built, tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# public key: age1...\n\n")
    assert_refused(verify(app, _store(tmp_path, built), empty), "cannot decrypt")


def test_tampered_manifest_is_refused(app, unit, built, tmp_path) -> None:
    files = dict(built.files)
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = [f for f in manifest["files"] if not f["path"].startswith("entries/")]
    files["manifest.json"] = json.dumps(manifest).encode()
    path = _forged(tmp_path, unit, files, "manifest.age")
    assert_refused(verify(app, path, unit.key_file), "signature does not verify")
    assert_refused(verify(app, path, unit.key_file, "--trust-included-key"),
                   "signature does not verify")


def test_tampered_entry_is_refused(app, unit, built, tmp_path) -> None:
    files = dict(built.files)
    name = next(p for p in files if p.startswith("entries/"))
    files[name] = files[name].replace(b"bus company", b"taxi company")
    path = _forged(tmp_path, unit, files, "entry.age")
    assert_refused(verify(app, path, unit.key_file), f"hash mismatch for {name}")


def test_tampered_envelope_is_refused(app, unit, built, tmp_path) -> None:
    files = dict(built.files)
    files["envelope.json"] = files["envelope.json"].replace(b"TLP:AMBER+STRICT", b"TLP:CLEAR")
    path = _forged(tmp_path, unit, files, "envelope.age")
    assert_refused(verify(app, path, unit.key_file), "hash mismatch for envelope.json")


def test_removed_file_is_refused(app, unit, built, tmp_path) -> None:
    files = {p: d for p, d in built.files.items() if p != "report.html"}
    path = _forged(tmp_path, unit, files, "removed.age")
    assert_refused(verify(app, path, unit.key_file), "hash mismatch for report.html")


def test_missing_signature_is_refused(app, unit, built, tmp_path) -> None:
    files = {p: d for p, d in built.files.items() if p != "manifest.sig"}
    path = _forged(tmp_path, unit, files, "nosig.age")
    assert_refused(verify(app, path, unit.key_file), "manifest or signature missing")


def test_package_re_signed_by_another_key(app, unit, built, tmp_path) -> None:
    """A forger rewrites an entry, the manifest, and signs with their own key, shipping its
    public half as signing-key.pem. The instance's own key refuses it. With
    --trust-included-key it verifies: the included key proves nothing by itself, which is
    why the recipient must compare its fingerprint with the MoU's."""
    forger = generate_signing_key()
    files = dict(built.files)
    name = next(p for p in files if p.startswith("entries/"))
    files[name] = files[name].replace(b"bus company", b"taxi company")
    files["signing-key.pem"] = public_key_pem(forger)
    files["manifest.json"] = _manifest(files)
    files["manifest.sig"] = sign(forger, files["manifest.json"])
    path = _forged(tmp_path, unit, files, "resigned.age")
    assert_refused(verify(app, path, unit.key_file), "signature does not verify")
    trusting = verify(app, path, unit.key_file, "--trust-included-key")
    assert trusting.exit_code == 0  # documented trust model, see the docstring
    assert public_key(forger) != public_key(_signing_key(app))


def test_plaintext_that_is_not_a_package_is_refused(app, unit, tmp_path) -> None:
    path = tmp_path / "junk.age"
    path.write_bytes(pyrage.encrypt(b"this is not a tar archive" * 40,
                                    [pyrage.x25519.Recipient.from_str(unit.public)]))
    assert_refused(verify(app, path, unit.key_file), "not a package archive")


def test_truncated_archive_inside_valid_encryption_is_refused(app, unit, built,
                                                              tmp_path) -> None:
    tar = packages._tar(dict(built.files))
    path = tmp_path / "short.age"
    path.write_bytes(pyrage.encrypt(tar[:len(tar) // 2],
                                    [pyrage.x25519.Recipient.from_str(unit.public)]))
    assert_refused(verify(app, path, unit.key_file), "not a package archive")


def test_path_traversal_member_is_refused(app, unit, built, tmp_path) -> None:
    files = dict(built.files)
    files["../escape.txt"] = b"x"
    path = _forged(tmp_path, unit, files, "traversal.age")
    assert_refused(verify(app, path, unit.key_file), "unexpected entry in the package")


# --- usage errors --------------------------------------------------------------------------


def test_missing_files_are_usage_errors(app, unit, built, tmp_path) -> None:
    assert verify(app, tmp_path / "nope.age", unit.key_file).exit_code == 2
    assert verify(app, _store(tmp_path, built), tmp_path / "nope.txt").exit_code == 2
    runner = app.test_cli_runner()
    assert runner.invoke(args=["senim", "package", "verify",
                               str(_store(tmp_path, built))]).exit_code == 2
