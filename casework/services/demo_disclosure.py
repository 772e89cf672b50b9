"""The demo's police unit, MoU, liaison roster, consent, risk assessment and one released
package, so `make run` shows the whole path to the police (issue 6 acceptance).

The demo police unit's age identity is written next to the package (demo only) so a script
can open the package with `age` and check its signature with OpenSSL, as the police would.
"""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyrage
from sqlalchemy import select

from casework.domain.consent import NOTICES_29, NOTICES_32, NOTICES_HTCDS, Purpose, ShareLevel
from casework.domain.legal import UNIT_QUESTIONS, LegalOption, PersonDecision, UnitRecommendation
from casework.domain.roles import Role
from casework.models import DisclosurePackage, Person, Staff
from casework.services import (
    consents,
    disclosures,
    intel,
    legal,
    meetings,
    mou_versions,
    police_units,
    risk,
    roster,
)
from casework.services.context import Ctx
from crypto import public_key_pem

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "mou" / "example.toml"
PLACEHOLDER_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
DEMO_PDF = (b"%PDF-1.4\n% Demo MoU between Demo Shelter Foundation and the Demo Police "
            b"Anti-Trafficking Unit (signed text)\n%%EOF\n")


def _private_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def police_dir(instance: Path) -> Path:
    return instance / "demo-police"


def load(ctx: Ctx, staff: dict[Role, list[Staff]], instance: Path, attachments: Path,
         packages_folder: Path) -> None:
    director, liaison = staff[Role.DIRECTOR][0], staff[Role.LIAISON][0]
    deputy, caseworker = staff[Role.LIAISON][1], staff[Role.CASEWORKER][0]
    adviser, psychologist = staff[Role.LEGAL_ADVISER][0], staff[Role.PSYCHOLOGIST][0]
    identity = pyrage.x25519.Identity.generate()
    _private_write(police_dir(instance) / "identity.txt", (str(identity) + "\n").encode())
    _private_write(police_dir(instance) / "signing-key.pem",
                   public_key_pem(ctx.keys.current("signing").material))
    as_director = ctx.as_actor(director.public_id)
    unit = police_units.create(as_director, name="Demo Police Anti-Trafficking Unit",
                               jurisdiction="Kazakhstan")
    police_units.assess(ctx.as_actor(adviser.public_id), unit,
                        answers={q: {"answer": "yes", "note": "Demo answer"}
                                 for q in UNIT_QUESTIONS},
                        recommendation=UnitRecommendation.CAUTION,
                        valid_until=ctx.now.date() + timedelta(days=365))
    today = ctx.now.date()
    terms = (EXAMPLE.read_text(encoding="utf-8")
             .replace(PLACEHOLDER_KEY, str(identity.to_public()))
             .replace("0" * 64, hashlib.sha256(DEMO_PDF).hexdigest())
             .replace("effective_from = 2026-01-01",
                      f"effective_from = {today - timedelta(days=30)}")
             .replace("last_reviewed = 2026-01-01",
                      f"last_reviewed = {today - timedelta(days=30)}")
             .replace("expires_on = 2027-12-31", f"expires_on = {_year_later(today)}"))
    mou_versions.register(as_director, attachments, unit, toml_text=terms, pdf=DEMO_PDF,
                          filename="demo-mou-signed.pdf", max_bytes=1 << 20)
    roster.designate(as_director, liaison, "liaison")
    roster.designate(as_director, deputy, "deputy")
    roster.add_shift(as_director, liaison, ctx.now - timedelta(hours=1),
                     ctx.now + timedelta(days=7))
    roster.add_shift(as_director, deputy, ctx.now + timedelta(days=7),
                     ctx.now + timedelta(days=12))
    meetings.add_protected_address(as_director, label="Shelter 'Umit'",
                                   address="ул. Абая 15, Алматы")
    person = ctx.session.scalar(select(Person).order_by(Person.id).limit(1))
    assert person is not None
    _legal(ctx, person, psychologist, adviser, unit)
    cw = ctx.as_actor(caseworker.public_id)
    consent = consents.record(cw, attachments, person, consents.ConsentInput(
        purposes=frozenset({Purpose.INVESTIGATION, Purpose.PREVENTION, Purpose.RESCUE}),
        recipient_units=frozenset({unit.public_id}), share_level=ShareLevel.SPECIFIC,
        identity_allowed=False, identity_at_persons_request=False, valid_until=None,
        notices=frozenset(NOTICES_29 + NOTICES_32 + NOTICES_HTCDS), language="ru",
        interpreter="", witness="Dana (caseworker)"), form_stream=io.BytesIO(DEMO_PDF),
        form_filename="signed-consent.pdf", max_bytes=1 << 20)
    assessment = risk.record(ctx.as_actor(adviser.public_id), person, risk.RiskInput(
        unit=unit, categories={"case_significant_details": "Travel dates generalised to month",
                               "personal_identity_data": "None shared",
                               "details_known_only_to_the_person": "Flat location withheld"},
        unit_assessment_note="Unit assessed with caution", harm_to_others="Sister at home: "
        "safety plan in place", staff_safety="Low", residual="medium",
        mitigations="Withhold the name of the flat's street"))
    entries = intel.entries_for_person(ctx, person)
    reviewer = ctx.as_actor(adviser.public_id)
    for entry in entries:
        if entry.kind == "thematic" and entry.privacy_status == "pending":
            intel.review_privacy(reviewer, entry)
    items = [disclosures.ItemInput(e.reference, consent.public_id,
                                   assessment.public_id if e.kind == "specific" else None)
             for e in entries]
    request = disclosures.draft(cw, caseworker, unit, purpose="investigate_traffickers",
                                items=items, tlp="TLP:AMBER+STRICT", handling_code="C")
    disclosures.submit(cw, caseworker, request, seen_version=request.version)
    disclosures.approve(ctx.as_actor(liaison.public_id), liaison, request,
                        seen_version=request.version, step_up_fresh=True,
                        folder=packages_folder)


def _legal(ctx: Ctx, person: Person, psychologist: Staff, adviser: Staff, unit: Any) -> None:
    legal.clear(ctx.as_actor(psychologist.public_id), psychologist, person,
                "Ready to hear about her options.")
    legal.record_consultation(ctx.as_actor(adviser.public_id), person, legal.ConsultationInput(
        unit=unit, options_explained=frozenset(o.value for o in LegalOption),
        notices_given=legal.CONSULTATION_NOTICES,
        decision=PersonDecision.INTEL_THROUGH_ORGANISATION,
        notes="Chose to give intelligence through the organisation, not to testify for now."))


def _year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day + timedelta(days=365)


def describe_packages(ctx: Ctx, instance: Path, packages_folder: Path) -> list[dict[str, str]]:
    return [{"file": str(packages_folder / p.storage_name),
             "recipient_identity_file": str(police_dir(instance) / "identity.txt"),
             "signing_public_key_file": str(police_dir(instance) / "signing-key.pem")}
            for p in ctx.session.scalars(select(DisclosurePackage).order_by(
                DisclosurePackage.id))]
