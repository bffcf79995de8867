"""A report job from request to stored PDF, run inline; tests/integration/ runs the same on a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from assessments import services as assessment_services
from config.celery import app
from reports import services, tasks
from reports.models import ReportJob, ReportRecord
from tests import factories
from tests.reports.pdfs import pdf_text


def request(employee, cycle, by, kind="gap_report", language="en") -> ReportJob:
    return services.request_report(requested_by=by, employee=employee, cycle=cycle, kind=kind, language=language)


def made(employee, cycle, by, capture, **kwargs) -> ReportJob:
    with capture(execute=True):
        job = request(employee, cycle, by, **kwargs)
    job.refresh_from_db()
    return job


def test_requesting_a_report_queues_a_job(assessed, employee, manager, cycle):
    job = request(employee, cycle, manager.user)
    assert (job.status, bool(job.file), job.deliveries) == ("queued", False, 0)


def test_the_job_is_sent_to_the_worker_only_after_commit(
    assessed, employee, manager, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        request(employee, cycle, manager.user)
    assert len(callbacks) == 1


def test_after_commit_the_worker_stores_the_pdf(assessed, employee, manager, cycle, django_capture_on_commit_callbacks):
    job = made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    assert (job.status, job.deliveries, job.error) == ("done", 1, "")
    assert "Alice" in pdf_text(job.file.read())


def test_a_done_job_records_its_timings(assessed, employee, manager, cycle, django_capture_on_commit_callbacks):
    job = made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    assert job.enqueued_at is not None
    assert job.started_at <= job.finished_at
    assert job.render_ms > 0


def test_a_done_job_delivered_again_changes_nothing(
    assessed, employee, manager, cycle, django_capture_on_commit_callbacks
):
    job = made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    tasks.render_report.apply(args=(job.pk,))
    again = ReportJob.objects.get(pk=job.pk)
    assert (again.deliveries, again.file.name, again.finished_at) == (1, job.file.name, job.finished_at)


def test_a_job_interrupted_mid_render_is_finished_by_its_redelivery(assessed, employee, manager, cycle):
    job = request(employee, cycle, manager.user)
    ReportJob.objects.filter(pk=job.pk).update(status="running", deliveries=1)
    tasks.render_report.apply(args=(job.pk,))
    job.refresh_from_db()
    assert (job.status, job.deliveries) == ("done", 2)


def test_the_file_of_a_delivery_killed_before_saving_its_job_is_removed_by_the_redelivery(
    assessed, employee, manager, cycle, django_capture_on_commit_callbacks
):
    job = request(employee, cycle, manager.user)
    ReportJob.objects.filter(pk=job.pk).update(status="running", deliveries=1)
    left_behind = services.store_file(services._file_name(job), b"%PDF-1.7 from a worker that was killed")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.render_report.apply(args=(job.pk,))
    job.refresh_from_db()
    assert (job.status, job.file.name != left_behind) == ("done", True)
    assert (default_storage.exists(left_behind), default_storage.exists(job.file.name)) == (False, True)


def test_the_redelivery_leaves_the_files_of_other_jobs_alone(
    assessed, employee, manager, cycle, django_capture_on_commit_callbacks
):
    other = made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    job = request(employee, cycle, manager.user)
    ReportJob.objects.filter(pk=job.pk).update(status="running", deliveries=1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.render_report.apply(args=(job.pk,))
    assert default_storage.exists(other.file.name)


def test_a_job_delivered_more_than_three_times_fails_with_a_reason(assessed, employee, manager, cycle):
    job = request(employee, cycle, manager.user)
    ReportJob.objects.filter(pk=job.pk).update(status="running", deliveries=3)
    tasks.render_report.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("Given up after 3 deliveries without finishing")


def test_a_render_that_cannot_succeed_marks_the_job_failed(cycle, manager, position, hr):
    stray = factories.EmployeeFactory(manager=manager, position=position, name="Stray")
    cycle.participants.add(stray)  # in the cycle, yet without assessments: the data is inconsistent
    job = request(stray, cycle, hr)
    # As a worker runs it: the error is handled, not raised to the caller.
    tasks.render_report.apply(args=(job.pk,), throw=False)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "Stray has no assessments in Test cycle.")


def test_transient_errors_are_retried_with_backoff():
    assert set(tasks.render_report.autoretry_for) == {OSError, *tasks.TRANSIENT}
    assert tasks.render_report.retry_backoff
    assert tasks.render_report.acks_late


def test_render_has_a_soft_and_a_hard_time_limit():
    assert tasks.render_report.soft_time_limit < tasks.render_report.time_limit


def test_signed_off_assessment_stores_its_pdf_as_the_record(
    signed_off, employee, manager, cycle, django_capture_on_commit_callbacks
):
    job = made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    record = ReportRecord.objects.get()
    assert (record.assessment_id, record.file.name, job.record_id) == (signed_off.pk, job.file.name, record.pk)


def test_rendering_a_signed_off_report_again_returns_the_stored_record(
    signed_off, employee, manager, cycle, django_capture_on_commit_callbacks
):
    first = made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    second = made(employee, cycle, employee.user, django_capture_on_commit_callbacks)
    assert second.file.name == first.file.name
    assert second.render_ms is None
    assert ReportRecord.objects.count() == 1


def test_each_language_has_its_own_record(signed_off, employee, manager, cycle, django_capture_on_commit_callbacks):
    made(employee, cycle, manager.user, django_capture_on_commit_callbacks, language="en")
    made(employee, cycle, manager.user, django_capture_on_commit_callbacks, language="zh-hans")
    assert sorted(ReportRecord.objects.values_list("language", flat=True)) == ["en", "zh-hans"]


def test_an_assessment_signed_off_again_after_reopening_gets_a_new_record(
    signed_off, employee, manager, cycle, hr, django_capture_on_commit_callbacks
):
    made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    reopened = assessment_services.reopen_assessment(assessment=signed_off, reopened_by=hr, reason="Typo in a rating")
    submitted = assessment_services.submit_assessment(assessment=reopened, user=manager.user)
    assessment_services.sign_off_assessment(assessment=submitted, user=manager.user)
    assessment_services.sign_off_assessment(assessment=submitted, user=employee.user)
    made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    assert ReportRecord.objects.count() == 2


def test_a_stranger_cannot_have_someones_report_made(assessed, employee, other_manager, cycle):
    with pytest.raises(PermissionDenied):
        request(employee, cycle, other_manager.user)


def test_an_employee_can_have_their_own_report_made(assessed, employee, cycle):
    assert request(employee, cycle, employee.user).status == "queued"


def test_a_report_about_someone_outside_the_cycle_is_refused(assessed, manager, position, cycle, hr):
    outsider = factories.EmployeeFactory(manager=manager, position=position)
    with pytest.raises(ValidationError):
        request(outsider, cycle, hr)


def test_a_development_plan_pdf_needs_a_plan(assessed, employee, manager, cycle):
    with pytest.raises(ValidationError) as refused:
        request(employee, cycle, manager.user, kind="development_plan")
    assert "kind" in refused.value.message_dict


def test_requeue_sends_a_job_the_broker_never_got(assessed, employee, manager, cycle):
    job = request(employee, cycle, manager.user)
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert services.requeue_queued_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.status == "done"


def test_requeue_leaves_a_job_just_requested_alone(assessed, employee, manager, cycle):
    request(employee, cycle, manager.user)
    assert services.requeue_queued_jobs() == []


def test_requeue_leaves_a_job_the_broker_has_alone(assessed, employee, manager, cycle):
    job = request(employee, cycle, manager.user)
    ReportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=5), enqueued_at=timezone.now() - timedelta(minutes=4)
    )
    assert services.requeue_queued_jobs() == []


@pytest.fixture
def unreachable_broker():
    """Publish for real, to a port where nothing listens."""
    saved = (app.conf.task_always_eager, app.conf.broker_write_url)
    app.conf.task_always_eager = False
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.task_always_eager, app.conf.broker_write_url = saved
    app._pool = None
    app.amqp._producer_pool = None


def test_an_unreachable_broker_leaves_the_job_queued_for_requeue(
    assessed, employee, manager, cycle, unreachable_broker, django_capture_on_commit_callbacks
):
    job = made(employee, cycle, manager.user, django_capture_on_commit_callbacks)
    assert (job.status, job.enqueued_at) == ("queued", None)
