"""Draft, check, approve and release a package; the recipient opens and verifies it."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from casework.services import disclosures, packages
from casework.services.errors import ServiceError
from tests.services.disclosure_support import build_world


def _draft(ctx, w, **changes):
    items = [disclosures.ItemInput(w.thematic.reference, w.consent.public_id, None),
             disclosures.ItemInput(w.specific.reference, w.consent.public_id, w.risk.public_id,
                                   withhold="Sapar")]
    args = dict(purpose="investigate_traffickers", items=items, tlp="TLP:AMBER+STRICT",
                handling_code="C")
    args.update(changes)
    return disclosures.draft(ctx.as_actor(w.caseworker.public_id), w.caseworker, w.unit, **args)


def test_release_builds_one_verifiable_package(app, ctx, tmp_path):
    w = build_world(ctx, app.extensions["senim.settings"].attachments_path)
    request = _draft(ctx, w)
    report = disclosures.evaluate_request(ctx, request)
    assert report.passed, [(c.label, c.decision.reasons) for c in report.failures()]
    disclosures.submit(ctx.as_actor(w.caseworker.public_id), w.caseworker, request,
                       seen_version=request.version)
    # The drafter cannot approve; a liaison without step-up cannot either.
    with pytest.raises(ServiceError):
        disclosures.approve(ctx, w.caseworker, request, seen_version=request.version,
                            step_up_fresh=True, folder=tmp_path)
    with pytest.raises(ServiceError):
        disclosures.approve(ctx, w.liaison, request, seen_version=request.version,
                            step_up_fresh=False, folder=tmp_path)
    result = disclosures.approve(ctx.as_actor(w.liaison.public_id), w.liaison, request,
                                 seen_version=request.version, step_up_fresh=True,
                                 folder=tmp_path)
    assert result.state.value == "released" and result.package is not None
    ciphertext = (tmp_path / result.package.storage_name).read_bytes()
    files = packages.open_and_verify(ciphertext, str(w.identity))
    envelope = json.loads(files["envelope.json"])
    assert envelope["mou"]["id"] == "MOU-DEMO-POLICE-01"
    everything = b"".join(files.values()).decode("utf-8", "replace")
    for secret in ("Жанар", "Zhanar", "Tulegenova", "555 2211", "1994-02-02",
                   w.person.case_code, w.thematic.reference, w.specific.reference,
                   w.thematic.source_token, "Sapar"):
        assert secret not in everything, secret
    assert "[withheld]" in everything
    # A second approval of the same request can never make a second package.
    with pytest.raises(ServiceError):
        disclosures.approve(ctx, w.deputy, request, seen_version=request.version - 1,
                            step_up_fresh=True, folder=tmp_path)


@pytest.mark.skipif(shutil.which("age") is None or shutil.which("openssl") is None,
                    reason="the age and openssl command-line tools are installed by .ci/run")
def test_recipient_opens_with_age_and_openssl(app, ctx, tmp_path):
    w = build_world(ctx, app.extensions["senim.settings"].attachments_path)
    request = _draft(ctx, w)
    disclosures.submit(ctx, w.caseworker, request, seen_version=request.version)
    package = disclosures.approve(ctx, w.liaison, request, seen_version=request.version,
                                  step_up_fresh=True, folder=tmp_path).package
    (tmp_path / "identity.txt").write_text(str(w.identity) + "\n")
    tar = subprocess.run(["age", "-d", "-i", str(tmp_path / "identity.txt"),
                          str(tmp_path / package.storage_name)], capture_output=True,
                         check=True).stdout
    (tmp_path / "p.tar").write_bytes(tar)
    subprocess.run(["tar", "-xf", "p.tar"], cwd=tmp_path, check=True)
    root = tmp_path / "package"
    verified = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                               "signing-key.pem", "-rawin", "-in", "manifest.json",
                               "-sigfile", "manifest.sig"], cwd=root, capture_output=True,
                              text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    manifest = json.loads((root / "manifest.json").read_text())
    import hashlib

    for item in manifest["files"]:
        assert hashlib.sha256((root / item["path"]).read_bytes()).hexdigest() == item["sha256"]
