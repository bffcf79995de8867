"""Who may see and do what: the one policy that pages, the API, the admin and tasks all use.

Seeing is scoped by queryset, so another person's record is a 404. Doing is a yes/no here,
so an action a role may not take on a record it can see is a 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from assessments.models import Assessment, AssessmentQuerySet, Cycle, Employee, User
    from reports.models import DevelopmentPlan, Export, ReportJob

SUBMITTED_STATES = ("submitted", "signed_off")


def is_hr(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and (user.is_hr or user.is_superuser))  # type: ignore[union-attr]


# Scopes are written as `employee IN (subquery)` rather than as joins through the employee and manager rows:
# the outer query keeps its own plan (PostgreSQL planned a joined form in 4 ms for a 0.5 ms lookup), and a
# list never repeats a row once per matching join.


def _own_record(user: User | AnonymousUser) -> QuerySet[Employee, dict[str, Any]]:
    from assessments.models import Employee

    return Employee.objects.filter(user_id=user.pk).values("pk")


def _direct_reports(user: User | AnonymousUser) -> QuerySet[Employee, dict[str, Any]]:
    from assessments.models import Employee

    return Employee.objects.filter(manager__user_id=user.pk).values("pk")


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
    own = Q(employee__in=_own_record(user)) & (Q(kind="self") | Q(status__in=SUBMITTED_STATES))
    of_reports = Q(employee__in=_direct_reports(user)) & (Q(kind="manager") | Q(status__in=SUBMITTED_STATES))
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


def visible_cycles(queryset: QuerySet[Cycle], user: User | AnonymousUser) -> QuerySet[Cycle]:
    """Cycles the user may read: HR all; others those they take part in or whose participants report to them."""
    if not user.is_authenticated:
        return queryset.none()
    if is_hr(user):
        return queryset
    # A subquery rather than a join, so a cycle with several of a manager's reports is listed once.
    memberships = queryset.model.participants.through.objects
    involved = memberships.filter(Q(employee__in=_own_record(user)) | Q(employee__in=_direct_reports(user))).values(
        "cycle_id"
    )
    return queryset.filter(pk__in=involved)


def can_manage_positions(user: User | AnonymousUser) -> bool:
    return is_hr(user)


# Reports, exports and development plans ------------------------------------------------------


def _about_visible_employee(user: User | AnonymousUser, prefix: str) -> Q:
    """Rows about the user themselves or one of their direct reports."""
    return Q(**{f"{prefix}__in": _own_record(user)}) | Q(**{f"{prefix}__in": _direct_reports(user)})


def visible_report_jobs(queryset: QuerySet[ReportJob], user: User | AnonymousUser) -> QuerySet[ReportJob]:
    """PDFs about the user, about their direct reports, or about anyone for HR."""
    if not user.is_authenticated:
        return queryset.none()
    if is_hr(user):
        return queryset
    return queryset.filter(_about_visible_employee(user, "employee"))


def can_request_report(user: User | AnonymousUser, employee: Employee) -> bool:
    """Anyone may have their own report made, a manager their reports', HR everyone's."""
    return can_see_employee(user, employee)


def visible_exports(queryset: QuerySet[Export], user: User | AnonymousUser) -> QuerySet[Export]:
    return queryset if is_hr(user) else queryset.none()


def can_export(user: User | AnonymousUser) -> bool:
    return is_hr(user)


def can_see_gap_overview(user: User | AnonymousUser) -> bool:
    """The heatmap and the cycle summary compare many people, so only HR sees them."""
    return is_hr(user)


def visible_plans(queryset: QuerySet[DevelopmentPlan], user: User | AnonymousUser) -> QuerySet[DevelopmentPlan]:
    """The employee's own plan, their manager's view of it, and every plan for HR."""
    if not user.is_authenticated:
        return queryset.none()
    if is_hr(user):
        return queryset
    return queryset.filter(_about_visible_employee(user, "employee"))


def can_edit_plan(user: User | AnonymousUser, plan: DevelopmentPlan) -> bool:
    """The two people who agree a plan edit it; HR reads it."""
    if not user.is_authenticated:
        return False
    employee = plan.employee
    if employee.user_id == user.pk:
        return True
    return employee.manager is not None and employee.manager.user_id == user.pk


def can_agree_to_plan(user: User | AnonymousUser, plan: DevelopmentPlan) -> bool:
    return can_edit_plan(user, plan)
