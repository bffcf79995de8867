"""python manage.py seed_demo: demo people, positions and an open cycle (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from assessments.demo import DEMO_PASSWORD, PEOPLE, seed_demo


class Command(BaseCommand):
    help = "Create the demo organisation, example positions and an open demo cycle. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--without-cycle", action="store_true", help="People and positions only.")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        seed_demo(with_cycle=not options["without_cycle"])
        if options["quiet_logins"]:
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  hr          HR: cycles, organisation, exports, admin")
        for username, _number, name, _dept, _position, manager in PEOPLE:
            role = f"reports to {manager}" if manager else "manager"
            self.stdout.write(f"  {username:<11} {name} ({role})")
