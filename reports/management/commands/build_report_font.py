"""Cut the report font out of the installed Noto Sans CJK SC, once per installation."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports import fonts


class Command(BaseCommand):
    help = (
        "Build the report font (Noto Sans CJK SC cut to the characters reports need) in REPORT_FONT_DIR. "
        "PDFs render without it, in the whole Noto font, only slower and larger."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="build it again even if it is there")

    def handle(self, *args: Any, **options: Any) -> None:
        path = fonts.report_font_path()
        if path.is_file() and not options["force"]:
            self.stdout.write(f"report font: {path} (already built)")
            return
        try:
            built = fonts.build_report_font(path)
        except fonts.FontUnavailable as error:
            raise CommandError(f"the report font cannot be built: {error}") from error
        self.stdout.write(
            f"report font: {built.path} ({built.characters:,} characters, {built.glyphs:,} glyphs, "
            f"{built.size / 1_000_000:.1f} MB, built in {built.seconds} s)"
        )
