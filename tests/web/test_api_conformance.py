"""The API conforms to its OpenAPI document (issue 11, item 7).

Schemathesis generates requests from /api/v1/openapi.json and sends them to the live
application in-process (WSGI), with the token of a caseworker and of the liaison, and
checks every response: no server error, a documented status code, the documented content
type and a body that matches the documented schema (date-times included). Generation is
derandomised and bounded so the run is repeatable and quick, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import bearer, make_token
from tests.web.test_disclosure_pages import make_world, release

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 6


def _run(operation, headers: dict[str, str]) -> None:
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=operation.as_strategy())
    def check(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def _known_parameters(operation, f, disclosure: str) -> dict[str, str]:
    """Real ids from the seeded world, so the 200 responses are checked too."""
    known = {"case_code": f.case_code, "consent_id": f.consent, "unit_id": f.unit,
             "reference": disclosure if "/disclosures/" in operation.path else f.thematic}
    names = [p.name for p in operation.path_parameters]
    return {name: known[name] for name in names if name in known}


@pytest.mark.parametrize("role", ["caseworker", "liaison"])
def test_the_api_conforms_to_its_openapi_document(app, role):
    # A whole world (person, consent, risk, intelligence, a released disclosure) so the
    # lists and records the API returns are not empty.
    f = make_world(app)
    disclosure, _ = release(app, f)
    user = f.caseworker if role == "caseworker" else f.liaison
    headers = bearer(make_token(app, user))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            if operation.method.upper() == "GET":
                params = _known_parameters(operation, f, disclosure)
                if len(params) == len(list(operation.path_parameters)):
                    operation.Case(path_parameters=params).call_and_validate(
                        headers=headers, checks=CHECKS)
            _run(operation, headers)
        except (Exception, BaseExceptionGroup) as error:  # every operation's failure
            failures.append(f"{operation.label}: {str(error)[:600]}")
    assert operations >= 20
    assert failures == [], "\n\n".join(failures)
