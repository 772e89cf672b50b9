"""TOTP second factor (RFC 6238): 160-bit secrets, 6 digits, 30 s steps, +-1 step.

A code is accepted only for a step later than the last accepted one, so a code read over a
shoulder or replayed from a proxy log cannot be used again.
"""

from __future__ import annotations

import hmac
import io
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "Senim"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG (no script, no external reference) for the enrolment page."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]


def matching_step(secret: str, code: str, *, now: datetime, last_step: int) -> int | None:
    """Return the time step the code belongs to, or None (wrong, expired or reused)."""
    code = "".join(ch for ch in code if not ch.isspace())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate so timing does not reveal which step matched.
        if hmac.compare_digest(totp.generate_otp(step), code) and step > last_step:
            found = step
    return found


def code_for(secret: str, *, now: datetime) -> str:
    """The current code (demo scripts and tests log in through the real forms with it)."""
    return pyotp.TOTP(secret).at(now)
