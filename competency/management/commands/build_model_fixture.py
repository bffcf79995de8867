"""Regenerate fixtures/key_account_sales.json from fixtures/source/."""

from typing import Any

from django.core.management.base import BaseCommand

from competency.source import FIXTURE_PATH, write_fixture


class Command(BaseCommand):
    help = "Rebuild the Key Account Sales model fixture from its structured source."

    def handle(self, *args: Any, **options: Any) -> None:
        count = write_fixture()
        self.stdout.write(f"wrote {count} records to {FIXTURE_PATH}")
