"""The export's summary of levels and gaps, as an XLSX workbook and a CSV file with the same rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from functools import partial

from django.utils.translation import gettext, gettext_noop
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from assessments.models import Assessment
from competency.models import pick_language
from reports.contexts import joined
from reports.gaps import EmployeeGaps

Cell = str | int | None
# A spreadsheet treats a text starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    gettext_noop("Employee number"),
    gettext_noop("Name"),
    gettext_noop("Department"),
    gettext_noop("Position"),
    gettext_noop("Manager"),
    gettext_noop("Competency code"),
    gettext_noop("Competency"),
    gettext_noop("Required"),
    gettext_noop("Self-assessed"),
    gettext_noop("Manager-assessed"),
    gettext_noop("Gap"),
    gettext_noop("Self-assessment status"),
    gettext_noop("Manager assessment status"),
)


def escape_formula(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _name(zh: str, en: str, languages: Sequence[str]) -> str:
    names: list[str] = []
    for language in languages:
        name = pick_language(zh, en, language)
        if name not in names:
            names.append(name)
    return " / ".join(names)


def _status(status: str | None, languages: Sequence[str]) -> str:
    if status is None:
        return ""
    return joined(languages, lambda: str(Assessment.Status(status).label))


def summary_rows(gaps: Iterable[EmployeeGaps], *, languages: Sequence[str]) -> list[list[Cell]]:
    """A header row, then one row per employee and competency, every text escaped."""
    header: list[Cell] = [joined(languages, partial(gettext, column)) for column in COLUMNS]
    rows: list[list[Cell]] = [header]
    for person in gaps:
        employee = person.employee
        position = employee.position
        for competency in person.competencies:
            rows.append(
                [
                    escape_formula(value)
                    for value in (
                        employee.employee_number,
                        employee.name,
                        employee.department.name,
                        _name(position.name_zh, position.name_en, languages) if position else "",
                        employee.manager.name if employee.manager else "",
                        competency.code,
                        _name(competency.name_zh, competency.name_en, languages),
                        competency.required,
                        competency.self_level,
                        competency.manager_level,
                        competency.gap,
                        _status(person.self_status, languages),
                        _status(person.manager_status, languages),
                    )
                ]
            )
    return rows


def summary_xlsx(rows: Sequence[Sequence[Cell]]) -> bytes:
    """The rows as one worksheet with a frozen header."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "summary"
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, width in enumerate((16, 16, 20, 20, 16, 10, 24, 10, 12, 12, 8, 16, 16), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def summary_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """The rows as UTF-8 CSV with a byte-order mark, so spreadsheet programs read Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode("utf-8-sig")
