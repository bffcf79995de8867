"""PostgreSQL restarts while people save ratings through a real server: no save is half written or lost.

A gunicorn server runs on the test database; threads save whole forms (every indicator, one batch
number in every note) over the API while PostgreSQL is restarted. Requests caught by the restart may
fail, but only with a 5xx or a refused connection; once PostgreSQL is back every request succeeds,
and every assessment holds exactly one complete batch, never older than the last one acknowledged.

Restarting the shared server disturbs everyone using it, so these tests run only where
CI_ALLOW_DB_RESTART=1 (see tests/faults/conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from assessments import services
from assessments.models import Assessment, AssessmentEvent, CycleIndicator, Rating
from competency.models import Track
from tests import factories
from tests.faults.conftest import unused_port

pytestmark = [pytest.mark.slow, pytest.mark.db_restart]

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4
# Bounded: each writer stops after this many requests even if the restart never comes.
MAX_REQUESTS = 150
SAVE_BEFORE_RESTART = 2.0
SAVE_AFTER_RESTART = 3.0
HTTP_TIMEOUT = 20


@dataclass(frozen=True)
class Org:
    """What the writers need: one self-assessment per employee of an open cycle, and the form's codes."""

    tokens: dict[int, str]
    codes: list[str]


@pytest.fixture(scope="module")
def org(django_db_setup: None, django_db_blocker) -> Iterator[Org]:
    """Committed for the server's eyes, once for the module; the database is emptied and reloaded afterwards."""
    with django_db_blocker.unblock():
        track = Track.objects.get(code="key-account-sales")
        hr = factories.UserFactory(username="hr-restart", is_hr=True)
        position = factories.position_with_requirements(track, code="restart-rep", level=1)
        people = [factories.EmployeeFactory(position=position) for _ in range(WRITERS)]
        today = timezone.localdate()
        cycle = services.create_cycle(
            name="Restart",
            track=track,
            self_assessment_opens_on=today,
            self_assessment_due_on=today + timedelta(days=7),
            manager_assessment_opens_on=today,
            manager_assessment_due_on=today + timedelta(days=14),
            created_by=hr,
            employees=people,
        )
        services.open_cycle(cycle=cycle, opened_by=hr)
        tokens = {
            Assessment.objects.get(cycle=cycle, employee=person, kind="self").pk: Token.objects.create(
                user=person.user
            ).key
            for person in people
        }
        codes = list(CycleIndicator.objects.filter(cycle=cycle).order_by("position").values_list("code", flat=True))
    yield Org(tokens=tokens, codes=codes)
    with django_db_blocker.unblock():
        connection.close()
        call_command("flush", "--noinput", verbosity=0)
        call_command("loaddata", "key_account_sales", verbosity=0)


@pytest.fixture(scope="module")
def server(org: Org) -> Iterator[str]:
    """gunicorn on the test database: two processes of two threads, each keeping its connection between requests."""
    port = unused_port()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CONN_MAX_AGE": "60",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--threads=2",
            "--timeout=60",
            "--graceful-timeout=5",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while status_of(f"{url}/api/v1/me/") != 401:
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def restart_postgresql() -> None:
    """Restart the cluster and wait until it accepts connections again."""
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, timeout=120)
    deadline = time.monotonic() + 60
    while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode != 0:
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.2)


@dataclass
class Answer:
    """One save as the client saw it."""

    batch: int
    started: float
    status: int | None  # None: no HTTP answer (connection refused or dropped)


@dataclass
class Writer:
    """Saves whole forms of one assessment, one batch after another, as a person's browser would."""

    base_url: str
    token: str
    assessment_id: int
    codes: list[str]
    version: int = 0
    answers: list[Answer] = field(default_factory=list)
    acknowledged: int = -1

    def save(self, batch: int) -> Answer:
        ratings = {code: {"score": batch % 4, "note": f"batch {batch}"} for code in self.codes}
        request = urllib.request.Request(  # noqa: S310 - our own local server
            f"{self.base_url}/api/v1/assessments/{self.assessment_id}/ratings/",
            data=json.dumps({"version": self.version, "ratings": ratings}).encode(),
            method="PUT",
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        answer = Answer(batch, time.monotonic(), None)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                answer.status = int(response.status)
                self.version = json.loads(response.read())["version"]
                self.acknowledged = batch
        except urllib.error.HTTPError as error:
            answer.status = error.code
            if error.code == 409:
                # The previous save was committed but its answer was lost: carry on from the stored version.
                self.version = json.loads(error.read())["current_version"]
        except OSError:
            pass
        self.answers.append(answer)
        return answer

    def run(self, stop: threading.Event) -> None:
        for batch in range(MAX_REQUESTS):
            if stop.is_set():
                return
            if self.save(batch).status != 200:
                time.sleep(0.1)


@pytest.fixture(scope="module")
def writers(server: str, org: Org) -> list[Writer]:
    return [
        Writer(base_url=server, token=token, assessment_id=assessment_id, codes=org.codes)
        for assessment_id, token in org.tokens.items()
    ]


@pytest.fixture(scope="module")
def restarted(writers: list[Writer]) -> float:
    """Saves before, during and after a restart of PostgreSQL; the time it accepted connections again."""
    stop = threading.Event()
    threads = [threading.Thread(target=writer.run, args=(stop,)) for writer in writers]
    for thread in threads:
        thread.start()
    try:
        time.sleep(SAVE_BEFORE_RESTART)
        restart_postgresql()
        back_at = time.monotonic()
        time.sleep(SAVE_AFTER_RESTART)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=HTTP_TIMEOUT + 10)
        # This process's own connection died with the server too.
        connection.close()
    return back_at


def test_saves_caught_by_the_restart_fail_with_a_5xx_or_no_connection(writers, restarted, db):
    statuses = {answer.status for writer in writers for answer in writer.answers}
    assert statuses <= {200, 409, 500, 502, 503, 504, None}
    assert statuses & {500, 502, 503, 504, None}, "no save was caught by the restart"


def test_every_save_sent_once_postgresql_is_back_succeeds(writers, restarted, db):
    after = [answer.status for writer in writers for answer in writer.answers if answer.started > restarted]
    assert after
    assert set(after) <= {200, 409}
    assert all(any(a.status == 200 and a.started > restarted for a in writer.answers) for writer in writers)


def test_every_assessment_holds_one_whole_batch_never_older_than_the_last_acknowledged(writers, restarted, db):
    for writer in writers:
        ratings = list(Rating.objects.filter(assessment_id=writer.assessment_id).values_list("score", "note"))
        batches = {note for _, note in ratings}
        assert len(ratings) == len(writer.codes)
        assert len(batches) == 1, f"assessment {writer.assessment_id} mixes {sorted(batches)}"
        batch = int(batches.pop().split()[1])
        assert batch >= writer.acknowledged
        assert {score for score, _ in ratings} == {batch % 4}


def test_every_stored_version_matches_one_recorded_save(writers, restarted, db):
    for writer in writers:
        version = Assessment.objects.get(pk=writer.assessment_id).version
        saves = AssessmentEvent.objects.filter(assessment_id=writer.assessment_id, action="saved").count()
        assert version == saves >= writer.version
