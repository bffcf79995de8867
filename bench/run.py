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


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def step(script: str, database: str, *args: str, pgoptions: str = "") -> None:
    """Run one benchmark script against a database, stopping the suite if it fails."""
    env = {**os.environ, "DATABASE_URL": database_url(database)}
    prefix = ""
    if pgoptions:
        env["PGOPTIONS"] = pgoptions
        prefix = f"PGOPTIONS='{pgoptions}' "
    command = [PYTHON, str(ROOT / "bench" / script), *args]
    print(f"\n$ {prefix}DATABASE_URL={env['DATABASE_URL']} {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    print(f"({time.perf_counter() - started:.0f} s)", flush=True)


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
    jit_off = {r["endpoint"]: r for r in (load(f"queries-{big}-jit-off.json") or {}).get("results", [])}
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
            if r["queries"] > r["budget"]:
                findings.append(
                    f"{r['endpoint']}: {r['queries']} queries ({r['own_queries']} without the session and user "
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
                jit_off[r["endpoint"]]["sql_ms"] if r["endpoint"] in jit_off else None,
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
        f"{small:,}-employee and a {big:,}-employee database. *Queries* include "
        "the session and user lookups every signed-in request makes; *own* leaves those two out, as the "
        "project's API tests count with `force_authenticate`. The budgets are the brief's: lists at most 4 "
        "queries, the rating form at most 5. The timings are medians of the counted requests at the larger "
        "size: SQL as Django measured it, the same with PostgreSQL's JIT compilation off for the connection "
        "(`PGOPTIONS='-c jit=off'`, a separate run), this process's own CPU time, and the whole request. On "
        "the shared machine, differences of a few milliseconds between the two SQL columns are noise.",
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
                "SQL ms, jit off",
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
        "Targets (from the brief): the rating form and a full save at p95 < 100 ms with one client, and < 300 ms "
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


def pdf_section() -> tuple[str, list[str]]:
    pdf = load("pdf.json")
    if not pdf:
        return "## Gap report PDF\n\nNot measured.\n", []
    if not pdf.get("available"):
        return "## Gap report PDF\n\nNot measured: the reports pipeline is not in this checkout.\n", []
    rows = [
        [
            language,
            s["reports"],
            s["median_gaps_ms"],
            s["median_render_ms"],
            s["median_total_ms"],
            s["max_total_ms"],
            s["median_pages"],
        ]
        for language, s in pdf["summary"].items()
    ]
    groups = [[g["group"], g["ms"], g["queries"], g["peak_rss_mb"]] for g in pdf.get("group_gaps", [])]
    lines = [
        "## Gap report PDF",
        "",
        "In-process, through the worker's own functions (`reports.gaps.employee_gaps`, "
        "`GapReportContext.from_gaps`, `reports.pdf.render_pdf`), without a job row or a stored file, for people "
        "from across the tree whose self- and manager assessments are both submitted. The very first render, "
        f"which loads the fonts, took {pdf['first_render_ms']:,.0f} ms and is not in the table.",
        "",
        table(["language", "reports", "gaps ms", "render ms", "total ms (median)", "total ms (max)", "pages"], rows),
        "",
        "The data behind the heatmap (`reports.gaps` for a group):",
        "",
        table(["group", "ms", "queries", "peak RSS of the process, MB"], groups),
        "",
        f"Measured at {pdf['measured_at']}.",
    ]
    return "\n".join(lines) + "\n", []


def write_report(info: dict[str, Any], commands: list[str], small: int, big: int) -> None:
    generation, _ = generation_section([big, small])
    queries, query_findings = queries_section(small, big)
    latency, latency_findings = latency_section()
    pdf, _ = pdf_section()
    findings = query_findings + latency_findings
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
    parser.add_argument("--report-only", action="store_true", help="only write docs/benchmarks.md from the results")
    parser.add_argument("--latency-args", default="", help="extra arguments for latency.py, e.g. '--requests 20'")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    big, small = "portal_bench", "portal_bench_small"
    info: dict[str, Any] = {"date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), "load_start": _load()}
    commands = [
        "make bench    # = .venv/bin/python bench/run.py; --reuse keeps the generated databases",
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/generate_org.py --employees {args.employees} --reset",
        f"DATABASE_URL={database_url(small)} .venv/bin/python bench/generate_org.py --employees {args.small} --reset",
        f"DATABASE_URL={database_url(small)} .venv/bin/python bench/queries.py",
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/queries.py   # --profile/--explain 'Rating form'",
        f"PGOPTIONS='-c jit=off' DATABASE_URL={database_url(big)} .venv/bin/python bench/queries.py",
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/latency.py {args.latency_args}".rstrip(),
        f"DATABASE_URL={database_url(big)} .venv/bin/python bench/pdf.py --whole-cycle",
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
        # The same requests with PostgreSQL's JIT compilation off, to show what it costs these small queries.
        step(
            "queries.py",
            big,
            "--json",
            str(RESULTS / f"queries-{args.employees}-jit-off.json"),
            pgoptions="-c jit=off",
        )
        if not args.skip_latency:
            step("latency.py", big, "--json", str(RESULTS / "latency.json"), *args.latency_args.split())
        if not args.skip_pdf:
            step("pdf.py", big, "--whole-cycle", "--json", str(RESULTS / "pdf.json"))
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
