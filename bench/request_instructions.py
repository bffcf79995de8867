"""Instructions the portal's Python spends on a request, under callgrind: the rating form and the saves.

    valgrind --tool=callgrind --callgrind-out-file=bench/results/callgrind-requests.%p \\
        .venv/bin/python bench/request_instructions.py

Each endpoint is requested in-process with Django's test client (as bench/queries.py does) a few times to warm up,
then --repeats times between zeroing callgrind's counters and dumping them; it prints the instructions per request.
PostgreSQL's own work is not in the count (it runs in its server process): bench/queries.py --explain shows it.
Run without valgrind, it prints CPU milliseconds of this process per request instead.
"""

# ruff: noqa: E402  (a script started from the shell has to set Django up before importing the project)
from __future__ import annotations

if __name__ == "__main__":
    import bootstrap

    bootstrap.configure()

import argparse
import itertools
import re
import statistics
import subprocess
import sys
import time

from django.test import Client

from bench.bootstrap import ROOT
from bench.callgrind import counting, instructions
from bench.endpoints import Endpoint, Subject, benchmark_cycle, by_name, find_subjects, indicator_codes
from bench.queries import request_for, signed_in

MEASURED = [
    "Rating form · self",
    "Rating form · manager",
    "Save 122 ratings · form autosave, self",
    "Save 122 ratings · form autosave, manager",
    "Save 122 ratings · API PUT",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=MEASURED, help="endpoints whose name contains one of these")
    parser.add_argument("--repeats", type=int, default=5, help="measured requests per endpoint (default 5)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests first (default 3)")
    parser.add_argument("--out", default="bench/results/callgrind-requests", help="--callgrind-out-file's prefix")
    args = parser.parse_args(argv)
    # Pages link their hashed static files, which DEBUG=false reads from the collected manifest. Collected in a
    # process of its own, which valgrind does not follow: compressing every file under it takes a quarter of an hour.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    cycle = benchmark_cycle()
    subjects = find_subjects(cycle, 2)
    codes = indicator_codes(cycle)
    counted = counting()
    rounds = itertools.count(1)
    for endpoint in by_name(args.only):
        subject = subjects[endpoint.role][0]
        client = signed_in(subject)

        def send(
            repeats: int, endpoint: Endpoint = endpoint, subject: Subject = subject, client: Client = client
        ) -> None:
            for _ in range(repeats):
                # A save sends the version it read just before, as the page does; that read is counted too.
                request_for(endpoint, subject, codes, next(rounds))(client)

        send(args.warmup)
        if counted:
            label = re.sub(r"\W+", "-", endpoint.name)
            total = instructions(lambda: send(args.repeats), label=label, out_file_pattern=args.out)
            print(f"{endpoint.name:<42} {total / args.repeats / 1e6:6.1f} million instructions a request", flush=True)
        else:
            cpu = []
            for _ in range(args.repeats):
                started = time.process_time()
                send(1)
                cpu.append((time.process_time() - started) * 1000)
            print(f"{endpoint.name:<42} {statistics.median(cpu):6.1f} ms of CPU a request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
