"""Unbound extension objects, attached to an application in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect

from casework.models import Base, IntelBase
from casework.services import consistency


class TwoDatabaseSession(FlaskSession):
    """Commits a write that touched both databases on both or on neither (issue 16.5)."""

    def commit(self) -> None:
        consistency.commit(self, super().commit)


consistency.install(TwoDatabaseSession)

db = SQLAlchemy(metadata=Base.metadata, session_options={"class_": TwoDatabaseSession})
# Flask-SQLAlchemy routes a table to the engine named by its metadata's "bind_key"; the
# intelligence models live in their own metadata so they can never share a database.
db.metadatas["intel"] = IntelBase.metadata
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
