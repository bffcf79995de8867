"""A PDF worker killed with SIGKILL in the middle of a batch: once restarted, every PDF exists exactly once.

A real `celery -A config worker -Q pdf` process (two children) on the test database and our Redis database
renders 200 gap reports; it is killed outright partway, and a new worker is started. The messages the dead
worker held come back after the broker's visibility timeout (shortened here), and each job row counts its
deliveries, so the rows say exactly which renders the kill interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assessments import services as assessment_services
from competency.models import Track
from config.celery import app
from reports import tasks
from reports.models import ReportJob
from tests import factories
from tests.faults.conftest import LIVE_BROKER_URL, purge, use_broker

pytestmark = [pytest.mark.slow, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
JOBS = 200
CONCURRENCY = 2
# Killed once this many are done, so some are finished, one or two under way and most still waiting.
KILL_AFTER = 40
# How long the broker waits before handing a dead worker's messages to another: short, but longer than a render.
VISIBILITY_TIMEOUT = 20
WAIT_SECONDS = 900


@dataclass(frozen=True)
class Run:
    """What the batch left behind: where the PDFs are stored, and the jobs the kill interrupted."""

    media: Path
    done_at_kill: int
    running_at_kill: set[int]


def wait_for(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert process is None or process.poll() is None, f"the worker exited while waiting for {what}"
        assert time.monotonic() < deadline, f"not done in {WAIT_SECONDS} s: {what}"
        time.sleep(0.5)


def count(**filters: object) -> int:
    return ReportJob.objects.filter(**filters).count()


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var folder of the worker's own, so the PDFs counted are this batch's and nothing else's."""
    return tmp_path_factory.mktemp("pdf-worker-var")


def start_worker(var: Path, log_name: str) -> subprocess.Popen[bytes]:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": LIVE_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "PORTAL_VAR_DIR": str(var),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "config",
        "worker",
        "-Q",
        "pdf",
        f"--concurrency={CONCURRENCY}",
        "--pool=prefork",
        "--loglevel=WARNING",
        f"--hostname=faults-{uuid.uuid4().hex[:8]}@%h",
        "--without-mingle",
        "--without-gossip",
    ]
    with open(var / log_name, "wb") as log:
        # A process group of its own, so the kill reaches the pool's children with their parent.
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


@pytest.fixture(scope="module")
def run(django_db_setup: None, django_db_blocker, var_dir: Path) -> Iterator[Run]:
    """200 gap reports sent to a worker that is killed partway and replaced; the database is reset afterwards."""
    app.conf.task_always_eager = False
    use_broker(LIVE_BROKER_URL)
    purge("pdf")
    workers: list[subprocess.Popen[bytes]] = []
    try:
        with django_db_blocker.unblock():
            send_batch()
            workers.append(start_worker(var_dir, "worker-1.log"))
            # Killed while a render is under way, so that render is interrupted.
            wait_for(
                lambda: count(status="done") >= KILL_AFTER and count(status="running") > 0,
                "the first jobs",
                workers[0],
            )
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=30)
            done_at_kill = count(status="done")
            running_at_kill = set(ReportJob.objects.filter(status="running").values_list("pk", flat=True))
            workers.append(start_worker(var_dir, "worker-2.log"))
            wait_for(lambda: count(status__in=["done", "failed"]) == JOBS, "the whole batch", workers[1])
        yield Run(media=var_dir / "test-media", done_at_kill=done_at_kill, running_at_kill=running_at_kill)
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)
        purge("pdf")
        app.conf.task_always_eager = True
        with django_db_blocker.unblock():
            call_command("flush", "--noinput", verbosity=0)
            call_command("loaddata", "key_account_sales", verbosity=0)


def send_batch() -> None:
    """A small open cycle and 200 queued gap reports of its two participants, each sent to the broker."""
    track = Track.objects.get(code="key-account-sales")
    hr = factories.UserFactory(username="hr-batch", is_hr=True)
    position = factories.position_with_requirements(track, code="batch-rep", level=1)
    people = [factories.EmployeeFactory(position=position) for _ in range(2)]
    today = timezone.localdate()
    cycle = assessment_services.create_cycle(
        name="Batch",
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=hr,
        employees=people,
    )
    assessment_services.open_cycle(cycle=cycle, opened_by=hr)
    jobs = ReportJob.objects.bulk_create(
        ReportJob(requested_by=hr, employee=people[i % 2], cycle=cycle, kind="gap_report", language="en")
        for i in range(JOBS)
    )
    assert all(tasks.render_report.send_or_leave_queued(job.pk) for job in jobs)


def test_the_worker_was_killed_in_the_middle_of_the_batch(run, db):
    assert KILL_AFTER <= run.done_at_kill < JOBS
    assert run.running_at_kill, "no render was interrupted"


def test_every_job_is_done_once_a_new_worker_has_taken_over(run, db):
    assert count(status="done") == JOBS


def test_exactly_one_pdf_per_job_is_stored(run, db):
    stored = {path.relative_to(run.media).as_posix() for path in (run.media / "reports").rglob("*.pdf")}
    assert len(stored) == JOBS
    assert stored == set(ReportJob.objects.values_list("file", flat=True))


def test_only_the_renders_the_kill_interrupted_were_delivered_again(run, db):
    again = set(ReportJob.objects.filter(deliveries__gt=1).values_list("pk", flat=True))
    assert again == run.running_at_kill
    assert count(deliveries=1) == JOBS - len(again)


def test_no_message_was_delivered_more_than_three_times(run, db):
    assert max(ReportJob.objects.values_list("deliveries", flat=True)) <= 3
