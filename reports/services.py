"""Report jobs, the stored record of a signed-off assessment, and HR's bulk exports.

A job row is the truth about a PDF: the worker takes it, renders or reuses the file, stores it once
and marks it done; a second delivery of a finished job changes nothing. See docs/decisions/0004-pdf-pipeline.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from assessments import permissions
from assessments.models import Assessment, Cycle, Department, Employee, User
from reports import signals
from reports.contexts import DevelopmentPlanContext, GapReportContext, languages_of
from reports.gaps import EmployeeGaps, employee_gaps, gaps_for_employees, participants
from reports.models import DevelopmentPlan, Export, Language, ReportJob, ReportKind, ReportRecord
from reports.pdf import render_pdf
from reports.plans import plan_with_targets
from reports.workbook import summary_csv, summary_rows, summary_xlsx

logger = logging.getLogger(__name__)

# A job taken this many times without finishing is failing for a reason retrying will not fix.
MAX_DELIVERIES = 3
# A job the broker never got is sent again after this long (requeue_report_jobs).
REQUEUE_AFTER = timedelta(minutes=1)
# A job sent but not started for this long was lost by the broker; a duplicate is harmless.
LOST_AFTER = timedelta(hours=1)


def export_chunk_size() -> int:
    """How many jobs of an export one chunk sends (setting REPORTS_EXPORT_CHUNK_SIZE, 20 by default)."""
    return int(getattr(settings, "REPORTS_EXPORT_CHUNK_SIZE", 20))


TEMPLATES = {
    ReportKind.GAP_REPORT: "reports/pdf/gap_report.html",
    ReportKind.DEVELOPMENT_PLAN: "reports/pdf/development_plan.html",
}


class ReportUnavailable(Exception):
    """The document cannot be made from the data as it stands; retrying will not help."""


def language_for(user: User) -> str:
    """The language a person reads in: their saved choice, else the active one."""
    language = user.language or translation.get_language() or Language.CHINESE
    return Language.ENGLISH if language.startswith("en") else Language.CHINESE


# Requesting ---------------------------------------------------------------------------------------


def _check_can_be_made(*, employee: Employee, cycle: Cycle, kind: str) -> None:
    if not cycle.participants.filter(pk=employee.pk).exists():
        raise ValidationError({"employee": _("%(name)s does not take part in this cycle.") % {"name": employee.name}})
    if (
        kind == ReportKind.DEVELOPMENT_PLAN
        and not DevelopmentPlan.objects.filter(cycle=cycle, employee=employee).exists()
    ):
        raise ValidationError({"kind": _("There is no development plan for this cycle yet.")})


@transaction.atomic
def request_report(*, requested_by: User, employee: Employee, cycle: Cycle, kind: str, language: str) -> ReportJob:
    """Queue a PDF of one employee's gap report or development plan; the worker makes it after commit."""
    if not permissions.can_request_report(requested_by, employee):
        raise PermissionDenied(_("You cannot have a report made about this person."))
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Choose a gap report or a development plan.")})
    if language not in Language.values:
        raise ValidationError({"language": _("Choose Chinese, English or both.")})
    _check_can_be_made(employee=employee, cycle=cycle, kind=kind)
    job = ReportJob.objects.create(
        requested_by=requested_by, employee=employee, cycle=cycle, kind=kind, language=language
    )
    from reports import tasks

    tasks.render_report.delay_on_commit(job.pk)
    return job


def mark_sent(job_ids: list[int]) -> None:
    """Note that the broker has the jobs, so requeue_report_jobs leaves them alone."""
    ReportJob.objects.filter(pk__in=job_ids).update(enqueued_at=timezone.now())


def _unsent_exports(now: datetime) -> list[int]:
    """Running exports with jobs the broker never got, and none sent, running or finished for a minute."""
    quiet = now - REQUEUE_AFTER
    jobs = ReportJob.objects.filter(export_id=OuterRef("pk"))
    unsent = jobs.filter(status=ReportJob.Status.QUEUED, enqueued_at__isnull=True)
    busy = jobs.filter(
        Q(status=ReportJob.Status.RUNNING)
        | Q(status=ReportJob.Status.QUEUED, enqueued_at__isnull=False)
        | Q(enqueued_at__gte=quiet)
        | Q(finished_at__gte=quiet)
    )
    return list(
        Export.objects.filter(Exists(unsent), status=Export.Status.RUNNING, created_at__lt=quiet)
        .exclude(Exists(busy))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def requeue_queued_jobs(*, now: datetime | None = None) -> list[int]:
    """Send again the single jobs the broker never got (older than a minute) or lost (older than an hour)."""
    now = now or timezone.now()
    unsent = Q(enqueued_at__isnull=True, created_at__lt=now - REQUEUE_AFTER)
    lost = Q(enqueued_at__lt=now - LOST_AFTER)
    # An export's unsent jobs are sent by its own chunks; one its chunk sent and the broker lost is sent here,
    # else the export would count it as still in the queue and never finish.
    ids = list(
        ReportJob.objects.filter((unsent & Q(export__isnull=True)) | lost, status=ReportJob.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    from reports import tasks

    # An export the broker was down for when HR started or resumed it never got its first chunk out.
    for export_id in _unsent_exports(now):
        tasks.enqueue_export_chunk.send_or_leave_queued(export_id, 0)
    return [job_id for job_id in ids if tasks.render_report.send_or_leave_queued(job_id)]


# Running ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """What a run produced: new PDF bytes, or the stored record to hand out instead."""

    content: bytes | None
    record: ReportRecord | None = None
    # Set when the new PDF becomes the record of a signed-off assessment.
    record_key: dict[str, object] | None = None


def _take(job_id: int) -> ReportJob:
    """Lock the job and count this delivery; a finished job or one delivered too often is not run."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        job.deliveries += 1
        if job.deliveries > MAX_DELIVERIES:
            reason = _(
                "Given up after %(count)d deliveries without finishing: the worker may have run out of time or memory."
            )
            _fail(job, reason % {"count": job.deliveries - 1})
            return job
        job.status = ReportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["deliveries", "status", "started_at"])
    return job


def _gaps_of(job: ReportJob) -> EmployeeGaps:
    gaps = employee_gaps(cycle=job.cycle, employee=job.employee)
    if gaps.self_status is None and gaps.manager_status is None:
        raise ReportUnavailable(
            _("%(name)s has no assessments in %(cycle)s.") % {"name": job.employee.name, "cycle": job.cycle.name}
        )
    return gaps


def _stored_record(job: ReportJob) -> ReportRecord | None:
    """The record of the job's signed-off gap report, found in one query, without gathering the gaps."""
    return ReportRecord.objects.filter(
        assessment__cycle_id=job.cycle_id,
        assessment__employee_id=job.employee_id,
        assessment__kind=Assessment.Kind.MANAGER,
        assessment__status=Assessment.Status.SIGNED_OFF,
        signed_off_at=F("assessment__signed_off_at"),
        kind=job.kind,
        language=job.language,
    ).first()


def _render(job: ReportJob) -> Rendered:
    """The job's PDF: the stored record when the assessment is signed off and one exists, else a new render."""
    if job.kind == ReportKind.GAP_REPORT and (stored := _stored_record(job)) is not None:
        # An export of a finished cycle is mostly records: handing one out must not cost a report's gaps.
        return Rendered(content=None, record=stored)
    gaps = _gaps_of(job)
    today = timezone.localdate()
    if job.kind == ReportKind.DEVELOPMENT_PLAN:
        plan = plan_with_targets(DevelopmentPlan.objects.filter(cycle=job.cycle, employee=job.employee)).first()
        if plan is None:
            raise ReportUnavailable(_("%(name)s has no development plan in this cycle.") % {"name": job.employee.name})
        plan_context = DevelopmentPlanContext.from_plan(plan, gaps, language=job.language, today=today)
        with translation.override(plan_context.languages[0]):
            return Rendered(content=render_pdf(TEMPLATES[ReportKind.DEVELOPMENT_PLAN], {"report": plan_context}))
    record_key: dict[str, object] | None = None
    if gaps.manager_status == Assessment.Status.SIGNED_OFF and gaps.manager_assessment_id is not None:
        record_key = {
            "assessment_id": gaps.manager_assessment_id,
            "signed_off_at": gaps.manager_signed_off_at,
            "kind": job.kind,
            "language": job.language,
        }
        record = ReportRecord.objects.filter(**record_key).first()
        if record is not None:
            return Rendered(content=None, record=record)
    context = GapReportContext.from_gaps(gaps, language=job.language, today=today)
    with translation.override(context.languages[0]):
        return Rendered(
            content=render_pdf(TEMPLATES[ReportKind.GAP_REPORT], {"report": context}), record_key=record_key
        )


class _MovableFile(File):  # type: ignore[type-arg]
    """A finished temporary file that file-system storage moves into place instead of copying."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def store_file(name: str, content: bytes) -> str:
    """Write to a temporary name, then move it into storage in one step, so no half file is ever visible."""
    location = getattr(default_storage, "location", None)
    # Next to the storage, so the move is a rename on the same file system.
    folder = Path(location) / ".partial" if location else Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(suffix=Path(name).suffix, dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        with open(path, "rb") as finished:
            return str(default_storage.save(name, _MovableFile(finished, name=path)))
    finally:
        if os.path.exists(path):
            os.unlink(path)


def _file_name(job: ReportJob) -> str:
    """Named after the job, so that what an interrupted delivery of it stored can be told apart and removed."""
    kind = job.kind.replace("_", "-")
    person = get_valid_filename(job.employee.employee_number)
    return f"reports/{job.cycle_id}/{person}-{kind}-{job.language}-{job.pk}.pdf"


def _remove_files_of_interrupted_deliveries(job: ReportJob, kept: str) -> None:
    """Delete what earlier deliveries of this job stored before their worker died, short of saving the row.

    A worker killed between moving its PDF into place and saving the job leaves a file no row names; the delivery
    that finishes the job finds it by the job's file name (storage adds a suffix to a name that is taken).
    """
    stem = Path(_file_name(job)).stem
    folder = str(Path(_file_name(job)).parent)
    try:
        _folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        path = f"{folder}/{name}"
        ours = name == f"{stem}.pdf" or (name.startswith(f"{stem}_") and name.endswith(".pdf"))
        if ours and path != kept:
            default_storage.delete(path)


def _finish(job: ReportJob, rendered: Rendered, render_ms: int) -> ReportJob:
    stored_name = store_file(_file_name(job), rendered.content) if rendered.content is not None else None
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ReportJob.Status.RUNNING:
            # Another delivery finished first (or gave up): keep its result, drop ours.
            if stored_name:
                transaction.on_commit(lambda: default_storage.delete(stored_name))
            return job
        record = rendered.record
        if stored_name is not None and rendered.record_key is not None and rendered.content is not None:
            record, created = ReportRecord.objects.get_or_create(
                **rendered.record_key,
                defaults={"file": stored_name, "sha256": hashlib.sha256(rendered.content).hexdigest()},
            )
            if not created:
                transaction.on_commit(lambda: default_storage.delete(stored_name))
        job.file.name = record.file.name if record is not None else stored_name
        job.record = record
        job.status = ReportJob.Status.DONE
        job.error = ""
        job.finished_at = timezone.now()
        job.render_ms = render_ms if rendered.content is not None else None
        job.save(update_fields=["file", "record", "status", "error", "finished_at", "render_ms"])
        _count(job, done=True)
        if job.deliveries > 1:
            kept = job.file.name
            transaction.on_commit(lambda: _remove_files_of_interrupted_deliveries(job, kept))
    return job


def job_language(job_id: int) -> str:
    """The language a job's messages are written in: its document's first language."""
    language = ReportJob.objects.filter(pk=job_id).values_list("language", flat=True).first()
    return languages_of(language or Language.CHINESE)[0]


def run_report_job(*, job_id: int) -> ReportJob:
    """Take the job, make (or reuse) its PDF and store it once; a finished job is left as it is."""
    # A reason the job fails is read by whoever asked for the document, in the document's language.
    with translation.override(job_language(job_id)):
        job = _take(job_id)
        if job.status != ReportJob.Status.RUNNING:
            return job
        job = ReportJob.objects.select_related("employee__department", "employee__position", "cycle").get(pk=job_id)
        started = time.monotonic()
        rendered = _render(job)
        job = _finish(job, rendered, round((time.monotonic() - started) * 1000))
    if job.export_id is not None:
        complete_export_if_finished(export_id=job.export_id)
    return job


def _fail(job: ReportJob, error: str) -> None:
    job.status = ReportJob.Status.FAILED
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["deliveries", "status", "error", "finished_at"])
    _count(job, done=False)
    if job.export_id is not None:
        export_id = job.export_id
        transaction.on_commit(lambda: complete_export_if_finished(export_id=export_id))


def fail_report_job(*, job_id: int, error: str) -> ReportJob:
    """Mark the job failed with a reason a person can read; a finished job keeps its result."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job_id)
        if not job.is_finished:
            _fail(job, error)
    return job


def _count(job: ReportJob, *, done: bool) -> None:
    """Count a finished job of an export, atomically, so parallel workers never lose one."""
    if job.export_id is None:
        return
    column = "done_count" if done else "failed_count"
    Export.objects.filter(pk=job.export_id).update(**{column: F(column) + 1})


# Exports ------------------------------------------------------------------------------------------


def export_employees(export: Export) -> QuerySet[Employee]:
    """The cycle's participants the export covers."""
    employees = participants(export.cycle)
    if export.scope == Export.Scope.DEPARTMENT and export.department_id is not None:
        return employees.filter(department_id=export.department_id)
    if export.scope == Export.Scope.TEAM and export.manager_id is not None:
        return employees.filter(manager_id=export.manager_id)
    return employees


@transaction.atomic
def start_export(
    *,
    requested_by: User,
    cycle: Cycle,
    language: str,
    department: Department | None = None,
    manager: Employee | None = None,
    include_plans: bool = True,
) -> Export:
    """One job per employee (and per development plan), sent to the worker in chunks after commit."""
    if not permissions.can_export(requested_by):
        raise PermissionDenied(_("Only HR can export reports."))
    if department is not None and manager is not None:
        raise ValidationError({"scope": _("Export a department or a manager's team, not both.")})
    if language not in Language.values:
        raise ValidationError({"language": _("Choose Chinese, English or both.")})
    scope = Export.Scope.DEPARTMENT if department else Export.Scope.TEAM if manager else Export.Scope.CYCLE
    export = Export.objects.create(
        requested_by=requested_by,
        cycle=cycle,
        scope=scope,
        department=department,
        manager=manager,
        language=language,
        include_plans=include_plans,
    )
    employee_ids = list(export_employees(export).order_by("employee_number").values_list("pk", flat=True))
    if not employee_ids:
        raise ValidationError({"scope": _("Nobody in this cycle matches the export.")})
    with_plans = (
        set(
            DevelopmentPlan.objects.filter(cycle=cycle, employee_id__in=employee_ids).values_list(
                "employee_id", flat=True
            )
        )
        if include_plans
        else set()
    )
    jobs = [
        ReportJob(
            requested_by=requested_by, employee_id=employee_id, cycle=cycle, kind=kind, language=language, export=export
        )
        for employee_id in employee_ids
        for kind in (ReportKind.GAP_REPORT, ReportKind.DEVELOPMENT_PLAN)
        if kind == ReportKind.GAP_REPORT or employee_id in with_plans
    ]
    ReportJob.objects.bulk_create(jobs)
    export.total = len(jobs)
    export.save(update_fields=["total"])
    from reports import tasks

    tasks.enqueue_export_chunk.delay_on_commit(export.pk, 0)
    return export


def enqueue_export_chunk(*, export_id: int, after_id: int) -> list[int]:
    """Send the next chunk of the export's queued jobs and, if more remain, the chunk after it.

    The next chunk's message queues behind this chunk's renders, so the queue never holds the whole export.
    """
    from reports import tasks

    size = export_chunk_size()
    ids = list(
        ReportJob.objects.filter(export_id=export_id, status=ReportJob.Status.QUEUED, pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    mark_sent(ids)
    for job_id in ids:
        tasks.render_report.apply_async((job_id,))
    if len(ids) == size:
        tasks.enqueue_export_chunk.apply_async((export_id, ids[-1]))
    else:
        complete_export_if_finished(export_id=export_id)
    return ids


def complete_export_if_finished(*, export_id: int) -> bool:
    """When every job has finished, exactly one caller wins the right to build the archive."""
    claimed = Export.objects.filter(
        pk=export_id, status=Export.Status.RUNNING, total__lte=F("done_count") + F("failed_count")
    ).update(status=Export.Status.BUILDING)
    if claimed:
        from reports import tasks

        tasks.build_export_archive.apply_async((export_id,))
    return bool(claimed)


def _archive_name(job: ReportJob) -> str:
    person = get_valid_filename(f"{job.employee.employee_number}-{job.employee.name}") or str(job.employee_id)
    return f"{person}-{job.kind.replace('_', '-')}.pdf"


def _copy_into(archive: zipfile.ZipFile, name: str, source: IO[bytes]) -> None:
    # Stored, not deflated: a PDF's streams are compressed already, and deflating a thousand of them again
    # was most of an export's time once the PDFs themselves were stored records.
    entry = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    entry.compress_type = zipfile.ZIP_STORED
    with archive.open(entry, "w") as target:
        while chunk := source.read(1024 * 1024):
            target.write(chunk)


def build_export_archive(*, export_id: int) -> Export:
    """One ZIP with every finished PDF, the failures, and the summary workbook as XLSX and CSV."""
    export = Export.objects.select_related("cycle").get(pk=export_id)
    if export.status != Export.Status.BUILDING:
        return export
    with translation.override(languages_of(export.language)[0]):
        return _build_archive(export)


def _build_archive(export: Export) -> Export:
    export_id = export.pk
    jobs = list(export.jobs.select_related("employee").order_by("employee__employee_number", "kind"))
    gaps = gaps_for_employees(cycle=export.cycle, employees=export_employees(export))
    rows = summary_rows(gaps, languages=languages_of(export.language))
    failures = [
        f"{job.employee.employee_number} {job.employee.name} ({job.get_kind_display()}): {job.error}"
        for job in jobs
        if job.status == ReportJob.Status.FAILED
    ]
    folder = Path(tempfile.mkdtemp(prefix="export-"))
    path = folder / "export.zip"
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for job in jobs:
                if job.is_downloadable:
                    with job.file.open("rb") as source:
                        _copy_into(archive, _archive_name(job), source)
            archive.writestr("summary.xlsx", summary_xlsx(rows))
            archive.writestr("summary.csv", summary_csv(rows))
            if failures:
                archive.writestr("failures.txt", "\n".join(failures) + "\n")
        scope = (
            export.get_scope_display()
            if export.scope == Export.Scope.CYCLE
            else str(export.department or export.manager)
        )
        name = f"exports/{export.cycle_id}/{get_valid_filename(f'export-{export.pk}-{scope}') or export.pk}.zip"
        stored = store_file(name, path.read_bytes())
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()
    with transaction.atomic():
        export = Export.objects.select_for_update().get(pk=export_id)
        if export.status != Export.Status.BUILDING:
            transaction.on_commit(lambda: default_storage.delete(stored))
            return export
        export.file.name = stored
        export.status = Export.Status.DONE
        export.error = ""
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "error", "finished_at"])
        finished = export
        transaction.on_commit(lambda: signals.export_finished.send(sender=Export, export=finished))
    return export


def fail_export(*, export_id: int, error: str) -> None:
    """The archive could not be built; resuming builds it again."""
    Export.objects.filter(pk=export_id, status=Export.Status.BUILDING).update(
        status=Export.Status.FAILED, error=error, finished_at=timezone.now()
    )


@transaction.atomic
def resume_export(*, export: Export, resumed_by: User) -> Export:
    """Send the export's failed and never-finished jobs again, then rebuild the archive."""
    if not permissions.can_export(resumed_by):
        raise PermissionDenied(_("Only HR can export reports."))
    export = Export.objects.select_for_update().get(pk=export.pk)
    missing = export.jobs.exclude(status=ReportJob.Status.DONE)
    if export.status == Export.Status.DONE and not missing.exists():
        raise ValidationError({"status": _("Every document of this export is done; there is nothing to resume.")})
    # Running jobs are left to their worker: acknowledged late, they come back if it died.
    missing.filter(status=ReportJob.Status.FAILED).update(
        status=ReportJob.Status.QUEUED, error="", deliveries=0, started_at=None, finished_at=None, enqueued_at=None
    )
    jobs = export.jobs.all()
    export.done_count = jobs.filter(status=ReportJob.Status.DONE).count()
    export.failed_count = jobs.filter(status=ReportJob.Status.FAILED).count()
    export.status = Export.Status.RUNNING
    export.error = ""
    export.finished_at = None
    export.save(update_fields=["done_count", "failed_count", "status", "error", "finished_at"])
    from reports import tasks

    tasks.enqueue_export_chunk.delay_on_commit(export.pk, 0)
    return export
