"""python manage.py store_competency_results: store the levels group reports read (safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assessments import results
from assessments.models import Cycle


class Command(BaseCommand):
    help = (
        "Store each submitted assessment's level per competency where it is missing or was computed under "
        "other thresholds; with --recompute, recompute every one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, action="append", help="Only this cycle (id); may be repeated.")
        parser.add_argument("--recompute", action="store_true", help="Recompute results that look up to date too.")

    def handle(self, *args: Any, **options: Any) -> None:
        cycles = Cycle.objects.order_by("pk")
        if options["cycle"]:
            cycles = cycles.filter(pk__in=options["cycle"])
        for cycle in cycles:
            if options["recompute"]:
                ids = list(
                    cycle.assessments.filter(status__in=results.RESULT_STATES)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                results.store_results(cycle=cycle, assessment_ids=ids)
                count = len(ids)
            else:
                count = results.refresh_results(cycle=cycle)
            self.stdout.write(f"{cycle.pk} {cycle.name}: {count} assessments stored")
