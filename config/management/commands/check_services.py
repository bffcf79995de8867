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
            raise CommandError(f"cannot reach the database: {' '.join(str(error).split())} (check DATABASE_URL)")
        broker = app.conf.broker_url
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
        except Exception as error:  # noqa: BLE001 - any transport error means the same to the person starting us
            raise CommandError(f"cannot reach the Celery broker at {conn.as_uri()}: {error} (check CELERY_BROKER_URL)")
        self.stdout.write(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); broker: {broker.split('@')[-1]}")
