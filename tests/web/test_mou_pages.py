"""MoU pages: register a version (terms TOML + signed PDF), read it, compare, terminate."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from tests.support import csrf_token, login, make_staff, service_ctx, table_counts

EXAMPLE = (Path(__file__).resolve().parents[2] / "mou" / "example.toml").read_text("utf-8")
PDF = b"%PDF-1.7\n% Senim test MoU, signed by both parties\n1 0 obj <<>> endobj\n%%EOF\n"
POLICE_MOBILE = "+7 700 000 0102"


def fresh_key() -> str:
    import pyrage

    return str(pyrage.x25519.Identity.generate().to_public())


def terms_toml(*, pdf: bytes = PDF, version: int = 1, expires_on: date | None = None,
               key: str | None = None) -> str:
    """mou/example.toml with the PDF's hash, a fresh key and dates around today."""
    today = date.today()
    text = EXAMPLE.replace("0" * 64, hashlib.sha256(pdf).hexdigest())
    text = re.sub(r'age_public_key = "age1[0-9a-z]+"', f'age_public_key = "{key or fresh_key()}"',
                  text)
    text = re.sub(r"^version = \d+", f"version = {version}", text, flags=re.M)
    text = re.sub(r"^effective_from = .*$", f"effective_from = {today - timedelta(days=30)}",
                  text, flags=re.M)
    text = re.sub(r"^last_reviewed = .*$", f"last_reviewed = {today - timedelta(days=30)}",
                  text, flags=re.M)
    expires = expires_on or today + timedelta(days=365)
    return re.sub(r"^expires_on = .*$", f"expires_on = {expires}", text, flags=re.M)


def make_unit(app, name="Anti-Trafficking Unit, Almaty") -> str:
    from casework.extensions import db
    from casework.services import police_units

    with app.app_context():
        unit = police_units.create(service_ctx(app, actor="d" * 32), name=name,
                                   jurisdiction="Almaty")
        db.session.commit()
        return unit.public_id


def upload(client, unit_id: str, toml_text: str, pdf: bytes = PDF, *, follow=False):
    url = f"/mou/{unit_id}/register"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={
        "csrf_token": token, "terms": (io.BytesIO(toml_text.encode()), "terms.toml"),
        "signed_pdf": (io.BytesIO(pdf), "signed.pdf")},
        content_type="multipart/form-data", follow_redirects=follow)


def register_version(app, unit_id: str, toml_text: str, pdf: bytes = PDF) -> str:
    """Register through the service (for tests of other pages); returns the version id."""
    from casework.extensions import db
    from casework.services import mou_versions, police_units

    with app.app_context():
        c = service_ctx(app, actor="d" * 32)
        row = mou_versions.register(c, app.extensions["senim.settings"].attachments_path,
                                    police_units.get(c, unit_id), toml_text=toml_text, pdf=pdf,
                                    filename="signed.pdf", max_bytes=10_000_000)
        db.session.commit()
        return row.public_id


def attachment_files(app) -> set[str]:
    folder = app.extensions["senim.settings"].attachments_path
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def mou_count(app) -> int:
    from casework.extensions import db
    from casework.models import MouVersion

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MouVersion)) or 0


def test_director_registers_and_reads_a_version(app, client):
    unit_id = make_unit(app)
    login(client, app, make_staff(app, "director"))
    response = upload(client, unit_id, terms_toml(), follow=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:2000]
    assert "Version 1 was registered." in page
    for text in ("Demo Shelter Foundation", "Demo Police Anti-Trafficking Unit",
                 "Head, Demo Police Anti-Trafficking Unit", "Duty officer, ATU", POLICE_MOBILE,
                 "Gulnara (deputy)", "To rescue other people who are still being exploited",
                 "The person's name <code class=\"ref\">victim_name</code>",
                 "The source's identity is never disclosed",
                 "The police shall not disclose the organisation",
                 "Only with our prior written consent", "TLP:AMBER+STRICT",
                 "No direct contact with the source", "Destroy or return everything received",
                 "Review due", "Second approver", "This is the first version registered",
                 "Download the signed PDF", "Terminate", "This is the version in force."):
        assert text in page, text
    version_url = re.search(r'href="(/mou/versions/[0-9a-f]+)/pdf"', page).group(1)
    pdf = client.get(version_url + "/pdf")
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.headers["Content-Type"] == "application/pdf"
    index = client.get("/mou/").get_data(as_text=True)
    assert "In force: version 1" in index and "Register a version" in index


def test_a_terms_file_with_an_error_names_the_line_and_saves_nothing(app, client):
    unit_id = make_unit(app)
    login(client, app, make_staff(app, "director"))
    broken = terms_toml().replace("review_every_months = 12", 'review_every_months = "12"')
    line = broken.splitlines().index('review_every_months = "12"') + 1
    before = table_counts(app, exclude=("audit_events", "audit_chain_heads", "staff_sessions"))
    files_before = attachment_files(app)
    response = upload(client, unit_id, broken)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Line {line}: &#39;mou.review_every_months&#39; must be int" in page
    assert table_counts(app, exclude=("audit_events", "audit_chain_heads",
                                      "staff_sessions")) == before
    assert attachment_files(app) == files_before


def test_invalid_toml_syntax_names_the_line(app, client):
    unit_id = make_unit(app)
    login(client, app, make_staff(app, "director"))
    broken = terms_toml().replace('code = "C"', 'code = "C')
    line = broken.splitlines().index('code = "C') + 1
    response = upload(client, unit_id, broken)
    assert response.status_code == 422
    assert f"Line {line}: not valid TOML" in response.get_data(as_text=True)
    assert mou_count(app) == 0


def test_a_pdf_that_is_not_the_signed_text_is_refused(app, client):
    unit_id = make_unit(app)
    login(client, app, make_staff(app, "director"))
    files_before = attachment_files(app)
    response = upload(client, unit_id, terms_toml(), PDF + b"% altered\n")
    assert response.status_code == 422
    assert "This PDF is not the signed text the terms file names" in response.get_data(
        as_text=True)
    assert mou_count(app) == 0
    assert attachment_files(app) == files_before


def test_the_same_version_twice_is_refused(app, client):
    unit_id = make_unit(app)
    register_version(app, unit_id, terms_toml())
    login(client, app, make_staff(app, "director"))
    response = upload(client, unit_id, terms_toml())
    assert response.status_code == 422
    assert "already registered" in response.get_data(as_text=True)
    assert mou_count(app) == 1


def test_version_two_shows_what_changed(app, client):
    unit_id = make_unit(app)
    key = fresh_key()
    register_version(app, unit_id, terms_toml(key=key))
    new_expiry = date.today() + timedelta(days=700)
    login(client, app, make_staff(app, "director"))
    response = upload(client, unit_id, terms_toml(version=2, key=key, expires_on=new_expiry),
                      follow=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    changes = page.split('id="changes"')[1].split("</section>")[0]
    assert "Expires on" in changes and new_expiry.isoformat() in changes
    assert "Version" in changes
    assert "Recipient encryption key" not in changes  # unchanged terms are not listed
    index = client.get("/mou/").get_data(as_text=True)
    assert "In force: version 2" in index and "Superseded" in index


def test_terminate(app, client):
    unit_id = make_unit(app)
    version_id = register_version(app, unit_id, terms_toml())
    login(client, app, make_staff(app, "director"))
    url = f"/mou/versions/{version_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    assert client.post(url + "/terminate", data={"csrf_token": token}).status_code == 400
    response = client.post(url + "/terminate", data={"csrf_token": token, "confirmed": "yes"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Terminated on" in page
    assert 'action="' + url + '/terminate"' not in page
    assert "No MoU in force" in client.get("/mou/").get_data(as_text=True)


def test_the_liaison_reads_but_cannot_register_or_terminate(app, client):
    unit_id = make_unit(app)
    version_id = register_version(app, unit_id, terms_toml())
    login(client, app, make_staff(app, "liaison"))
    index = client.get("/mou/")
    assert index.status_code == 200 and "Register a version" not in index.get_data(as_text=True)
    page = client.get(f"/mou/versions/{version_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert POLICE_MOBILE in body and "Yes, terminate it now" not in body
    assert client.get(f"/mou/versions/{version_id}/pdf").data == PDF
    assert client.get(f"/mou/{unit_id}/register").status_code == 403
    token = csrf_token(body)
    assert client.post(f"/mou/versions/{version_id}/terminate",
                       data={"csrf_token": token}).status_code == 403
    assert "Active" in client.get(f"/mou/versions/{version_id}").get_data(as_text=True)


def test_care_roles_cannot_see_mous(app, client):
    unit_id = make_unit(app)
    version_id = register_version(app, unit_id, terms_toml())
    login(client, app, make_staff(app, "caseworker"))
    for url in ("/mou/", f"/mou/versions/{version_id}", f"/mou/versions/{version_id}/pdf"):
        assert client.get(url).status_code == 403, url


def test_unknown_version_is_404(app, client):
    login(client, app, make_staff(app, "director"))
    assert client.get("/mou/versions/" + "0" * 32).status_code == 404
    assert client.get("/mou/" + "0" * 32 + "/register").status_code == 404
