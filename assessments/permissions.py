"""Who may see and do what: the one policy that pages, the API, the admin and tasks all use.

Seeing is scoped by queryset, so another person's record is a 404. Doing is a yes/no here,
so an action a role may not take on a record it can see is a 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from assessments.models import Assessment, AssessmentQuerySet, Employee, User

SUBMITTED_STATES = ("submitted", "signed_off")


def is_hr(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and (user.is_hr or user.is_superuser))  # type: ignore[union-attr]


def visible_assessments(queryset: AssessmentQuerySet, user: User | AnonymousUser) -> AssessmentQuerySet:
    """Assessments the user may read.

    An employee: their own self-assessment, and their manager's assessment of them once submitted.
    A manager: their direct reports' manager assessments, and a report's self-assessment once submitted.
    HR: everything.
    """
    if not user.is_authenticated:
        return queryset.none()
    if is_hr(user):
        return queryset
    own = Q(employee__user=user) & (Q(kind="self") | Q(status__in=SUBMITTED_STATES))
    of_reports = Q(employee__manager__user=user) & (Q(kind="manager") | Q(status__in=SUBMITTED_STATES))
    return queryset.filter(own | of_reports)


def is_rater(user: User | AnonymousUser, assessment: Assessment) -> bool:
    """The person who fills this assessment in: the employee for self, the manager for manager."""
    if not user.is_authenticated:
        return False
    if assessment.kind == "self":
        return assessment.employee.user_id == user.pk
    manager = assessment.employee.manager
    return manager is not None and manager.user_id == user.pk


def can_rate(user: User | AnonymousUser, assessment: Assessment) -> bool:
    """May write ratings now: the rater, while the assessment is a draft in an open cycle."""
    return is_rater(user, assessment) and assessment.status == "draft" and assessment.cycle.status == "open"


def can_submit(user: User | AnonymousUser, assessment: Assessment) -> bool:
    return can_rate(user, assessment)


def can_sign_off(user: User | AnonymousUser, assessment: Assessment) -> bool:
    """The manager signs off their submitted assessment; the employee acknowledges it."""
    if assessment.kind != "manager" or assessment.status != "submitted" or not user.is_authenticated:
        return False
    if is_rater(user, assessment):
        return assessment.manager_signed_off_at is None
    return assessment.employee.user_id == user.pk and assessment.employee_acknowledged_at is None


def can_reopen(user: User | AnonymousUser, assessment: Assessment) -> bool:
    return is_hr(user) and assessment.status != "draft"


def can_manage_cycles(user: User | AnonymousUser) -> bool:
    return is_hr(user)


def can_see_employee(user: User | AnonymousUser, employee: Employee) -> bool:
    if not user.is_authenticated:
        return False
    if is_hr(user) or employee.user_id == user.pk:
        return True
    return employee.manager is not None and employee.manager.user_id == user.pk
