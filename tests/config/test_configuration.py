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


def setting(name: str, **env: str) -> str:
    result = run_manage("shell", "-c", f"from django.conf import settings; print(settings.{name})", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_sessions_are_cached_when_the_cache_is_shared():
    assert setting("SESSION_ENGINE", CACHE_URL="redis://127.0.0.1:6379/3") == (
        "django.contrib.sessions.backends.cached_db"
    )


def test_sessions_stay_in_the_database_with_a_per_process_cache():
    assert setting("SESSION_ENGINE") == "django.contrib.sessions.backends.db"


def test_postgresql_connections_turn_jit_off():
    options = setting("DATABASES['default']['OPTIONS']", DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal")
    assert "-c jit=off" in options


def test_postgresql_jit_can_be_kept():
    options = setting(
        "DATABASES['default'].get('OPTIONS')",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal",
        POSTGRES_JIT="true",
    )
    assert "jit" not in options
