"""Instructions one warm gap report render takes, in the report font and in the whole Noto font, under callgrind.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_1k valgrind --tool=callgrind \\
        --callgrind-out-file=bench/results/callgrind.%p .venv/bin/python bench/pdf_instructions.py --language en

Callgrind counts instructions, which do not depend on what else the machine is doing (bench/callgrind.py).
The script renders one report's final HTML, then for each font renders it on a fresh thread (a font
configuration of its own) once to warm up and once between zeroing callgrind's counters and dumping them
(`callgrind_control -z` / `-d`); it prints the instructions of each measured render. Run without valgrind, it
prints milliseconds instead.
"""

# ruff: noqa: E402  (a script started from the shell has to set Django up before importing the project)
from __future__ import annotations

if __name__ == "__main__":
    import bootstrap

    bootstrap.configure()

import argparse
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation

from bench.callgrind import counting as callgrind_counting
from bench.callgrind import instructions
from bench.endpoints import benchmark_cycle
from bench.pdf import LANGUAGES, assessed_people


def in_thread(work: Callable[[], None]) -> None:
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=LANGUAGES, default="zh-hans")
    parser.add_argument("--person", type=int, default=0, help="which of the assessed people (default the first)")
    parser.add_argument(
        "--out", default="bench/results/callgrind", help="callgrind's output file prefix (--callgrind-out-file)"
    )
    args = parser.parse_args(argv)

    from reports.contexts import GapReportContext
    from reports.fonts import report_font_available
    from reports.gaps import employee_gaps
    from reports.models import ReportKind
    from reports.pdf import html_to_pdf, render_html
    from reports.services import TEMPLATES
    from reports.signals import freeze_startup_objects

    if not report_font_available():
        print("the report font is not built: run `.venv/bin/python manage.py build_report_font` first")
        return 1
    cycle = benchmark_cycle()
    person = assessed_people(cycle, args.person + 1)[args.person]
    context = GapReportContext.from_gaps(
        employee_gaps(cycle=cycle, employee=person), language=args.language, today=timezone.localdate()
    )
    htmls = {}
    with translation.override(context.languages[0]):
        htmls["report font"] = render_html(TEMPLATES[ReportKind.GAP_REPORT], {"report": context})
        font_dir = settings.REPORT_FONT_DIR
        with tempfile.TemporaryDirectory() as empty:
            settings.REPORT_FONT_DIR = Path(empty)
            htmls["whole Noto"] = render_html(TEMPLATES[ReportKind.GAP_REPORT], {"report": context})
        settings.REPORT_FONT_DIR = font_dir
    freeze_startup_objects()
    counting = callgrind_counting()
    for label, html in htmls.items():
        dump = re.sub(r"\W+", "-", f"{args.language}-{label}")

        def render(html: str = html, dump: str = dump, label: str = label) -> None:
            html_to_pdf(html)
            if counting:
                pdfs: list[bytes] = []
                total = instructions(lambda: pdfs.append(html_to_pdf(html)), label=dump, out_file_pattern=args.out)
                print(
                    f"{args.language:<7} {label:<11} {total / 1e9:.3f} billion instructions, {len(pdfs[0]) // 1024} KB"
                )
            else:
                started = time.perf_counter()
                pdf = html_to_pdf(html)
                elapsed = (time.perf_counter() - started) * 1000
                print(f"{args.language:<7} {label:<11} {elapsed:.0f} ms, {len(pdf) // 1024} KB")

        in_thread(render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
