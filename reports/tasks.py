"""PDF tasks. Thin: each takes an id and calls a service; settings route them all to the "pdf" queue."""

from __future__ import annotations

import functools
import logging
from typing import Any

from billiard.einfo import ExceptionInfo
from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.utils import OperationalError as DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from reports import services

logger = logging.getLogger(__name__)

# Errors that go away on their own: a full disk or a dropped connection, not bad data.
TRANSIENT = (OSError, DatabaseError)
# One attempt and no retries. Not retry=False: that path waits out the connect timeout (seconds) on a dead broker.
SEND_ONCE = {"max_retries": 0}
RENDER_SOFT_LIMIT = 120
RENDER_HARD_LIMIT = 180
ARCHIVE_SOFT_LIMIT = 600


def readable(exc: BaseException, *, soft_limit: int) -> str:
    """The reason a person reads when a task gives up."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("Stopped after %(seconds)d seconds: the document took too long to make.") % {"seconds": soft_limit}
    if isinstance(exc, services.ReportUnavailable):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class RenderTask(DjangoTask):  # type: ignore[misc]
    """Renders one job; marks it failed when it gives up, and never lets a broker outage fail a request."""

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        """Send after commit; if the broker cannot be reached the job stays queued for requeue_report_jobs."""
        transaction.on_commit(functools.partial(self.send_or_leave_queued, *args))

    def send_or_leave_queued(self, job_id: int) -> bool:
        """Send the job once, without the publisher's retries, so a web request never waits on a dead broker."""
        try:
            self.apply_async((job_id,), retry=True, retry_policy=SEND_ONCE)
        except BrokerError as error:
            logger.warning("report job %s stays queued, the broker is unreachable: %s", job_id, error)
            return False
        services.mark_sent([job_id])
        return True

    def on_failure(
        self, exc: Exception, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: ExceptionInfo
    ) -> None:
        with translation.override(services.job_language(args[0])):
            services.fail_report_job(job_id=args[0], error=readable(exc, soft_limit=RENDER_SOFT_LIMIT))


class ChunkTask(DjangoTask):  # type: ignore[misc]
    """Sends an export's jobs in chunks; if the broker is down the export waits for requeue_report_jobs."""

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        """Send after commit, and never let a broker outage turn the request into an error."""
        transaction.on_commit(functools.partial(self.send_or_leave_queued, *args))

    def send_or_leave_queued(self, export_id: int, after_id: int) -> bool:
        """Send the chunk once; False when the broker cannot be reached."""
        try:
            self.apply_async((export_id, after_id), retry=True, retry_policy=SEND_ONCE)
        except BrokerError as error:
            logger.warning("export %s stays queued, the broker is unreachable: %s", export_id, error)
            return False
        return True


class ArchiveTask(DjangoTask):  # type: ignore[misc]
    """Builds an export's archive; when it gives up the export is marked failed, so HR can resume it."""

    def on_failure(
        self, exc: Exception, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: ExceptionInfo
    ) -> None:
        services.fail_export(export_id=args[0], error=readable(exc, soft_limit=ARCHIVE_SOFT_LIMIT))


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type hints
    base=RenderTask,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    # Every run counts as a delivery; the row gives up after services.MAX_DELIVERIES.
    max_retries=services.MAX_DELIVERIES - 1,
    soft_time_limit=RENDER_SOFT_LIMIT,
    time_limit=RENDER_HARD_LIMIT,
)
def render_report(job_id: int) -> None:
    """Make the PDF of one report job."""
    services.run_report_job(job_id=job_id)


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type hints
    base=ChunkTask,
    acks_late=True,
    autoretry_for=(*TRANSIENT, BrokerError),
    retry_backoff=5,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def enqueue_export_chunk(export_id: int, after_id: int) -> None:
    """Send the next chunk of an export's jobs."""
    services.enqueue_export_chunk(export_id=export_id, after_id=after_id)


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no type hints
    base=ArchiveTask,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=ARCHIVE_SOFT_LIMIT,
    time_limit=ARCHIVE_SOFT_LIMIT + 60,
)
def build_export_archive(export_id: int) -> None:
    """Zip a finished export's PDFs with its summary workbook."""
    services.build_export_archive(export_id=export_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)  # type: ignore[untyped-decorator]
def requeue_report_jobs() -> None:
    """Send again the jobs a broker outage kept from the worker (scheduled every minute)."""
    services.requeue_queued_jobs()
