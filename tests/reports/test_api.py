"""What the reports API answers, beyond who may call it."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from config.celery import app
from reports.models import Export, ReportJob
from tests.reports.pdfs import pdf_text


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_posting_a_report_answers_202_with_the_queued_job(assessed, cycle, employee, manager):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"}
    response = client(manager.user).post(reverse("api-report-list"), data, format="json")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["file_url"]) == ("queued", None)


def test_the_job_file_is_404_until_the_job_is_done(assessed, cycle, employee, manager):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"}
    job = client(manager.user).post(reverse("api-report-list"), data, format="json").json()
    assert client(manager.user).get(reverse("api-report-file", args=[job["id"]])).status_code == 404


def test_a_done_job_serves_its_pdf(assessed, cycle, employee, manager, django_capture_on_commit_callbacks):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"}
    with django_capture_on_commit_callbacks(execute=True):
        job = client(manager.user).post(reverse("api-report-list"), data, format="json").json()
    response = client(manager.user).get(reverse("api-report-file", args=[job["id"]]))
    assert response["Content-Type"] == "application/pdf"
    assert "Alice" in pdf_text(b"".join(response.streaming_content))


def test_the_language_defaults_to_the_readers(assessed, cycle, employee, manager):
    manager.user.language = "en"
    manager.user.save()
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report"}
    assert client(manager.user).post(reverse("api-report-list"), data, format="json").json()["language"] == "en"


def test_a_plan_pdf_without_a_plan_is_a_400(assessed, cycle, employee, manager):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "development_plan", "language": "en"}
    response = client(manager.user).post(reverse("api-report-list"), data, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_an_unreachable_broker_still_answers_202(
    assessed, cycle, employee, manager, django_capture_on_commit_callbacks
):
    saved = (app.conf.task_always_eager, app.conf.broker_write_url)
    app.conf.task_always_eager, app.conf.broker_write_url = False, "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None
    try:
        data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"}
        with django_capture_on_commit_callbacks(execute=True):
            response = client(manager.user).post(reverse("api-report-list"), data, format="json")
    finally:
        app.conf.task_always_eager, app.conf.broker_write_url = saved
        app._pool = app.amqp._producer_pool = None
    assert response.status_code == 202
    assert ReportJob.objects.get().status == "queued"


def test_report_list_reads_in_a_fixed_number_of_queries(
    assessed, cycle, employee, manager, position, hr, django_assert_num_queries
):
    for _ in range(5):
        ReportJob.objects.create(employee=employee, cycle=cycle, kind="gap_report", language="en")
    # count, page
    with django_assert_num_queries(2):
        response = client(hr).get(reverse("api-report-list"))
    assert response.json()["count"] == 5


def test_export_detail_lists_failures_with_their_reason(done_export, cycle, employee, hr):
    ReportJob.objects.create(
        employee=employee,
        cycle=cycle,
        kind="gap_report",
        language="en",
        export=done_export,
        status="failed",
        error="Boom",
    )
    failures = client(hr).get(reverse("api-export-detail", args=[done_export.pk])).json()["failures"]
    assert [(f["employee_name"], f["error"]) for f in failures] == [("Alice", "Boom")]


def test_export_list_reads_in_a_fixed_number_of_queries(done_export, hr, cycle, django_assert_num_queries):
    for _ in range(4):
        Export.objects.create(requested_by=hr, cycle=cycle, language="en")
    # count, page
    with django_assert_num_queries(2):
        response = client(hr).get(reverse("api-export-list"))
    assert response.json()["count"] == 5


def test_plan_detail_lists_targets_with_their_actions(plan_with_actions, employee):
    body = client(employee.user).get(reverse("api-plan-detail", args=[plan_with_actions.pk])).json()
    assert body["targets"][0]["actions"][0]["what"] == "Practise"


def test_plan_detail_reads_in_a_fixed_number_of_queries(plan_with_actions, employee, django_assert_num_queries):
    # plan with people, targets with indicators, their actions
    with django_assert_num_queries(3):
        client(employee.user).get(reverse("api-plan-detail", args=[plan_with_actions.pk]))


def test_plan_list_reads_in_a_fixed_number_of_queries(plan, hr, django_assert_num_queries):
    with django_assert_num_queries(2):
        client(hr).get(reverse("api-plan-list"))


def test_plan_history_says_who_changed_what(plan, employee):
    target = plan.targets.first()
    client(employee.user).post(
        reverse("api-plan-action-create", args=[plan.pk, target.pk]), {"what": "Read"}, format="json"
    )
    events = client(employee.user).get(reverse("api-plan-history", args=[plan.pk])).json()["results"]
    assert (events[0]["action"], events[0]["actor_name"], events[0]["changes"]["what"]) == (
        "action_added",
        "Alice",
        [None, "Read"],
    )


def test_changing_an_action_through_the_api_keeps_other_fields(plan_with_actions, employee):
    action = plan_with_actions.targets.first().actions.first()
    url = reverse("api-plan-action-detail", args=[plan_with_actions.pk, action.pk])
    body = client(employee.user).patch(url, {"due_on": "2026-12-31"}, format="json").json()
    assert (body["what"], body["due_on"]) == ("Practise", "2026-12-31")
