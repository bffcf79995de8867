"""Send again the report jobs that stayed queued because the broker could not be reached."""

from typing import Any

from django.core.management.base import BaseCommand

from reports import services


class Command(BaseCommand):
    help = (
        "Send again the report jobs still queued more than a minute after they were requested "
        "(the broker was down) or an hour after they were sent (the broker lost them)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.requeue_queued_jobs()
        self.stdout.write(f"{len(sent)} report job(s) sent again")
