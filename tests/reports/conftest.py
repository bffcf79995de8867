"""Alice assessed by herself and by Mallory, with ratings chosen so every figure of the report is known.

Self: every indicator 3. Manager: 2 everywhere, except MKT level 2 (0: MKT stops at level 1, a gap of 1
and seven blind spots), COMM (1: degree 1, a gap of 1 and ten blind spots) and CRM level 1 (3: strengths).
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from django.core.files.base import ContentFile

from assessments import services
from assessments.models import Assessment, CycleIndicator, Employee, User
from reports.models import DevelopmentPlan, Export, PlanAction, ReportJob


def codes(assessment: Assessment, prefix: str) -> list[str]:
    """The cycle's indicator codes that start with `prefix`, e.g. "MKT-2-" or "COMM-"."""
    return list(
        CycleIndicator.objects.filter(cycle_id=assessment.cycle_id, code__startswith=prefix)
        .order_by("position")
        .values_list("code", flat=True)
    )


def rate(
    assessment: Assessment, rater: User, *, default: int, scores: Mapping[str, int] | None = None, submit: bool = True
) -> Assessment:
    """Rate every indicator `default` except the ones given, and submit."""
    every = CycleIndicator.objects.filter(cycle_id=assessment.cycle_id).values_list("code", flat=True)
    assessment.refresh_from_db()
    ratings = {code: services.RatingInput(score=(scores or {}).get(code, default)) for code in every}
    assessment = services.save_ratings(
        assessment=assessment, rater=rater, ratings=ratings, expected_version=assessment.version
    )
    if submit:
        assessment = services.submit_assessment(assessment=assessment, user=rater)
    return assessment


def manager_scores(assessment: Assessment) -> dict[str, int]:
    scores = {code: 0 for code in codes(assessment, "MKT-2-")}
    scores.update({code: 1 for code in codes(assessment, "COMM-")})
    scores.update({code: 3 for code in codes(assessment, "CRM-1-")})
    return scores


@pytest.fixture
def assessed(self_assessment: Assessment, manager_assessment: Assessment, employee: Employee, manager: Employee):
    """Alice's self-assessment and Mallory's assessment of her, both submitted."""
    rate(self_assessment, employee.user, default=3)
    rate(manager_assessment, manager.user, default=2, scores=manager_scores(manager_assessment))
    manager_assessment.refresh_from_db()
    return manager_assessment


@pytest.fixture
def signed_off(assessed: Assessment, employee: Employee, manager: Employee) -> Assessment:
    """Mallory signed off and Alice acknowledged: the assessment is the record."""
    services.sign_off_assessment(assessment=assessed, user=manager.user)
    services.sign_off_assessment(assessment=assessed, user=employee.user)
    assessed.refresh_from_db()
    return assessed


@pytest.fixture
def plan(assessed: Assessment, manager: Employee, django_capture_on_commit_callbacks) -> DevelopmentPlan:
    """The draft plan Mallory's signature makes."""
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_assessment(assessment=assessed, user=manager.user)
    return DevelopmentPlan.objects.get(employee=assessed.employee, cycle=assessed.cycle)


PEOPLE = ("alice", "bob", "mallory", "oscar", "hr")


@pytest.fixture
def person(request, employee, other_employee, manager, other_manager, hr):
    """The user a parametrized test acts as, by first name."""
    return {
        "alice": employee.user,
        "bob": other_employee.user,
        "mallory": manager.user,
        "oscar": other_manager.user,
        "hr": hr,
    }


@pytest.fixture
def done_job(cycle, employee, manager) -> ReportJob:
    """A finished gap report about Alice; its file is a stand-in, since these tests are about who gets it."""
    job = ReportJob.objects.create(
        requested_by=manager.user, employee=employee, cycle=cycle, kind="gap_report", language="en", status="done"
    )
    job.file.save("alice.pdf", ContentFile(b"%PDF-1.7 stand-in"), save=True)
    return job


@pytest.fixture
def done_export(cycle, hr) -> Export:
    """A finished export of the cycle, with a stand-in archive."""
    export = Export.objects.create(requested_by=hr, cycle=cycle, language="en", status="done", total=2, done_count=2)
    export.file.save("export.zip", ContentFile(b"PK stand-in"), save=True)
    return export


@pytest.fixture
def plan_with_actions(plan: DevelopmentPlan, employee: Employee) -> DevelopmentPlan:
    """Alice's plan with an action on every target, ready to be agreed."""
    for target in plan.targets.all():
        PlanAction.objects.create(target=target, what="Practise", created_by=employee.user)
    return plan
