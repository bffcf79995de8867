"""Every API operation, as every role, with the exact status each gets.

Alice reports to Mallory and Bob to Oscar; HR has no employee record. In the world every case starts from:
- ``open_cycle``: open, with Alice and Bob; ``draft_cycle``: a draft with Alice only;
- ``alice_self``: Alice's self-assessment, a fully rated draft at version 1;
- ``alice_manager``: Mallory's assessment of Alice, rated and submitted;
- ``bob_self`` and ``bob_manager``: untouched drafts.

Another person's record is a 404; a forbidden action on a record the role can see is a 403.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Assessment, Cycle, CycleIndicator, Employee, Position, User
from reports import plans
from reports.models import Export, PlanTarget, ReportJob, ReportKind
from tests import factories

pytestmark = pytest.mark.django_db

# The columns of the table below: ali(ce), mal(lory) and osc(ar).
ROLES = ("anonymous", "alice", "bob", "mallory", "oscar", "hr")

TODAY = timezone.localdate()
ALICE_LOGIN = {"username": "alice", "password": "correct-horse-battery"}
BAD_LOGIN = {"username": "alice", "password": "wrong"}
NEW_POSITION = {
    "track": "key-account-sales",
    "code": "walk-position",
    "name_zh": "走查岗位",
    "name_en": "Walk position",
    "required_levels": {"COMM": 1, "LOGIC": 1, "COORD": 1, "MKT": 1, "PROD": 1, "CRM": 1, "SALES": 1},
}
NEW_CYCLE = {
    "name": "Walk cycle",
    "track": "key-account-sales",
    "self_assessment_opens_on": str(TODAY),
    "self_assessment_due_on": str(TODAY + timedelta(days=7)),
    "manager_assessment_opens_on": str(TODAY),
    "manager_assessment_due_on": str(TODAY + timedelta(days=14)),
}
RATE = {"version": 1, "ratings": {"MKT-1-01": {"score": 3, "note": ""}}}
RATE_STALE = {"version": 0, "ratings": {"MKT-1-01": {"score": 3, "note": ""}}}
RATE_UNKNOWN = {"version": 1, "ratings": {"NOPE-01": {"score": 3, "note": ""}}}
RATE_FIRST = {"version": 0, "ratings": {"MKT-1-01": {"score": 3, "note": ""}}}
REASON = {"reason": "Rated against the wrong position"}
RENAME = {"name_en": "Account lead"}


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    body: Any
    expected: tuple[int, int, int, int, int, int]
    label: str = ""


V, A, C = "/api/v1", "/api/v1/assessments", "/api/v1/cycles"
LEVEL_5 = {"required_levels": {"MKT": 5}}
ADD_BOB = {"employees": ["{bob}"]}
ALICE_REPORT = {"employee": "{alice}", "cycle": "{open_cycle}", "kind": "gap_report"}
EXPORT_CYCLE = {"cycle": "{open_cycle}"}
NEW_ACTION = {"what": "Join two key account reviews"}
CHANGE_ACTION = {"what": "Lead one key account review"}
R, X, P = "/api/v1/reports", "/api/v1/exports", "/api/v1/plans"
ADD_NOBODY = {"employees": [999999]}
NO_REASON = {"reason": ""}

# fmt: off
WALK = [
    #    method   path                               body            anon ali  bob  mal  osc  hr    label
    Step("POST",  f"{V}/auth/token/",                ALICE_LOGIN,   (200, 200, 200, 200, 200, 200)),
    Step("POST",  f"{V}/auth/token/",                BAD_LOGIN,     (400, 400, 400, 400, 400, 400), "bad password"),
    Step("GET",   f"{V}/me/",                        None,          (401, 200, 200, 200, 200, 200)),
    Step("GET",   "/api/schema/",                    None,          (200, 200, 200, 200, 200, 200)),
    Step("GET",   "/api/docs/",                      None,          (200, 200, 200, 200, 200, 200)),
    Step("GET",   f"{V}/competencies/",              None,          (401, 200, 200, 200, 200, 200)),
    Step("GET",   f"{V}/competencies/MKT/",          None,          (401, 200, 200, 200, 200, 200)),
    Step("GET",   f"{V}/employees/",                 None,          (401, 200, 200, 200, 200, 200)),
    Step("GET",   f"{V}/employees/{{alice}}/",       None,          (401, 200, 404, 200, 404, 200)),
    Step("GET",   f"{V}/positions/",                 None,          (401, 200, 200, 200, 200, 200)),
    Step("POST",  f"{V}/positions/",                 NEW_POSITION,  (401, 403, 403, 403, 403, 201)),
    Step("POST",  f"{V}/positions/",                 {},            (401, 403, 403, 403, 403, 400), "empty body"),
    Step("GET",   f"{V}/positions/{{position}}/",    None,          (401, 200, 200, 200, 200, 200)),
    Step("PATCH", f"{V}/positions/{{position}}/",    RENAME,        (401, 403, 403, 403, 403, 200)),
    Step("PATCH", f"{V}/positions/{{position}}/",    LEVEL_5,       (401, 403, 403, 403, 403, 400), "level 5"),
    Step("GET",   f"{C}/",                           None,          (401, 200, 200, 200, 200, 200)),
    Step("POST",  f"{C}/",                           NEW_CYCLE,     (401, 403, 403, 403, 403, 201)),
    Step("POST",  f"{C}/",                           {},            (401, 403, 403, 403, 403, 400), "empty body"),
    Step("GET",   f"{C}/{{open_cycle}}/",            None,          (401, 200, 200, 200, 200, 200)),
    Step("GET",   f"{C}/{{draft_cycle}}/",           None,          (401, 200, 404, 200, 404, 200)),
    Step("POST",  f"{C}/{{draft_cycle}}/open/",      None,          (401, 403, 404, 403, 404, 200)),
    Step("POST",  f"{C}/{{open_cycle}}/open/",       None,          (401, 403, 403, 403, 403, 400), "already open"),
    Step("POST",  f"{C}/{{open_cycle}}/close/",      None,          (401, 403, 403, 403, 403, 200)),
    Step("POST",  f"{C}/{{draft_cycle}}/participants/", ADD_BOB,    (401, 403, 404, 403, 404, 200)),
    Step("POST",  f"{C}/{{draft_cycle}}/participants/", ADD_NOBODY, (401, 403, 404, 403, 404, 400), "unknown id"),
    Step("GET",   f"{A}/",                           None,          (401, 200, 200, 200, 200, 200)),
    Step("GET",   f"{A}/{{alice_self}}/",            None,          (401, 200, 404, 404, 404, 200)),
    Step("GET",   f"{A}/{{alice_manager}}/",         None,          (401, 200, 404, 200, 404, 200)),
    Step("PUT",   f"{A}/{{alice_self}}/ratings/",    RATE,          (401, 200, 404, 404, 404, 403)),
    Step("PUT",   f"{A}/{{alice_self}}/ratings/",    RATE_STALE,    (401, 409, 404, 404, 404, 403), "stale"),
    Step("PUT",   f"{A}/{{alice_self}}/ratings/",    RATE_UNKNOWN,  (401, 400, 404, 404, 404, 403), "bad code"),
    Step("PUT",   f"{A}/{{bob_manager}}/ratings/",   RATE_FIRST,    (401, 404, 404, 404, 200, 403)),
    Step("PUT",   f"{A}/{{alice_manager}}/ratings/", RATE,          (401, 403, 404, 403, 404, 403), "submitted"),
    Step("POST",  f"{A}/{{alice_self}}/submit/",     None,          (401, 200, 404, 404, 404, 403)),
    Step("POST",  f"{A}/{{bob_self}}/submit/",       None,          (401, 404, 400, 404, 404, 403), "unrated"),
    Step("POST",  f"{A}/{{alice_manager}}/sign-off/", None,         (401, 200, 404, 200, 404, 403)),
    Step("POST",  f"{A}/{{alice_self}}/sign-off/",   None,          (401, 403, 404, 404, 404, 403), "self"),
    Step("POST",  f"{A}/{{alice_manager}}/reopen/",  REASON,        (401, 403, 404, 403, 404, 200)),
    Step("POST",  f"{A}/{{alice_manager}}/reopen/",  NO_REASON,     (401, 403, 404, 403, 404, 400), "no reason"),
    Step("POST",  f"{A}/{{alice_self}}/reopen/",     REASON,        (401, 403, 404, 404, 404, 403), "draft"),
    Step("GET",   f"{A}/{{alice_self}}/levels/",     None,          (401, 200, 404, 404, 404, 200)),
    Step("GET",   f"{A}/{{alice_manager}}/levels/",  None,          (401, 200, 404, 200, 404, 200)),
    # Reports, exports and plans: the reports world adds a done PDF of Alice, a done export with a failed
    # document, and Alice's plan (Mallory signed off) with one target that has one action.
    Step("GET",   f"{R}/",                           None,          (401, 200, 200, 200, 200, 200)),
    Step("POST",  f"{R}/",                           ALICE_REPORT,  (401, 202, 404, 202, 404, 202)),
    Step("GET",   f"{R}/{{alice_job}}/",             None,          (401, 200, 404, 200, 404, 200)),
    Step("GET",   f"{R}/{{alice_job}}/file/",        None,          (401, 200, 404, 200, 404, 200)),
    Step("GET",   f"{X}/",                           None,          (401, 200, 200, 200, 200, 200)),
    Step("POST",  f"{X}/",                           EXPORT_CYCLE,  (401, 403, 403, 403, 403, 202)),
    Step("GET",   f"{X}/{{export}}/",                None,          (401, 404, 404, 404, 404, 200)),
    Step("GET",   f"{X}/{{export}}/file/",           None,          (401, 404, 404, 404, 404, 200)),
    Step("POST",  f"{X}/{{export}}/resume/",         None,          (401, 404, 404, 404, 404, 202)),
    Step("GET",   f"{P}/",                           None,          (401, 200, 200, 200, 200, 200)),
    Step("GET",   f"{P}/{{plan}}/",                  None,          (401, 200, 404, 200, 404, 200)),
    Step("GET",   f"{P}/{{plan}}/history/",          None,          (401, 200, 404, 200, 404, 200)),
    Step("POST",  f"{P}/{{plan}}/agree/",            None,          (401, 200, 404, 200, 404, 403)),
    Step("POST",  f"{P}/{{plan}}/targets/{{target}}/actions/", NEW_ACTION,
                                                                    (401, 201, 404, 201, 404, 403)),
    Step("PATCH", f"{P}/{{plan}}/actions/{{action}}/", CHANGE_ACTION, (401, 200, 404, 200, 404, 403)),
    Step("DELETE", f"{P}/{{plan}}/actions/{{action}}/", None,       (401, 204, 404, 204, 404, 403)),
]
# fmt: on

CASES = [
    pytest.param(step, role, expected, id=f"{step.method} {step.path} {step.label} as {role}".replace("  ", " "))
    for step in WALK
    for role, expected in zip(ROLES, step.expected, strict=True)
]


@dataclass(frozen=True)
class World:
    users: dict[str, User]
    ids: dict[str, int]


@pytest.fixture
def world(
    hr: User,
    employee: Employee,
    other_employee: Employee,
    manager: Employee,
    other_manager: Employee,
    cycle: Cycle,
    position: Position,
) -> World:
    assessments = {(a.employee_id, a.kind): a for a in Assessment.objects.filter(cycle=cycle)}
    alice_self = factories.rate_all(assessments[employee.pk, "self"], employee.user)
    alice_manager = factories.rate_all(assessments[employee.pk, "manager"], manager.user, submit=True)
    draft_cycle = services.create_cycle(
        name="Alice only",
        track=cycle.track,
        self_assessment_opens_on=TODAY,
        self_assessment_due_on=TODAY,
        manager_assessment_opens_on=TODAY,
        manager_assessment_due_on=TODAY,
        created_by=hr,
        employees=[employee],
    )
    return World(
        users={
            "alice": employee.user,
            "bob": other_employee.user,
            "mallory": manager.user,
            "oscar": other_manager.user,
            "hr": hr,
        },
        ids={
            "alice": employee.pk,
            "bob": other_employee.pk,
            "position": position.pk,
            "open_cycle": cycle.pk,
            "draft_cycle": draft_cycle.pk,
            "alice_self": alice_self.pk,
            "alice_manager": alice_manager.pk,
            "bob_self": assessments[other_employee.pk, "self"].pk,
            "bob_manager": assessments[other_employee.pk, "manager"].pk,
        },
    )


def fill(body: Any, ids: dict[str, int]) -> Any:
    """The body with every "{name}" replaced by the id of that record of the world."""
    if isinstance(body, dict):
        return {key: fill(value, ids) for key, value in body.items()}
    if isinstance(body, list):
        return [fill(item, ids) for item in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return ids[body[1:-1]]
    return body


def client_as(role: str, world: World) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        # Real token authentication, as API clients sign in.
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.users[role]).key}")
    return client


@pytest.fixture
def reports_world(
    world: World, hr: User, employee: Employee, manager: Employee, cycle: Cycle
) -> Iterator[dict[str, int]]:
    """What the reports, exports and plans steps act on; made only for them, as it signs Alice's assessment off."""
    job = ReportJob.objects.create(
        requested_by=employee.user, employee=employee, cycle=cycle, kind=ReportKind.GAP_REPORT, language="en"
    )
    job.file.save("walk.pdf", ContentFile(b"%PDF-1.4 walk"), save=False)
    job.status = ReportJob.Status.DONE
    job.save()
    export = Export.objects.create(requested_by=hr, cycle=cycle, language="en", status=Export.Status.DONE, total=1)
    export.file.save("walk.zip", ContentFile(b"PK walk"), save=False)
    export.save()
    ReportJob.objects.create(
        requested_by=hr,
        employee=employee,
        cycle=cycle,
        kind=ReportKind.GAP_REPORT,
        language="en",
        export=export,
        status=ReportJob.Status.FAILED,
    )
    signed = services.sign_off_assessment(
        assessment=Assessment.objects.get(pk=world.ids["alice_manager"]), user=manager.user
    )
    plan = plans.draft_development_plan(assessment=signed, by=manager.user)
    indicator = CycleIndicator.objects.get(cycle=cycle, code="MKT-2-03")
    plan.targets.all().delete()
    target = PlanTarget.objects.create(
        plan=plan, competency=indicator.competency, indicator=indicator, reason=PlanTarget.Reason.NEXT_LEVEL, order=1
    )
    action = plans.add_plan_action(target=target, user=employee.user, what="Present one market review")
    yield {"alice_job": job.pk, "export": export.pk, "plan": plan.pk, "target": target.pk, "action": action.pk}
    # The files are real; leave none behind.
    job.file.delete(save=False)
    export.file.delete(save=False)


@pytest.mark.parametrize(("step", "role", "expected"), CASES)
def test_role_gets_exactly_the_expected_status(
    request: pytest.FixtureRequest, world: World, step: Step, role: str, expected: int
) -> None:
    client = client_as(role, world)
    ids = dict(world.ids)
    if step.path.startswith((R, X, P)):
        ids.update(request.getfixturevalue("reports_world"))
    path = step.path.format(**ids)
    body = "" if step.body is None else json.dumps(fill(step.body, ids))
    response = client.generic(step.method, path, body, content_type="application/json")
    assert response.status_code == expected, response.content[:300]


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_the_walk_covers_every_operation_of_the_api_schema() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), _template(path))
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    walked = {(step.method, _template(step.path)) for step in WALK}
    # A literal like /competencies/MKT/ stands for its template.
    walked |= {(step.method, re.sub(r"/competencies/[A-Z]+/", "/competencies/{}/", step.path)) for step in WALK}
    assert operations - walked == set()
