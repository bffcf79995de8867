"""HR's bulk export, run inline: fan-out in chunks, counted completion, one ZIP, resumable."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from assessments.models import Assessment
from config.celery import app
from reports import services
from reports.models import Export, ReportJob, ReportRecord
from reports.signals import export_finished
from reports.workbook import escape_formula
from tests import factories


@pytest.fixture
def errors_handled_like_a_worker():
    """A failing task is marked failed by its on_failure instead of raising into the test."""
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


@pytest.fixture
def stray(cycle, manager, position):
    """A participant without assessments, whose report cannot be made."""
    person = factories.EmployeeFactory(manager=manager, position=position, name="Stray", employee_number="Z999")
    cycle.participants.add(person)
    return person


def export(cycle, by, capture, **kwargs) -> Export:
    with capture(execute=True):
        started = services.start_export(requested_by=by, cycle=cycle, language=kwargs.pop("language", "en"), **kwargs)
    started.refresh_from_db()
    return started


def archive(export: Export) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(export.file.read()))


def test_export_of_a_cycle_makes_one_pdf_per_participant(assessed, cycle, hr, django_capture_on_commit_callbacks):
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    assert (done.status, done.total, done.done_count, done.failed_count) == ("done", 2, 2, 0)
    pdfs = sorted(n for n in archive(done).namelist() if n.endswith(".pdf"))
    assert [n.split("-", 1)[1] for n in pdfs] == ["Alice-gap-report.pdf", "Bob-gap-report.pdf"]


def test_export_includes_development_plans(plan, cycle, hr, django_capture_on_commit_callbacks):
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    assert any(n.endswith("Alice-development-plan.pdf") for n in archive(done).namelist())
    assert done.total == 3


def test_export_holds_the_summary_as_xlsx_and_csv(assessed, cycle, hr, django_capture_on_commit_callbacks):
    names = archive(export(cycle, hr, django_capture_on_commit_callbacks)).namelist()
    assert {"summary.xlsx", "summary.csv"} <= set(names)


def test_summary_workbook_has_each_employees_levels_and_gap(assessed, cycle, hr, django_capture_on_commit_callbacks):
    workbook = load_workbook(
        io.BytesIO(archive(export(cycle, hr, django_capture_on_commit_callbacks)).read("summary.xlsx"))
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    alice_mkt = next(r for r in rows if r[1] == "Alice" and r[5] == "MKT")
    assert alice_mkt[7:11] == (2, 3, 1, 1)


def test_summary_csv_has_the_same_rows_as_the_workbook(assessed, cycle, hr, django_capture_on_commit_callbacks):
    zipped = archive(export(cycle, hr, django_capture_on_commit_callbacks))
    rows = list(csv.reader(io.StringIO(zipped.read("summary.csv").decode("utf-8-sig"))))
    workbook_rows = list(load_workbook(io.BytesIO(zipped.read("summary.xlsx"))).active.iter_rows(values_only=True))
    assert len(rows) == len(workbook_rows) == 1 + 2 * 7


def test_text_a_spreadsheet_would_run_as_a_formula_is_escaped(
    assessed, cycle, hr, employee, django_capture_on_commit_callbacks
):
    employee.name = '=HYPERLINK("http://evil.example","click")'
    employee.save()
    zipped = archive(export(cycle, hr, django_capture_on_commit_callbacks))
    rows = list(load_workbook(io.BytesIO(zipped.read("summary.xlsx"))).active.iter_rows(values_only=True))
    assert any(r[1] == "'" + employee.name for r in rows)
    assert "'=HYPERLINK" in zipped.read("summary.csv").decode("utf-8-sig")


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx"])
def test_every_formula_prefix_is_escaped(text):
    assert escape_formula(text) == "'" + text


def test_numbers_are_not_escaped():
    assert escape_formula(-1) == -1


def test_a_department_export_covers_only_that_department(
    assessed, cycle, hr, other_employee, django_capture_on_commit_callbacks
):
    other_employee.department = factories.DepartmentFactory(name="Elsewhere")
    other_employee.save()
    done = export(cycle, hr, django_capture_on_commit_callbacks, department=assessed.employee.department)
    assert list(done.jobs.values_list("employee__name", flat=True)) == ["Alice"]


def test_a_team_export_covers_only_that_managers_reports(
    assessed, cycle, hr, manager, django_capture_on_commit_callbacks
):
    done = export(cycle, hr, django_capture_on_commit_callbacks, manager=manager)
    assert list(done.jobs.values_list("employee__name", flat=True)) == ["Alice"]


def test_only_hr_exports(assessed, cycle, manager):
    with pytest.raises(PermissionDenied):
        services.start_export(requested_by=manager.user, cycle=cycle, language="en")


def test_an_export_matching_nobody_is_refused(assessed, cycle, hr):
    with pytest.raises(ValidationError):
        services.start_export(
            requested_by=hr, cycle=cycle, language="en", department=factories.DepartmentFactory(name="Empty")
        )


def test_one_failing_employee_does_not_lose_the_others(
    assessed, stray, cycle, hr, errors_handled_like_a_worker, django_capture_on_commit_callbacks
):
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    assert (done.status, done.done_count, done.failed_count) == ("done", 2, 1)
    assert len([n for n in archive(done).namelist() if n.endswith(".pdf")]) == 2


def test_the_archive_lists_the_failures(
    assessed, stray, cycle, hr, errors_handled_like_a_worker, django_capture_on_commit_callbacks
):
    failures = archive(export(cycle, hr, django_capture_on_commit_callbacks)).read("failures.txt").decode()
    assert failures == "Z999 Stray (Gap report): Stray has no assessments in Test cycle.\n"


def test_a_resumed_export_makes_the_missing_pdfs(
    assessed, stray, cycle, hr, errors_handled_like_a_worker, django_capture_on_commit_callbacks
):
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    Assessment.objects.create(cycle=cycle, employee=stray, kind="self")
    with django_capture_on_commit_callbacks(execute=True):
        services.resume_export(export=done, resumed_by=hr)
    done.refresh_from_db()
    assert (done.status, done.done_count, done.failed_count) == ("done", 3, 0)
    assert len([n for n in archive(done).namelist() if n.endswith(".pdf")]) == 3


def test_a_complete_export_has_nothing_to_resume(assessed, cycle, hr, django_capture_on_commit_callbacks):
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.resume_export(export=done, resumed_by=hr)


def test_a_signed_off_assessments_stored_pdf_is_reused(
    signed_off, employee, cycle, hr, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.request_report(requested_by=hr, employee=employee, cycle=cycle, kind="gap_report", language="en")
    record = ReportRecord.objects.get()
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    alice = done.jobs.get(employee=employee)
    assert (alice.record, alice.file.name, alice.render_ms) == (record, record.file.name, None)


def test_small_chunks_still_reach_every_job(assessed, cycle, hr, settings, django_capture_on_commit_callbacks):
    settings.REPORTS_EXPORT_CHUNK_SIZE = 1
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    assert (done.status, done.done_count) == ("done", 2)
    assert not done.jobs.filter(enqueued_at__isnull=True).exists()


def test_a_finished_export_is_announced_once(assessed, cycle, hr, django_capture_on_commit_callbacks):
    announced = []

    def listener(sender, export, **kwargs):
        announced.append(export.pk)

    export_finished.connect(listener)
    try:
        done = export(cycle, hr, django_capture_on_commit_callbacks)
    finally:
        export_finished.disconnect(listener)
    assert announced == [done.pk]


def test_completion_is_claimed_by_one_caller_only(assessed, cycle, hr, django_capture_on_commit_callbacks):
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=done.pk).update(status="running")
    assert services.complete_export_if_finished(export_id=done.pk) is True
    assert services.complete_export_if_finished(export_id=done.pk) is False


def test_jobs_of_an_export_count_as_done_or_failed(assessed, cycle, hr, django_capture_on_commit_callbacks):
    done = export(cycle, hr, django_capture_on_commit_callbacks)
    assert done.done_count == done.jobs.filter(status=ReportJob.Status.DONE).count()
