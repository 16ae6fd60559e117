"""The public verification API fuzzed from its own OpenAPI file with schemathesis, in-process
through the WSGI app (issue 18): no 500, every response matching the schema, status code and
content type the file documents. Cases come from the schema (well and badly formed numbers)
and from real numbers typed loosely, so the 200 answers are checked against the schema too."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from certificates import issuance, lifecycle
from certificates.models import QualificationKind
from certificates.qualifications import QualificationData, save_qualification

EXAMPLES = 40  # per operation and mode: the whole test stays well under 30 s
# Not schemathesis's positive_data_acceptance: the file documents 400 for a string that is
# not a certificate number, which no JSON Schema of a loosely typed number can tell apart.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]


@pytest.fixture
def config_overrides() -> dict:
    # The lookup limit is tested elsewhere; here it would turn most cases into 429s.
    return {"VERIFY_LIMIT_PER_IP": "100000 per minute"}


def _issue_some(trainer, make_user) -> list[str]:
    qualification = save_qualification(
        QualificationData(
            slug="fuzzed",
            kind=QualificationKind.ATTENDANCE.value,
            titles={"en": "Mediation basics", "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={
                "en": "Not a state qualification.",
                "ru": "Не гос.",
                "kk": "Мемлекеттік емес.",
            },
            requires_identity=False,
            validity_months=36,
        )
    )
    numbers = []
    for index, language in enumerate(("kk", "ru", "en")):
        holder = make_user(full_name=f'Әсел <b>Төлеуова</b> "{index}"')
        certificate, _ = issuance.issue(qualification, holder, None, by=trainer, language=language)
        numbers.append(certificate.number)
        if index == 1:
            lifecycle.suspend(
                certificate, "under_review", trainer, public_note="<script>x</script>"
            )
        if index == 2:
            lifecycle.revoke(certificate, "issued_in_error", trainer)
    return numbers


def _loosely(number: str) -> st.SearchStrategy[str]:
    body = number.split("-", 1)[1]
    return st.sampled_from(
        [number, number.lower(), body, body.replace("-", " "), number.replace("0", "O"),
         number[:-1] + ("0" if number[-1] != "0" else "1")]
    )  # fmt: skip


def test_the_public_api_answers_every_case_as_its_openapi_file_says(app, trainer, make_user):
    numbers = _issue_some(trainer, make_user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {op.ok().label: op.ok() for op in schema.get_all_operations()}
    assert set(operations) == {
        "GET /api/v1/certificates/{number}",
        "GET /.well-known/jwks.json",
        "GET /mediators.json",
        "GET /credentials/{number}.json",
        "GET /credentials/status/{purpose}/{list}",
    }
    seen: set[int] = set()

    def check(case) -> None:
        response = case.call_and_validate(checks=CHECKS)
        seen.add(response.status_code)

    lookup = operations["GET /api/v1/certificates/{number}"]
    credential = operations["GET /credentials/{number}.json"]
    with_parameters = (lookup, credential, operations["GET /mediators.json"])
    for operation in operations.values():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if operation not in with_parameters and mode is GenerationMode.NEGATIVE:
                continue  # no parameters: nothing to make wrong

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case) -> None:
                check(case)

            fuzz()

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(number=st.sampled_from(numbers).flatmap(_loosely))
    def real_numbers(number: str) -> None:
        check(lookup.Case(path_parameters={"number": number}))
        check(credential.Case(path_parameters={"number": number}))

    real_numbers()
    assert {200, 400, 404} <= seen, seen
