"""Notifications a person reads on their home page and by email, and the record of reminders sent."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_comma_separated_integer_list
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import User


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User) -> NotificationQuerySet:
        """A person sees only their own notifications, HR included."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def counts(self) -> dict[str, int]:
        """How many there are and how many are unread, in one query."""
        return self.aggregate(
            total=models.Count("pk"), unread=models.Count("pk", filter=models.Q(read_at__isnull=True))
        )


class Notification(models.Model):
    """Something that happened that one person should know about, shown in the inbox and emailed."""

    class Kind(models.TextChoices):
        CYCLE_OPENED = "cycle_opened", _("Cycle opened")
        SELF_SUBMITTED = "self_submitted", _("Self-assessment submitted")
        MANAGER_SUBMITTED = "manager_submitted", _("Manager assessment submitted")
        SIGNED_OFF = "signed_off", _("Assessment signed off")
        REOPENED = "reopened", _("Assessment reopened")
        EXPORT_FINISHED = "export_finished", _("Export finished")
        REMINDER = "reminder", _("Deadline reminder")

    class EmailState(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped: no email address")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Title and body are written in the recipient's language when the event happens, so the
    # inbox and the email read the same and need no event data to be rebuilt later.
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(
        _("link"), max_length=500, blank=True, help_text=_("A path on this site, e.g. /reports/1/.")
    )
    items = models.JSONField(
        _("items"), default=list, blank=True, help_text=_("A reminder digest's entries: title, detail and link each.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(_("email"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    email_error = models.TextField(_("email error"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ReminderPolicy(models.Model):
    """When reminders go out: HR edits the one row in the admin, no deploy needed."""

    days_before = models.CharField(
        _("days before a deadline"),
        max_length=50,
        default="7,2",
        validators=[validate_comma_separated_integer_list],
        help_text=_("Remind the person who has to fill an assessment in this many days before its deadline."),
    )
    escalate_days_after = models.CharField(
        _("days after a deadline"),
        max_length=50,
        default="1,7",
        validators=[validate_comma_separated_integer_list],
        help_text=_(
            "Tell the manager (late self-assessments) or HR (late manager ratings) this many days after a deadline."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")

    def __str__(self) -> str:
        return str(_("Reminder policy"))

    def clean(self) -> None:
        for name in ("days_before", "escalate_days_after"):
            if any(day < 0 for day in self._days(getattr(self, name) or "")):
                raise ValidationError({name: _("Count days from the deadline: 0 or more.")})

    @classmethod
    def current(cls) -> ReminderPolicy:
        """The policy in force, created with the defaults the first time it is asked for."""
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    @staticmethod
    def _days(value: str) -> frozenset[int]:
        return frozenset(int(part) for part in value.split(",") if part.strip())

    @property
    def before(self) -> frozenset[int]:
        return self._days(self.days_before)

    @property
    def after(self) -> frozenset[int]:
        return self._days(self.escalate_days_after)


class ReminderLog(models.Model):
    """One reminder of one thing to one person on one day; inserted before the mail goes out."""

    class Kind(models.TextChoices):
        BEFORE_DEADLINE = "before", _("Before the deadline")
        ESCALATION = "escalation", _("Escalation after the deadline")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_logs", verbose_name=_("recipient")
    )
    item_key = models.CharField(_("item"), max_length=100)
    on_date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    cycle = models.ForeignKey(
        "assessments.Cycle", on_delete=models.CASCADE, related_name="reminder_logs", verbose_name=_("cycle")
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.CASCADE,
        related_name="reminder_logs",
        verbose_name=_("assessment"),
    )
    days = models.SmallIntegerField(_("days to the deadline"), help_text=_("Negative once the deadline has passed."))
    notification = models.ForeignKey(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminder_logs",
        verbose_name=_("digest"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The insert that wins this constraint is the one that sends: two beat processes, or a
            # task delivered twice, cannot remind the same person of the same thing on the same day.
            models.UniqueConstraint(fields=["recipient", "item_key", "on_date"], name="unique_reminder_per_day"),
        ]
        indexes = [models.Index(fields=["on_date"], name="reminder_log_date_idx")]

    def __str__(self) -> str:
        return f"{self.recipient} {self.item_key} {self.on_date}"
