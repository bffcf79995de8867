"""HR can see who changed which rating, signed off, reopened, exported or downloaded what, and when."""

import pytest
from django.urls import reverse

from assessments import services
from audit.models import AuditEvent
from tests.factories import rate_all

pytestmark = pytest.mark.django_db


def test_a_rating_change_is_logged_with_its_old_and_new_score(self_assessment, employee):
    services.save_ratings(
        assessment=self_assessment,
        rater=employee.user,
        ratings={"MKT-1-01": services.RatingInput(score=1)},
        expected_version=0,
    )
    services.save_ratings(
        assessment=self_assessment,
        rater=employee.user,
        ratings={"MKT-1-01": services.RatingInput(score=3, note="won the Q3 bid")},
        expected_version=1,
    )
    event = AuditEvent.objects.filter(action=AuditEvent.Action.RATINGS_CHANGED).first()
    assert event.actor == employee.user
    assert event.employee == employee
    assert event.detail == "MKT-1-01: 1 → 3, note changed"


def test_saving_the_same_values_again_logs_nothing_new(self_assessment, employee):
    for version in (0, 1):
        services.save_ratings(
            assessment=self_assessment,
            rater=employee.user,
            ratings={"MKT-1-01": services.RatingInput(score=2)},
            expected_version=version,
        )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RATINGS_CHANGED).count() == 1


def test_submit_sign_off_and_reopen_are_logged(manager_assessment, manager, employee, hr):
    rate_all(manager_assessment, manager.user, submit=True)
    services.sign_off_assessment(assessment=manager_assessment, user=manager.user)
    services.sign_off_assessment(assessment=manager_assessment, user=employee.user)
    services.reopen_assessment(assessment=manager_assessment, reopened_by=hr, reason="Wrong team")
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_name"))[-4:]
    assert actions == [
        ("assessment_submitted", "mallory"),
        ("assessment_signed_off", "mallory"),
        ("assessment_acknowledged", "alice"),
        ("assessment_reopened", "hr-henry"),
    ]


def test_hr_reads_the_audit_log(client, hr, self_assessment, employee):
    services.save_ratings(
        assessment=self_assessment,
        rater=employee.user,
        ratings={"MKT-1-01": services.RatingInput(score=2)},
        expected_version=0,
    )
    client.force_login(hr)
    page = client.get(reverse("audit:log"), {"action": "ratings_changed"}).content.decode()
    assert "MKT-1-01: – → 2" in page
    assert "alice" in page


@pytest.mark.parametrize("who", ["employee", "manager"])
def test_nobody_but_hr_reads_the_audit_log(client, who, request):
    client.force_login(request.getfixturevalue(who).user)
    assert client.get(reverse("audit:log")).status_code == 403


def test_the_audit_log_costs_the_same_queries_for_many_events(client, hr, cycle, django_assert_num_queries):
    from audit.services import record_event

    client.force_login(hr)
    for n in range(60):
        record_event(actor=hr, action=AuditEvent.Action.EXPORT_REQUESTED, subject=f"export {n}")
    # Session, user, the user's employee profile (the header names them), the paginator's count, one page.
    with django_assert_num_queries(5):
        client.get(reverse("audit:log"))


def test_downloading_a_pdf_is_logged(client, manager, employee, cycle):
    from django.core.files.base import ContentFile

    from reports.models import ReportJob

    job = ReportJob.objects.create(
        requested_by=manager.user, employee=employee, cycle=cycle, kind="gap_report", language="en", status="done"
    )
    job.file.save("audit-test.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    client.force_login(manager.user)
    response = client.get(reverse("reports:job_file", args=[job.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_DOWNLOADED)
    assert (event.actor, event.employee) == (manager.user, employee)
