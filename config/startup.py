"""Start-up guard: bad configuration ends a command with one clear line instead of a trace."""

import sys

CONFIGURATION_HINT = "check DATABASE_URL, CELERY_BROKER_URL and SECRET_KEY"


def describe(error: BaseException) -> str:
    """One line that names what is wrong, for a person starting the portal."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import OperationalError as DatabaseError

    text = " ".join(str(error).split()) or error.__class__.__name__
    if isinstance(error, ImproperlyConfigured):
        return f"configuration error: {text} ({CONFIGURATION_HINT})"
    if isinstance(error, DatabaseError):
        return f"cannot reach the database: {text} (check DATABASE_URL)"
    return f"cannot start: {text} ({CONFIGURATION_HINT})"


def run_command(argv: list[str]) -> None:
    """Run a management command; configuration and connection errors exit with status 1."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import OperationalError as DatabaseError
    from kombu.exceptions import OperationalError as BrokerError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except (ImproperlyConfigured, DatabaseError, BrokerError, ValueError) as error:
        if isinstance(error, ValueError) and "DATABASE_URL" not in str(error) and "scheme" not in str(error):
            raise
        print(f"error: {describe(error)}", file=sys.stderr)
        sys.exit(1)
