"""Shared fixtures: the shipped model loaded once, and a small organisation.

Alice reports to Mallory; Bob reports to Oscar. Mallory must never see Bob's data, nor Bob Alice's.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Assessment, Cycle, Employee, Position, User
from competency.models import Track
from tests import factories


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''}:{db.get('PORT') or ''}/{db['NAME']}",
        f"celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
    ]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """Every test starts with the Key Account Sales model loaded, as a fresh install has it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("loaddata", "key_account_sales", verbosity=0)


@pytest.fixture
def track(db: None) -> Track:
    return Track.objects.get(code="key-account-sales")


@pytest.fixture
def position(track: Track) -> Position:
    return factories.position_with_requirements(track, code="account-manager", level=2)


@pytest.fixture
def hr(db: None) -> User:
    return factories.UserFactory(username="hr-henry", is_hr=True, is_staff=True)


@pytest.fixture
def manager(position: Position) -> Employee:
    return factories.EmployeeFactory(user__username="mallory", name="Mallory", position=position)


@pytest.fixture
def employee(manager: Employee, position: Position) -> Employee:
    return factories.EmployeeFactory(user__username="alice", name="Alice", manager=manager, position=position)


@pytest.fixture
def other_manager(position: Position) -> Employee:
    return factories.EmployeeFactory(user__username="oscar", name="Oscar", position=position)


@pytest.fixture
def other_employee(other_manager: Employee, position: Position) -> Employee:
    return factories.EmployeeFactory(user__username="bob", name="Bob", manager=other_manager, position=position)


@pytest.fixture
def cycle(track: Track, hr: User, employee: Employee, other_employee: Employee) -> Cycle:
    """An open cycle in which Alice and Bob take part."""
    today = timezone.localdate()
    created = services.create_cycle(
        name="Test cycle",
        track=track,
        self_assessment_opens_on=today - timedelta(days=1),
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today - timedelta(days=1),
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=hr,
        employees=[employee, other_employee],
    )
    return services.open_cycle(cycle=created, opened_by=hr)


@pytest.fixture
def self_assessment(cycle: Cycle, employee: Employee) -> Assessment:
    return Assessment.objects.get(cycle=cycle, employee=employee, kind=Assessment.Kind.SELF)


@pytest.fixture
def manager_assessment(cycle: Cycle, employee: Employee) -> Assessment:
    return Assessment.objects.get(cycle=cycle, employee=employee, kind=Assessment.Kind.MANAGER)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
