"""PDF jobs and a bulk export run by a real Celery worker on Redis, read back with pypdf."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment, Cycle, Employee, User
from competency.models import Competency, Track
from config.celery import app
from reports import plans, services, tasks
from reports.models import DevelopmentPlan, Export, ReportJob
from tests import factories
from tests.reports.conftest import codes, manager_scores, rate
from tests.reports.pdfs import is_cjk_subset, pdf_fonts, pdf_text

pytestmark = [pytest.mark.integration]

WAIT_SECONDS = 120


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"the worker did not finish: {what}"
        time.sleep(0.2)


def finished(job: ReportJob) -> ReportJob:
    wait_for(lambda: ReportJob.objects.get(pk=job.pk).is_finished, f"job {job.pk}")
    return ReportJob.objects.get(pk=job.pk)


@pytest.fixture
def track(transactional_db: None) -> Track:
    call_command("loaddata", "key_account_sales", verbosity=0)
    return Track.objects.get(code="key-account-sales")


@pytest.fixture
def org(track: Track) -> dict[str, Employee | User]:
    position = factories.position_with_requirements(track, code="account-manager", level=2)
    mallory = factories.EmployeeFactory(user__username="mallory", name="Mallory", position=position)
    return {
        "hr": factories.UserFactory(username="hr-henry", is_hr=True),
        "mallory": mallory,
        "alice": factories.EmployeeFactory(user__username="alice", name="Alice", manager=mallory, position=position),
        "bob": factories.EmployeeFactory(user__username="bob", name="Bob", manager=mallory, position=position),
    }


@pytest.fixture
def cycle(track: Track, org: dict) -> Cycle:
    """Alice rated by herself and by Mallory (MKT and COMM one level short); Bob only by himself."""
    today = timezone.localdate()
    created = assessment_services.create_cycle(
        name="2026 年度评估",
        track=track,
        self_assessment_opens_on=today - timedelta(days=1),
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today - timedelta(days=1),
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=org["hr"],
        employees=[org["alice"], org["bob"]],
    )
    opened = assessment_services.open_cycle(cycle=created, opened_by=org["hr"])
    alice_self = Assessment.objects.get(cycle=opened, employee=org["alice"], kind="self")
    alice_manager = Assessment.objects.get(cycle=opened, employee=org["alice"], kind="manager")
    rate(alice_self, org["alice"].user, default=3)
    rate(alice_manager, org["mallory"].user, default=2, scores=manager_scores(alice_manager))
    rate(Assessment.objects.get(cycle=opened, employee=org["bob"], kind="self"), org["bob"].user, default=2)
    return opened


def close_connection(**kwargs: object) -> None:
    # The worker thread's connection would keep the test database open after the tests end.
    connection.close()


@pytest.fixture
def worker(cycle: Cycle, settings) -> Iterator[None]:
    """A real worker on both queues, with tasks sent through the broker instead of run inline."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        for queue in ("pdf", "default"):
            conn.default_channel.queue_purge(queue)
    task_postrun.connect(close_connection)
    try:
        with start_worker(app, pool="solo", queues=["pdf", "default"], perform_ping_check=False, shutdown_timeout=60):
            yield
    finally:
        task_postrun.disconnect(close_connection)
        app.conf.task_always_eager = True


def request(org: dict, cycle: Cycle, who: str = "alice", kind: str = "gap_report", language: str = "both") -> ReportJob:
    return services.request_report(
        requested_by=org["mallory"].user, employee=org[who], cycle=cycle, kind=kind, language=language
    )


def competency_names(code: str) -> tuple[str, str]:
    competency = Competency.objects.get(code=code)
    return competency.name_zh, competency.name_en


def test_a_job_goes_from_queued_to_done_with_its_pdf_stored(worker, org, cycle):
    job = finished(request(org, cycle))
    assert (job.status, job.deliveries, job.error) == ("done", 1, "")
    assert job.enqueued_at <= job.started_at <= job.finished_at


def test_the_pdf_has_chinese_and_english_competency_names(worker, org, cycle):
    text = pdf_text(finished(request(org, cycle)).file.read())
    name_zh, name_en = competency_names("MKT")
    assert name_zh in text
    assert name_en in text


def test_the_pdf_has_the_employees_figures(worker, org, cycle):
    text = pdf_text(finished(request(org, cycle, language="en")).file.read())
    assert "Alice (" in text
    assert "level 1 attained; level 2 blocked by MKT-2-01" in text


def test_the_pdf_embeds_a_noto_cjk_subset(worker, org, cycle):
    fonts = pdf_fonts(finished(request(org, cycle, language="zh-hans")).file.read())
    assert any(is_cjk_subset(name) for name in fonts), fonts


def test_the_development_plan_pdf_lists_the_plans_actions(worker, org, cycle):
    alice_manager = Assessment.objects.get(cycle=cycle, employee=org["alice"], kind="manager")
    assessment_services.sign_off_assessment(assessment=alice_manager, user=org["mallory"].user)
    plan = plans.draft_development_plan(assessment=Assessment.objects.get(pk=alice_manager.pk))
    target = plan.targets.get(indicator__code=codes(alice_manager, "MKT-2-")[0])
    plans.add_plan_action(target=target, user=org["alice"].user, what="Shadow Mallory in two market reviews")
    text = pdf_text(finished(request(org, cycle, kind="development_plan", language="en")).file.read())
    assert "Shadow Mallory in two market reviews" in text


def send_marker(org: dict, cycle: Cycle) -> ReportJob:
    """A job sent after others: the solo worker takes tasks in order, so when it is done they were handled."""
    return finished(request(org, cycle, who="bob", language="en"))


def test_a_done_job_delivered_again_is_left_as_it_was(worker, org, cycle):
    job = finished(request(org, cycle, language="en"))
    tasks.render_report.delay(job.pk)
    send_marker(org, cycle)
    again = ReportJob.objects.get(pk=job.pk)
    assert (again.deliveries, again.file.name, again.finished_at) == (1, job.file.name, job.finished_at)


def test_a_job_whose_worker_died_is_finished_by_the_redelivery(worker, org, cycle):
    job = ReportJob.objects.create(
        employee=org["alice"], cycle=cycle, kind="gap_report", language="en", status="running", deliveries=1
    )
    tasks.render_report.delay(job.pk)
    assert (finished(job).status, finished(job).deliveries) == ("done", 2)


def test_a_job_delivered_too_often_fails_with_a_readable_reason(worker, org, cycle):
    job = ReportJob.objects.create(
        employee=org["alice"], cycle=cycle, kind="gap_report", language="en", status="running", deliveries=3
    )
    tasks.render_report.delay(job.pk)
    failed = finished(job)
    assert failed.status == "failed"
    assert failed.error.startswith("Given up after 3 deliveries")


@pytest.fixture
def stray(cycle: Cycle, org: dict) -> Employee:
    """A participant without assessments: the worker cannot make their report."""
    person = factories.EmployeeFactory(name="Stray", employee_number="Z999", manager=org["mallory"])
    cycle.participants.add(person)
    return person


def test_a_failing_render_marks_the_job_failed(worker, org, cycle, stray):
    job = services.request_report(requested_by=org["hr"], employee=stray, cycle=cycle, kind="gap_report", language="en")
    assert (finished(job).status, finished(job).error) == ("failed", "Stray has no assessments in 2026 年度评估.")


def test_a_bulk_export_with_one_failing_employee_keeps_the_others(worker, org, cycle, stray, settings):
    settings.REPORTS_EXPORT_CHUNK_SIZE = 1  # every chunk enqueues the next one through the broker
    export = services.start_export(requested_by=org["hr"], cycle=cycle, language="both")
    wait_for(lambda: Export.objects.get(pk=export.pk).is_finished, "the export")
    export.refresh_from_db()
    assert (export.status, export.total, export.done_count, export.failed_count) == ("done", 3, 2, 1)
    archive = zipfile.ZipFile(io.BytesIO(export.file.read()))
    pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert len(pdfs) == 2
    assert archive.read("failures.txt").decode().startswith("Z999 Stray")
    assert {"summary.xlsx", "summary.csv"} <= set(archive.namelist())
    alice = pdf_text(archive.read(next(n for n in pdfs if "Alice" in n)))
    assert competency_names("COMM")[0] in alice


def test_a_resumed_export_finishes_the_missing_document(worker, org, cycle, stray):
    export = services.start_export(requested_by=org["hr"], cycle=cycle, language="en", include_plans=False)
    wait_for(lambda: Export.objects.get(pk=export.pk).is_finished, "the export")
    Assessment.objects.create(cycle=cycle, employee=stray, kind="self")
    services.resume_export(export=export, resumed_by=org["hr"])
    wait_for(lambda: Export.objects.filter(pk=export.pk, status="done", failed_count=0).exists(), "the resume")
    export.refresh_from_db()
    assert (export.done_count, export.failed_count) == (3, 0)
    assert not DevelopmentPlan.objects.exists()
