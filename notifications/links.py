"""Where a notification takes its reader: paths on this site and absolute links for emails."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from assessments.models import Assessment, Cycle

if TYPE_CHECKING:
    from reports.models import Export


def home() -> str:
    return reverse("home")


def assessment_form(assessment: Assessment) -> str:
    """The page of the assessment: its rater fills it in there, the other party reads and acknowledges it."""
    return reverse("assessment", kwargs={"pk": assessment.pk})


def results(assessment: Assessment) -> str:
    """The results of an employee's cycle, where the report PDF is also offered."""
    return reverse("results", kwargs={"cycle_pk": assessment.cycle_id, "employee_pk": assessment.employee_id})


def team() -> str:
    """A manager's list of their reports and where each one stands."""
    return reverse("team")


def cycle_progress(cycle: Cycle) -> str:
    """HR's view of how far a cycle has got."""
    return reverse("cycle_detail", kwargs={"pk": cycle.pk})


def export(export: Export) -> str:
    """The export's page, where HR downloads the archive."""
    return reverse("reports:export", kwargs={"pk": export.pk})


def inbox() -> str:
    return reverse("notifications:inbox")


def preferences() -> str:
    return reverse("notifications:preferences")


def absolute(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


def after_sign_in(path: str) -> str:
    """An absolute link that asks for sign-in first, then lands on `path`."""
    return absolute(resolve_url(settings.LOGIN_URL) + "?" + urlencode({"next": path}))
