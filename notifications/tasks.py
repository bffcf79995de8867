"""Celery tasks: send one notification's email, and run the daily reminders (scheduled by beat)."""

from __future__ import annotations

import logging
from smtplib import SMTPException
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from notifications import services

logger = logging.getLogger(__name__)


class NotificationEmailTask(DjangoTask):  # type: ignore[misc]
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        notification_id = args[0] if args else kwargs["notification_id"]
        services.mark_email_failed(notification_id=notification_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=NotificationEmailTask,
    queue="default",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)  # type: ignore[untyped-decorator]
def send_notification_email(notification_id: int) -> None:
    """Email one notification to its recipient; a second delivery of the same task sends nothing."""
    services.deliver_email(notification_id=notification_id)


@shared_task(queue="default", acks_late=True)  # type: ignore[untyped-decorator]
def send_reminders() -> None:
    """Today's reminder digests, then another try for any email that never reached the broker."""
    run = services.send_reminders()
    requeued = services.requeue_unsent_emails()
    logger.info(
        "reminders for %s: %d digests with %d items, %d already sent today, %d emails requeued",
        run.on_date,
        len(run.digests),
        run.items_sent,
        run.already_sent,
        requeued,
    )
