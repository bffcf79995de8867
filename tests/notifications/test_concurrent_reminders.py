"""Two reminder runs at the same moment (two beat processes) still remind each person once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assessments import services as assessment_services
from competency.models import Track
from notifications import services
from notifications.models import Notification, ReminderLog
from tests import factories


@pytest.fixture
def track(transactional_db: None) -> Track:
    # Transactional tests run on committed data, which an earlier one may have flushed.
    call_command("loaddata", "key_account_sales", verbosity=0)
    return Track.objects.get(code="key-account-sales")


@pytest.fixture
def people(track):
    hr = factories.UserFactory(username="hr-henry", is_hr=True)
    manager = factories.EmployeeFactory(user__username="mallory", name="Mallory")
    reports = [factories.EmployeeFactory(manager=manager) for _ in range(4)]
    today = timezone.localdate()
    cycle = assessment_services.create_cycle(
        name="Q3",
        track=track,
        self_assessment_opens_on=today - timedelta(days=5),
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today - timedelta(days=5),
        manager_assessment_due_on=today + timedelta(days=7),
        created_by=hr,
        employees=reports,
    )
    assessment_services.open_cycle(cycle=cycle, opened_by=hr)
    mail.outbox.clear()
    return [manager, *reports]


def run_at_once(count: int) -> list[BaseException]:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            services.send_reminders()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_runs_at_once_send_each_person_one_email(people):
    assert run_at_once(2) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in people)


def test_two_runs_at_once_log_each_item_once(people):
    run_at_once(2)
    # Four self-assessments for the reports, four manager ratings for Mallory.
    assert ReminderLog.objects.count() == 8
    assert Notification.objects.filter(kind=Notification.Kind.REMINDER).count() == len(people)
