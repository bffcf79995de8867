"""What the benchmarks measure: each page or API call is one line of ENDPOINTS.

An endpoint names a URL (reversed with the subject's ids), the role that asks for it, and what kind of
request it is: a page, a list (query budget 4), the rating form (budget 5) or a save of all ratings.
An endpoint whose URL name does not exist (yet) is listed as not measured, so a line can wait for its page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse

from assessments.models import Assessment, Cycle, CycleIndicator, Employee, User

ROLES = ("employee", "manager", "hr")
# The benchmark's targets.
QUERY_BUDGETS = {"list": 4, "form": 5}
P95_TARGET_MS = {1: 100, 20: 300}
TIMED_KINDS = ("form", "save")


@dataclass(frozen=True)
class Subject:
    """A person the load generator signs in as, and the records they work on."""

    username: str
    role: str
    cycle: int
    # The draft this person rates: their own self-assessment, or a report's manager assessment.
    assessment: int | None = None
    # Whose results they read: themselves, or the report they rate.
    employee: int | None = None
    # For HR's overviews: a manager (an employee id) whose team, and a department whose people, to show.
    team_of: int | None = None
    department: int | None = None


@dataclass(frozen=True)
class Endpoint:
    """One request to measure."""

    name: str
    role: str
    url_name: str
    args: tuple[str, ...] = ()
    kind: str = "page"
    method: str = "GET"
    query: str = ""
    # How a form POST is encoded: the page's autosave and its no-script fallback both send URL-encoded fields.
    encoding: str = "urlencoded"

    @property
    def is_save(self) -> bool:
        return self.kind == "save"

    @property
    def budget(self) -> int | None:
        return QUERY_BUDGETS.get(self.kind)

    @property
    def p95_targets(self) -> dict[int, int]:
        """Latency targets by number of concurrent clients; set for the form and saves."""
        return P95_TARGET_MS if self.kind in TIMED_KINDS else {}

    def path(self, subject: Subject) -> str | None:
        """The path for this subject, or None when the URL does not exist in this checkout."""
        try:
            path = reverse(self.url_name, args=[getattr(subject, name) for name in self.args])
        except NoReverseMatch:
            return None
        return path + self.query.format(**subject.__dict__)

    def exists(self) -> bool:
        sample = Subject(username="", role=self.role, cycle=1, assessment=1, employee=1)
        return self.path(sample) is not None


ENDPOINTS = [
    Endpoint("Home · employee", "employee", "home"),
    Endpoint("Home · manager", "manager", "home"),
    Endpoint("Home · HR", "hr", "home"),
    Endpoint("Rating form · self", "employee", "assessment", ("assessment",), kind="form"),
    Endpoint("Rating form · manager", "manager", "assessment", ("assessment",), kind="form"),
    Endpoint("Save 122 ratings · form autosave, self", "employee", "assessment", ("assessment",), "save", "POST"),
    Endpoint("Save 122 ratings · form autosave, manager", "manager", "assessment", ("assessment",), "save", "POST"),
    Endpoint("Save 122 ratings · API PUT", "employee", "api-assessment-ratings", ("assessment",), "save", "PUT"),
    Endpoint("Team view · manager", "manager", "team", kind="list"),
    Endpoint("Results of a report · manager", "manager", "results", ("cycle", "employee")),
    Endpoint("Cycle list with completion · HR", "hr", "cycle_list", kind="list"),
    Endpoint("Cycle overview and completion · HR", "hr", "cycle_detail", ("cycle",)),
    Endpoint("Notifications inbox · employee", "employee", "notifications:inbox", kind="list"),
    Endpoint("Competency catalogue", "employee", "competency:catalogue"),
    Endpoint("API assessments · employee", "employee", "api-assessment-list", kind="list"),
    Endpoint("API assessments of the cycle · HR", "hr", "api-assessment-list", kind="list", query="?cycle={cycle}"),
    Endpoint("API employees · manager", "manager", "api-employee-list", kind="list"),
    Endpoint("API employees · HR", "hr", "api-employee-list", kind="list"),
    Endpoint("API cycles · employee", "employee", "api-cycle-list", kind="list"),
    Endpoint("API cycles · HR", "hr", "api-cycle-list", kind="list"),
    Endpoint("API positions · HR", "hr", "api-position-list", kind="list"),
    Endpoint("API competencies", "employee", "api-competency-list", kind="list"),
    Endpoint("API assessment with its form · employee", "employee", "api-assessment-detail", ("assessment",)),
    Endpoint("API levels · manager", "manager", "api-assessment-levels", ("assessment",)),
    Endpoint("Gap report page · employee", "employee", "reports:gaps", ("cycle", "employee")),
    Endpoint("Reports and PDFs · employee", "employee", "reports:index"),
    Endpoint("Heatmap of a team · HR", "hr", "reports:heatmap", query="?cycle={cycle}&manager={team_of}"),
    Endpoint("Heatmap of a department · HR", "hr", "reports:heatmap", query="?cycle={cycle}&department={department}"),
    Endpoint("Heatmap of the whole cycle · HR", "hr", "reports:heatmap", query="?cycle={cycle}"),
    Endpoint("Cycle gap summary · HR", "hr", "reports:cycle_summary", ("cycle",)),
    Endpoint("API report jobs · employee", "employee", "api-report-list", kind="list"),
    Endpoint("API development plans · manager", "manager", "api-plan-list", kind="list"),
]


def by_name(names: list[str] | None) -> list[Endpoint]:
    """The endpoints whose name contains any of the given words (all when none are given)."""
    if not names:
        return list(ENDPOINTS)
    return [e for e in ENDPOINTS if any(n.lower() in e.name.lower() for n in names)]


def ratings_payload(codes: list[str], version: int, round_number: int, *, as_json: bool) -> Any:
    """All ratings of an assessment, alternating between two patterns so every save really changes rows."""
    scores = {code: (position + round_number) % 4 for position, code in enumerate(codes)}
    if as_json:
        return {"version": version, "ratings": {code: {"score": score, "note": ""} for code, score in scores.items()}}
    fields = [("version", str(version))]
    for code, score in scores.items():
        fields.append((f"score-{code}", str(score)))
        fields.append((f"note-{code}", ""))
    return fields


def _spread(rows: list[Any], count: int) -> list[Any]:
    """`count` rows taken evenly from across the list, so subjects come from every part of the tree."""
    if len(rows) <= count:
        return rows
    step = len(rows) / count
    return [rows[int(i * step)] for i in range(count)]


def benchmark_cycle() -> Cycle:
    """The open cycle the generator made."""
    from bench.generate_org import CYCLE_NAME

    return Cycle.objects.filter(name=CYCLE_NAME, status=Cycle.Status.OPEN).latest("created_at")


def find_subjects(cycle: Cycle, count: int) -> dict[str, list[Subject]]:
    """Up to `count` distinct people per role, each with a draft of their own, so concurrent saves never collide.

    Employees are individual contributors with a draft self-assessment; managers are people with a
    report whose self-assessment is submitted and whose manager assessment is still a draft.
    """
    has_reports = Exists(Employee.objects.filter(manager=OuterRef("employee_id")))
    own_drafts = (
        Assessment.objects.filter(cycle=cycle, kind=Assessment.Kind.SELF, status=Assessment.Status.DRAFT)
        .annotate(has_reports=has_reports)
        .filter(has_reports=False, employee__manager__isnull=False)
        .order_by("employee__employee_number")
        .values_list("pk", "employee_id", "employee__user__username")
    )
    employees = [
        Subject(username=name, role="employee", cycle=cycle.pk, assessment=pk, employee=employee_id)
        for pk, employee_id, name in _spread(list(own_drafts), count)
    ]
    self_submitted = Assessment.objects.filter(
        cycle=cycle, employee=OuterRef("employee_id"), kind=Assessment.Kind.SELF, status=Assessment.Status.SUBMITTED
    )
    team_drafts = (
        Assessment.objects.filter(cycle=cycle, kind=Assessment.Kind.MANAGER, status=Assessment.Status.DRAFT)
        .filter(Exists(self_submitted), employee__manager__isnull=False)
        .order_by("employee__manager__employee_number", "employee__employee_number")
        .values_list("pk", "employee_id", "employee__manager__user__username")
    )
    first_per_manager: dict[str, tuple[int, int]] = {}
    for pk, employee_id, name in team_drafts:
        first_per_manager.setdefault(name, (pk, employee_id))
    managers = [
        Subject(username=name, role="manager", cycle=cycle.pk, assessment=pk, employee=employee_id)
        for name, (pk, employee_id) in _spread(list(first_per_manager.items()), count)
    ]
    hr_names = list(User.objects.filter(is_hr=True, username__startswith="bench-hr").values_list("username", flat=True))
    # A first-line manager's team, and the department of someone three levels down: a typical team and department.
    team_of = (
        Employee.objects.filter(reports__isnull=False)
        .exclude(reports__reports__isnull=False)
        .order_by("employee_number")
        .values_list("pk", flat=True)
        .first()
    )
    department = (
        Employee.objects.filter(manager__manager__manager__isnull=False)
        .order_by("employee_number")
        .values_list("department_id", flat=True)
        .first()
    )
    hr = [
        Subject(username=name, role="hr", cycle=cycle.pk, team_of=team_of, department=department)
        for name in sorted(hr_names)
    ]
    return {"employee": employees, "manager": managers, "hr": hr}


def indicator_codes(cycle: Cycle) -> list[str]:
    return list(CycleIndicator.objects.filter(cycle=cycle).order_by("position").values_list("code", flat=True))
