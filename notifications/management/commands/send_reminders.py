"""python manage.py send_reminders: today's reminder digests now, as the daily schedule would send them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.celery import app
from notifications import services


class Command(BaseCommand):
    help = (
        "Send today's deadline reminders and escalations now (the same run the daily schedule makes). "
        "Each person is reminded of each thing at most once a day, so running it again sends nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", help="Remind as if today were this date (YYYY-MM-DD), e.g. to try the escalations."
        )
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Send the emails from this process instead of through the Celery worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date: {error}") from error
        if options["inline"]:
            # Without a worker the queued emails would wait; running tasks in this process prints
            # them here when the console email backend is in use.
            app.conf.task_always_eager = True
        run = services.send_reminders(today=today)
        for digest in run.digests:
            self.stdout.write(f"{digest.recipient.username}: {len(digest.items)} item(s) · {digest.title}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Reminders for {run.on_date}: {len(run.digests)} digest(s) with {run.items_sent} item(s); "
                f"{run.already_sent} already sent today."
            )
        )
