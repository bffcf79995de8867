"""The audit log: who changed which rating, signed off, reopened, exported or downloaded what, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing a person did to someone's assessment data. Written by services, read by HR."""

    class Action(models.TextChoices):
        RATINGS_CHANGED = "ratings_changed", _("Ratings changed")
        ASSESSMENT_SUBMITTED = "assessment_submitted", _("Assessment submitted")
        ASSESSMENT_SIGNED_OFF = "assessment_signed_off", _("Assessment signed off")
        ASSESSMENT_ACKNOWLEDGED = "assessment_acknowledged", _("Assessment acknowledged")
        ASSESSMENT_REOPENED = "assessment_reopened", _("Assessment reopened")
        CYCLE_OPENED = "cycle_opened", _("Cycle opened")
        CYCLE_CLOSED = "cycle_closed", _("Cycle closed")
        ORGANISATION_IMPORTED = "organisation_imported", _("Organisation imported")
        REPORT_REQUESTED = "report_requested", _("PDF requested")
        REPORT_DOWNLOADED = "report_downloaded", _("PDF downloaded")
        EXPORT_REQUESTED = "export_requested", _("Export requested")
        EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("who")
    )
    # Kept as text so the log still names the person if their account is deleted.
    actor_name = models.CharField(_("who"), max_length=200)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices, db_index=True)
    employee = models.ForeignKey(
        "assessments.Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about"),
    )
    subject = models.CharField(_("what"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.subject}"
