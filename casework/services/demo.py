"""The demo organisation: one account of each role with TOTP already enrolled.

Credentials are random per instance and kept in ``instance/demo-credentials.json`` (0600)
so ``make run`` can print them again; a real deployment never runs this.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from casework.domain.roles import Role
from casework.models import Staff
from casework.services import (
    accounts,
    demo_disclosure,
    demo_duties,
    demo_history,
    demo_people,
    totp,
)
from casework.services.context import Ctx

DEMO_USERS = (
    ("caseworker@demo.senim.kz", "Aruzhan Caseworker", Role.CASEWORKER),
    ("caseworker2@demo.senim.kz", "Dana Caseworker", Role.CASEWORKER),
    ("psychologist@demo.senim.kz", "Saule Psychologist", Role.PSYCHOLOGIST),
    ("legal@demo.senim.kz", "Marat Legal Adviser", Role.LEGAL_ADVISER),
    ("liaison@demo.senim.kz", "Yerlan Liaison", Role.LIAISON),
    ("deputy@demo.senim.kz", "Gulnara Deputy Liaison", Role.LIAISON),
    ("director@demo.senim.kz", "Ainur Director", Role.DIRECTOR),
    ("auditor@demo.senim.kz", "Timur Auditor", Role.AUDITOR),
)
CREDENTIALS_FILE = "demo-credentials.json"


def load_demo(ctx: Ctx, instance_path: Path, attachments: Path | None = None) -> dict[str, Any]:
    """Create the demo organisation once; later runs return the stored credentials."""
    stored = instance_path / CREDENTIALS_FILE
    attachments = attachments or instance_path / "attachments"
    packages_folder = instance_path / "packages"
    if stored.exists() and accounts.by_email(ctx, DEMO_USERS[0][0]) is not None:
        # The file keeps only the demo sign-in details; the people's identifiers are read
        # back from the encrypted records, never written to a plaintext file.
        data: dict[str, Any] = json.loads(stored.read_text(encoding="utf-8"))
        return {"users": data["users"], "persons": demo_people.describe_existing(ctx),
                "packages": demo_disclosure.describe_packages(ctx, instance_path,
                                                              packages_folder)}
    users: list[dict[str, str]] = []
    staff_by_role: dict[Role, list[Staff]] = {}
    for email, name, role in DEMO_USERS:
        password = "demo-" + "-".join(secrets.token_hex(3) for _ in range(3))
        staff, _ = accounts.create_staff(ctx, email=email, display_name=name, role=role,
                                         password=password)
        secret = totp.new_secret()
        accounts.enrol_totp_directly(ctx, staff, secret)
        staff_by_role.setdefault(role, []).append(staff)
        users.append({"email": email, "password": password, "totp_secret": secret,
                      "role": role.value})
    people = demo_people.load(ctx, staff_by_role[Role.CASEWORKER][0], attachments)
    demo_people.load_other_intel(ctx.as_actor(staff_by_role[Role.LIAISON][0].public_id))
    demo_disclosure.load(ctx, staff_by_role, instance_path, attachments, packages_folder)
    # Two years of de-identified history, so the statistics page has something to show.
    demo_history.load(ctx, staff_by_role[Role.CASEWORKER][-1])
    # Open tasks, a review due this week, a roster gap: every role's day (issue 10).
    demo_duties.load(ctx, staff_by_role)
    data = {"users": users, "persons": people,
            "packages": demo_disclosure.describe_packages(ctx, instance_path, packages_folder)}
    fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"users": users}, handle, ensure_ascii=False, indent=2)
    ctx.audit("system.demo_loaded")
    return data


def describe(data: dict[str, Any], *, show_secrets: bool) -> str:
    """The sign-in instructions printed by ``make run``."""
    lines = ["Demo accounts (sign in at http://127.0.0.1:5000/):"]
    for user in data["users"]:
        line = f"  {user['role']:<14} {user['email']:<30} password: {user['password']}"
        if show_secrets:
            line += f"  TOTP secret: {user['totp_secret']}"
        lines.append(line)
    if show_secrets:
        lines.append("Add a TOTP secret to an authenticator app, or print the current code "
                     "with: .venv/bin/python -m casework.totp_code SECRET")
    return "\n".join(lines)
