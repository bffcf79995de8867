"""Gap report figures, in-process: gathering one person's gaps, building the context and rendering the PDF.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/pdf.py

Renders go through the same functions the worker uses (reports.gaps, reports.contexts, reports.pdf),
without a job row or a stored file. Each report's final HTML is then given to WeasyPrint alone
(`HTML(string=html, url_fetcher=...).write_pdf()`, a new font configuration each time, as a caller
without our pipeline would, with our fetcher only so that it can load the report font), to WeasyPrint
alone called as ours calls it (collector paused, font configuration kept per thread: what is left
between that and ours is our own overhead) and, unless --no-chromium, to a warm headless Chromium
(`page.set_content`, `page.pdf`), one after the other for each report (the three WeasyPrint renders
in turning order) so that the machine's load weighs on all alike. The group gap data behind the
heatmap (a team, a department, the whole cycle) is timed too. When the reports pipeline is not in
this checkout, it says so and exits. bench/pdf_worker.py measures the worker itself.
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
import os
import re
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
from bench.chromium import CHROMIUM, CHROMIUM_ARGS
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


def weasyprint_alone(html: str) -> bytes:
    """The document as WeasyPrint renders it with no help: the same HTML, its defaults for everything else but the
    fetcher, which it needs to load the report font (as Chromium needs a route for it)."""
    from weasyprint import HTML

    from reports.pdf import StaticFilesFetcher

    pdf: bytes = HTML(string=html, url_fetcher=StaticFilesFetcher()).write_pdf()
    return pdf


def weasyprint_alone_collector_paused(html: str) -> bytes:
    """WeasyPrint alone called as ours calls it, by the pipeline's own call (collector paused, reserved frame stack,
    this thread's font configuration): what is left between it and ours is our own work."""
    from reports.pdf import html_to_pdf

    return html_to_pdf(html)


class Chromium:
    """A warm headless Chromium printing HTML to A4, loading /static URLs from our static files as we do."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        from reports.pdf import STATIC_ORIGIN, static_path

        # Playwright's sync API keeps an event loop on this thread, which Django takes for an async context
        # and refuses queries in; the loop only ever runs inside Playwright's own calls.
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.page = self._browser.new_page()

        def serve(route: Any) -> None:
            path = static_path(route.request.url)
            if path is None:
                route.abort()
            else:
                # A font is fetched in CORS mode, and the document (set_content) has another origin.
                route.fulfill(path=str(path), headers={"Access-Control-Allow-Origin": "*"})

        self.page.route(STATIC_ORIGIN + "/**", serve)
        self.version = self._browser.version

    def pdf(self, html: str) -> bytes:
        self.page.set_content(html)
        pdf: bytes = self.page.pdf(format="A4")
        return pdf

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()


def start_chromium() -> Chromium | None:
    if not Path(CHROMIUM).exists() or importlib.util.find_spec("playwright") is None:
        print(f"no headless Chromium comparison: {CHROMIUM} or Python Playwright is missing")
        return None
    return Chromium()


def gap_reports(
    cycle: Any, people: list[Employee], languages: tuple[str, ...], *, chromium: Chromium | None, rounds: int
) -> list[dict[str, Any]]:
    from reports.contexts import GapReportContext
    from reports.gaps import employee_gaps
    from reports.models import ReportKind
    from reports.pdf import html_to_pdf, render_html
    from reports.services import TEMPLATES

    rows = []
    today = timezone.localdate()
    for _round in range(rounds):
        for language in languages:
            for person in people:
                cpu_started = time.process_time()
                gaps, gaps_ms, gaps_queries = timed(partial(employee_gaps, cycle=cycle, employee=person))
                context, context_ms, _ = timed(
                    partial(GapReportContext.from_gaps, gaps, language=language, today=today)
                )
                with translation.override(context.languages[0]):
                    html, html_ms, _ = timed(
                        partial(render_html, TEMPLATES[ReportKind.GAP_REPORT], {"report": context})
                    )
                prefix_cpu = time.process_time() - cpu_started

                def pipeline_pdf(html: str = html) -> tuple[bytes, float, float]:
                    started = time.process_time()
                    made, ms, _ = timed(partial(html_to_pdf, html))
                    return made, ms, time.process_time() - started

                def alone_pdf(html: str = html) -> tuple[bytes, float, float]:
                    started = time.process_time()
                    made, ms, _ = timed(partial(weasyprint_alone, html))
                    return made, ms, time.process_time() - started

                def paused_pdf(html: str = html) -> tuple[bytes, float, float]:
                    started = time.process_time()
                    made, ms, _ = timed(partial(weasyprint_alone_collector_paused, html))
                    return made, ms, time.process_time() - started

                # A later render of the same document finds the processor's caches warmer: the order of the three
                # turns from one report to the next.
                renders = [pipeline_pdf, alone_pdf, paused_pdf]
                turn = len(rows) % len(renders)
                made = {render: render() for render in renders[turn:] + renders[:turn]}
                pdf, pdf_ms, pdf_cpu = made[pipeline_pdf]
                alone, alone_ms, alone_cpu = made[alone_pdf]
                _paused, paused_ms, _paused_cpu = made[paused_pdf]
                cpu_ms = round((prefix_cpu + pdf_cpu) * 1000, 1)
                alone_cpu_ms = round(alone_cpu * 1000, 1)
                chromium_ms = chromium_pages = None
                if chromium is not None:
                    printed, chromium_ms, _ = timed(partial(chromium.pdf, html))
                    chromium_pages = pages_of(printed)
                total_ms = round(gaps_ms + context_ms + html_ms + pdf_ms, 1)
                rows.append(
                    {
                        "employee": person.employee_number,
                        "language": language,
                        "gaps_ms": gaps_ms,
                        "gaps_queries": gaps_queries,
                        "context_ms": context_ms,
                        "html_ms": html_ms,
                        "render_ms": round(html_ms + pdf_ms, 1),
                        "pdf_ms": pdf_ms,
                        "total_ms": total_ms,
                        "cpu_ms": cpu_ms,
                        "weasyprint_alone_ms": alone_ms,
                        "weasyprint_alone_cpu_ms": alone_cpu_ms,
                        "weasyprint_paused_ms": paused_ms,
                        "chromium_ms": chromium_ms,
                        "chromium_pages": chromium_pages,
                        "kb": round(len(pdf) / 1024, 1),
                        "pages": pages_of(pdf),
                        "weasyprint_alone_pages": pages_of(alone),
                    }
                )
                print(
                    f"gap report {person.employee_number} {language:<7} gaps {gaps_ms:>6} ms ({gaps_queries} queries)  "
                    f"context {context_ms:>5} ms  html {html_ms:>5} ms  pdf {pdf_ms:>7} ms  total {total_ms:>7} ms  "
                    f"cpu {cpu_ms:>7} ms  alone {alone_ms:>7} ms (cpu {alone_cpu_ms}; called as ours {paused_ms})  "
                    f"chromium {chromium_ms} ms  "
                    f"{rows[-1]['kb']} KB, {rows[-1]['pages']} pages",
                    flush=True,
                )
    return rows


def summarise(rows: list[dict[str, Any]], language: str) -> dict[str, Any]:
    def median(key: str) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return round(statistics.median(values), 1) if values else None

    total, alone, chromium = median("total_ms"), median("weasyprint_alone_ms"), median("chromium_ms")
    cpu, alone_cpu = median("cpu_ms"), median("weasyprint_alone_cpu_ms")
    paused = median("weasyprint_paused_ms")
    return {
        "reports": len(rows),
        "people": len({r["employee"] for r in rows}),
        "median_total_ms": total,
        "max_total_ms": max(r["total_ms"] for r in rows),
        "median_render_ms": median("render_ms"),
        "median_pdf_ms": median("pdf_ms"),
        "median_html_ms": median("html_ms"),
        "median_gaps_ms": median("gaps_ms"),
        "median_context_ms": median("context_ms"),
        "median_weasyprint_alone_ms": alone,
        "median_chromium_ms": chromium,
        "median_cpu_ms": cpu,
        "median_weasyprint_alone_cpu_ms": alone_cpu,
        "pipeline_over_weasyprint": round(total / alone, 2) if total and alone else None,
        "pipeline_over_weasyprint_cpu": round(cpu / alone_cpu, 2) if cpu and alone_cpu else None,
        "median_weasyprint_paused_ms": paused,
        "pipeline_over_weasyprint_paused": round(total / paused, 2) if total and paused else None,
        "pipeline_over_chromium": round(total / chromium, 2) if total and chromium else None,
        "median_pages": statistics.median(r["pages"] or 0 for r in rows),
        "pages": sorted({r["pages"] for r in rows if r["pages"]}),
        "chromium_pages": sorted({r["chromium_pages"] for r in rows if r["chromium_pages"]}),
        "median_kb": median("kb"),
    }


def stylesheet_parse_ms(html: str, repeat: int = 20) -> float:
    """What parsing the document's inline stylesheet costs, i.e. what caching it as a CSS object would save."""
    from weasyprint import CSS

    match = re.search(r"<style>(.*?)</style>", html, re.S)
    if match is None:
        return 0.0
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        CSS(string=match.group(1))
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


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
    # Single renders swing by a third from one to the next on a shared machine; four rounds settle the medians.
    parser.add_argument("--rounds", type=int, default=4, help="times each report is made (default 4)")
    parser.add_argument("--no-chromium", action="store_true", help="skip the headless Chromium comparison")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    payload: dict[str, Any] = {
        "measured_at": timezone.now().isoformat(timespec="seconds"),
        "database": settings.DATABASES["default"]["NAME"],
        "available": pipeline_ready(),
        "loadavg_before": round(os.getloadavg()[0], 2),
        "rounds": args.rounds,
    }
    if payload["available"]:
        cycle = benchmark_cycle()
        people = assessed_people(cycle, args.reports)
        # The first render loads the fonts and WeasyPrint's own style sheets; it is reported on its own.
        from reports.contexts import GapReportContext
        from reports.gaps import employee_gaps
        from reports.models import ReportKind
        from reports.pdf import render_html, render_pdf
        from reports.services import TEMPLATES

        context = GapReportContext.from_gaps(
            employee_gaps(cycle=cycle, employee=people[0]), language="zh-hans", today=timezone.localdate()
        )
        with translation.override("zh-hans"):
            _pdf, payload["first_render_ms"], _ = timed(
                lambda: render_pdf(TEMPLATES[ReportKind.GAP_REPORT], {"report": context})
            )
            payload["stylesheet_parse_ms"] = stylesheet_parse_ms(
                render_html(TEMPLATES[ReportKind.GAP_REPORT], {"report": context})
            )
        chromium = None if args.no_chromium else start_chromium()
        payload["chromium"] = chromium.version if chromium else None
        try:
            if chromium is not None:
                # Chromium's first document loads its fonts; it is warm before anything is timed, like WeasyPrint.
                with translation.override("zh-hans"):
                    chromium.pdf(render_html(TEMPLATES[ReportKind.GAP_REPORT], {"report": context}))
            # A worker child freezes what it holds from start-up, so the collection that ends a render walks only
            # what came since; this process, now warm, does the same to measure what a worker does.
            from reports.signals import freeze_startup_objects

            freeze_startup_objects()
            payload["gap_reports"] = gap_reports(
                cycle, people, tuple(args.languages), chromium=chromium, rounds=args.rounds
            )
        finally:
            if chromium is not None:
                chromium.close()
        payload["summary"] = {
            language: summarise(rows, language)
            for language in args.languages
            if (rows := [r for r in payload["gap_reports"] if r["language"] == language])
        }
        payload["loadavg_after_reports"] = round(os.getloadavg()[0], 2)
        payload["group_gaps"] = group_gaps(cycle, whole_cycle=args.whole_cycle)
    else:
        print("the reports pipeline (reports.pdf, reports.services) is not in this checkout; nothing measured")
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
