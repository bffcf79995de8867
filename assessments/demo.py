"""Demo organisation and cycle, so every screen has something real to show. Idempotent."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Cycle, CycleIndicator, Department, Employee, Position, RequiredLevel, User
from competency.models import Competency, Track
from competency.source import TRACK_CODE

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the documented demo password, never used outside the demo
DEMO_CYCLE_NAME = "2026 年度胜任能力评估 · 2026 annual competency review"


@dataclass(frozen=True)
class DemoPosition:
    code: str
    name_zh: str
    name_en: str
    # Required level by competency code: generic competencies take a degree, professional a level.
    required: dict[str, int]


POSITIONS = [
    DemoPosition(
        "account-representative",
        "客户代表",
        "Account representative",
        {"COMM": 2, "LOGIC": 1, "COORD": 1, "MKT": 1, "PROD": 1, "CRM": 1, "SALES": 1},
    ),
    DemoPosition(
        "account-manager",
        "客户经理",
        "Account manager",
        {"COMM": 2, "LOGIC": 2, "COORD": 2, "MKT": 2, "PROD": 2, "CRM": 2, "SALES": 2},
    ),
    DemoPosition(
        "senior-account-manager",
        "高级客户经理",
        "Senior account manager",
        {"COMM": 3, "LOGIC": 3, "COORD": 3, "MKT": 3, "PROD": 2, "CRM": 3, "SALES": 3},
    ),
]

# username, employee number, name, department, position code, manager's username
PEOPLE = [
    ("manager1", "M001", "周建国", "大客户销售一部", "senior-account-manager", None),
    ("manager2", "M002", "吴丽华", "大客户销售二部", "senior-account-manager", None),
    ("employee1", "E001", "张伟", "大客户销售一部", "account-manager", "manager1"),
    ("employee2", "E002", "王芳", "大客户销售一部", "account-representative", "manager1"),
    ("employee3", "E003", "李娜", "大客户销售一部", "account-representative", "manager1"),
    ("employee4", "E004", "刘洋", "大客户销售一部", "account-manager", "manager1"),
    ("employee5", "E005", "陈静", "大客户销售二部", "account-manager", "manager2"),
    ("employee6", "E006", "杨磊", "大客户销售二部", "account-representative", "manager2"),
    ("employee7", "E007", "赵敏", "大客户销售二部", "account-representative", "manager2"),
    ("employee8", "E008", "黄强", "大客户销售二部", "account-manager", "manager2"),
]
# Who has submitted a self-assessment, and whom the managers have rated, in the demo cycle.
SELF_SUBMITTED = ["employee1", "employee2", "employee5", "employee6"]
SELF_IN_PROGRESS = ["employee3", "employee7"]
MANAGER_SUBMITTED = ["employee1", "employee5"]


def _user(username: str, *, email: str, is_hr: bool = False, language: str = "") -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_password(DEMO_PASSWORD)
    user.email = email
    user.is_hr = is_hr
    user.is_staff = is_hr
    if language and not user.language:
        user.language = language
    user.save()
    return user


def seed_positions(track: Track) -> dict[str, Position]:
    competencies = {c.code: c for c in Competency.objects.filter(track=track)}
    positions = {}
    for demo in POSITIONS:
        position, _ = Position.objects.update_or_create(
            code=demo.code,
            defaults={"track": track, "name_zh": demo.name_zh, "name_en": demo.name_en, "is_example": True},
        )
        for code, level in demo.required.items():
            RequiredLevel.objects.update_or_create(
                position=position, competency=competencies[code], defaults={"level": level}
            )
        positions[demo.code] = position
    return positions


def seed_people(positions: dict[str, Position]) -> dict[str, Employee]:
    _user("hr", email="hr@example.com", is_hr=True)
    employees: dict[str, Employee] = {}
    for username, number, name, department, position, manager in PEOPLE:
        user = _user(username, email=f"{username}@example.com")
        employee, _ = Employee.objects.update_or_create(
            employee_number=number,
            defaults={
                "user": user,
                "name": name,
                "department": Department.objects.get_or_create(name=department)[0],
                "position": positions[position],
                "manager": employees[manager] if manager else None,
            },
        )
        employees[username] = employee
    return employees


def _demo_scores(cycle: Cycle, seed: str, strength: float) -> dict[str, services.RatingInput]:
    """Plausible ratings: stronger at level 1 than level 3, varied by person."""
    rng = random.Random(seed)
    ratings = {}
    for indicator in CycleIndicator.objects.filter(cycle=cycle).order_by("position"):
        level = indicator.level_number or 2
        base = strength + 0.9 - 0.6 * level + rng.uniform(-1.0, 1.0)
        ratings[indicator.code] = services.RatingInput(score=max(0, min(3, round(base))))
    return ratings


def _rate(assessment: Assessment, rater: User, ratings: dict[str, services.RatingInput], submit: bool) -> None:
    services.save_ratings(assessment=assessment, rater=rater, ratings=ratings, expected_version=assessment.version)
    if submit:
        services.submit_assessment(assessment=assessment, user=rater)


def seed_cycle(track: Track, employees: dict[str, Employee]) -> Cycle:
    existing = Cycle.objects.filter(name=DEMO_CYCLE_NAME).first()
    if existing is not None:
        return existing
    hr = User.objects.get(username="hr")
    today = timezone.localdate()
    cycle = services.create_cycle(
        name=DEMO_CYCLE_NAME,
        track=track,
        self_assessment_opens_on=today - timedelta(days=7),
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today - timedelta(days=7),
        manager_assessment_due_on=today + timedelta(days=21),
        created_by=hr,
        employees=[e for username, e in employees.items() if username.startswith("employee")],
    )
    services.open_cycle(cycle=cycle, opened_by=hr)
    for number, username in enumerate(SELF_SUBMITTED + SELF_IN_PROGRESS, start=1):
        employee = employees[username]
        assessment = Assessment.objects.get(cycle=cycle, employee=employee, kind=Assessment.Kind.SELF)
        ratings = _demo_scores(cycle, f"self-{username}", 2.2 + 0.2 * (number % 3))
        if username in SELF_IN_PROGRESS:
            ratings = dict(list(ratings.items())[:40])
        _rate(assessment, employee.user, ratings, submit=username in SELF_SUBMITTED)
    for username in MANAGER_SUBMITTED:
        employee = employees[username]
        assessment = Assessment.objects.get(cycle=cycle, employee=employee, kind=Assessment.Kind.MANAGER)
        manager_user = employee.manager.user  # type: ignore[union-attr]
        _rate(assessment, manager_user, _demo_scores(cycle, f"manager-{username}", 1.9), submit=True)
    return cycle


@transaction.atomic
def seed_demo(*, with_cycle: bool = True) -> Cycle | None:
    """Load the model fixture if needed, then the demo positions, people and open cycle."""
    if not Track.objects.filter(code=TRACK_CODE).exists():
        call_command("loaddata", "key_account_sales", verbosity=0)
    track = Track.objects.get(code=TRACK_CODE)
    employees = seed_people(seed_positions(track))
    return seed_cycle(track, employees) if with_cycle else None
