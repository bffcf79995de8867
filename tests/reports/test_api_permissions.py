"""Every report, export and plan endpoint for Alice, Bob, Mallory, Oscar and HR.

Alice reports to Mallory and Bob to Oscar; the records are about Alice. Someone who may not see a
record gets a 404; someone who sees it but may not do the action gets a 403.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reports.models import PlanAction, ReportJob


def call(user, method: str, url: str, data: dict | None = None):
    client = APIClient()
    client.force_authenticate(user)
    return getattr(client, method)(url, data or {}, format="json")


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_report_job_detail(who, expected, person, done_job):
    assert call(person[who], "get", reverse("api-report-detail", args=[done_job.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_report_job_file(who, expected, person, done_job):
    assert call(person[who], "get", reverse("api-report-file", args=[done_job.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 202), ("bob", 404), ("mallory", 202), ("oscar", 404), ("hr", 202)]
)
def test_report_request(who, expected, person, assessed, cycle, employee):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"}
    assert call(person[who], "post", reverse("api-report-list"), data).status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("alice", 1), ("bob", 0), ("mallory", 1), ("oscar", 0), ("hr", 1)])
def test_report_list_shows_only_visible_jobs(who, expected, person, done_job):
    assert call(person[who], "get", reverse("api-report-list")).json()["count"] == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 404), ("bob", 404), ("mallory", 404), ("oscar", 404), ("hr", 200)]
)
def test_export_detail(who, expected, person, done_export):
    assert call(person[who], "get", reverse("api-export-detail", args=[done_export.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 404), ("bob", 404), ("mallory", 404), ("oscar", 404), ("hr", 200)]
)
def test_export_file(who, expected, person, done_export):
    assert call(person[who], "get", reverse("api-export-file", args=[done_export.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 403), ("bob", 403), ("mallory", 403), ("oscar", 403), ("hr", 202)]
)
def test_export_request(who, expected, person, assessed, cycle):
    data = {"cycle": cycle.pk, "language": "en"}
    assert call(person[who], "post", reverse("api-export-list"), data).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 404), ("bob", 404), ("mallory", 404), ("oscar", 404), ("hr", 202)]
)
def test_export_resume(who, expected, person, done_export, employee, cycle):
    ReportJob.objects.create(
        employee=employee, cycle=cycle, kind="gap_report", language="en", export=done_export, status="failed"
    )
    assert call(person[who], "post", reverse("api-export-resume", args=[done_export.pk])).status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("alice", 0), ("bob", 0), ("mallory", 0), ("oscar", 0), ("hr", 1)])
def test_export_list_shows_only_hr_its_exports(who, expected, person, done_export):
    assert call(person[who], "get", reverse("api-export-list")).json()["count"] == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_plan_detail(who, expected, person, plan):
    assert call(person[who], "get", reverse("api-plan-detail", args=[plan.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_plan_history(who, expected, person, plan):
    assert call(person[who], "get", reverse("api-plan-history", args=[plan.pk])).status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("alice", 1), ("bob", 0), ("mallory", 1), ("oscar", 0), ("hr", 1)])
def test_plan_list_shows_only_visible_plans(who, expected, person, plan):
    assert call(person[who], "get", reverse("api-plan-list")).json()["count"] == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 403)]
)
def test_plan_agree(who, expected, person, plan_with_actions):
    url = reverse("api-plan-agree", args=[plan_with_actions.pk])
    assert call(person[who], "post", url).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 201), ("bob", 404), ("mallory", 201), ("oscar", 404), ("hr", 403)]
)
def test_plan_action_create(who, expected, person, plan):
    url = reverse("api-plan-action-create", args=[plan.pk, plan.targets.first().pk])
    assert call(person[who], "post", url, {"what": "Read the market report"}).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 403)]
)
def test_plan_action_change(who, expected, person, plan_with_actions):
    action = PlanAction.objects.first()
    url = reverse("api-plan-action-detail", args=[plan_with_actions.pk, action.pk])
    assert call(person[who], "patch", url, {"status": "in_progress"}).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 204), ("bob", 404), ("mallory", 204), ("oscar", 404), ("hr", 403)]
)
def test_plan_action_remove(who, expected, person, plan_with_actions):
    action = PlanAction.objects.first()
    url = reverse("api-plan-action-detail", args=[plan_with_actions.pk, action.pk])
    assert call(person[who], "delete", url).status_code == expected


@pytest.mark.parametrize("url_name", ["api-report-list", "api-export-list", "api-plan-list"])
def test_anonymous_callers_are_refused(url_name):
    assert APIClient().get(reverse(url_name)).status_code == 401
