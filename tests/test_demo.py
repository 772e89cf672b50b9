"""`senim demo --out FILE` (issues 2, 4, 6): a living organisation that a script can check
from the outside — sign in, find no demo identifier at rest or in the logs, open the
released package with `age` and verify it with OpenSSL as the police would."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess

import pytest

from tests.support import isolated_instance, leaks, raw_storage


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    with isolated_instance(root, demo_mode=True) as app:
        out = root / "demo.json"
        result = app.test_cli_runner().invoke(args=["senim", "demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        yield app, json.loads(out.read_text()), result.output


def test_every_role_and_totp(demo):
    _, data, output = demo
    roles = {u["role"] for u in data["users"]}
    assert roles == {"caseworker", "psychologist", "legal_adviser", "liaison", "director",
                     "auditor"}
    assert all(len(u["totp_secret"]) == 32 and u["password"] for u in data["users"])
    assert "TOTP secret" in output  # shown in demo mode only


def test_demo_people_never_at_rest_in_plaintext(demo, caplog):
    app, data, _ = demo
    assert len(data["persons"]) >= 3
    blobs = raw_storage(app)
    assert blobs
    for person in data["persons"]:
        for value in [*person["names"], *person["phones"], person["date_of_birth"]]:
            assert not leaks(blobs, value), value
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for person in data["persons"]:
        assert not any(name in logged for name in person["names"])


def test_demo_run_is_idempotent(demo):
    app, data, _ = demo
    again = app.test_cli_runner().invoke(args=["senim", "demo"])
    assert again.exit_code == 0
    assert data["persons"][0]["case_code"] in json.dumps(data)


@pytest.mark.skipif(not (shutil.which("age") and shutil.which("openssl")),
                    reason="age and openssl are installed by .ci/run")
def test_released_package_opens_like_the_police_would(demo, tmp_path):
    _, data, _ = demo
    [package] = data["packages"]
    tar = subprocess.run(["age", "-d", "-i", package["recipient_identity_file"],
                          package["file"]], capture_output=True, check=True).stdout
    (tmp_path / "p.tar").write_bytes(tar)
    subprocess.run(["tar", "-xf", "p.tar"], cwd=tmp_path, check=True)
    root = tmp_path / "package"
    check = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                            package["signing_public_key_file"], "-rawin", "-in",
                            "manifest.json", "-sigfile", "manifest.sig"], cwd=root,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    manifest = json.loads((root / "manifest.json").read_text())
    for item in manifest["files"]:
        assert hashlib.sha256((root / item["path"]).read_bytes()).hexdigest() == item["sha256"]
    inside = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    for person in data["persons"]:
        for value in [*person["names"], *person["phones"], person["date_of_birth"],
                      person["case_code"]]:
            assert value.encode() not in inside, value
    logging.getLogger(__name__).debug("package verified")
