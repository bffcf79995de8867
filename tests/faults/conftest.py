"""Fixtures of the fault tests: committed writes, a Celery app pointed at a chosen broker, and the switch
that keeps PostgreSQL restarts to machines that allow them.

Tests that need their changes committed (a worker thread, a server, on-commit hooks running inside the
request as in production) use ``committed``; the tables are emptied when they end and the model loaded again.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from kombu import pools

from competency.models import Track
from config.celery import app

RESTART_SWITCH = "CI_ALLOW_DB_RESTART"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"db_restart: restarts the PostgreSQL server everyone shares; runs only where {RESTART_SWITCH}=1"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Restarting PostgreSQL cuts every other connection to the server, so only CI, which owns its server, opts in.
    # The tests are deselected, and counted as such, rather than skipped.
    if os.environ.get(RESTART_SWITCH) == "1":
        return
    deselected = [item for item in items if item.get_closest_marker("db_restart")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("db_restart")]


# Our own Redis database, as the environment names it; tests that take the broker down come back to it.
LIVE_BROKER_URL = settings.CELERY_BROKER_URL


@pytest.fixture(autouse=True)
def reload_model_after_flush(request: pytest.FixtureRequest, django_db_blocker) -> Iterator[None]:
    # Autouse fixtures are set up before `committed`, so this teardown runs after the flush.
    yield
    if "transactional_db" in request.fixturenames:
        with django_db_blocker.unblock():
            call_command("loaddata", "key_account_sales", verbosity=0)


@pytest.fixture
def committed(transactional_db: None) -> None:
    """Writes are committed: other threads and processes see them, and on-commit hooks run inside the request."""
    # A test elsewhere may have flushed the tables without loading the model again.
    if not Track.objects.exists():
        call_command("loaddata", "key_account_sales", verbosity=0)


def use_broker(url: str) -> None:
    """Send tasks to `url` from now on, over fresh connections."""
    # Celery prefers the CELERY_BROKER_URL environment variable (set when the tests run) to its broker_url
    # setting, but asks for the read and write URLs first.
    app.conf.broker_write_url = url
    app.conf.broker_read_url = url
    # Kombu keeps its pools per broker URL for the whole process: closed and forgotten, they are made
    # again for the new URL on the next send.
    pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def real_broker(settings) -> Iterator[Callable[[str], None]]:
    """Tasks go through a broker instead of running inline; yields a function that changes the broker."""

    def switch(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        use_broker(url)

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield switch
    app.conf.task_always_eager = True
    use_broker(LIVE_BROKER_URL)


def unused_port() -> int:
    """A local port nothing listens on: bound once to learn a free number, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def close_connection(**kwargs: object) -> None:
    # An embedded worker's thread would otherwise keep the test database open after the tests end.
    connection.close()


def purge(*queues: str) -> None:
    """Drop messages earlier runs left on our broker database."""
    with app.connection_for_write(LIVE_BROKER_URL) as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)
