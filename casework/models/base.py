"""Declarative base with a naming convention so migrations are stable across databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Naive UTC: both SQLite and PostgreSQL ``timestamp`` columns store it unchanged."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_public_id() -> str:
    """Opaque reference for URLs, logs and the audit trail (never a sequential id)."""
    return uuid.uuid4().hex


class IntelBase(DeclarativeBase):
    """Models of the separate intelligence database (the ``intel`` bind)."""

    metadata = MetaData(naming_convention=NAMING, info={"bind_key": "intel"})
