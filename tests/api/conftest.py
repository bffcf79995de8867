"""Fixtures of the API tests: clients signed in as each person, and a clean throttle history."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from assessments.models import Employee, User


@pytest.fixture(autouse=True)
def forget_throttle_history() -> None:
    # Login attempts are counted in the cache, which outlives a test; each test starts with none.
    cache.clear()


def client_for(user: User | Employee) -> APIClient:
    """An API client signed in as the user (or the employee's user)."""
    client = APIClient()
    client.force_authenticate(user.user if isinstance(user, Employee) else user)
    return client


@pytest.fixture
def as_hr(hr: User) -> APIClient:
    return client_for(hr)


@pytest.fixture
def as_alice(employee: Employee) -> APIClient:
    return client_for(employee)


@pytest.fixture
def as_bob(other_employee: Employee) -> APIClient:
    return client_for(other_employee)


@pytest.fixture
def as_mallory(manager: Employee) -> APIClient:
    return client_for(manager)


@pytest.fixture
def as_oscar(other_manager: Employee) -> APIClient:
    return client_for(other_manager)
