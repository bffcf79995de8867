"""People, positions, cycles, assessments and ratings."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from competency.models import BehavioralIndicator, Competency, Localized, Track

if TYPE_CHECKING:
    from django.db.models.manager import RelatedManager


class User(AbstractUser):
    """A person who signs in. HR is a flag, not a group, so checking it costs no query."""

    is_hr = models.BooleanField(
        _("HR"), default=False, help_text=_("HR manages the model, positions, cycles and exports, and sees everyone.")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    receives_reminders = models.BooleanField(
        _("receives reminder emails"),
        default=True,
        help_text=_("Deadline reminders only; notifications HR requires are always sent."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        employee = getattr(self, "employee", None)
        if employee is not None:
            return employee.name
        return self.get_full_name() or self.username


class Department(models.Model):
    """An organisational unit; participants of a cycle can be chosen by department."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """A job of a track, which requires a level of every competency of that track."""

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="positions", verbose_name=_("track"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    is_example = models.BooleanField(
        _("example data"), default=False, help_text=_("Shipped as an example; replace with your own requirements.")
    )

    name = Localized("name")

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["track", "code"]

    def __str__(self) -> str:
        return str(self.name)


class RequiredLevel(models.Model):
    """The level (professional) or degree (generic) a position requires of a competency."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="required_levels")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="required_levels")
    level = models.PositiveSmallIntegerField(
        _("required level"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )

    class Meta:
        verbose_name = _("required level")
        verbose_name_plural = _("required levels")
        ordering = ["position", "competency__order"]
        constraints = [
            models.UniqueConstraint(fields=["position", "competency"], name="unique_required_level"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="required_level_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.position} {self.competency.code} {self.level}"


class EmployeeQuerySet(models.QuerySet["Employee"]):
    def visible_to(self, user: User) -> EmployeeQuerySet:
        """HR sees everyone; a manager their direct reports and themselves; others themselves."""
        from assessments import permissions

        if not user.is_authenticated:
            return self.none()
        if permissions.is_hr(user):
            return self
        return self.filter(Q(user=user) | Q(manager__user=user))


class Employee(models.Model):
    """A person's place in the organisation: number, department, position and manager."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee")
    employee_number = models.CharField(_("employee number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="employees", verbose_name=_("department")
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="employees", null=True, blank=True, verbose_name=_("position")
    )
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports", verbose_name=_("manager")
    )

    objects = EmployeeQuerySet.as_manager()

    if TYPE_CHECKING:
        reports: RelatedManager[Employee]

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["employee_number"]
        indexes = [models.Index(fields=["manager"], name="employee_manager_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_number})"


class CycleQuerySet(models.QuerySet["Cycle"]):
    def visible_to(self, user: User) -> CycleQuerySet:
        """HR sees every cycle; others those they take part in or whose participants report to them."""
        from assessments import permissions

        return permissions.visible_cycles(self, user)  # type: ignore[return-value]


class Cycle(models.Model):
    """An assessment round: who takes part, against which track, in which windows."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("track"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    self_assessment_opens_on = models.DateField(_("self-assessment opens"))
    self_assessment_due_on = models.DateField(_("self-assessment deadline"))
    manager_assessment_opens_on = models.DateField(_("manager assessment opens"))
    manager_assessment_due_on = models.DateField(_("manager assessment deadline"))
    demonstrated_at = models.PositiveSmallIntegerField(
        _("rating that demonstrates an indicator"), default=2, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    attainment_numerator = models.PositiveSmallIntegerField(
        _("share of indicators to attain a level (numerator)"), default=2
    )
    attainment_denominator = models.PositiveSmallIntegerField(
        _("share of indicators to attain a level (denominator)"), default=3
    )
    participants = models.ManyToManyField(Employee, related_name="cycles", blank=True, verbose_name=_("participants"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(self_assessment_opens_on__lte=models.F("self_assessment_due_on")),
                name="self_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(manager_assessment_opens_on__lte=models.F("manager_assessment_due_on")),
                name="manager_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(attainment_numerator__gte=1, attainment_numerator__lte=models.F("attainment_denominator")),
                name="attainment_share_at_most_one",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def deadline_for(self, kind: str) -> date:
        """The deadline of the given assessment kind."""
        if kind == Assessment.Kind.SELF:
            return self.self_assessment_due_on
        return self.manager_assessment_due_on


class CycleIndicator(models.Model):
    """An indicator as it stood when its cycle opened: later edits of the model do not reach it."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(BehavioralIndicator, on_delete=models.PROTECT, related_name="cycle_copies")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="cycle_indicators")
    level_number = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.CharField(max_length=20)
    position = models.PositiveIntegerField(help_text=_("Order within the cycle's form."))
    text_zh = models.TextField()
    text_en = models.TextField()
    is_drafted = models.BooleanField(default=False)
    stages_zh = models.CharField(
        max_length=200, blank=True, help_text=_("The career stages the indicator's level stands for, in Chinese.")
    )
    stages_en = models.CharField(
        max_length=200, blank=True, help_text=_("The career stages the indicator's level stands for, in English.")
    )

    text = Localized("text")
    stages = Localized("stages")

    class Meta:
        verbose_name = _("cycle indicator")
        verbose_name_plural = _("cycle indicators")
        ordering = ["cycle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="unique_cycle_indicator_code"),
            models.UniqueConstraint(fields=["cycle", "indicator"], name="unique_cycle_indicator"),
        ]

    def __str__(self) -> str:
        return self.code


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: User) -> AssessmentQuerySet:
        """The one rule of who may see an assessment; anything else is a 404."""
        from assessments import permissions

        return permissions.visible_assessments(self, user)

    def in_open_cycles(self) -> AssessmentQuerySet:
        return self.filter(cycle__status=Cycle.Status.OPEN)


class Assessment(models.Model):
    """One person's ratings of one employee in one cycle: the self-assessment or the manager's."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-assessment")
        MANAGER = "manager", _("Manager assessment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        SIGNED_OFF = "signed_off", _("Signed off")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("cycle"))
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("employee")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(
        _("version"), default=0, help_text=_("Raised by every save; a write based on an older version is refused.")
    )
    last_saved_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    last_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    manager_signed_off_at = models.DateTimeField(_("signed off by the manager"), null=True, blank=True)
    employee_acknowledged_at = models.DateTimeField(_("acknowledged by the employee"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["cycle", "employee__employee_number", "kind"]
        constraints = [models.UniqueConstraint(fields=["cycle", "employee", "kind"], name="unique_assessment")]
        indexes = [models.Index(fields=["employee", "kind"], name="assessment_employee_kind_idx")]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.employee} · {self.get_kind_display()}"

    @property
    def is_self(self) -> bool:
        return self.kind == self.Kind.SELF

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_submitted(self) -> bool:
        """Submitted or beyond: the ratings are final unless HR reopens."""
        return self.status in (self.Status.SUBMITTED, self.Status.SIGNED_OFF)


class Rating(models.Model):
    """A score on the 4-point frequency scale for one indicator, with an optional evidence note."""

    class Score(models.IntegerChoices):
        NOT_YET = 0, _("Not yet shown")
        SOMETIMES = 1, _("Sometimes")
        USUALLY = 2, _("Usually")
        CONSISTENTLY = 3, _("Consistently")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    indicator = models.ForeignKey(CycleIndicator, on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices, null=True, blank=True)
    note = models.TextField(_("evidence note"), blank=True, max_length=4000)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="unique_rating"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=3) | Q(score__isnull=True), name="score_0_to_3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}={self.score}"


class AssessmentEvent(models.Model):
    """What happened to an assessment, by whom and when: the audit trail HR reads."""

    class Action(models.TextChoices):
        SAVED = "saved", _("Ratings saved")
        SUBMITTED = "submitted", _("Submitted")
        SIGNED_OFF = "signed_off", _("Signed off by the manager")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the employee")
        REOPENED = "reopened", _("Reopened")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.action}"


class CompetencyResult(models.Model):
    """The level (or degree) a submitted assessment reaches in one competency, kept for group reports.

    Written when an assessment is submitted or signed off and removed when it is reopened, with the
    thresholds of the rule it was computed with. See docs/decisions/0006-stored-competency-results.md.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="competency_results")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"))
    demonstrated_at = models.PositiveSmallIntegerField()
    attainment_numerator = models.PositiveSmallIntegerField()
    attainment_denominator = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("competency result")
        verbose_name_plural = _("competency results")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "competency"], name="unique_competency_result"),
            models.CheckConstraint(condition=Q(level__lte=3), name="competency_result_level_0_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.competency_id}={self.level}"
