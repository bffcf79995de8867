"""SQL queries per request, counted in-process with Django's test client against a generated database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/queries.py

Each endpoint is requested once to warm up, then up to five times inside CaptureQueriesContext (a
page that takes longer than --seconds is counted on its one request). The count includes the two
queries every signed-in request makes (the session and the user); "own" leaves them out.
--profile NAME prints where one endpoint spends its time instead, and --explain NAME the plans of
its slowest queries.
"""

# ruff: noqa: E402  (a script started from the shell has to set Django up before importing the project)
from __future__ import annotations

if __name__ == "__main__":
    import bootstrap

    bootstrap.configure()

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment, Employee, User
from bench.endpoints import Endpoint, Subject, benchmark_cycle, by_name, find_subjects, indicator_codes
from bench.endpoints import ratings_payload as payload_for


def is_session_query(sql: str) -> bool:
    """The queries any signed-in request makes before the view runs: its session and its user."""
    return '"django_session"' in sql or (
        'FROM "assessments_user" WHERE "assessments_user"."id" =' in sql and "LIMIT 21" in sql
    )


def request_for(
    endpoint: Endpoint, subject: Subject, codes: list[str], round_number: int
) -> Callable[[Client], HttpResponse]:
    """The request to send; a save reads the assessment's current version now, outside any count."""
    path = endpoint.path(subject)
    assert path is not None
    if not endpoint.is_save:
        return lambda client: client.get(path)  # type: ignore[return-value]
    assert subject.assessment is not None
    version = Assessment.objects.values_list("version", flat=True).get(pk=subject.assessment)
    if endpoint.method == "PUT":
        body = json.dumps(payload_for(codes, version, round_number, as_json=True))
        return lambda client: client.put(path, data=body, content_type="application/json")  # type: ignore[return-value]
    fields = payload_for(codes, version, round_number, as_json=False)
    if endpoint.encoding == "urlencoded":
        body = urlencode(fields)
        content_type = "application/x-www-form-urlencoded"
        return lambda client: client.post(path, body, content_type, HTTP_ACCEPT="application/json")  # type: ignore[return-value]
    # Django's test client sends multipart/form-data, as the page's FormData does.
    return lambda client: client.post(path, dict(fields), HTTP_ACCEPT="application/json")  # type: ignore[return-value]


def signed_in(subject: Subject) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=subject.username))
    return client


def count(endpoint: Endpoint, subject: Subject, codes: list[str], repeats: int, seconds: float) -> dict[str, Any]:
    """One warm-up request, then up to `repeats` counted ones: the query count, and median timings."""
    client = signed_in(subject)
    samples = []
    deadline = time.perf_counter() + seconds
    for round_number in range(1, repeats + 2):
        send = request_for(endpoint, subject, codes, round_number)
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = send(client)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        samples.append((captured.captured_queries, elapsed, cpu, response))
        if time.perf_counter() > deadline:
            break
    # The first request warms the process up; it only counts when it alone used up the time.
    if len(samples) > 1:
        samples = samples[1:]
    queries, _elapsed, _cpu, response = samples[-1]
    session = [q for q in queries if is_session_query(q["sql"])]
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "endpoint": endpoint.name,
        "kind": endpoint.kind,
        "role": endpoint.role,
        "status": response.status_code,
        "queries": len(queries),
        "own_queries": len(queries) - len(session),
        # A count that changes from one request to the next would hide an N+1 behind an average.
        "query_counts": sorted({len(sample[0]) for sample in samples}),
        "budget": endpoint.budget,
        "samples": len(samples),
        "in_process_ms": round(statistics.median(s[1] for s in samples) * 1000, 1),
        # CPU of this process alone: what the request costs in Python, whatever else the machine runs.
        "python_cpu_ms": round(statistics.median(s[2] for s in samples) * 1000, 1),
        "sql_ms": round(statistics.median(sum(float(q["time"]) for q in s[0]) for s in samples) * 1000, 1),
        "response_kb": round(len(response.content) / 1024, 1),
        "slowest": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:800]} for q in slowest],
        "all_sql": [q["sql"][:300] for q in queries],
    }


def profile(endpoint: Endpoint, subject: Subject, codes: list[str], lines: int, sort: str = "cumulative") -> None:
    """Print the functions one request spends its time in, after a warm-up request."""
    client = signed_in(subject)
    request_for(endpoint, subject, codes, 1)(client)
    send = request_for(endpoint, subject, codes, 2)
    profiler = cProfile.Profile()
    profiler.enable()
    response = send(client)
    profiler.disable()
    print(f"{endpoint.name}: status {response.status_code}, {len(response.content):,} bytes")
    pstats.Stats(profiler).sort_stats(sort).print_stats(lines)


def explain(endpoint: Endpoint, subject: Subject, codes: list[str], slowest: int) -> None:
    """Print PostgreSQL's plan, with real timings, of the slowest SELECTs one request makes."""
    client = signed_in(subject)
    request_for(endpoint, subject, codes, 1)(client)
    send = request_for(endpoint, subject, codes, 2)
    with CaptureQueriesContext(connection) as captured:
        send(client)
    selects = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    for query in sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:slowest]:
        print(f"-- {float(query['time']) * 1000:.1f} ms in the request\n{query['sql']}\n")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")


def list_queries(endpoint: Endpoint, subject: Subject, codes: list[str]) -> None:
    """Print every query one warm request makes, in order, with its time."""
    client = signed_in(subject)
    request_for(endpoint, subject, codes, 1)(client)
    send = request_for(endpoint, subject, codes, 2)
    with CaptureQueriesContext(connection) as captured:
        send(client)
    for number, query in enumerate(captured.captured_queries, 1):
        print(f"{number:>2}. {float(query['time']) * 1000:6.1f} ms  {query['sql'][:300]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="count only endpoints whose name contains one of these words")
    parser.add_argument("--profile", help="profile the first endpoint whose name contains this instead")
    parser.add_argument("--lines", type=int, default=40, help="functions to print when profiling")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative (default), tottime, calls")
    parser.add_argument("--explain", help="print the plans of the slowest queries of the first endpoint matching this")
    parser.add_argument("--sql", help="list every query of one request of the first endpoint matching this")
    parser.add_argument("--repeats", type=int, default=5, help="counted requests per endpoint (default 5)")
    parser.add_argument("--seconds", type=float, default=20, help="stop repeating an endpoint after this long")
    parser.add_argument("--json", help="write the counts to this file")
    args = parser.parse_args(argv)
    call_command("collectstatic", interactive=False, verbosity=0)
    cycle = benchmark_cycle()
    subjects = find_subjects(cycle, 1)
    codes = indicator_codes(cycle)
    if args.explain:
        endpoint = by_name([args.explain])[0]
        explain(endpoint, subjects[endpoint.role][0], codes, 2)
        return 0
    if args.sql:
        endpoint = by_name([args.sql])[0]
        list_queries(endpoint, subjects[endpoint.role][0], codes)
        return 0
    if args.profile:
        endpoint = by_name([args.profile])[0]
        profile(endpoint, subjects[endpoint.role][0], codes, args.lines, args.sort)
        return 0
    results = []
    missing = []
    for endpoint in by_name(args.only):
        if not endpoint.exists():
            missing.append(endpoint.name)
            continue
        result = count(endpoint, subjects[endpoint.role][0], codes, args.repeats, args.seconds)
        results.append(result)
        budget = f"(budget {endpoint.budget})" if endpoint.budget else ""
        print(
            f"{endpoint.name:<46} {result['status']}  {result['queries']:>3} queries, own {result['own_queries']:>3} "
            f"{budget:<12} {result['in_process_ms']:>8} ms, SQL {result['sql_ms']} ms, "
            f"Python CPU {result['python_cpu_ms']} ms",
            flush=True,
        )
    if args.json:
        payload = {
            "measured_at": timezone.now().isoformat(timespec="seconds"),
            "database": settings.DATABASES["default"]["NAME"],
            "employees": Employee.objects.count(),
            "results": results,
            "not_measured": missing,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
