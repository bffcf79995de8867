"""The benchmark suite: generate the organisations, count queries, load the server, time PDFs, write the report.

    make bench                               # everything, about half an hour on two cores
    .venv/bin/python bench/run.py --reuse    # keep the generated databases if they are there

Each step is its own process writing JSON to bench/results/; docs/benchmarks.md is written from those
files only, so every figure in it is one that was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import bootstrap

ROOT = bootstrap.ROOT
RESULTS = bootstrap.RESULTS
DOCS = ROOT / "docs" / "benchmarks.md"
PYTHON = sys.executable
TARGET_P95_MS = {1: 100, 20: 300}
# The PDF worker's runs write jobs, files and sign-offs: they get an organisation and a Redis database of their own.
PDF_ORG_SIZE = 1000
PDF_BROKER = "redis://127.0.0.1:6379/11"
# An empty font folder: PDFs measured with it are set in the whole Noto Sans CJK SC, as before the report font.
NO_REPORT_FONT = RESULTS / "no-report-font"


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def step(
    script: str,
    database: str,
    *args: str,
    broker: str = "",
    extra_env: dict[str, str] | None = None,
    source: Path = ROOT,
) -> None:
    """Run one benchmark script of a source tree against a database, stopping the suite if it fails."""
    env = {**os.environ, "DATABASE_URL": database_url(database), **(extra_env or {})}
    prefix = "".join(f"{name}={value} " for name, value in (extra_env or {}).items())
    if broker:
        env["CELERY_BROKER_URL"] = broker
        prefix += f"CELERY_BROKER_URL={broker} "
    command = [PYTHON, str(source / "bench" / script), *args]
    where = "" if source == ROOT else f"(in {source.relative_to(ROOT)}) "
    print(f"\n$ {where}{prefix}DATABASE_URL={env['DATABASE_URL']} {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=source, env=env, check=True)
    print(f"({time.perf_counter() - started:.0f} s)", flush=True)


# The portal as it was before the web requests were tuned: `make bench` measures it again beside the current
# code, on the same machine and databases, so the before/after figures are of one run.
BEFORE_TUNING = "454ed37"
BEFORE_SOURCE = RESULTS / "before-src"
TUNED_ENDPOINTS = [
    "Rating form",
    "Save",
    "Home · HR",
    "inbox",
    "positions",
    "competencies",
    "overview",
    "eatmap",
    "summary",
]
TUNED_LATENCY = ["Rating form", "Save"]


def measure_before(ref: str, big: str, latency_args: list[str]) -> None:
    """Check the older code out beside this one and run its own query and latency scripts."""
    subprocess.run(["git", "worktree", "remove", "--force", str(BEFORE_SOURCE)], cwd=ROOT, capture_output=True)
    subprocess.run(["git", "worktree", "add", "--force", "--detach", str(BEFORE_SOURCE), ref], cwd=ROOT, check=True)
    try:
        subprocess.run(
            [PYTHON, "manage.py", "compilemessages", "-v", "0"],
            cwd=BEFORE_SOURCE,
            env={**os.environ, "DATABASE_URL": database_url(big)},
            check=True,
        )
        # Its settings as they were: no shared cache, PostgreSQL's defaults.
        env = {"CACHE_URL": "locmemcache://before", "POSTGRES_JIT": "true"}
        before_queries = str(RESULTS / "before-queries.json")
        step(
            "queries.py", big, "--only", *TUNED_ENDPOINTS, "--json", before_queries, extra_env=env, source=BEFORE_SOURCE
        )
        before_latency = str(RESULTS / "before-latency.json")
        step(
            "latency.py",
            big,
            "--only",
            *TUNED_LATENCY,
            "--json",
            before_latency,
            *latency_args,
            extra_env=env,
            source=BEFORE_SOURCE,
        )
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(BEFORE_SOURCE)], cwd=ROOT, check=False)


def generated_size(database: str) -> int | None:
    """How many generated employees the database holds, or None when it does not exist or is not migrated."""
    import psycopg2

    try:
        connection = psycopg2.connect(dbname=database, user="postgres", host="127.0.0.1", port=5432)
    except psycopg2.OperationalError:
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM assessments_employee WHERE employee_number LIKE 'B%%'")
            row = cursor.fetchone()
            return int(row[0]) if row else None
    except psycopg2.Error:
        return None
    finally:
        connection.close()


def ensure_org(database: str, employees: int, *, reuse: bool) -> None:
    if reuse and generated_size(database) == employees:
        print(f"reusing {database} ({employees:,} employees)")
        # The code may have gained migrations since the database was generated.
        step("generate_org.py", database, "--migrate-only")
        return
    step(
        "generate_org.py",
        database,
        "--employees",
        str(employees),
        "--reset",
        "--json",
        str(RESULTS / f"generate-{employees}.json"),
    )


# The machine ---------------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        (int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), 0
    )
    postgres = "unknown"
    try:
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", user="postgres", host="127.0.0.1", port=5432)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                row = cursor.fetchone()
                postgres = str(row[0]) if row else "unknown"
        finally:
            connection.close()
    except Exception as error:
        # The version is information for the report, not a reason to stop the suite.
        postgres = f"unknown ({error.__class__.__name__})"

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "postgresql": postgres,
        "python": platform.python_version(),
        "django": package("django"),
        "gunicorn": package("gunicorn"),
        "weasyprint": package("weasyprint"),
        "os": platform.platform(),
    }


# The report ------------------------------------------------------------------------------------


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "–"
        if isinstance(value, float):
            return f"{value:,.1f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def generation_section(sizes: list[int]) -> tuple[str, list[str]]:
    runs = {size: load(f"generate-{size}.json") for size in sizes}
    present = {size: run for size, run in runs.items() if run}
    if not present:
        return "## The generated organisation\n\nNot measured: no generation results in bench/results/.\n", []
    facts = ["employees", "managers", "depth", "departments", "assessments", "ratings"]
    lines = ["## The generated organisation", ""]
    lines.append(
        "One head, teams of 6-10 under each manager (people with reports hold the senior position), one department "
        "per subtree two levels below the head, the three demo positions, five HR users, one open cycle created and "
        "opened through `assessments.services`, and a self- and a manager assessment with a rating of every "
        "indicator for everyone, loaded with COPY. One self-assessment in ten and one manager assessment in five "
        "are drafts (about a third of a draft's indicators unrated); of the people with both sides submitted, "
        "one in seven is signed off."
    )
    lines.append("")
    lines.append(
        table(
            ["", *[f"{size:,} employees" for size in present]],
            [[f, *[r.get(f) for r in present.values()]] for f in facts],
        )
    )
    lines.append("")
    phases = list(next(iter(present.values()))["timings"])
    rows = [[phase, *[run["timings"].get(phase) for run in present.values()]] for phase in phases]
    rows.append(["**total**", *[run["total_seconds"] for run in present.values()]])
    lines.append(table(["phase (seconds)", *[f"{size:,}" for size in present]], rows))
    lines.append("")
    dates = [f"{size:,}: {run['generated_at']}" for size, run in present.items()]
    lines.append(f"Generated at {'; '.join(dates)}.")
    return "\n".join(lines) + "\n", []


def queries_section(small: int, big: int) -> tuple[str, list[str]]:
    counts_small, counts_big = load(f"queries-{small}.json"), load(f"queries-{big}.json")
    if not counts_big:
        return "## SQL queries per request\n\nNot measured.\n", []
    by_small = {r["endpoint"]: r for r in (counts_small or {}).get("results", [])}
    jit_on = {r["endpoint"]: r for r in (load(f"queries-{big}-jit-on.json") or {}).get("results", [])}
    findings = []
    rows = []
    for r in counts_big["results"]:
        s = by_small.get(r["endpoint"])
        grows = None
        if s is not None:
            grows = "no" if s["queries"] == r["queries"] else f"yes ({s['queries']} → {r['queries']})"
            if s["queries"] != r["queries"]:
                findings.append(f"{r['endpoint']}: the query count grows with the organisation ({grows[5:-1]})")
        if len(r.get("query_counts", [])) > 1:
            findings.append(f"{r['endpoint']}: the count varies between requests ({r['query_counts']})")
        total_met = own_met = None
        if r["budget"] is not None:
            total_met = "met" if r["queries"] <= r["budget"] else "**missed**"
            own_met = "met" if r["own_queries"] <= r["budget"] else "**missed**"
            # The budget is the request's own work; signing the visitor in is the same for every request.
            if r["own_queries"] > r["budget"]:
                findings.append(
                    f"{r['endpoint']}: {r['own_queries']} queries of its own ({r['queries']} with the sign-in "
                    f"lookups), budget {r['budget']}"
                )
        if r["status"] != 200:
            findings.append(f"{r['endpoint']}: answered {r['status']} in the query count run")
        rows.append(
            [
                r["endpoint"],
                r["kind"],
                s["queries"] if s else None,
                r["queries"],
                r["own_queries"],
                grows,
                r["budget"],
                total_met,
                own_met,
                r["sql_ms"],
                jit_on[r["endpoint"]]["sql_ms"] if r["endpoint"] in jit_on else None,
                r["python_cpu_ms"],
                r["in_process_ms"],
                r["response_kb"],
            ]
        )
    lines = [
        "## SQL queries per request",
        "",
        "Counted in-process with Django's test client and `CaptureQueriesContext` (one warm-up request, then up "
        "to five counted ones; a page slower than 20 s is counted on its only request) against a "
        f"{small:,}-employee and a {big:,}-employee database, with the production settings of "
        "docker-compose.yml (sessions read from the shared Redis cache, so a signed-in request looks up only its "
        "user). *Queries* include that user lookup (and a session lookup, were one made); *own* leaves them out, "
        "as the project's API tests count with `force_authenticate`. The budgets: lists at most 4 "
        "queries, the rating form at most 5; they are judged on *own*, and both verdicts are shown. "
        "The timings are medians of the counted requests at the larger "
        "size: SQL as Django measured it, the same with PostgreSQL's JIT compilation on as PostgreSQL ships it "
        "(`POSTGRES_JIT=true`, a separate run; the portal turns it off), this process's own CPU time, and the "
        "whole request. On the shared machine, differences of a few milliseconds between the two SQL columns "
        "are noise.",
        "",
        table(
            [
                "endpoint",
                "kind",
                f"queries at {small:,}",
                f"queries at {big:,}",
                "own",
                "grows?",
                "budget",
                "met (queries)",
                "met (own)",
                "SQL ms",
                "SQL ms, JIT on",
                "Python CPU ms",
                "in-process ms",
                "response KB",
            ],
            rows,
        ),
        "",
        f"Counted at {counts_big['measured_at']}.",
    ]
    if counts_big.get("not_measured"):
        lines += ["", "Not counted (the URL does not exist in this checkout): " + ", ".join(counts_big["not_measured"])]
    return "\n".join(lines) + "\n", findings


def latency_section() -> tuple[str, list[str]]:
    latency = load("latency.json")
    if not latency:
        return "## Latency\n\nNot measured.\n", []
    by_endpoint: dict[str, dict[int, dict[str, Any]]] = {}
    kinds: dict[str, str] = {}
    for r in latency["results"]:
        by_endpoint.setdefault(r["endpoint"], {})[r["clients"]] = r
        kinds[r["endpoint"]] = r["kind"]
    levels = sorted({r["clients"] for r in latency["results"]})
    findings = []
    rows = []
    for endpoint, runs in by_endpoint.items():
        row: list[Any] = [endpoint]
        verdicts = []
        for clients in levels:
            r = runs.get(clients)
            if r is None:
                row += [None, None, None, None, None]
                continue
            limited = " (time limit)" if r["stopped_by_time_limit"] else ""
            row += [f"{r['requests']}{limited}", r["median_ms"], r["p95_ms"], r["errors"], r["throughput_rps"]]
            target = TARGET_P95_MS.get(clients) if kinds[endpoint] in ("form", "save") else None
            if target is not None:
                met = r["p95_ms"] is not None and r["p95_ms"] < target and (clients == 1 or r["errors"] == 0)
                verdicts.append(f"{clients}: {'met' if met else '**missed**'}")
                if not met:
                    findings.append(
                        f"{endpoint}, {clients} client{'s' if clients > 1 else ''}: p95 {r['p95_ms']} ms "
                        f"(target < {target} ms), {r['errors']} errors"
                    )
            elif r["errors"]:
                findings.append(f"{endpoint}, {clients} clients: {r['errors']} errors")
        row.append("; ".join(verdicts) or "–")
        rows.append(row)
    header = ["endpoint"]
    for clients in levels:
        label = f"{clients} client" + ("s" if clients > 1 else "")
        header += [f"{label}: requests", "median ms", "p95 ms", "errors", "req/s"]
    header.append("p95 target met? (by clients)")
    loads = [r["loadavg_before"] for r in latency["results"]] + [r["loadavg_after"] for r in latency["results"]]
    lines = [
        "## Latency",
        "",
        f"{latency['server']} ({latency['settings']}) on `{latency['database']}`. Each client signs in through the "
        "login form as a different person of its role (employees and managers with a draft of their own, "
        f"{latency['subjects'].get('hr', 0)} HR users shared by HR clients). After {latency['warmup_per_client']} "
        f"unmeasured requests, one client sends {latency['requests_one_client']} measured requests, or each of "
        f"the concurrent clients {latency['requests_per_concurrent_client']}, stopping early after "
        f"{latency['time_limit_seconds']:.0f} s. A save sends all 122 ratings with the version its previous save "
        "returned. Times are from sending the request to having read the whole answer, over loopback; req/s is "
        "the answers completed per second of the run. An error is any answer other than 200, or a failed connection.",
        "",
        "Targets: the rating form and a full save at p95 < 100 ms with one client, and < 300 ms "
        "with no errors with 20 clients.",
        "",
        table(header, rows),
        "",
        f"Measured at {latency['measured_at']}. The load generator runs on the same two cores as gunicorn and "
        f"PostgreSQL; the one-minute load average during the runs ranged from {min(loads):.1f} to {max(loads):.1f}.",
    ]
    skipped = latency.get("skipped_concurrent") or []
    if skipped:
        lines += [
            "",
            f"Not run concurrently, because one request alone took more than {latency['concurrent_below_ms']:,.0f} ms "
            "(many clients would only queue behind it and hold the shared machine for minutes): "
            + ", ".join(f"{s['endpoint']} ({s['median_alone_ms']:,.0f} ms alone)" for s in skipped)
            + ".",
        ]
        for s in skipped:
            findings.append(f"{s['endpoint']}: {s['median_alone_ms']:,.0f} ms median with one client")
    if latency.get("not_measured"):
        lines += [
            "",
            "Not measured (the URL does not exist in this checkout): " + ", ".join(latency["not_measured"]) + ".",
        ]
    return "\n".join(lines) + "\n", findings


def before_after_section(big: int) -> str:
    """The tuned requests measured on the older code and on this one, in the same run."""
    before_queries, before_latency = load("before-queries.json"), load("before-latency.json")
    after_queries, after_latency = load(f"queries-{big}.json"), load("latency.json")
    if not (before_queries and after_queries):
        return ""

    def by_name(data: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
        return {r["endpoint"]: r for r in (data or {}).get("results", [])}

    def p95(data: dict[str, Any] | None, endpoint: str, clients: int) -> float | None:
        for r in (data or {}).get("results", []):
            if r["endpoint"] == endpoint and r["clients"] == clients:
                return float(r["p95_ms"]) if r["p95_ms"] is not None else None
        return None

    old, new = by_name(before_queries), by_name(after_queries)
    rows = []
    for endpoint in [name for name in old if name in new] + [name for name in old if name not in new]:
        before, after = old[endpoint], new.get(endpoint)
        rows.append(
            [
                endpoint,
                f"{before['own_queries']} → {after['own_queries']}" if after else f"{before['own_queries']} → –",
                before["in_process_ms"],
                after["in_process_ms"] if after else None,
                p95(before_latency, endpoint, 1),
                p95(after_latency, endpoint, 1),
                p95(before_latency, endpoint, 20),
                p95(after_latency, endpoint, 20),
            ]
        )
    return "\n".join(
        [
            "## Before and after tuning",
            "",
            f"The same requests on the code as it was before they were tuned (revision {BEFORE_TUNING}, checked out "
            "beside this one by `bench/run.py` and measured with its own scripts and settings: sessions in the "
            "database, PostgreSQL's JIT on) and on this code, in this run, on the same databases. A name the older "
            "code does not have, or one it had and this code dropped, shows a dash. What changed: the rating "
            "form's 122 fieldsets are written by `assessments/form_markup.py` instead of a template loop; a save "
            "reads the posted fields directly rather than through 245 form fields, fetches only what it needs, and "
            "the page sends it URL-encoded instead of as multipart; a manager's levels after a save come from one "
            "query; PostgreSQL's JIT is off; sessions are read from the shared cache; permission scopes are "
            "subqueries; lists count once; the HR overview is paginated and group heatmaps read stored results.",
            "",
            table(
                [
                    "endpoint",
                    "own queries",
                    "in-process ms before",
                    "after",
                    "p95 ms, 1 client, before",
                    "after",
                    "p95 ms, 20 clients, before",
                    "after",
                ],
                rows,
            ),
            "",
            f"Before: counted at {before_queries.get('measured_at', before_queries.get('counted_at', '?'))}"
            + (f", latency at {before_latency['measured_at']}" if before_latency else "")
            + ".",
            "",
        ]
    )


# Targets for the gap report PDF.
PDF_TARGET_MS = 1000  # a warm render of a three-page report, median
PDF_TARGET_PER_CORE_MINUTE = 55
PDF_TARGET_OVERHEAD = 1.15  # the pipeline over WeasyPrint alone
PDF_TARGET_CHROMIUM = 2.0  # the pipeline over headless Chromium
PDF_TARGET_RSS_MB = 250
PDF_TARGET_EXPORT_SECONDS = 60


def _ratio(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}x"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def pdf_section() -> tuple[str, list[str]]:
    pdf = load("pdf.json")
    if not pdf:
        return "## Gap report PDF\n\nNot measured.\n", []
    if not pdf.get("available"):
        return "## Gap report PDF\n\nNot measured: the reports pipeline is not in this checkout.\n", []
    findings: list[str] = []
    rows = []
    for language, s in pdf["summary"].items():
        pages = (
            "–".join(str(p) for p in (s["pages"][0], s["pages"][-1]))
            if len(s.get("pages", [])) > 1
            else s.get("median_pages")
        )
        rows.append(
            [
                language,
                s["reports"],
                pages,
                s["median_gaps_ms"],
                s.get("median_html_ms"),
                s.get("median_pdf_ms", s["median_render_ms"]),
                s["median_total_ms"],
                s["max_total_ms"],
                s.get("median_cpu_ms"),
                s.get("median_weasyprint_alone_ms"),
                _ratio(s.get("pipeline_over_weasyprint")),
                _ratio(s.get("pipeline_over_weasyprint_cpu")),
                s.get("median_weasyprint_paused_ms", "–"),
                _ratio(s.get("pipeline_over_weasyprint_paused")),
                s.get("median_chromium_ms"),
                _ratio(s.get("pipeline_over_chromium")),
                s.get("median_kb"),
            ]
        )
        if s["median_total_ms"] > PDF_TARGET_MS:
            findings.append(
                f"Gap report PDF, {language}: {s['median_total_ms']:,.0f} ms median ({pages} pages; "
                f"{s.get('median_cpu_ms') or 0:,.0f} ms of CPU), target {PDF_TARGET_MS:,} ms"
            )
        overhead = s.get("pipeline_over_weasyprint")
        if overhead is not None and overhead > PDF_TARGET_OVERHEAD:
            findings.append(
                f"Gap report PDF, {language}: pipeline {overhead}x WeasyPrint alone, target {PDF_TARGET_OVERHEAD}x"
            )
        chromium = s.get("pipeline_over_chromium")
        if chromium is not None and chromium > PDF_TARGET_CHROMIUM:
            findings.append(f"Gap report PDF, {language}: {chromium}x headless Chromium, target {PDF_TARGET_CHROMIUM}x")
    groups = [[g["group"], g["ms"], g["queries"], g["peak_rss_mb"]] for g in pdf.get("group_gaps", [])]
    chromium_line = (
        f"Chromium {pdf['chromium']} (Debian's, through Python Playwright: a warm browser, `page.set_content(html)` "
        'then `page.pdf(format="A4")`, /static URLs and the report font answered from our files)'
        if pdf.get("chromium")
        else "Chromium was not available, so that column is empty"
    )
    lines = [
        "## Gap report PDF",
        "",
        "In-process, through the worker's own functions (`reports.gaps.employee_gaps`, "
        "`GapReportContext.from_gaps`, `reports.pdf.render_html` and `html_to_pdf`), without a job row or a stored "
        "file, for people from across the tree whose self- and manager assessments are both submitted, each report "
        f"made {pdf.get('rounds', 2)} times. *Total* is the pipeline: gaps + context + template + PDF. The same final "
        "HTML is then given to WeasyPrint alone (`HTML(string=html, url_fetcher=...).write_pdf()`, our fetcher only so "
        "that it can load the report font; Python's garbage collector left "
        "as Python sets it and a new font configuration per document, where ours pauses the collector for the "
        "render and collects once at the end, `reports.pdf.garbage_collected_once`, starts it from a frame that "
        "brings its own frame stack, `reports.pdf.in_reserved_stack`, and keeps one font "
        "configuration per thread, `reports.pdf.font_configuration`; the process has frozen its start-up objects as "
        "a worker child does), to WeasyPrint alone called as ours calls it (*as ours*: what is left between it and "
        "ours is our own work, the gaps, context, template and fetcher) "
        f"and to {chromium_line}, one right after the other (the three WeasyPrint renders in an order that turns "
        "from one report to the next, as a later render of a document finds the processor's caches warmer), so the "
        "machine's load weighs on all alike. "
        "CPU ms is "
        "this process's CPU time for the pipeline, which other work on the machine does not inflate; the "
        "ratios are of medians. The very first render, which loads the fonts, took "
        f"{pdf['first_render_ms']:,.0f} ms and is not in the table. Parsing the document's stylesheet takes "
        f"{pdf.get('stylesheet_parse_ms', 0):.1f} ms. One-minute load average: {pdf.get('loadavg_before', '–')} "
        f"before, {pdf.get('loadavg_after_reports', '–')} after.",
        "",
        f"Targets: a warm three-page report in at most {PDF_TARGET_MS:,} ms (median), the "
        f"pipeline under {PDF_TARGET_OVERHEAD}x WeasyPrint alone and within {PDF_TARGET_CHROMIUM:.0f}x headless "
        "Chromium.",
        "",
        table(
            [
                "language",
                "reports",
                "pages",
                "gaps ms",
                "template ms",
                "PDF ms",
                "total ms (median)",
                "total ms (max)",
                "CPU ms",
                "WeasyPrint alone ms",
                "over WeasyPrint",
                "over WeasyPrint, CPU",
                "as ours ms",
                "over as ours",
                "Chromium ms",
                "over Chromium",
                "KB",
            ],
            rows,
        ),
        "",
        "The data behind the heatmap (`reports.gaps` for a group):",
        "",
        table(["group", "ms", "queries", "peak RSS of the process, MB"], groups),
        "",
        f"Measured at {pdf['measured_at']}.",
    ]
    lines += report_font_comparison(pdf)
    worker_text, worker_findings = pdf_worker_section()
    return "\n".join(lines) + "\n" + worker_text, findings + worker_findings


def report_font_comparison(pdf: dict[str, Any]) -> list[str]:
    """The same reports set in the whole Noto Sans CJK SC (before) and in the report font (after)."""
    before = load("pdf-whole-noto.json")
    if not before or not before.get("summary"):
        return []
    rows = []
    for language, after in pdf["summary"].items():
        if (noto := before["summary"].get(language)) is None:
            continue
        rows.append(
            [
                language,
                noto["median_total_ms"],
                after["median_total_ms"],
                noto.get("median_cpu_ms"),
                after.get("median_cpu_ms"),
                noto.get("median_kb"),
                after.get("median_kb"),
                noto.get("median_chromium_ms"),
                after.get("median_chromium_ms"),
                _ratio(noto.get("pipeline_over_chromium")),
                _ratio(after.get("pipeline_over_chromium")),
            ]
        )
    return [
        "",
        "Before and after the report font (`reports/fonts.py`: Noto Sans CJK SC cut once to the glyphs "
        "reports need). Before is the same people's reports with an empty font folder, so set in the whole Noto "
        f"font as they were, {before.get('rounds')} rounds, measured at {before['measured_at']}; Chromium prints the "
        "same final HTML in both, so it gains from the smaller font too:",
        "",
        table(
            [
                "language",
                "total ms, Noto",
                "total ms, report font",
                "CPU ms, Noto",
                "CPU ms, report font",
                "KB, Noto",
                "KB, report font",
                "Chromium ms, Noto",
                "Chromium ms, report font",
                "over Chromium, Noto",
                "over Chromium, report font",
            ],
            rows,
        ),
    ]


def pdf_worker_section() -> tuple[str, list[str]]:
    run = load("pdf-worker.json")
    if not run:
        return "\n### PDF worker\n\nNot measured.\n", []
    findings: list[str] = []
    lines = [
        "",
        "### PDF worker",
        "",
        f"A real `celery -A config worker -Q pdf,default --pool=prefork` on `{run['broker']}`, against "
        f"`{run['database']}` ({run['participants']:,} participants; a database of its own, because the runs write "
        "job rows, files and sign-offs), rendering jobs requested through `reports.services.request_report` and "
        "exports started through `start_export`, as the API does (`bench/pdf_worker.py`).",
    ]
    t = run.get("throughput")
    if t:
        met = t["reports_per_minute_per_core"] >= PDF_TARGET_PER_CORE_MINUTE
        if not met:
            findings.append(
                f"PDF worker: {t['reports_per_minute_per_core']} reports a minute per core "
                f"(load average {t['loadavg_before']}-{t['loadavg_after']}), target {PDF_TARGET_PER_CORE_MINUTE}"
            )
        lines += [
            "",
            f"**Throughput.** {t['done']} gap reports ({', '.join(t['languages'])} in turn, every one rendered: "
            f"{t['failed']} failed) with `--concurrency {t['concurrency']}`, after one warm-up job per child, from "
            f"the first request to the last job done: {t['seconds']} s, **{t['reports_per_minute']} reports a minute, "
            f"{t['reports_per_minute_per_core']} per core** (target {PDF_TARGET_PER_CORE_MINUTE}: {_verdict(met)}); "
            f"median time of a job in the worker {t['median_job_render_ms']:,.0f} ms. One-minute load average "
            f"{t['loadavg_before']} before, {t['loadavg_after']} after."
            + (
                f" The two children used {t['children_cpu_seconds']} s of CPU for them: "
                f"{t['reports_per_cpu_minute']} reports per minute of CPU, what a core the worker had to itself "
                "would give."
                if t.get("reports_per_cpu_minute")
                else ""
            ),
        ]
    m = run.get("memory")
    if m:
        met = m["max_rss_mb"] < PDF_TARGET_RSS_MB
        if not met:
            findings.append(f"PDF worker: a child reached {m['max_rss_mb']} MB RSS, target < {PDF_TARGET_RSS_MB} MB")
        series = ", ".join(f"{s['renders']}: {s['rss_mb']}" for s in m["samples"])
        lines += [
            "",
            f"**Memory.** One worker child (`--concurrency 1`) rendering {m['renders']} gap reports, its RSS in MB "
            f"after every {m['every']} (renders: MB): {series}. "
            f"{'The same child all along' if m['same_child'] else 'The child was replaced during the run'}; "
            f"maximum {m['max_rss_mb']} MB (target < {PDF_TARGET_RSS_MB} MB: {_verdict(met)}), "
            f"{m['growth_after_first_batch_mb']} MB more after the last batch than after the first. For this run "
            f"the child was kept for all {m['renders']} tasks; as configured, a worker replaces a child after "
            f"{m['configured_max_tasks_per_child']} tasks (`CELERY_WORKER_MAX_TASKS_PER_CHILD`) or "
            f"{m['configured_max_memory_per_child_kb'] / 1000:.0f} MB (`CELERY_WORKER_MAX_MEMORY_PER_CHILD`).",
        ]
    e = run.get("exports")
    if e:
        finish = run.get("finish")
        prepared = (
            " The cycle was finished beforehand through `assessments.services`: every draft completed and "
            "submitted, every manager assessment signed off and acknowledged"
            + (
                f" ({finish['submitted']} submitted, {finish['signed_off']} signed off, {finish['seconds']} s)."
                if finish and (finish["submitted"] or finish["signed_off"])
                else " (by an earlier run of `pdf_worker.py --finish`; nothing was left to do in this one)."
            )
        )
        rows = []
        for r in e["runs"]:
            # The one-minute target is for a finished cycle, whose reports are its stored records; rendered afresh,
            # an export is bound by the renders per minute measured above.
            judged = r["from_records"] > 0
            met = r["seconds"] < PDF_TARGET_EXPORT_SECONDS
            rows.append(
                [r["label"], r["total"], r["rendered"], r["from_records"], r["failed"], r["seconds"], r["archive_mb"],
                 _verdict(met) if judged else "– (bound by renders a minute)"]
            )  # fmt: skip
            if judged and not met:
                findings.append(
                    f"Export of a finished {e['participants']:,}-employee cycle, {r['label']}: {r['seconds']:,.0f} s, "
                    f"target < {PDF_TARGET_EXPORT_SECONDS} s"
                )
        lines += [
            "",
            f"**Export of a finished cycle.** The whole cycle ({e['participants']:,} participants, {e['signed_off']:,} "
            f"manager assessments signed off) exported in {e['language']}, gap reports only, with "
            f"`--concurrency {e['concurrency']}` and chunks of {e['chunk_size']}: from `start_export` to the archive "
            "(ZIP of PDFs, summary.xlsx, summary.csv) stored and the export done. First with no stored PDF "
            "(every report rendered, and each one of a signed-off assessment becoming its record), then again, "
            f"when every report is the stored record.{prepared} Target: under {PDF_TARGET_EXPORT_SECONDS} s.",
            "",
            table(
                ["export", "jobs", "rendered", "stored PDFs reused", "failed", "seconds", "archive MB", "target"], rows
            ),
            "",
            f"One-minute load average {e['loadavg_before']} before, {e['loadavg_after']} after.",
        ]
    lines += ["", f"Measured at {run['measured_at']}."]
    return "\n".join(lines) + "\n", findings


def write_report(info: dict[str, Any], commands: list[str], small: int, big: int) -> None:
    generation, _ = generation_section([big, small])
    queries, query_findings = queries_section(small, big)
    latency, latency_findings = latency_section()
    pdf, pdf_findings = pdf_section()
    findings = query_findings + latency_findings + pdf_findings
    machine_rows = [
        ["CPU", f"{info['cpu']}, {info['cores']} cores (`nproc`)"],
        ["Memory", f"{info['memory_gib']} GiB"],
        ["PostgreSQL", info["postgresql"]],
        [
            "Python, Django, gunicorn, WeasyPrint",
            f"{info['python']}, {info['django']}, {info['gunicorn']}, {info['weasyprint']}",
        ],
        ["OS", info["os"]],
        ["Load average (1, 5, 15 min) when the suite started / ended", f"{info['load_start']} / {info['load_end']}"],
        ["Duration of the suite", f"{info['duration_minutes']} minutes"],
    ]
    parts = [
        "# Benchmarks",
        "",
        f"Written by `bench/run.py` from the run of {info['date']}. Every figure below was measured on this machine "
        "by the scripts in `bench/`; a section says so when it was not measured.",
        "",
        "## Machine",
        "",
        table(["", ""], machine_rows),
        "",
        "The machine is shared: other test suites may run at the same time, so latencies are upper bounds of what "
        "the code needs. Python CPU ms in the query table is this process's own CPU time and is not inflated by them.",
        "",
        "## Commands",
        "",
        "```sh",
        *commands,
        "```",
        "",
        generation,
        queries,
        latency,
        before_after_section(big),
        pdf,
        "## Targets missed",
        "",
        *([f"- {f}" for f in findings] or ["None."]),
        "",
    ]
    DOCS.write_text("\n".join(parts), encoding="utf-8")
    print(f"\nwrote {DOCS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100, help="size of the organisation to compare query counts with")
    parser.add_argument("--reuse", action="store_true", help="reuse the generated databases when they have the sizes")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument(
        "--pdf-quick",
        action="store_true",
        help="PDFs in about five minutes: one round of reports, a shorter worker run and no exports",
    )
    parser.add_argument("--report-only", action="store_true", help="only write docs/benchmarks.md from the results")
    parser.add_argument("--latency-args", default="", help="extra arguments for latency.py, e.g. '--requests 20'")
    parser.add_argument(
        "--before",
        default=BEFORE_TUNING,
        help=f"git revision to measure the tuned requests of for comparison (default {BEFORE_TUNING}; '' skips it)",
    )
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    big, small, pdf_org = "portal_bench", "portal_bench_small", "portal_bench_1k"
    pdf_worker_args = ["--reports", "60", "--renders", "200", "--skip", "exports"] if args.pdf_quick else ["--finish"]
    pdf_args = ["--rounds", "1"] if args.pdf_quick else []
    info: dict[str, Any] = {"date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), "load_start": _load()}
    commands = [
        "make bench    # = .venv/bin/python bench/run.py; --reuse keeps the generated databases",
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/generate_org.py --employees {args.employees} --reset",
        f"DATABASE_URL={database_url(small)} .venv/bin/python bench/generate_org.py --employees {args.small} --reset",
        f"DATABASE_URL={database_url(small)} .venv/bin/python bench/queries.py",
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/queries.py   # --profile/--explain 'Rating form'",
        f"POSTGRES_JIT=true DATABASE_URL={database_url(big)} .venv/bin/python bench/queries.py",
        f"git worktree add bench/results/before-src {BEFORE_TUNING}; in it, with CACHE_URL=locmemcache://before "
        f"POSTGRES_JIT=true DATABASE_URL={database_url(big)}: .venv/bin/python bench/queries.py --only ...; "
        ".venv/bin/python bench/latency.py --only 'Rating form' Save",
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/latency.py {args.latency_args}".rstrip(),
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/pdf.py --whole-cycle {' '.join(pdf_args)}".rstrip(),
        f"REPORT_FONT_DIR={NO_REPORT_FONT.relative_to(ROOT)} DATABASE_URL={database_url(big)} .venv/bin/python "
        f"bench/pdf.py {' '.join(pdf_args) or '--rounds 2'}   # before the report font: the whole Noto font",
        f"DATABASE_URL={database_url(pdf_org)} .venv/bin/python bench/generate_org.py --employees 1000 --reset",
        f"DATABASE_URL={database_url(pdf_org)} CELERY_BROKER_URL={PDF_BROKER} .venv/bin/python bench/pdf_worker.py "
        + " ".join(pdf_worker_args),
    ]
    if args.report_only:
        # The machine's state is that of the run that measured, not of this rewrite of the report.
        run = load("run.json") or {}
        info.update({k: run.get(k, "not recorded") for k in ("date", "load_start", "load_end", "duration_minutes")})
        commands = run.get("commands", commands)
    else:
        started = time.perf_counter()
        ensure_org(big, args.employees, reuse=args.reuse)
        ensure_org(small, args.small, reuse=args.reuse)
        step("queries.py", small, "--json", str(RESULTS / f"queries-{args.small}.json"))
        step("queries.py", big, "--json", str(RESULTS / f"queries-{args.employees}.json"))
        # The same requests with PostgreSQL's JIT compilation on, as it is by default, to show why it is off.
        step(
            "queries.py",
            big,
            "--json",
            str(RESULTS / f"queries-{args.employees}-jit-on.json"),
            extra_env={"POSTGRES_JIT": "true"},
        )
        if not args.skip_latency:
            step("latency.py", big, "--json", str(RESULTS / "latency.json"), *args.latency_args.split())
        if args.before:
            measure_before(args.before, big, args.latency_args.split())
        if not args.skip_pdf:
            step("pdf.py", big, "--whole-cycle", *pdf_args, "--json", str(RESULTS / "pdf.json"))
            # The same reports without the report font (an empty font folder): the before of that change.
            NO_REPORT_FONT.mkdir(parents=True, exist_ok=True)
            step(
                "pdf.py",
                big,
                *(pdf_args or ["--rounds", "2"]),
                "--json",
                str(RESULTS / "pdf-whole-noto.json"),
                extra_env={"REPORT_FONT_DIR": str(NO_REPORT_FONT)},
            )
            ensure_org(pdf_org, PDF_ORG_SIZE, reuse=args.reuse)
            step(
                "pdf_worker.py",
                pdf_org,
                *pdf_worker_args,
                "--json",
                str(RESULTS / "pdf-worker.json"),
                broker=PDF_BROKER,
            )
        info["load_end"] = _load()
        info["duration_minutes"] = round((time.perf_counter() - started) / 60)
        (RESULTS / "run.json").write_text(json.dumps({**info, "commands": commands}, indent=2), encoding="utf-8")
    info.update(machine())
    write_report(info, commands, args.small, args.employees)
    return 0


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
