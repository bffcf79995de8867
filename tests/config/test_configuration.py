"""Configuration comes from the environment, and bad configuration fails in one clear line."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_missing_secret_key_with_debug_off_is_one_line_error():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="portal.example.com")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: configuration error: SECRET_KEY must be set when DEBUG is off. "
        "(check DATABASE_URL, CELERY_BROKER_URL and SECRET_KEY)"
    ]


def test_malformed_database_url_is_one_line_error():
    result = run_manage("check", DATABASE_URL="nosuchdb://x/y")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error:")


def test_unreachable_database_is_one_line_error():
    result = run_manage("migrate", DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach the database")


def test_unreachable_broker_is_one_line_error():
    result = run_manage("check_services", CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot reach the Celery broker" in lines[0]


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="a-production-secret-that-is-long-enough-and-random-0123456789-abcdefghij",
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout
