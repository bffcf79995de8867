"""Fixtures of the page tests: clients signed in as each person, and URL and data helpers.

From tests/conftest.py: Alice reports to Mallory, Bob to Oscar; Henry is HR. Mallory must never
see Bob's pages, nor Bob Alice's.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, Cycle, Employee, User
from tests import factories


def client_for(user: User | Employee) -> Client:
    """A test client signed in as the user (or the employee's user), whose browser asks for English.

    Pages default to Chinese; asking for English lets the tests read the English msgids.
    """
    client = Client(headers={"accept-language": "en"})
    client.force_login(user.user if isinstance(user, Employee) else user)
    return client


@pytest.fixture
def as_hr(hr: User) -> Client:
    return client_for(hr)


@pytest.fixture
def as_alice(employee: Employee) -> Client:
    return client_for(employee)


@pytest.fixture
def as_bob(other_employee: Employee) -> Client:
    return client_for(other_employee)


@pytest.fixture
def as_mallory(manager: Employee) -> Client:
    return client_for(manager)


@pytest.fixture
def as_oscar(other_manager: Employee) -> Client:
    return client_for(other_manager)


def form_url(assessment: Assessment) -> str:
    return reverse("assessment", args=[assessment.pk])


def results_url(assessment: Assessment) -> str:
    return reverse("results", args=[assessment.cycle_id, assessment.employee_id])


def fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


def add_report(cycle: Cycle, manager: Employee, hr: User, *, name: str) -> Employee:
    """Another direct report of `manager`, taking part in `cycle`."""
    report = factories.EmployeeFactory(name=name, manager=manager, position=manager.position)
    services.add_participants(cycle=cycle, employees=[report], added_by=hr)
    return report


@pytest.fixture
def submitted_self(self_assessment: Assessment, employee: Employee) -> Assessment:
    """Alice's self-assessment, every indicator rated 2 and submitted."""
    return factories.rate_all(self_assessment, employee.user, 2, submit=True)


@pytest.fixture
def submitted_manager(manager_assessment: Assessment, manager: Employee, submitted_self: Assessment) -> Assessment:
    """Mallory's assessment of Alice, every indicator rated 1 and submitted, after Alice's own."""
    return factories.rate_all(manager_assessment, manager.user, 1, submit=True)
