"""Tests here run a real Celery worker on the broker and commit to the real database.

They need ``transactional_db``, which empties every table when the test ends; the shipped model is
then loaded again, so the tests that run afterwards find it as tests/conftest.py promises.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def reload_model_after_flush(request: pytest.FixtureRequest, django_db_blocker) -> Iterator[None]:
    # Autouse fixtures are set up before the test's own, so this teardown runs after the flush.
    yield
    if "transactional_db" in request.fixturenames:
        with django_db_blocker.unblock():
            call_command("loaddata", "key_account_sales", verbosity=0)
