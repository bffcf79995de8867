"""Latency under load: gunicorn on the generated database, and a thread per simulated client.

    .venv/bin/python bench/latency.py --json bench/results/latency.json

Every client signs in through the login form as a different person of its role, then repeats its
request; each save sends all 122 ratings with the version the previous save returned. Request counts
and the time per measurement are bounded, and everything stays on the loopback interface.
"""

# ruff: noqa: E402  (a script started from the shell has to set Django up before importing the project)
from __future__ import annotations

if __name__ == "__main__":
    import bootstrap

    bootstrap.configure()

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessment
from bench import bootstrap as setup
from bench.endpoints import (
    ENDPOINTS,
    Endpoint,
    Subject,
    benchmark_cycle,
    by_name,
    find_subjects,
    indicator_codes,
    ratings_payload,
)
from bench.generate_org import PASSWORD

HOST = "127.0.0.1"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One client's cookies over its own keep-alive connection, like one person's browser tab."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.connection = http.client.HTTPConnection(HOST, port, timeout=180)
        self.server = ""

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        """Status, body and the seconds from sending the request to having read the whole answer."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            # A dropped keep-alive connection: the next request opens a new one.
            self.connection.close()
            raise
        elapsed = time.perf_counter() - started
        self.server = response.getheader("Server", "")
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        if response.will_close:
            self.connection.close()
        return response.status, content, elapsed

    def sign_in(self, username: str) -> None:
        login = "/accounts/login/"
        status, page, _elapsed = self.request("GET", login)
        match = CSRF_FIELD.search(page)
        if status != 200 or match is None:
            raise RuntimeError(f"the login page answered {status} without a form")
        body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1).decode()})
        status, _page, _elapsed = self.request(
            "POST", login, body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not sign in (status {status})")

    def close(self) -> None:
        self.connection.close()


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """Fields encoded as a browser encodes FormData: multipart/form-data, one part per field."""
    boundary = "----bench" + os.urandom(12).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in fields
    ]
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


@dataclass
class Saver:
    """The state of one client's repeated saves: the version to send next and how many rounds so far."""

    assessment: int
    version: int
    codes: list[str]
    rounds: int = 0

    def request(self, endpoint: Endpoint, csrf: str) -> tuple[bytes, dict[str, str]]:
        self.rounds += 1
        as_json = endpoint.method == "PUT"
        payload = ratings_payload(self.codes, self.version, self.rounds, as_json=as_json)
        headers = {"X-CSRFToken": csrf, "Accept": "application/json"}
        if as_json:
            headers["Content-Type"] = "application/json"
            return json.dumps(payload).encode(), headers
        if endpoint.encoding == "urlencoded":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return urlencode(payload).encode(), headers
        body, headers["Content-Type"] = multipart(payload)
        return body, headers

    def read_version(self, status: int, content: bytes) -> None:
        """Take the version from the answer: the saved one, or the current one after a refused save."""
        try:
            data = json.loads(content)
        except ValueError:
            return
        for key in ("version", "current_version"):
            if isinstance(data.get(key), int):
                self.version = data[key]
                return


@dataclass
class Measurement:
    endpoint: str
    kind: str
    role: str
    method: str
    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    loadavg_before: float = 0.0
    loadavg_after: float = 0.0
    response_bytes: int = 0
    stopped_by_time_limit: bool = False

    def record(self, status: int, content: bytes, elapsed: float, expected: int = 200) -> None:
        self.latencies.append(elapsed)
        self.response_bytes = max(self.response_bytes, len(content))
        if status != expected:
            self.errors += 1
            if len(self.error_samples) < 3:
                self.error_samples.append(f"{status}: {content[:160].decode(errors='replace')}")

    def summary(self) -> dict[str, Any]:
        ms = sorted(x * 1000 for x in self.latencies)
        p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) >= 2 else (ms[0] if ms else None)
        return {
            "endpoint": self.endpoint,
            "kind": self.kind,
            "role": self.role,
            "method": self.method,
            "clients": self.clients,
            "requests": len(ms),
            "errors": self.errors,
            "error_samples": self.error_samples,
            "median_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(p95, 1) if p95 is not None else None,
            "max_ms": round(ms[-1], 1) if ms else None,
            "throughput_rps": round(len(ms) / self.wall_seconds, 1) if self.wall_seconds else None,
            "response_kb": round(self.response_bytes / 1024, 1),
            "loadavg_before": round(self.loadavg_before, 2),
            "loadavg_after": round(self.loadavg_after, 2),
            "stopped_by_time_limit": self.stopped_by_time_limit,
        }


class Harness:
    """Signed-in sessions per subject and the load runs themselves."""

    def __init__(self, port: int, subjects: dict[str, list[Subject]], codes: list[str]) -> None:
        self.port = port
        self.subjects = subjects
        self.codes = codes
        self.sessions: dict[str, dict[str, str]] = {}

    def cookies_for(self, subject: Subject) -> dict[str, str]:
        if subject.username not in self.sessions:
            browser = Browser(self.port)
            browser.sign_in(subject.username)
            browser.close()
            self.sessions[subject.username] = browser.cookies
        return self.sessions[subject.username]

    def subjects_for(self, endpoint: Endpoint, clients: int) -> list[Subject]:
        pool = self.subjects[endpoint.role]
        if not pool:
            raise RuntimeError(f"no {endpoint.role} to sign in as")
        if endpoint.is_save and len(pool) < clients:
            raise RuntimeError(f"{clients} clients need {clients} {endpoint.role}s with a draft each")
        return [pool[i % len(pool)] for i in range(clients)]

    def _one(
        self, endpoint: Endpoint, subject: Subject, browser: Browser, saver: Saver | None, measurement: Measurement
    ) -> None:
        path = endpoint.path(subject)
        assert path is not None
        try:
            if saver is not None:
                body, headers = saver.request(endpoint, browser.cookies.get("csrftoken", ""))
                status, content, elapsed = browser.request(endpoint.method, path, body, headers)
                saver.read_version(status, content)
            else:
                status, content, elapsed = browser.request(endpoint.method, path)
        except (http.client.HTTPException, OSError) as error:
            measurement.errors += 1
            if len(measurement.error_samples) < 3:
                measurement.error_samples.append(repr(error))
            return
        measurement.record(status, content, elapsed)

    def run(
        self, endpoint: Endpoint, *, clients: int, per_client: int, time_limit: float, warmup: int, slow_ms: float
    ) -> Measurement:
        """`clients` threads sending `per_client` requests each (after `warmup` unmeasured ones) in the time limit."""
        subjects = self.subjects_for(endpoint, clients)
        browsers = [Browser(self.port, self.cookies_for(s)) for s in subjects]
        savers = [
            Saver(s.assessment, Assessment.objects.get(pk=s.assessment).version, self.codes)
            if endpoint.is_save and s.assessment
            else None
            for s in subjects
        ]
        measurement = Measurement(endpoint.name, endpoint.kind, endpoint.role, endpoint.method, clients)
        # Warm-up requests go round the first clients, so each gunicorn worker has seen the page once;
        # a page that takes seconds is past caring about a cold worker, so one warm-up does for it.
        for round_number in range(warmup):
            i = round_number % clients
            warm = Measurement("", "", "", "", 0)
            self._one(endpoint, subjects[i], browsers[i], savers[i], warm)
            if warm.latencies and warm.latencies[-1] * 1000 > slow_ms:
                break
        start = threading.Barrier(clients + 1)
        deadline = [0.0]

        def client(index: int) -> None:
            start.wait()
            for _request in range(per_client):
                if time.perf_counter() > deadline[0]:
                    measurement.stopped_by_time_limit = True
                    break
                self._one(endpoint, subjects[index], browsers[index], savers[index], measurement)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for thread in threads:
            thread.start()
        measurement.loadavg_before = os.getloadavg()[0]
        began = time.perf_counter()
        deadline[0] = began + time_limit
        start.wait()
        for thread in threads:
            thread.join()
        measurement.wall_seconds = time.perf_counter() - began
        measurement.loadavg_after = os.getloadavg()[0]
        for browser in browsers:
            browser.close()
        return measurement


# The server ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    port: int
    workers: int
    threads: int

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"

    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--timeout",
            "180",
            "--log-level",
            "warning",
        ]

    def describe(self) -> str:
        return f"gunicorn config.wsgi, {self.workers} {self.worker_class} workers × {self.threads} threads"


def server_settings() -> str:
    """The settings that shape the figures, as the server processes see them."""
    cache = settings.CACHES["default"]
    database = settings.DATABASES["default"]
    return (
        f"DEBUG=false, SECURE_SSL_REDIRECT=false, cache {cache['BACKEND'].rsplit('.', 1)[-1]} "
        f"at {cache.get('LOCATION', '')}, sessions {settings.SESSION_ENGINE.rsplit('.', 1)[-1]}, "
        f"CONN_MAX_AGE={database['CONN_MAX_AGE']}, "
        f"PostgreSQL options '{database.get('OPTIONS', {}).get('options', '')}'"
    )


def start_server(config: ServerConfig, log: Path) -> subprocess.Popen[bytes]:
    """Collect the static files DEBUG=false needs, start gunicorn and wait until it answers."""
    call_command("collectstatic", interactive=False, verbosity=0)
    # The workers inherit this process's environment, which bootstrap.configure() filled in.
    out = log.open("wb")
    server = subprocess.Popen(config.command(), cwd=setup.ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"error: gunicorn stopped at start; see {log}")
        probe = Browser(config.port)
        try:
            status, _page, _elapsed = probe.request("GET", "/accounts/login/")
        except OSError:
            status = 0
        # Only our own gunicorn counts: another program on the port must never receive the load.
        if status == 200 and "gunicorn" in probe.server.lower() and server.poll() is None:
            return server
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"error: gunicorn did not answer within 90 s; see {log}")


def free_port() -> int:
    """A port nothing listens on now, so the server never lands on someone else's."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20], help="concurrency levels (default 1 20)")
    parser.add_argument("--requests", type=int, default=40, help="measured requests with one client (default 40)")
    # The p95 of 120 answers (20 clients x 6) is their 7th slowest, which one stall of the shared machine moved by
    # a fifth between runs of the same code; 400 answers make it the 21st.
    parser.add_argument(
        "--per-client", type=int, default=20, help="measured requests per client when concurrent (default 20)"
    )
    parser.add_argument("--time-limit", type=float, default=40, help="seconds per endpoint and concurrency")
    parser.add_argument("--warmup", type=int, default=4, help="unmeasured requests first (default 4)")
    parser.add_argument(
        "--concurrent-below-ms",
        type=float,
        default=2000,
        help="run the concurrent levels only when one client's median is below this (default 2000)",
    )
    # Pages are CPU-bound in Python: one sync worker per core kept p95 lowest under 20 clients here
    # (form p95 277 ms with 2 workers, 286 ms with 3, 320 ms with 4, on two cores).
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: one per core)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per worker; more than 1 uses gthread")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument("--only", nargs="*", help="measure only endpoints whose name contains one of these words")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)

    config = ServerConfig(args.port or free_port(), args.workers, args.threads)
    cycle = benchmark_cycle()
    subjects = find_subjects(cycle, max(args.clients))
    endpoints = [e for e in by_name(args.only) if e.exists()]
    missing = [e.name for e in by_name(args.only) if not e.exists()]
    setup.RESULTS.mkdir(parents=True, exist_ok=True)
    server = start_server(config, setup.RESULTS / "gunicorn.log")
    results = []
    skipped: list[dict[str, Any]] = []
    try:
        harness = Harness(config.port, subjects, indicator_codes(cycle))
        for endpoint in endpoints:
            alone_ms: float | None = None
            for clients in sorted(args.clients):
                if clients > 1 and alone_ms is not None and alone_ms > args.concurrent_below_ms:
                    # Many clients would only queue behind a request this slow and hold the shared cores for minutes.
                    skipped.append({"endpoint": endpoint.name, "clients": clients, "median_alone_ms": alone_ms})
                    print(f"{endpoint.name:<46} {clients:>2} clients  skipped: {alone_ms:.0f} ms alone", flush=True)
                    continue
                per_client = args.requests if clients == 1 else args.per_client
                measurement = harness.run(
                    endpoint,
                    clients=clients,
                    per_client=per_client,
                    time_limit=args.time_limit,
                    warmup=args.warmup,
                    slow_ms=args.concurrent_below_ms,
                )
                summary = measurement.summary()
                if clients == 1:
                    alone_ms = summary["median_ms"]
                results.append(summary)
                print(
                    f"{endpoint.name:<46} {clients:>2} clients  {summary['requests']:>4} req  "
                    f"median {summary['median_ms']} ms  p95 {summary['p95_ms']} ms  errors {summary['errors']}",
                    flush=True,
                )
    finally:
        stop_server(server)
    if args.json:
        payload = {
            "measured_at": timezone.now().isoformat(timespec="seconds"),
            "database": settings.DATABASES["default"]["NAME"],
            "server": config.describe(),
            "settings": server_settings(),
            "requests_one_client": args.requests,
            "requests_per_concurrent_client": args.per_client,
            "warmup_per_client": args.warmup,
            "time_limit_seconds": args.time_limit,
            "subjects": {role: len(people) for role, people in subjects.items()},
            "results": results,
            "not_measured": missing,
            "skipped_concurrent": skipped,
            "concurrent_below_ms": args.concurrent_below_ms,
            "all_endpoints": [e.name for e in ENDPOINTS],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
