"""Show only what a role can do (issue 13, point 9).

Templates ask ``may('blueprint.endpoint')`` before drawing a link or a button: the answer
comes from the permission the endpoint itself declares (``@requires``) and the role table
(``casework.domain.roles.can``), so a page never offers what the access gate would refuse.
Object-level rules (which person, which draft) stay with the page that knows the object.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

from casework.domain.roles import Role, can
from casework.web.security import ATTR, PUBLIC


def may(endpoint: str) -> bool:
    """May the signed-in member of staff use this endpoint at all?"""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    needed = getattr(view, ATTR, None)
    if needed == PUBLIC:
        return True
    if needed is None or not current_user.is_authenticated:
        return False
    try:
        role = Role(current_user.role)
    except ValueError:
        return False
    return can(role, needed)


def register(app: Flask) -> None:
    app.jinja_env.globals["may"] = may
