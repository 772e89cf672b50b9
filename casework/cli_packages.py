"""`flask --app wsgi senim package verify FILE --identity KEYFILE`: what a recipient runs."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from casework.services import packages
from crypto import public_key, public_key_from_pem

package_group = AppGroup("package", help="Intelligence packages sent to police.")


@package_group.command("verify")
@click.argument("package_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--identity", "identity_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The recipient's age identity file (AGE-SECRET-KEY-...).")
@click.option("--trust-included-key", is_flag=True,
              help="Verify with the signing key inside the package instead of this "
                   "instance's own key (what a recipient without our key file does; compare "
                   "its fingerprint with the one in the MoU).")
@with_appcontext
def verify_command(package_file: Path, identity_file: Path, trust_included_key: bool) -> None:
    """Decrypt with age, check the Ed25519 signature and every file's SHA-256."""
    signer = None if trust_included_key else public_key(
        current_app.extensions["senim.keys"].current("signing").material)
    try:
        files = packages.open_and_verify(package_file.read_bytes(),
                                         identity_file.read_text(encoding="utf-8"),
                                         expected_signer=signer)
    except packages.PackageInvalid as error:
        click.echo(f"NOT verified: {error}", err=True)
        sys.exit(1)
    envelope = json.loads(files["envelope.json"])
    click.echo(f"verified: package {envelope['package_uuid']} for "
               f"{envelope['recipient']['code']} under {envelope['mou']['id']} "
               f"v{envelope['mou']['version']}; {len(envelope['entries'])} entries; "
               f"{envelope['tlp']}, handling {envelope['handling']['code']}")
    if trust_included_key:
        key = public_key_from_pem(files["signing-key.pem"])
        click.echo("signed by the key inside the package, fingerprint "
                   f"{hashlib.sha256(key).hexdigest()[:32]}: compare it with the MoU's")
