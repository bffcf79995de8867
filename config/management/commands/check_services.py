"""Fail fast, in one line, when the database or the Celery broker cannot be reached."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError

from config.celery import app


class Command(BaseCommand):
    help = "Check that the database and the Celery broker answer."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection.ensure_connection()
        except OperationalError as error:
            reason = " ".join(str(error).split())
            raise CommandError(f"cannot reach the database: {reason} (check DATABASE_URL)") from None
        broker = app.connection_for_write()
        try:
            with broker as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
        except Exception as error:  # noqa: BLE001 - any transport error means the same to the person starting us
            raise CommandError(
                f"cannot reach the Celery broker at {broker.as_uri()}: {error} (check CELERY_BROKER_URL)"
            ) from None
        database = f"{connection.vendor} ({connection.settings_dict['NAME']})"
        self.stdout.write(f"database: {database}; broker: {broker.as_uri()}")
