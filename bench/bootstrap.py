"""Start Django for a benchmark script: the project on the path, the benchmark database and broker by default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
SMALL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_small"
# Redis database 6 belongs to the benchmarks, so nothing they enqueue reaches another checkout's worker.
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/6"
# The cache is shared through Redis as in docker-compose.yml (sessions read from it, sign-in throttling).
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/7"
# Static files collected for DEBUG=false and any media land here, away from the var/ of `make run`.
VAR_DIR = RESULTS / "var"


def environment(database_url: str | None = None, *, production: bool = True) -> dict[str, str]:
    """The variables every benchmark process runs with: production-like settings over plain HTTP."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url or os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL),
        "CACHE_URL": os.environ.get("CACHE_URL", DEFAULT_CACHE_URL),
        "PORTAL_VAR_DIR": str(VAR_DIR),
    }
    if production:
        env.update(
            {
                "DEBUG": "false",
                # The test client's host is allowed too, so query counts run with the same settings.
                "ALLOWED_HOSTS": "127.0.0.1,testserver",
                "SECURE_SSL_REDIRECT": "false",
                "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + os.urandom(24).hex(),
            }
        )
    return env


def configure(*, production: bool = True) -> None:
    """Put the project on the path, fill in the benchmark environment where unset, and start Django."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for key, value in environment(production=production).items():
        os.environ.setdefault(key, value)
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        raise SystemExit("error: the benchmarks run on PostgreSQL only; set DATABASE_URL to a postgres:// URL")
    import django

    django.setup()
