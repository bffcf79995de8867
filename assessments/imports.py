"""Organisation import: employees, departments and reporting lines from a CSV or XLSX file.

Three steps, each usable on its own: :func:`read_rows` turns a file into rows, :func:`validate_rows`
checks every row against the file and the database, and :func:`apply_rows` writes valid rows.
:func:`import_organisation` runs them for HR, all or nothing.

Cell text is stored exactly as the file shows it. A workbook is read with ``data_only=True``, so a
formula contributes the value the sheet displays and is never evaluated or carried over; text that
starts with ``=``, ``+``, ``-`` or ``@`` stays plain text here, and anything that writes a
spreadsheet out must write such values as strings.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, NamedTuple

import openpyxl
import openpyxl.xml
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import permissions
from assessments.models import Department, Employee, Position, User
from audit.models import AuditEvent
from audit.services import record_event

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# A 5 MB workbook can unpack to gigabytes of XML; real organisation sheets stay far below this.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# Blank rows are skipped, but scanning them still costs time, so their number is bounded too.
MAX_SCANNED_ROWS = 5 * MAX_ROWS
MAX_COLUMNS = 50
# Errors about the file as a whole carry this line number.
FILE_LINE = 0

FIELDS = ("employee_number", "name", "email", "department", "position", "manager")
REQUIRED_FIELDS = ("employee_number", "name", "email", "department", "position")
MAX_LENGTHS = {"employee_number": 40, "name": 200, "email": 254, "department": 200, "position": 40, "manager": 40}
COLUMN_LABELS = {
    "employee_number": gettext_lazy("employee number"),
    "name": gettext_lazy("name"),
    "email": gettext_lazy("email"),
    "department": gettext_lazy("department"),
    "position": gettext_lazy("position"),
    "manager": gettext_lazy("manager's employee number"),
}
# Header names as HR types them, after _normalise_header.
HEADER_ALIASES = {
    "employee number": "employee_number",
    "工号": "employee_number",
    "name": "name",
    "姓名": "name",
    "email": "email",
    "e-mail": "email",
    "邮箱": "email",
    "department": "department",
    "部门": "department",
    "position": "position",
    "岗位": "position",
    "manager": "manager",
    "上级工号": "manager",
}
CHINESE_HEADERS = {alias_field: alias for alias, alias_field in HEADER_ALIASES.items() if not alias.isascii()}


class ImportIssue(NamedTuple):
    """One problem: the file's line (0 for the whole file), the column, and what is wrong."""

    line: int
    field: str
    message: str


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportIssue] = field(default_factory=list)

    @property
    def is_successful(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportRow:
    """One person as the file states them, every cell as text."""

    line: int
    employee_number: str
    name: str
    email: str
    department: str
    position: str
    manager: str = ""


class ImportFileError(Exception):
    """The file cannot be read as a table of people."""

    def __init__(self, *issues: ImportIssue) -> None:
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = list(issues)


def _file_error(message: str) -> ImportFileError:
    return ImportFileError(ImportIssue(FILE_LINE, "", message))


# Reading ---------------------------------------------------------------------------------------


def read_rows(*, file: IO[bytes], filename: str) -> list[ImportRow]:
    """The people in a CSV or XLSX file; raises ImportFileError when the file cannot be read."""
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(_("The file is larger than 5 MB. Split it into smaller files."))
    if not data.strip():
        raise _file_error(_("The file is empty."))
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        with _xlsx_table(data) as table:
            return _rows_from_table(table)
    if suffix == ".csv":
        with _csv_table(data) as table:
            return _rows_from_table(table)
    raise _file_error(_("Upload a .csv or .xlsx file (save older .xls workbooks as .xlsx first)."))


def _broken_workbook() -> ImportFileError:
    return _file_error(_("The file is not a readable Excel workbook (.xlsx). Open it in Excel and save it again."))


@contextmanager
def _xlsx_table(data: bytes) -> Iterator[Iterator[tuple[int, Sequence[object]]]]:
    if not openpyxl.xml.DEFUSEDXML:
        # Uploaded workbooks are untrusted XML; without defusedxml an entity bomb would be expanded.
        raise ImproperlyConfigured("defusedxml must be installed to read uploaded workbooks.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise _broken_workbook() from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _file_error(_("The workbook unpacks to more than 100 MB. Split it into smaller files."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        # A damaged or hostile workbook fails in many ways (zip, XML, missing parts); all mean the same.
        raise _broken_workbook() from error
    try:
        if not workbook.worksheets:
            raise _broken_workbook()
        sheet = workbook.worksheets[0]
        # A wrong stored size would make the reader stop early or pad with blank rows.
        sheet.reset_dimensions()
        yield enumerate(_guarded(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)), start=1)
    finally:
        workbook.close()


def _guarded(rows: Iterator[Sequence[object]]) -> Iterator[Sequence[object]]:
    """The sheet's rows; damage deep inside the sheet only shows up while they are parsed."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:
            raise _broken_workbook() from error
        yield row


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise _file_error(_("This is an Excel workbook, not a CSV file: upload it with the .xlsx extension."))
    if b"\x00" in data:
        raise _file_error(_("The file is not CSV text. Save it from Excel as “CSV UTF-8”."))
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); everything else saves UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The file is neither UTF-8 nor GB18030 text. Save it from Excel as “CSV UTF-8”."))


@contextmanager
def _csv_table(data: bytes) -> Iterator[Iterator[tuple[int, Sequence[object]]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    try:
        yield enumerate(reader, start=1)
    except csv.Error as error:
        raise _file_error(
            _("The CSV file cannot be read near line %(line)d. Check its quotes.") % {"line": reader.line_num}
        ) from error


def _text(value: object) -> str:
    """A cell as text: whole numbers without a decimal point, surrounding spaces dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _normalise_header(value: str) -> str:
    return " ".join(value.replace("_", " ").split()).lower()


def _columns(line: int, cells: Sequence[str]) -> dict[str, int]:
    """Column index by field, from the header row."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = HEADER_ALIASES.get(_normalise_header(cell))
        if name is None:
            continue
        if name in columns:
            raise ImportFileError(
                ImportIssue(line, name, _("The column %(column)s appears twice in the header.") % {"column": cell})
            )
        columns[name] = index
    missing = [name for name in FIELDS if name not in columns]
    if missing:
        raise ImportFileError(
            *(
                ImportIssue(
                    line,
                    name,
                    _("The column %(column)s (%(chinese)s) is missing from the header row.")
                    % {"column": name, "chinese": CHINESE_HEADERS[name]},
                )
                for name in missing
            )
        )
    return columns


def _too_many_rows() -> ImportFileError:
    return _file_error(
        _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{MAX_ROWS:,}"}
    )


def _rows_from_table(table: Iterable[tuple[int, Sequence[object]]]) -> list[ImportRow]:
    """Rows below the first non-blank row, which names the columns; blank rows are skipped."""
    columns: dict[str, int] | None = None
    rows: list[ImportRow] = []
    for line, values in table:
        if line > MAX_SCANNED_ROWS:
            raise _too_many_rows()
        cells = [_text(value) for value in values]
        if not any(cells):
            continue
        if columns is None:
            columns = _columns(line, cells)
            continue
        if len(rows) == MAX_ROWS:
            raise _too_many_rows()
        rows.append(ImportRow(line, **{name: cells[i] if i < len(cells) else "" for name, i in columns.items()}))
    if columns is None:
        raise _file_error(_("The file is empty."))
    if not rows:
        raise _file_error(_("The file has a header row but no people below it."))
    return rows


# Validating ------------------------------------------------------------------------------------


def _key(value: str) -> str:
    """Employee numbers and emails are compared ignoring case, as people and user names are."""
    return value.casefold()


def _username(employee_number: str) -> str:
    return employee_number.lower()


def _person(name: str, number: str) -> str:
    return f"{name} ({number})"


def _field_issues(row: ImportRow) -> list[ImportIssue]:
    issues: list[ImportIssue] = []
    for name in REQUIRED_FIELDS:
        if not getattr(row, name):
            issues.append(ImportIssue(row.line, name, _("Enter the %(column)s.") % {"column": COLUMN_LABELS[name]}))
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(row, name)) > limit:
            issues.append(
                ImportIssue(
                    row.line,
                    name,
                    _("The %(column)s is longer than %(max)d characters.")
                    % {"column": COLUMN_LABELS[name], "max": limit},
                )
            )
    if row.employee_number:
        try:
            UnicodeUsernameValidator()(_username(row.employee_number))
        except ValidationError:
            issues.append(
                ImportIssue(
                    row.line,
                    "employee_number",
                    _("An employee number may contain only letters, digits and @ . + - _ (it becomes the user name)."),
                )
            )
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            issues.append(
                ImportIssue(row.line, "email", _("%(email)s is not a valid email address.") % {"email": row.email})
            )
    return issues


def _duplicate_issues(rows: Sequence[ImportRow], name: str, message: str) -> list[ImportIssue]:
    """Every repeat of a value (ignoring case) that appeared on an earlier line."""
    first_line: dict[str, int] = {}
    issues: list[ImportIssue] = []
    for row in rows:
        value = getattr(row, name)
        if not value:
            continue
        if _key(value) in first_line:
            issues.append(ImportIssue(row.line, name, message % {"value": value, "line": first_line[_key(value)]}))
        else:
            first_line[_key(value)] = row.line
    return issues


def manager_loops(managers: Mapping[str, str | None], starts: Iterable[str]) -> list[list[str]]:
    """Every loop of the reporting lines reachable from `starts`, each as the numbers in it, once."""
    done: set[str] = set()
    loops = []
    for start in starts:
        path: list[str] = []
        seen: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done:
            if node in seen:
                loops.append(path[seen[node] :])
                break
            seen[node] = len(path)
            path.append(node)
            node = managers.get(node)
        done.update(path)
    return loops


def _loop_issues(rows: Sequence[ImportRow]) -> list[ImportIssue]:
    """Reporting lines that would go round in a circle once the file is applied to the database."""
    managers: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for number, manager_number, name in Employee.objects.values_list(
        "employee_number", "manager__employee_number", "name"
    ):
        managers[number] = manager_number
        names[number] = name
    lines: dict[str, int] = {}
    for row in rows:
        if row.employee_number and row.employee_number not in lines:
            lines[row.employee_number] = row.line
            managers[row.employee_number] = row.manager or None
            names[row.employee_number] = row.name
    issues: list[ImportIssue] = []
    for loop in manager_loops(managers, lines):
        people = " \u2192 ".join(_person(names[number], number) for number in [*loop, loop[0]])
        message = _("The reporting lines form a loop: %(people)s.") % {"people": people}
        issues.extend(ImportIssue(lines[number], "manager", message) for number in loop if number in lines)
    return issues


def _users_by_email(emails: Iterable[str]) -> dict[str, list[User]]:
    found: dict[str, list[User]] = {}
    keys = {_key(email) for email in emails if email}
    users = User.objects.annotate(email_key=Lower("email")).filter(email_key__in=keys).select_related("employee")
    for user in users:
        found.setdefault(_key(user.email), []).append(user)
    return found


def _account_issues(rows: Sequence[ImportRow], existing: Mapping[str, Employee]) -> list[ImportIssue]:
    """Emails and user names that belong to someone else's account."""
    by_email = _users_by_email(row.email for row in rows)
    # An account whose email this file changes gives its old address up to whoever the file names.
    released = {
        existing[row.employee_number].user_id
        for row in rows
        if row.employee_number in existing and _key(existing[row.employee_number].user.email) != _key(row.email)
    }
    new_usernames = {_username(row.employee_number) for row in rows if row.employee_number not in existing}
    taken_usernames = set(User.objects.filter(username__in=new_usernames).values_list("username", flat=True))
    issues: list[ImportIssue] = []
    for row in rows:
        if not row.employee_number or not row.email:
            continue
        holders = by_email.get(_key(row.email), [])
        employee = existing.get(row.employee_number)
        if employee is not None:
            others = [u for u in holders if u.pk != employee.user_id and u.pk not in released]
            if others:
                issues.append(
                    ImportIssue(
                        row.line,
                        "email",
                        _("%(email)s is already the email of another account (%(username)s).")
                        % {"email": row.email, "username": others[0].username},
                    )
                )
            continue
        if len(holders) > 1:
            issues.append(
                ImportIssue(
                    row.line,
                    "email",
                    _("Several accounts use %(email)s; HR must fix them first.") % {"email": row.email},
                )
            )
        elif holders:
            holder_employee = getattr(holders[0], "employee", None)
            if holder_employee is not None:
                issues.append(
                    ImportIssue(
                        row.line,
                        "email",
                        _("%(email)s already belongs to employee %(person)s.")
                        % {
                            "email": row.email,
                            "person": _person(holder_employee.name, holder_employee.employee_number),
                        },
                    )
                )
        elif _username(row.employee_number) in taken_usernames:
            issues.append(
                ImportIssue(
                    row.line,
                    "employee_number",
                    _("The user name %(username)s is already taken by another account.")
                    % {"username": _username(row.employee_number)},
                )
            )
    return issues


def validate_rows(rows: Sequence[ImportRow]) -> list[ImportIssue]:
    """Every problem of every row, checked against the whole file and the database; empty when all are good."""
    issues: list[ImportIssue] = []
    for row in rows:
        issues.extend(_field_issues(row))
    issues.extend(
        _duplicate_issues(rows, "employee_number", _("Employee number %(value)s already appears on line %(line)d."))
    )
    issues.extend(_duplicate_issues(rows, "email", _("The email %(value)s already appears on line %(line)d.")))

    codes = {row.position for row in rows if row.position}
    known_codes = set(Position.objects.filter(code__in=codes).values_list("code", flat=True))
    numbers = {row.employee_number for row in rows if row.employee_number}
    manager_numbers = {row.manager for row in rows if row.manager}
    known_numbers = numbers | set(
        Employee.objects.filter(employee_number__in=manager_numbers - numbers).values_list("employee_number", flat=True)
    )
    for row in rows:
        if row.position and row.position not in known_codes:
            issues.append(
                ImportIssue(
                    row.line, "position", _("There is no position with the code %(code)s.") % {"code": row.position}
                )
            )
        if row.manager and row.manager not in known_numbers:
            issues.append(
                ImportIssue(
                    row.line,
                    "manager",
                    _("No employee has the number %(number)s, neither in this file nor already imported.")
                    % {"number": row.manager},
                )
            )

    existing = Employee.objects.select_related("user").in_bulk(numbers, field_name="employee_number")
    issues.extend(_account_issues(rows, existing))
    issues.extend(_loop_issues(rows))
    return sorted(issues, key=lambda issue: (issue.line, FIELDS.index(issue.field) if issue.field in FIELDS else 0))


# Writing ---------------------------------------------------------------------------------------


def apply_rows(rows: Sequence[ImportRow]) -> ImportResult:
    """Create or update the people of valid rows, with their accounts and departments."""
    numbers = [row.employee_number for row in rows]
    existing = Employee.objects.select_related("user").in_bulk(numbers, field_name="employee_number")

    department_names = {row.department for row in rows}
    departments = Department.objects.in_bulk(department_names, field_name="name")
    created_departments = Department.objects.bulk_create(
        [Department(name=name) for name in sorted(department_names - departments.keys())]
    )
    departments.update({department.name: department for department in created_departments})
    positions = Position.objects.in_bulk({row.position for row in rows}, field_name="code")

    new_rows = [row for row in rows if row.employee_number not in existing]
    accounts = {key: users[0] for key, users in _users_by_email(row.email for row in new_rows).items()}
    new_users = []
    for row in new_rows:
        if _key(row.email) not in accounts:
            user = User(username=_username(row.employee_number), email=BaseUserManager.normalize_email(row.email))
            # No password: people choose their own through password reset.
            user.set_unusable_password()
            accounts[_key(row.email)] = user
            new_users.append(user)
    User.objects.bulk_create(new_users)

    manager_ids = dict(
        Employee.objects.filter(employee_number__in={row.manager for row in rows if row.manager}).values_list(
            "employee_number", "pk"
        )
    )
    created: list[Employee] = []
    # New people are created managers first, one level of the hierarchy per query, so every row is
    # written once with its manager instead of being updated afterwards (which is slow for thousands).
    pending = new_rows
    while pending:
        ready = [row for row in pending if not row.manager or row.manager in manager_ids]
        waiting = [row for row in pending if row.manager and row.manager not in manager_ids]
        if not ready:
            raise ValueError("apply_rows needs validated rows: the reporting lines of these rows loop")
        wave = Employee.objects.bulk_create(
            [
                Employee(
                    user=accounts[_key(row.email)],
                    employee_number=row.employee_number,
                    name=row.name,
                    department=departments[row.department],
                    position=positions[row.position],
                    manager_id=manager_ids.get(row.manager),
                )
                for row in ready
            ]
        )
        manager_ids.update((employee.employee_number, employee.pk) for employee in wave)
        created.extend(wave)
        pending = waiting

    # A reorganisation moves many people to few managers, departments and positions, so those
    # changes are written as one UPDATE per new value; names differ per person and go in batches.
    moved: dict[tuple[str, int | None], list[int]] = {}
    renamed: list[Employee] = []
    changed_users: list[User] = []
    updated = 0
    for row in rows:
        employee = existing.get(row.employee_number)
        if employee is None:
            continue
        wanted = {
            "department_id": departments[row.department].pk,
            "position_id": positions[row.position].pk,
            "manager_id": manager_ids[row.manager] if row.manager else None,
        }
        moves = [(name, value) for name, value in wanted.items() if getattr(employee, name) != value]
        for move in moves:
            moved.setdefault(move, []).append(employee.pk)
        is_renamed = employee.name != row.name
        if is_renamed:
            employee.name = row.name
            renamed.append(employee)
        email_differs = _key(employee.user.email) != _key(row.email)
        if email_differs:
            employee.user.email = BaseUserManager.normalize_email(row.email)
            changed_users.append(employee.user)
        if moves or is_renamed or email_differs:
            updated += 1
    for (name, value), pks in moved.items():
        Employee.objects.filter(pk__in=pks).update(**{name: value})
    Employee.objects.bulk_update(renamed, ["name"], batch_size=500)
    User.objects.bulk_update(changed_users, ["email"], batch_size=500)
    return ImportResult(created=len(created), updated=updated, unchanged=len(existing) - updated)


# The service -----------------------------------------------------------------------------------


def import_organisation(*, file: IO[bytes], filename: str, imported_by: User) -> ImportResult:
    """Import people from an HR spreadsheet: every row is written, or none is and each problem is listed."""
    if not permissions.is_hr(imported_by):
        raise PermissionDenied(_("Only HR can import the organisation."))
    try:
        rows = read_rows(file=file, filename=filename)
    except ImportFileError as error:
        return ImportResult(errors=error.issues)
    try:
        with transaction.atomic():
            issues = validate_rows(rows)
            if issues:
                return ImportResult(errors=issues)
            result = apply_rows(rows)
    except IntegrityError:
        # Another import or edit saved the same people between our checks and our writes.
        return ImportResult(
            errors=[ImportIssue(FILE_LINE, "", _("Someone changed the same people at the same time. Import again."))]
        )
    record_event(
        actor=imported_by,
        action=AuditEvent.Action.ORGANISATION_IMPORTED,
        subject=filename,
        detail=_("%(created)d created, %(updated)d updated, %(unchanged)d unchanged")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    logger.info(
        "Organisation import by %s from %s: %d created, %d updated, %d unchanged",
        imported_by.username,
        filename,
        result.created,
        result.updated,
        result.unchanged,
    )
    return result
