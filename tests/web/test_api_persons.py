"""Person records through the API: the same object rules as the pages."""

from __future__ import annotations

import io

from tests.support import make_staff


def token_for(app, user):
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services import accounts, tokens
    from casework.services.context import Ctx

    with app.app_context():
        c = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                passwords=app.extensions["senim.passwords"], now=utcnow())
        staff = accounts.by_email(c, user.email)
        _, token = tokens.create(c, staff, name="test")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def person_with_file(app, owner):
    """A person assigned to ``owner`` with a signed-off interview and a PDF attachment."""
    from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services import access, accounts, clock, interviews, persons
    from casework.services.context import Ctx

    with app.app_context():
        c = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                passwords=app.extensions["senim.passwords"], now=utcnow(),
                actor=owner.public_id)
        staff = accounts.by_email(c, owner.email)
        person = persons.register(c, names=["Жанна Омарова"], date_of_birth="1995-02-03",
                                  phones=["87015550000"], profile={"gender": "female"})
        access.assign(c, person, staff)
        notice = interviews.record_notice(c, person, language="ru",
                                          response=NoticeResponse.ACKNOWLEDGED)
        interview = interviews.record(c, person, notice.public_id, interviews.InterviewInput(
            IntervieweeRole.VICTIM, PlaceType.OFFICE, clock.today(c), "", "Narrative."))
        attachment = interviews.attach(c, app.extensions["senim.settings"].attachments_path,
                                       person, interview, stream=io.BytesIO(b"%PDF-1.4 x"),
                                       filename="form.pdf", max_bytes=10_000)
        db.session.commit()
        return person.case_code, attachment.public_id


def test_owner_reads_and_downloads(app, client):
    owner = make_staff(app, "caseworker")
    code, attachment = person_with_file(app, owner)
    headers = token_for(app, owner)
    assert client.get("/api/v1/persons", headers=headers).get_json()[0]["case_code"] == code
    record = client.get(f"/api/v1/persons/{code}", headers=headers).get_json()
    assert record["names"] == ["Жанна Омарова"]
    download = client.get(f"/api/v1/persons/{code}/attachments/{attachment}", headers=headers)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 x"
    assert "attachment" in download.headers["Content-Disposition"]
    found = client.post("/api/v1/persons/search", json={"query": "Zhanna"}, headers=headers)
    assert [p["case_code"] for p in found.get_json()] == [code]


def test_other_caseworker_gets_nothing(app, client):
    owner, other = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    code, attachment = person_with_file(app, owner)
    headers = token_for(app, other)
    assert client.get("/api/v1/persons", headers=headers).get_json() == []
    for url in (f"/api/v1/persons/{code}", f"/api/v1/persons/{code}/interviews",
                f"/api/v1/persons/{code}/attachments/{attachment}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 403, url
        assert "Омарова" not in response.get_data(as_text=True)
    assert client.post("/api/v1/persons/search", json={"query": "Omarova"},
                       headers=headers).get_json() == []
    # Guessed ids: another person's attachment through one's own person is still 404.
    mine, _ = person_with_file(app, other)
    response = client.get(f"/api/v1/persons/{mine}/attachments/{attachment}", headers=headers)
    assert response.status_code == 404


def test_create_validates(app, client):
    headers = token_for(app, make_staff(app, "caseworker"))
    assert client.post("/api/v1/persons", data="{", headers={
        **headers, "Content-Type": "application/json"}).status_code == 400
    assert client.post("/api/v1/persons", json={"names": ["A B"]},
                       headers=headers).status_code == 400
    assert client.post("/api/v1/persons", json={"names": ["A B"], "gender": "female",
                                                "date_of_birth": "31.02.1990"},
                       headers=headers).status_code == 400
    created = client.post("/api/v1/persons", json={"names": ["Асель Ким"], "gender": "female",
                                                   "phones": ["+7 705 555 1111"]},
                          headers=headers)
    assert created.status_code == 201
    assert created.get_json()["case_code"].startswith("S-")
