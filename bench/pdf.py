"""Gap report figures, in-process: gathering one person's gaps, building the context and rendering the PDF.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/pdf.py

Renders go through the same functions the worker uses (reports.gaps, reports.contexts, reports.pdf),
without a job row or a stored file. The group gap data behind the heatmap (a team, a department, the
whole cycle) is timed too. When the reports pipeline is not in this checkout, it says so and exits.
"""

# ruff: noqa: E402  (a script started from the shell has to set Django up before importing the project)
from __future__ import annotations

if __name__ == "__main__":
    import bootstrap

    bootstrap.configure()

import argparse
import importlib.util
import io
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from assessments.models import Assessment, Employee
from bench.endpoints import benchmark_cycle

T = TypeVar("T")
LANGUAGES = ("zh-hans", "en", "both")


def pipeline_ready() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("reports.pdf", "reports.services"))


def timed(work: Callable[[], T]) -> tuple[T, float, int]:
    """The result, the milliseconds it took and the queries it made."""
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    return result, round(elapsed * 1000, 1), len(captured.captured_queries)


def pages_of(pdf: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def assessed_people(cycle: Any, count: int) -> list[Employee]:
    """People whose self and manager assessments are both submitted or signed off, from across the tree."""
    done = (Assessment.Status.SUBMITTED, Assessment.Status.SIGNED_OFF)
    ids = list(
        Assessment.objects.filter(cycle=cycle, kind=Assessment.Kind.MANAGER, status__in=done)
        .filter(employee__assessments__kind=Assessment.Kind.SELF, employee__assessments__status__in=done)
        .order_by("employee__employee_number")
        .values_list("employee_id", flat=True)
    )
    step = max(1, len(ids) // max(1, count))
    return list(Employee.objects.filter(pk__in=ids[::step][:count]).order_by("employee_number"))


def gap_reports(cycle: Any, people: list[Employee], languages: tuple[str, ...]) -> list[dict[str, Any]]:
    from reports.contexts import GapReportContext
    from reports.gaps import employee_gaps
    from reports.models import ReportKind
    from reports.pdf import render_pdf
    from reports.services import TEMPLATES

    rows = []
    today = timezone.localdate()
    for language in languages:
        for person in people:
            gaps, gaps_ms, gaps_queries = timed(partial(employee_gaps, cycle=cycle, employee=person))
            context, context_ms, _ = timed(partial(GapReportContext.from_gaps, gaps, language=language, today=today))
            with translation.override(context.languages[0]):
                pdf, render_ms, _ = timed(partial(render_pdf, TEMPLATES[ReportKind.GAP_REPORT], {"report": context}))
            rows.append(
                {
                    "employee": person.employee_number,
                    "language": language,
                    "gaps_ms": gaps_ms,
                    "gaps_queries": gaps_queries,
                    "context_ms": context_ms,
                    "render_ms": render_ms,
                    "total_ms": round(gaps_ms + context_ms + render_ms, 1),
                    "kb": round(len(pdf) / 1024, 1),
                    "pages": pages_of(pdf),
                }
            )
            print(
                f"gap report {person.employee_number} {language:<7} gaps {gaps_ms:>7} ms ({gaps_queries} queries)  "
                f"context {context_ms:>6} ms  render {render_ms:>7} ms  {rows[-1]['kb']} KB, {rows[-1]['pages']} pages",
                flush=True,
            )
    return rows


def group_gaps(cycle: Any, *, whole_cycle: bool) -> list[dict[str, Any]]:
    """The data a heatmap of a team, a department and (when asked) the whole cycle needs."""
    from reports.gaps import cycle_gaps, department_gaps, team_gaps

    manager = Employee.objects.filter(reports__isnull=False, manager__isnull=False).order_by("employee_number").first()
    department = Employee.objects.filter(manager__manager__manager__isnull=False).order_by("employee_number").first()
    work: list[tuple[str, Callable[[], Any]]] = []
    if manager is not None:
        work.append((f"a team ({manager.reports.count()} people)", lambda: team_gaps(cycle=cycle, manager=manager)))
    if department is not None:
        size = Employee.objects.filter(department_id=department.department_id).count()
        work.append(
            (
                f"a department ({size} people)",
                lambda: department_gaps(cycle=cycle, department=department.department),
            )
        )
    if whole_cycle:
        work.append((f"the whole cycle ({cycle.participants.count()} people)", lambda: cycle_gaps(cycle=cycle)))
    rows = []
    for name, job in work:
        _result, ms, queries = timed(job)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append({"group": name, "ms": ms, "queries": queries, "peak_rss_mb": round(peak_mb)})
        print(f"group gaps of {name:<36} {ms:>9} ms  {queries} queries  peak RSS {peak_mb:.0f} MB", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5, help="people per language (default 5)")
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES), choices=LANGUAGES)
    parser.add_argument("--whole-cycle", action="store_true", help="also time the gaps of every participant at once")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    payload: dict[str, Any] = {
        "measured_at": timezone.now().isoformat(timespec="seconds"),
        "database": settings.DATABASES["default"]["NAME"],
        "available": pipeline_ready(),
    }
    if payload["available"]:
        cycle = benchmark_cycle()
        people = assessed_people(cycle, args.reports)
        # The first render loads the fonts and WeasyPrint's own style sheets; it is reported on its own.
        from reports.contexts import GapReportContext
        from reports.gaps import employee_gaps
        from reports.models import ReportKind
        from reports.pdf import render_pdf
        from reports.services import TEMPLATES

        context = GapReportContext.from_gaps(
            employee_gaps(cycle=cycle, employee=people[0]), language="zh-hans", today=timezone.localdate()
        )
        with translation.override("zh-hans"):
            _pdf, payload["first_render_ms"], _ = timed(
                lambda: render_pdf(TEMPLATES[ReportKind.GAP_REPORT], {"report": context})
            )
        payload["gap_reports"] = gap_reports(cycle, people, tuple(args.languages))
        payload["summary"] = {
            language: {
                "reports": len(rows),
                "median_total_ms": round(statistics.median(r["total_ms"] for r in rows), 1),
                "max_total_ms": max(r["total_ms"] for r in rows),
                "median_render_ms": round(statistics.median(r["render_ms"] for r in rows), 1),
                "median_gaps_ms": round(statistics.median(r["gaps_ms"] for r in rows), 1),
                "median_pages": statistics.median(r["pages"] or 0 for r in rows),
            }
            for language in args.languages
            if (rows := [r for r in payload["gap_reports"] if r["language"] == language])
        }
        payload["group_gaps"] = group_gaps(cycle, whole_cycle=args.whole_cycle)
    else:
        print("the reports pipeline (reports.pdf, reports.services) is not in this checkout; nothing measured")
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
