"""The broker is down: people keep working, and what could not be sent goes out once it is back.

Celery is pointed at a closed port with tasks sent for real (not run inline), and on-commit hooks run
inside the request as in production, so a task sent after a commit fails exactly where it would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import Assessment, Cycle, Rating, User
from config.celery import app
from notifications import tasks as notification_tasks
from notifications.models import Notification
from reports.models import Export, ReportJob
from tests import factories
from tests.faults.conftest import LIVE_BROKER_URL, close_connection, purge, unused_port

WAIT_SECONDS = 120


@pytest.fixture(autouse=True)
def _committed(committed: None) -> None:
    """Every test here commits, so tasks are sent where production sends them."""


@pytest.fixture
def broker_down(cycle: Cycle, real_broker: Callable[[str], None]) -> None:
    """The cycle opened while the broker was up; from here on it refuses every connection."""
    real_broker(f"redis://127.0.0.1:{unused_port()}/8")


def page_client(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def api_client(user: User) -> APIClient:
    client = APIClient(headers={"accept-language": "en"})
    client.force_authenticate(user)
    return client


def rate_all(assessment: Assessment, rater: User) -> Assessment:
    return factories.rate_all(assessment, rater, 2)


# Working while it is down -------------------------------------------------------------------------


def test_pages_render_while_the_broker_is_down(broker_down, hr, employee, manager, self_assessment, cycle):
    pages = {
        reverse("home"): employee.user,
        reverse("assessment", args=[self_assessment.pk]): employee.user,
        reverse("team"): manager.user,
        reverse("cycle_detail", args=[cycle.pk]): hr,
        reverse("reports:index"): employee.user,
        reverse("notifications:inbox"): employee.user,
    }
    statuses = {url: page_client(user).get(url).status_code for url, user in pages.items()}
    assert statuses == dict.fromkeys(pages, 200)


def test_an_autosave_is_stored_while_the_broker_is_down(broker_down, employee, self_assessment):
    response = page_client(employee.user).post(
        reverse("assessment", args=[self_assessment.pk]),
        {"version": "0", "score-MKT-1-01": "3"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert Rating.objects.get(assessment=self_assessment, indicator__code="MKT-1-01").score == 3


def test_an_api_ratings_put_is_stored_while_the_broker_is_down(broker_down, employee, self_assessment):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 1, "note": "kept"}}}
    response = api_client(employee.user).put(
        reverse("api-assessment-ratings", args=[self_assessment.pk]), body, format="json"
    )
    assert response.status_code == 200
    assert Rating.objects.get(assessment=self_assessment, indicator__code="MKT-1-01").note == "kept"


def test_submitting_from_the_page_works_while_the_broker_is_down(broker_down, employee, self_assessment):
    rate_all(self_assessment, employee.user)
    response = page_client(employee.user).post(reverse("assessment_submit", args=[self_assessment.pk]))
    assert response.status_code == 302
    assert Assessment.objects.get(pk=self_assessment.pk).status == Assessment.Status.SUBMITTED


def test_submitting_over_the_api_works_while_the_broker_is_down(broker_down, employee, self_assessment):
    rate_all(self_assessment, employee.user)
    response = api_client(employee.user).post(reverse("api-assessment-submit", args=[self_assessment.pk]))
    assert (response.status_code, response.json()["status"]) == (200, "submitted")


def test_the_managers_notification_is_kept_for_later_while_the_broker_is_down(
    broker_down, employee, manager, self_assessment
):
    rate_all(self_assessment, employee.user)
    api_client(employee.user).post(reverse("api-assessment-submit", args=[self_assessment.pk]))
    notification = Notification.objects.get(recipient=manager.user, kind=Notification.Kind.SELF_SUBMITTED)
    assert notification.email_state == Notification.EmailState.PENDING


def test_opening_a_cycle_works_while_the_broker_is_down(broker_down, hr, track, employee):
    today = timezone.localdate()
    page_client(hr).post(
        reverse("cycle_create"),
        {
            "name": "Opened during an outage",
            "track": track.pk,
            "self_assessment_opens_on": today,
            "self_assessment_due_on": today + timedelta(days=7),
            "manager_assessment_opens_on": today,
            "manager_assessment_due_on": today + timedelta(days=14),
            "employees": [employee.pk],
        },
    )
    cycle = Cycle.objects.get(name="Opened during an outage")
    response = page_client(hr).post(reverse("cycle_open", args=[cycle.pk]))
    assert response.status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).status == Cycle.Status.OPEN


def test_asking_for_a_pdf_over_the_api_is_accepted_and_queued_while_the_broker_is_down(broker_down, employee, cycle):
    response = api_client(employee.user).post(
        reverse("api-report-list"), {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report"}, format="json"
    )
    job = ReportJob.objects.get()
    assert (response.status_code, response.json()["status"]) == (202, "queued")
    assert (job.status, job.enqueued_at) == (ReportJob.Status.QUEUED, None)


def test_asking_for_a_pdf_while_the_broker_is_down_does_not_wait_for_it(broker_down, employee, cycle):
    started = time.monotonic()
    api_client(employee.user).post(
        reverse("api-report-list"), {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report"}, format="json"
    )
    # A refused connection is known at once; waiting out the broker's connect timeout takes four seconds or more.
    assert time.monotonic() - started < 2


def test_asking_for_a_pdf_from_the_page_shows_it_queued_while_the_broker_is_down(broker_down, employee, cycle):
    client = page_client(employee.user)
    response = client.post(
        reverse("reports:request"),
        {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.context["job"].status == ReportJob.Status.QUEUED


def test_starting_an_export_from_the_page_while_the_broker_is_down_shows_the_export(broker_down, hr, cycle):
    response = page_client(hr).post(reverse("reports:exports"), {"cycle": cycle.pk, "language": "en"})
    export = Export.objects.get()
    assert (response.status_code, response.url) == (302, reverse("reports:export", args=[export.pk]))


def test_starting_an_export_over_the_api_while_the_broker_is_down_is_accepted(broker_down, hr, cycle):
    response = api_client(hr).post(reverse("api-export-list"), {"cycle": cycle.pk, "language": "en"}, format="json")
    assert (response.status_code, response.json()["status"]) == (202, "running")


# Once it is back ----------------------------------------------------------------------------------


@pytest.fixture
def broker_back(real_broker: Callable[[str], None]) -> Iterator[None]:
    """Our Redis database again, with a worker taking both queues."""
    real_broker(LIVE_BROKER_URL)
    purge("pdf", "default")
    task_postrun.connect(close_connection)
    try:
        with start_worker(app, pool="solo", queues=["pdf", "default"], perform_ping_check=False, shutdown_timeout=60):
            yield
    finally:
        task_postrun.disconnect(close_connection)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"not done in {WAIT_SECONDS} s: {what}"
        time.sleep(0.2)


def test_a_pdf_asked_for_during_the_outage_is_made_once_the_broker_is_back(
    broker_down, employee, cycle, request: pytest.FixtureRequest
):
    api_client(employee.user).post(
        reverse("api-report-list"), {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report"}, format="json"
    )
    # The requeue sends only jobs the broker has missed for a minute: let that minute pass.
    ReportJob.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    request.getfixturevalue("broker_back")
    call_command("requeue_report_jobs", verbosity=0)
    wait_for(lambda: ReportJob.objects.get().is_finished, "the requeued job")
    job = ReportJob.objects.get()
    assert (job.status, job.deliveries, bool(job.file)) == (ReportJob.Status.DONE, 1, True)


def test_an_email_kept_during_the_outage_is_sent_once_the_broker_is_back(
    broker_down, employee, manager, self_assessment, request: pytest.FixtureRequest
):
    rate_all(self_assessment, employee.user)
    api_client(employee.user).post(reverse("api-assessment-submit", args=[self_assessment.pk]))
    notification = Notification.objects.get(recipient=manager.user, kind=Notification.Kind.SELF_SUBMITTED)
    # The daily run requeues emails that have waited an hour: let that hour pass.
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(hours=2))
    request.getfixturevalue("broker_back")
    notification_tasks.send_reminders()
    wait_for(lambda: Notification.objects.get(pk=notification.pk).email_state != "pending", "the requeued email")
    assert Notification.objects.get(pk=notification.pk).email_state == Notification.EmailState.SENT
    assert any(notification.title in message.subject for message in mail.outbox)


def test_an_export_started_during_the_outage_is_made_once_the_broker_is_back(
    broker_down, hr, cycle, request: pytest.FixtureRequest
):
    api_client(hr).post(reverse("api-export-list"), {"cycle": cycle.pk, "language": "en"}, format="json")
    # The requeue sends only what the broker has missed for a minute: let that minute pass.
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    Export.objects.update(created_at=two_minutes_ago)
    ReportJob.objects.update(created_at=two_minutes_ago)
    request.getfixturevalue("broker_back")
    call_command("requeue_report_jobs", verbosity=0)
    wait_for(lambda: Export.objects.get().is_finished, "the requeued export")
    export = Export.objects.get()
    assert (export.status, export.done_count, export.total) == (Export.Status.DONE, 2, 2)
