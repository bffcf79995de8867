"""PDFs through a real Celery worker: throughput, a worker child's memory, and bulk exports of a finished cycle.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_1k CELERY_BROKER_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python bench/pdf_worker.py --json bench/results/pdf-worker.json

Jobs are requested with `reports.services.request_report` and exports started with `start_export`, exactly as the
API does; a `celery -A config worker -Q pdf,default` started here renders them. The database gets job rows,
stored files (under bench/results/var/media) and, with --finish, every assessment submitted and signed off
through `assessments.services`: run it on a database generated for it (portal_bench_1k), never a shared one.
"""

# ruff: noqa: E402  (a script started from the shell has to set Django up before importing the project)
from __future__ import annotations

if __name__ == "__main__":
    import bootstrap

    bootstrap.configure()

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment, Cycle, Employee, User
from bench.endpoints import benchmark_cycle
from reports import services
from reports.models import Export, ReportJob, ReportKind, ReportRecord

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh-hans", "en", "both")


def say(text: str) -> None:
    print(text, flush=True)


# The worker --------------------------------------------------------------------------------------


class Worker:
    """A `celery worker` process of this checkout on the benchmark broker, stopped when the block ends."""

    def __init__(self, *, concurrency: int, max_tasks_per_child: int | None = None, log: Path) -> None:
        self.concurrency = concurrency
        self.env = {**os.environ}
        if max_tasks_per_child is not None:
            self.env["CELERY_WORKER_MAX_TASKS_PER_CHILD"] = str(max_tasks_per_child)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "pdf,default",
            f"--concurrency={self.concurrency}", "--pool=prefork", "-n", f"pdfbench{os.getpid()}@%h",
            "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]  # fmt: skip
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: b" ready." in self.log.read_bytes(), "the worker to start", timeout=120)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: children finish their task
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def children(self) -> list[int]:
        """The pool's child processes (the ones that render)."""
        assert self.process is not None
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found += [int(pid) for pid in text]
        return sorted(found)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime and stime, fields 14 and 15 of stat
    return total


def wait_for(condition: Callable[[], bool], what: str, *, timeout: float = 1800, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"error: gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(every)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# The data ----------------------------------------------------------------------------------------


def hr_user() -> User:
    from bench.generate_org import hr_username

    return User.objects.get(username=hr_username(1))


def assessed_people(cycle: Cycle, count: int) -> list[Employee]:
    """Up to `count` people with both sides submitted or signed off, each asked for once per run.

    A signed-off person's report is rendered once per language and then reused from its record, so a run
    asks for each (person, language) at most once, after the records of earlier runs were removed.
    """
    done = (Assessment.Status.SUBMITTED, Assessment.Status.SIGNED_OFF)
    ids = list(
        Assessment.objects.filter(cycle=cycle, kind=Assessment.Kind.MANAGER, status__in=done)
        .filter(employee__assessments__kind=Assessment.Kind.SELF, employee__assessments__status__in=done)
        .order_by("employee__employee_number")
        .values_list("employee_id", flat=True)[:count]
    )
    return list(Employee.objects.filter(pk__in=ids).order_by("employee_number"))


def finish_cycle(cycle: Cycle) -> dict[str, int]:
    """Rate what drafts left unrated, submit, and have every manager sign off and every employee acknowledge."""
    counts = {"submitted": 0, "signed_off": 0, "skipped": 0}
    drafts = Assessment.objects.filter(cycle=cycle, status=Assessment.Status.DRAFT).select_related(
        "employee__user", "employee__manager__user"
    )
    for assessment in drafts.order_by("pk"):
        rater = assessment.employee.user if assessment.kind == Assessment.Kind.SELF else None
        if rater is None and assessment.employee.manager is not None:
            rater = assessment.employee.manager.user
        if rater is None:
            counts["skipped"] += 1
            continue
        missing = assessment_services.missing_indicators(assessment)
        if missing:
            assessment = assessment_services.save_ratings(
                assessment=assessment,
                rater=rater,
                ratings={code: assessment_services.RatingInput(score=2) for code in missing},
                expected_version=assessment.version,
            )
        assessment_services.submit_assessment(assessment=assessment, user=rater)
        counts["submitted"] += 1
    pending = Assessment.objects.filter(
        cycle=cycle, kind=Assessment.Kind.MANAGER, status=Assessment.Status.SUBMITTED
    ).select_related("employee__user", "employee__manager__user")
    for assessment in pending.order_by("pk"):
        manager = assessment.employee.manager
        if manager is None:
            counts["skipped"] += 1
            continue
        if assessment.manager_signed_off_at is None:
            assessment = assessment_services.sign_off_assessment(assessment=assessment, user=manager.user)
        assessment_services.sign_off_assessment(assessment=assessment, user=assessment.employee.user)
        counts["signed_off"] += 1
    return counts


def remove_bench_jobs(requested_by: User) -> None:
    """Forget the jobs, exports and records an earlier run of this script made, files included."""
    from django.core.files.storage import default_storage

    names = set(ReportJob.objects.filter(requested_by=requested_by).exclude(file="").values_list("file", flat=True))
    names |= set(Export.objects.filter(requested_by=requested_by).exclude(file="").values_list("file", flat=True))
    ReportJob.objects.filter(requested_by=requested_by).delete()
    Export.objects.filter(requested_by=requested_by).delete()
    orphans = ReportRecord.objects.filter(jobs__isnull=True)
    names |= set(orphans.exclude(file="").values_list("file", flat=True))
    orphans.delete()
    for name in names:
        default_storage.delete(name)


# The measurements --------------------------------------------------------------------------------


def throughput(cycle: Cycle, hr: User, *, reports: int, concurrency: int, log_dir: Path) -> dict[str, Any]:
    """Reports a minute when `concurrency` worker children render jobs requested as the API requests them."""
    people = assessed_people(cycle, reports + concurrency)
    people, warm_up = people[:reports], people[reports:]
    with Worker(concurrency=concurrency, log=log_dir / "worker-throughput.log") as worker:
        # One job per child first, so the timed run does not include loading fonts and templates.
        warm = [
            services.request_report(
                requested_by=hr, employee=person, cycle=cycle, kind=ReportKind.GAP_REPORT, language="zh-hans"
            ).pk
            for person in warm_up
        ]
        wait_for(
            lambda: ReportJob.objects.filter(pk__in=warm, status=ReportJob.Status.DONE).count() == len(warm), "warm-up"
        )
        load_before = load_average()
        children = worker.children()
        cpu_before = cpu_seconds(children)
        started = time.monotonic()
        ids = [
            services.request_report(
                requested_by=hr,
                employee=person,
                cycle=cycle,
                kind=ReportKind.GAP_REPORT,
                language=LANGUAGES[index % len(LANGUAGES)],
            ).pk
            for index, person in enumerate(people)
        ]
        jobs = ReportJob.objects.filter(pk__in=ids)
        wait_for(lambda: not jobs.filter(status__in=("queued", "running")).exists(), "the jobs", every=0.05)
        seconds = time.monotonic() - started
        # The same children all along (they are replaced only after many more tasks), so this is their work.
        same_children = worker.children() == children
        cpu = cpu_seconds(children) - cpu_before
    done = jobs.filter(status=ReportJob.Status.DONE)
    render_ms = list(done.values_list("render_ms", flat=True))
    per_minute = done.count() / seconds * 60
    say(f"throughput: {done.count()} reports in {seconds:.1f} s with {concurrency} children: {per_minute:.1f}/min")
    return {
        "reports": len(ids),
        "done": done.count(),
        "failed": jobs.filter(status=ReportJob.Status.FAILED).count(),
        "concurrency": concurrency,
        "children": len(children),
        "seconds": round(seconds, 1),
        "reports_per_minute": round(per_minute, 1),
        "reports_per_minute_per_core": round(per_minute / concurrency, 1),
        "median_job_render_ms": statistics.median(render_ms) if render_ms else None,
        "children_cpu_seconds": round(cpu, 1) if same_children else None,
        "reports_per_cpu_minute": round(done.count() / cpu * 60, 1) if same_children and cpu else None,
        "languages": list(LANGUAGES),
        "loadavg_before": load_before,
        "loadavg_after": load_average(),
    }


def memory(cycle: Cycle, hr: User, *, renders: int, every: int, log_dir: Path) -> dict[str, Any]:
    """RSS of the one worker child rendering `renders` jobs, sampled every `every` jobs."""
    configured = settings.CELERY_WORKER_MAX_TASKS_PER_CHILD
    people = assessed_people(cycle, renders)
    samples: list[dict[str, Any]] = []
    # The configured recycling would replace the child every `configured` tasks; the child is kept for the
    # whole run so that the series shows whether memory grows, which is what recycling guards against.
    with Worker(concurrency=1, max_tasks_per_child=renders + 10, log=log_dir / "worker-memory.log") as worker:
        wait_for(lambda: bool(worker.children()), "the worker child")
        child = worker.children()[0]
        samples.append({"renders": 0, "pid": child, "rss_mb": rss_mb(child)})
        sent = 0
        while sent < renders:
            batch = []
            for index in range(sent, min(sent + every, renders)):
                batch.append(
                    services.request_report(
                        requested_by=hr,
                        employee=people[index],
                        cycle=cycle,
                        kind=ReportKind.GAP_REPORT,
                        language=LANGUAGES[index % len(LANGUAGES)],
                    ).pk
                )
            sent += len(batch)
            jobs = ReportJob.objects.filter(pk__in=batch)
            wait_for(lambda jobs=jobs: not jobs.filter(status__in=("queued", "running")).exists(), "a batch")  # type: ignore[misc]
            pids = worker.children()
            samples.append(
                {"renders": sent, "pid": pids[0] if pids else None, "rss_mb": rss_mb(pids[0]) if pids else None}
            )
            say(f"memory: {sent} renders, child {samples[-1]['pid']}: {samples[-1]['rss_mb']} MB")
    values = [s["rss_mb"] for s in samples if s["rss_mb"] is not None]
    return {
        "renders": renders,
        "every": every,
        "samples": samples,
        "same_child": len({s["pid"] for s in samples}) == 1,
        "max_rss_mb": max(values),
        "growth_after_first_batch_mb": round(values[-1] - values[1], 1) if len(values) > 2 else None,
        "configured_max_tasks_per_child": configured,
        "configured_max_memory_per_child_kb": settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD,
    }


def export_run(cycle: Cycle, hr: User, *, language: str, label: str) -> dict[str, Any]:
    """Start an export of the whole cycle's gap reports and wait until its archive is stored."""
    started = time.monotonic()
    export = services.start_export(requested_by=hr, cycle=cycle, language=language, include_plans=False)
    wait_for(
        lambda: Export.objects.filter(pk=export.pk, status__in=("done", "failed")).exists(), "the export", every=0.5
    )
    seconds = time.monotonic() - started
    export.refresh_from_db()
    jobs = export.jobs.all()
    rendered = jobs.filter(render_ms__isnull=False).count()
    size_mb = round(export.file.size / 1024 / 1024, 1) if export.file else None
    say(f"export {label}: {export.total} jobs, {rendered} rendered, {seconds:.1f} s, {export.status}, {size_mb} MB")
    return {
        "label": label,
        "status": export.status,
        "total": export.total,
        "done": export.done_count,
        "failed": export.failed_count,
        "rendered": rendered,
        "from_records": jobs.filter(render_ms__isnull=True, status=ReportJob.Status.DONE).count(),
        "seconds": round(seconds, 1),
        "archive_mb": size_mb,
    }


def exports(cycle: Cycle, hr: User, *, language: str, concurrency: int, log_dir: Path) -> dict[str, Any]:
    """The cycle exported with no stored PDFs (each one rendered, each one becoming the record), then again."""
    participants = cycle.participants.count()
    signed = Assessment.objects.filter(
        cycle=cycle, kind=Assessment.Kind.MANAGER, status=Assessment.Status.SIGNED_OFF
    ).count()
    load_before = load_average()
    with Worker(concurrency=concurrency, log=log_dir / "worker-export.log"):
        fresh = export_run(cycle, hr, language=language, label="rendered afresh")
        stored = export_run(cycle, hr, language=language, label="stored PDFs")
    return {
        "participants": participants,
        "signed_off": signed,
        "language": language,
        "concurrency": concurrency,
        "chunk_size": services.export_chunk_size(),
        "runs": [fresh, stored],
        "loadavg_before": load_before,
        "loadavg_after": load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=120, help="jobs in the throughput run (default 120)")
    parser.add_argument("--renders", type=int, default=500, help="renders in the memory run (default 500)")
    parser.add_argument("--every", type=int, default=50, help="sample the child's RSS every N renders")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--export-language", default="zh-hans", choices=LANGUAGES)
    parser.add_argument("--skip", nargs="*", default=[], choices=("throughput", "memory", "exports"))
    parser.add_argument("--finish", action="store_true", help="first submit and sign off every assessment")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    log_dir = ROOT / "bench" / "results" / "var" / "log"
    cycle = benchmark_cycle()
    hr = hr_user()
    payload: dict[str, Any] = {
        "measured_at": timezone.now().isoformat(timespec="seconds"),
        "database": settings.DATABASES["default"]["NAME"],
        "broker": settings.CELERY_BROKER_URL,
        "participants": cycle.participants.count(),
    }
    try:
        if "throughput" not in args.skip:
            remove_bench_jobs(hr)
            payload["throughput"] = throughput(
                cycle, hr, reports=args.reports, concurrency=args.concurrency, log_dir=log_dir
            )
        if "memory" not in args.skip:
            remove_bench_jobs(hr)
            payload["memory"] = memory(cycle, hr, renders=args.renders, every=args.every, log_dir=log_dir)
        if args.finish:
            started = time.monotonic()
            payload["finish"] = {**finish_cycle(cycle), "seconds": round(time.monotonic() - started, 1)}
            say(f"finished the cycle: {payload['finish']}")
        if "exports" not in args.skip:
            # The fresh run must render: no records may be left from earlier runs.
            remove_bench_jobs(hr)
            payload["exports"] = exports(
                cycle, hr, language=args.export_language, concurrency=args.concurrency, log_dir=log_dir
            )
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
