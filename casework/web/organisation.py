"""The director's list of the organisation's protected addresses (shelters, offices).

Police meetings are refused at any of these (rule 106). The addresses are encrypted under
the organisation's own key and shown, decrypted, only here, to the director.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import meetings
from casework.web.context import ctx
from casework.web.forms_consent import ProtectedAddressForm
from casework.web.security import requires

bp = Blueprint("organisation", __name__, url_prefix="/organisation")


@bp.route("/addresses", methods=["GET", "POST"])
@requires(Permission.ORGANISATION_MANAGE)
def addresses() -> Response | tuple[str, int]:
    form = ProtectedAddressForm()
    if form.validate_on_submit():
        meetings.add_protected_address(ctx(), label=form.label.data or "",
                                       address=form.address.data or "")
        db.session.commit()
        flash(_("The address was added. Meetings with police can no longer be arranged "
                "there."), "success")
        return redirect(url_for("organisation.addresses"))
    rows = meetings.protected_addresses(ctx())
    db.session.commit()  # the organisation's key may have been created on first use
    return render_template("organisation/addresses.html", rows=rows, form=form), \
        422 if form.errors else 200
