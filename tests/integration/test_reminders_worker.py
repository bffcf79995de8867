"""The beat schedule's reminder entry, run end to end by a real Celery worker on the broker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from importlib import import_module

import pytest
from celery.contrib.testing.worker import start_worker
from django.apps import apps as django_apps
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from assessments import services as assessment_services
from assessments.models import Assessment, Cycle, Employee, User
from competency.models import Track
from config.celery import app
from notifications.models import Notification, ReminderLog
from notifications.tasks import send_notification_email
from tests import factories

pytestmark = [pytest.mark.integration]

SCHEDULE_ENTRY = "Deadline reminders"


@pytest.fixture
def track(transactional_db: None) -> Track:
    # An earlier transactional test may have flushed what the migrations and the database setup made:
    # the data migration's own function puts the schedule entry back (it keeps an existing one).
    import_module("notifications.migrations.0002_add_reminder_schedule").create_schedule(django_apps, None)
    call_command("loaddata", "key_account_sales", verbosity=0)
    return Track.objects.get(code="key-account-sales")


@pytest.fixture
def team(track: Track) -> dict[str, Employee]:
    manager = factories.EmployeeFactory(user__username="mallory", name="Mallory")
    return {
        "manager": manager,
        "alice": factories.EmployeeFactory(user__username="alice", name="Alice", manager=manager),
        "carol": factories.EmployeeFactory(user__username="carol", name="Carol", manager=manager),
    }


@pytest.fixture
def cycle(track: Track, team: dict[str, Employee]) -> Cycle:
    """Self-assessments due in 2 days and manager ratings in 7, opened before the worker starts."""
    hr = factories.UserFactory(username="hr-henry", is_hr=True)
    today = timezone.localdate()
    created = assessment_services.create_cycle(
        name="Q3",
        track=track,
        self_assessment_opens_on=today - timedelta(days=5),
        self_assessment_due_on=today + timedelta(days=2),
        manager_assessment_opens_on=today - timedelta(days=5),
        manager_assessment_due_on=today + timedelta(days=7),
        created_by=hr,
        employees=[team["alice"], team["carol"]],
    )
    opened = assessment_services.open_cycle(cycle=created, opened_by=hr)
    # Opening the cycle emailed everyone inline; only the reminders matter below.
    mail.outbox.clear()
    return opened


@pytest.fixture
def worker(cycle: Cycle) -> Iterator[None]:
    """A real worker on the default queue, with tasks sent through the broker instead of run inline."""
    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("default")
    try:
        with start_worker(app, pool="solo", queues=["default"], perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager = True


def wait_for_mails(count: int, timeout: float = 30) -> list[mail.EmailMessage]:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(mail.outbox)


def run_scheduled_reminders() -> None:
    """Send the schedule's reminder entry as beat does when it comes due."""
    scheduler = DatabaseScheduler(app=app)
    # The entry is built from its row: the scheduler's own list leaves out cron entries not due within the hour.
    entry = scheduler.Entry(PeriodicTask.objects.get(name=SCHEDULE_ENTRY), app=app)
    scheduler.apply_async(entry, advance=False)


def test_the_migrations_schedule_the_reminders_every_morning(track: Track) -> None:
    entry = PeriodicTask.objects.get(name=SCHEDULE_ENTRY)
    assert (entry.enabled, entry.task, entry.crontab.hour, entry.crontab.minute) == (
        True,
        "notifications.tasks.send_reminders",
        "9",
        "0",
    )


def test_the_scheduled_entry_emails_one_digest_per_person_through_the_worker(
    worker: None, team: dict[str, Employee]
) -> None:
    run_scheduled_reminders()
    mails = wait_for_mails(3)
    assert sorted(m.to[0] for m in mails) == sorted(e.user.email for e in team.values())


def test_the_worker_records_each_email_as_sent(worker: None, team: dict[str, Employee]) -> None:
    run_scheduled_reminders()
    wait_for_mails(3)
    deadline = time.monotonic() + 10
    while Notification.objects.exclude(email_state=Notification.EmailState.SENT).exists():
        assert time.monotonic() < deadline, "the worker did not record the emails"
        time.sleep(0.1)
    assert ReminderLog.objects.filter(recipient=team["manager"].user).count() == 2


def send_marker(recipient: User) -> None:
    notification = Notification.objects.create(recipient=recipient, kind=Notification.Kind.REMINDER, title="marker")
    send_notification_email.delay(notification.pk)


def test_the_scheduled_entry_run_twice_on_one_day_emails_once(worker: None, team: dict[str, Employee]) -> None:
    run_scheduled_reminders()
    wait_for_mails(3)
    run_scheduled_reminders()
    # The solo worker takes tasks in order: the first marker runs after the second reminder run,
    # and the second marker after any email that run could have queued.
    marker = factories.UserFactory(username="marker")
    send_marker(marker)
    wait_for_mails(4)
    send_marker(marker)
    mails = wait_for_mails(5)
    assert sorted(m.to[0] for m in mails if m.to != [marker.email]) == sorted(e.user.email for e in team.values())
    assert len(mails) == 5


def test_a_late_manager_rating_reaches_hr_through_the_worker(worker: None, cycle: Cycle) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(
        self_assessment_due_on=timezone.localdate() - timedelta(days=3),
        manager_assessment_due_on=timezone.localdate() - timedelta(days=1),
    )
    Assessment.objects.filter(cycle=cycle, kind=Assessment.Kind.SELF).update(status=Assessment.Status.SUBMITTED)
    run_scheduled_reminders()
    mails = wait_for_mails(1)
    assert [m.to[0] for m in mails] == [User.objects.get(username="hr-henry").email]
