"""The email task: sends once, retries a dropped SMTP connection, records what became of each email."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from notifications.tasks import send_notification_email


@pytest.fixture
def notification(employee):
    return Notification.objects.create(
        recipient=employee.user, kind=Notification.Kind.CYCLE_OPENED, title="Q3 is open", body="Due soon.", link="/"
    )


def test_the_email_goes_to_the_recipient(notification, employee):
    send_notification_email.delay(notification.pk)
    assert [m.to for m in mail.outbox] == [[employee.user.email]]


def test_a_second_delivery_of_the_task_sends_nothing(notification):
    send_notification_email.delay(notification.pk)
    send_notification_email.delay(notification.pk)
    assert len(mail.outbox) == 1


def test_a_sent_email_is_recorded(notification):
    send_notification_email.delay(notification.pk)
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.SENT
    assert notification.emailed_at is not None


def test_a_dropped_smtp_connection_is_retried_until_it_goes_through(notification, flaky_smtp):
    flaky_smtp.failures_left = 2
    send_notification_email.delay(notification.pk)
    assert (flaky_smtp.attempts, len(mail.outbox)) == (3, 1)


def test_an_email_that_fails_every_retry_is_marked_failed(notification, flaky_smtp):
    flaky_smtp.failures_left = 100
    result = send_notification_email.delay(notification.pk)
    assert isinstance(result.result, SMTPServerDisconnected)
    notification.refresh_from_db()
    assert notification.email_state == Notification.EmailState.FAILED
    assert "SMTPServerDisconnected" in notification.email_error


def test_an_email_is_tried_six_times_before_giving_up(notification, flaky_smtp):
    flaky_smtp.failures_left = 100
    result = send_notification_email.delay(notification.pk)
    assert isinstance(result.result, SMTPServerDisconnected)
    assert flaky_smtp.attempts == 6


def test_a_person_without_an_email_address_is_skipped(notification, employee):
    employee.user.email = ""
    employee.user.save()
    send_notification_email.delay(notification.pk)
    notification.refresh_from_db()
    assert (notification.email_state, mail.outbox) == (Notification.EmailState.SKIPPED, [])


def test_an_email_that_never_reached_the_broker_is_sent_by_the_daily_run(
    notification, django_capture_on_commit_callbacks
):
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.requeue_unsent_emails()
    assert (requeued, len(mail.outbox)) == (1, 1)


def test_a_recent_pending_email_is_left_to_its_own_retries(notification, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.requeue_unsent_emails()
    assert (requeued, mail.outbox) == (0, [])


def test_the_email_task_runs_on_the_default_queue():
    assert send_notification_email.queue == "default"
