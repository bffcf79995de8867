"""The API fuzzed from its own OpenAPI schema: no request, well-formed or not, gets a 500 or an undocumented answer.

Requests go in-process through the WSGI application to the test database. Every operation is fuzzed with
generated path parameters (mostly records that do not exist) and, where the reader can see one, with the id
of a real record, so bodies and filters also reach the code behind the 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments import services
from assessments.models import Assessment
from config.wsgi import application
from reports import plans
from reports.models import Export, ReportJob
from tests import factories

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Bounded so the four runs together stay within a few minutes on two cores.
EXAMPLES = 12
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # One database transaction holds the whole run, and generation for big bodies is slow by nature.
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
def wsgi_app(db: None) -> Iterator[Any]:
    # As Django's test client does: the end of a request must not close the connection holding the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)


@pytest.fixture
def real_ids(cycle, self_assessment, manager_assessment, employee, manager, hr, position) -> dict[str, dict]:
    """Records both readers can see, by the collection their URLs start with, and their path parameters."""
    # Alice's self-assessment stays a draft, so her saves reach the service; her manager's is signed off for a plan.
    factories.rate_all(manager_assessment, manager.user, 1, submit=True)
    signed = services.sign_off_assessment(
        assessment=Assessment.objects.get(pk=manager_assessment.pk), user=manager.user
    )
    plan = plans.draft_development_plan(assessment=signed, by=manager.user)
    target = plan.targets.first()
    action = plans.add_plan_action(target=target, user=employee.user, what="Shadow a key account review")
    job = ReportJob.objects.create(employee=employee, cycle=cycle, kind="gap_report", language="en")
    export = Export.objects.create(cycle=cycle, requested_by=hr, language="en")
    return {
        "assessments": {"id": self_assessment.pk},
        "cycles": {"id": cycle.pk},
        "employees": {"id": employee.pk},
        "positions": {"id": position.pk},
        "competencies": {"code": "MKT"},
        "plans": {"id": plan.pk, "target_pk": target.pk, "action_pk": action.pk},
        "reports": {"id": job.pk},
        "exports": {"id": export.pk},
    }


def path_choices(operation: APIOperation, mode: GenerationMode, real_ids: dict[str, dict]) -> list[dict | None]:
    """Generated path parameters and/or those of a real record; negative runs need a body or query to break."""
    names = {parameter.name for parameter in operation.path_parameters}
    known = real_ids.get(operation.path.split("/")[3], {})
    real = {name: known[name] for name in names} if names and names <= known.keys() else None
    if mode == GenerationMode.NEGATIVE:
        if not (len(operation.query) or len(operation.body)):
            return []
        return [real]
    return [None, real] if real else [None]


def fuzz(operation: APIOperation, token: str, mode: GenerationMode, path_parameters: dict | None) -> str:
    """Every failure schemathesis finds for the operation, as text; empty when there is none."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @FUZZ_SETTINGS
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"}, checks=CHECKS, excluded_checks=[positive_data_acceptance]
        )

    try:
        run()
    except (Exception, FailureGroup) as error:
        return f"{operation.label} ({mode.value}, path {path_parameters or 'generated'}): {error}"
    return ""


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda mode: mode.value)
@pytest.mark.parametrize("role", ["hr", "employee"])
def test_every_generated_request_is_answered_as_the_schema_documents(api_schema, real_ids, role, mode, hr, employee):
    token = Token.objects.create(user=hr if role == "hr" else employee.user).key
    failures = [
        fuzz(operation, token, mode, path_parameters)
        for operation in (result.ok() for result in api_schema.get_all_operations())
        for path_parameters in path_choices(operation, mode, real_ids)
    ]
    assert not any(failures), "\n\n".join(failure for failure in failures if failure)
