"""Report jobs and their stored files, bulk exports, and development plans with their history."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Cycle, CycleIndicator, Department, Employee
from competency.models import Competency

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models.fields.related_descriptors import RelatedManager

    from assessments.models import User


class Language(models.TextChoices):
    """The language a document is written in, or both side by side."""

    CHINESE = "zh-hans", _("Chinese")
    ENGLISH = "en", _("English")
    BOTH = "both", _("Chinese and English side by side")


class ReportKind(models.TextChoices):
    GAP_REPORT = "gap_report", _("Gap report")
    DEVELOPMENT_PLAN = "development_plan", _("Development plan")


def job_file_path(job: ReportJob, filename: str) -> str:
    return f"reports/{job.cycle_id}/{filename}"


def export_file_path(export: Export, filename: str) -> str:
    return f"exports/{export.cycle_id}/{filename}"


class ReportRecord(models.Model):
    """The PDF made when an assessment was signed off: later requests get this file, never a new one."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="report_records")
    signed_off_at = models.DateTimeField(_("signed off"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    file = models.FileField(_("file"), max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored report")
        verbose_name_plural = _("stored reports")
        ordering = ["-created_at"]
        constraints = [
            # A reopened and signed-off-again assessment gets a new record; the old one stays as history.
            models.UniqueConstraint(
                fields=["assessment", "signed_off_at", "kind", "language"], name="unique_report_record"
            )
        ]

    def __str__(self) -> str:
        return self.file.name or ""


class ReportJobQuerySet(models.QuerySet["ReportJob"]):
    def visible_to(self, user: User | AnonymousUser) -> ReportJobQuerySet:
        """Jobs about people the user may see; anyone else's is a 404."""
        from assessments import permissions

        return cast(ReportJobQuerySet, permissions.visible_report_jobs(self, user))


class ReportJob(models.Model):
    """One PDF to make for one employee in one cycle, as the worker goes through it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    Kind = ReportKind
    Language = Language

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="report_jobs")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="report_jobs")
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    deliveries = models.PositiveSmallIntegerField(
        _("deliveries"), default=0, help_text=_("How many times a worker has taken this job.")
    )
    export = models.ForeignKey("Export", on_delete=models.CASCADE, null=True, blank=True, related_name="jobs")
    record = models.ForeignKey(
        ReportRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        help_text=_("The stored record this job's file is, when the assessment was signed off."),
    )
    file = models.FileField(_("file"), upload_to=job_file_path, max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("sent to the worker"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    render_ms = models.PositiveIntegerField(_("render time (ms)"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="reportjob_status_created_idx"),
            models.Index(fields=["export", "status"], name="reportjob_export_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.employee_id} · {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)


class ExportQuerySet(models.QuerySet["Export"]):
    def visible_to(self, user: User | AnonymousUser) -> ExportQuerySet:
        """HR's exports; nobody else sees any."""
        from assessments import permissions

        return cast(ExportQuerySet, permissions.visible_exports(self, user))


class Export(models.Model):
    """HR's bulk export of a cycle, a department or a manager's team: one ZIP of every PDF and a summary."""

    class Scope(models.TextChoices):
        CYCLE = "cycle", _("Whole cycle")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Manager's team")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        BUILDING = "building", _("Building the archive")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    Language = Language

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="exports", verbose_name=_("cycle"))
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.CYCLE)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("department")
    )
    manager = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("manager")
    )
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    include_plans = models.BooleanField(_("include development plans"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(_("documents"), default=0)
    done_count = models.PositiveIntegerField(_("done"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("archive"), upload_to=export_file_path, max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ExportQuerySet.as_manager()

    if TYPE_CHECKING:
        jobs: RelatedManager[ReportJob]

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="cycle", department__isnull=True, manager__isnull=True)
                    | Q(scope="department", department__isnull=False, manager__isnull=True)
                    | Q(scope="team", department__isnull=True, manager__isnull=False)
                ),
                name="export_scope_matches_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.get_scope_display()} · {self.status}"

    @property
    def finished_count(self) -> int:
        return self.done_count + self.failed_count

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class DevelopmentPlanQuerySet(models.QuerySet["DevelopmentPlan"]):
    def visible_to(self, user: User | AnonymousUser) -> DevelopmentPlanQuerySet:
        """The employee's own plan, a manager's reports' plans, and every plan for HR."""
        from assessments import permissions

        return cast(DevelopmentPlanQuerySet, permissions.visible_plans(self, user))


class DevelopmentPlan(models.Model):
    """What an employee will work on after a cycle, agreed between them and their manager."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AGREED = "agreed", _("Agreed")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="development_plans")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="development_plans")
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        related_name="development_plans",
        help_text=_("The signed-off manager assessment the plan was drafted from."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    manager_agreed_at = models.DateTimeField(_("agreed by the manager"), null=True, blank=True)
    employee_agreed_at = models.DateTimeField(_("agreed by the employee"), null=True, blank=True)
    agreed_at = models.DateTimeField(_("agreed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DevelopmentPlanQuerySet.as_manager()

    if TYPE_CHECKING:
        targets: RelatedManager[PlanTarget]
        events: RelatedManager[PlanEvent]

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["cycle", "employee"], name="unique_development_plan")]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.employee}"

    @property
    def is_agreed(self) -> bool:
        return self.status == self.Status.AGREED


class PlanTarget(models.Model):
    """An indicator the employee aims to demonstrate, under one competency of the plan."""

    class Reason(models.TextChoices):
        BELOW_REQUIRED = "below_required", _("Below the required level")
        NEXT_LEVEL = "next_level", _("Towards the next level")

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="targets")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(CycleIndicator, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    current_score = models.PositiveSmallIntegerField(_("manager's rating"), null=True, blank=True)
    order = models.PositiveIntegerField(_("order"))

    if TYPE_CHECKING:
        actions: RelatedManager[PlanAction]

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "indicator"], name="unique_plan_target")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.indicator_id}"


class PlanAction(models.Model):
    """Something one person will do, with what they need, by when, and how far it has got."""

    class Owner(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        MANAGER = "manager", _("Manager")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    target = models.ForeignKey(PlanTarget, on_delete=models.CASCADE, related_name="actions")
    what = models.TextField(_("what"), max_length=2000)
    support = models.TextField(_("support needed"), max_length=2000, blank=True)
    owner = models.CharField(_("owner"), max_length=10, choices=Owner.choices, default=Owner.EMPLOYEE)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["target", "created_at", "pk"]

    def __str__(self) -> str:
        return self.what[:60]


class PlanEvent(models.Model):
    """Who changed what in a plan and when: the plan's history."""

    class Action(models.TextChoices):
        CREATED = "created", _("Plan drafted")
        ACTION_ADDED = "action_added", _("Action added")
        ACTION_CHANGED = "action_changed", _("Action changed")
        ACTION_REMOVED = "action_removed", _("Action removed")
        AGREED = "agreed", _("Agreed")
        AGREEMENT_RESET = "agreement_reset", _("Agreement withdrawn by a change")

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target = models.ForeignKey(PlanTarget, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Each changed field with its old and new value.")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan event")
        verbose_name_plural = _("plan events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action}"
