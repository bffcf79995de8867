"""HR imports the organisation from CSV or XLSX: all rows or none, every problem with its line."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from assessments.imports import (
    MAX_FILE_BYTES,
    ImportIssue,
    ImportResult,
    ImportRow,
    import_organisation,
    manager_loops,
    read_rows,
    validate_rows,
)
from assessments.models import Department, Employee, Position, User
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["employee_number", "name", "email", "department", "position", "manager"]
CHINESE_HEADER = ["工号", "姓名", "邮箱", "部门", "岗位", "上级工号"]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English, whatever the default language becomes."""
    with translation.override("en"):
        yield


def person(number: str, *, manager: str = "", position: str = "account-manager", **fields: str) -> list[str]:
    """A row in HEADER order with plausible defaults."""
    return [
        number,
        fields.get("name", f"Person {number}"),
        fields.get("email", f"{number.lower()}@example.com"),
        fields.get("department", "Key Accounts East"),
        position,
        manager,
    ]


def csv_bytes(rows: Sequence[Sequence[object]], *, header: Sequence[str] = HEADER, encoding: str = "utf-8") -> bytes:
    lines = [",".join(header), *(",".join(str(cell) for cell in row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], *, header: Sequence[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(hr: User, data: bytes, filename: str = "people.csv") -> ImportResult:
    return import_organisation(file=io.BytesIO(data), filename=filename, imported_by=hr)


def messages(result: ImportResult) -> str:
    return " | ".join(issue.message for issue in result.errors)


# Creating people ------------------------------------------------------------------------------


def test_hr_imports_people_from_csv(hr, position):
    result = run(hr, csv_bytes([person("E100"), person("E101")]))
    assert (result.created, result.updated, result.unchanged, result.errors) == (2, 0, 0, [])


def test_hr_imports_people_from_xlsx(hr, position):
    result = run(hr, xlsx_bytes([person("E100"), person("E101")]), "people.xlsx")
    assert set(Employee.objects.values_list("employee_number", flat=True)) >= {"E100", "E101"} and result.created == 2


def test_imported_employee_has_every_column_stored(hr, position):
    run(hr, csv_bytes([person("E100", name="Zhang Wei", email="zhang.wei@example.com", department="North")]))
    employee = Employee.objects.select_related("user", "department", "position").get(employee_number="E100")
    assert (employee.name, employee.user.email, employee.department.name, employee.position) == (
        "Zhang Wei",
        "zhang.wei@example.com",
        "North",
        position,
    )


def test_someone_who_is_not_hr_cannot_import(employee, position):
    with pytest.raises(PermissionDenied):
        run(employee.user, csv_bytes([person("E100")]))


def test_chinese_headers_are_accepted(hr, position):
    result = run(hr, csv_bytes([person("E100", name="张伟")], header=CHINESE_HEADER))
    assert result.created == 1 and Employee.objects.get(employee_number="E100").name == "张伟"


def test_chinese_headers_are_accepted_in_xlsx(hr, position):
    result = run(hr, xlsx_bytes([person("E100")], header=CHINESE_HEADER), "组织.xlsx")
    assert result.created == 1


def test_headers_may_differ_in_case_and_spacing(hr, position):
    header = ["Employee Number", " NAME ", "Email", "Department", "Position", "Manager"]
    assert run(hr, csv_bytes([person("E100")], header=header)).created == 1


def test_a_missing_column_is_named_in_english_and_chinese(hr, position):
    result = run(hr, csv_bytes([person("E100")[:5]], header=HEADER[:5]))
    assert result.errors == [ImportIssue(1, "manager", "The column manager (上级工号) is missing from the header row.")]


def test_new_user_name_is_the_lowercased_employee_number(hr, position):
    run(hr, csv_bytes([person("SH-0042")]))
    assert Employee.objects.get(employee_number="SH-0042").user.username == "sh-0042"


def test_new_user_has_no_usable_password(hr, position):
    run(hr, csv_bytes([person("E100")]))
    assert not User.objects.get(username="e100").has_usable_password()


def test_existing_account_with_the_same_email_is_used_instead_of_a_new_one(hr, position):
    account = factories.UserFactory(username="wei.zhang", email="Wei.Zhang@example.com")
    run(hr, csv_bytes([person("E100", email="wei.zhang@example.com")]))
    assert Employee.objects.get(employee_number="E100").user == account


def test_departments_are_created_as_needed(hr, position):
    run(hr, csv_bytes([person("E100", department="Shanghai"), person("E101", department="Shanghai")]))
    assert Department.objects.filter(name="Shanghai").count() == 1


def test_manager_in_the_same_file_is_linked(hr, position):
    run(hr, csv_bytes([person("E101", manager="E100"), person("E100")]))
    assert Employee.objects.get(employee_number="E101").manager.employee_number == "E100"


def test_manager_already_in_the_database_is_linked(hr, manager, position):
    run(hr, csv_bytes([person("E100", manager=manager.employee_number)]))
    assert Employee.objects.get(employee_number="E100").manager == manager


def test_empty_manager_means_no_manager(hr, employee, position):
    row = person(employee.employee_number, name=employee.name, email=employee.user.email)
    run(hr, csv_bytes([row]))
    employee.refresh_from_db()
    assert employee.manager is None


# Importing again ------------------------------------------------------------------------------


def test_reimport_updates_existing_people_instead_of_duplicating_them(hr, position):
    run(hr, csv_bytes([person("E100", name="Old name")]))
    result = run(hr, csv_bytes([person("E100", name="New name")]))
    assert (result.created, result.updated, Employee.objects.get(employee_number="E100").name) == (0, 1, "New name")


def test_reimporting_the_same_file_changes_nothing(hr, position):
    data = csv_bytes([person("E100"), person("E101", manager="E100")])
    run(hr, data)
    result = run(hr, data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_reimporting_the_same_file_creates_no_accounts(hr, position):
    data = csv_bytes([person("E100"), person("E101", manager="E100")])
    run(hr, data)
    users = User.objects.count()
    run(hr, data)
    assert User.objects.count() == users


def test_reimport_changes_the_account_email(hr, position):
    run(hr, csv_bytes([person("E100")]))
    run(hr, csv_bytes([person("E100", email="new.address@example.com")]))
    assert User.objects.get(username="e100").email == "new.address@example.com"


def test_reimport_moves_someone_to_a_new_manager(hr, position):
    run(hr, csv_bytes([person("E100"), person("E101"), person("E102", manager="E100")]))
    run(hr, csv_bytes([person("E102", manager="E101")]))
    assert Employee.objects.get(employee_number="E102").manager.employee_number == "E101"


def test_email_that_differs_only_in_case_is_unchanged(hr, position):
    run(hr, csv_bytes([person("E100", email="e100@example.com")]))
    assert run(hr, csv_bytes([person("E100", email="E100@Example.com")])).unchanged == 1


# Rejected rows --------------------------------------------------------------------------------


def test_unknown_position_code_is_an_error(hr, position):
    result = run(hr, csv_bytes([person("E100", position="astronaut")]))
    assert result.errors == [ImportIssue(2, "position", "There is no position with the code astronaut.")]


def test_unknown_manager_number_is_an_error(hr, position):
    result = run(hr, csv_bytes([person("E100", manager="X999")]))
    assert result.errors == [
        ImportIssue(2, "manager", "No employee has the number X999, neither in this file nor already imported.")
    ]


def test_duplicate_employee_number_is_an_error_on_the_later_line(hr, position):
    result = run(hr, csv_bytes([person("E100"), person("E100", email="other@example.com")]))
    assert result.errors == [ImportIssue(3, "employee_number", "Employee number E100 already appears on line 2.")]


def test_duplicate_email_is_an_error_whatever_its_case(hr, position):
    result = run(hr, csv_bytes([person("E100", email="a@example.com"), person("E101", email="A@Example.com")]))
    assert result.errors == [ImportIssue(3, "email", "The email A@Example.com already appears on line 2.")]


def test_invalid_email_is_an_error(hr, position):
    result = run(hr, csv_bytes([person("E100", email="not-an-address")]))
    assert result.errors == [ImportIssue(2, "email", "not-an-address is not a valid email address.")]


def test_empty_required_field_is_an_error(hr, position):
    result = run(hr, csv_bytes([person("E100", department="")]))
    assert result.errors == [ImportIssue(2, "department", "Enter the department.")]


def test_employee_number_that_cannot_be_a_user_name_is_an_error(hr, position):
    result = run(hr, csv_bytes([person("E 100", email="e@example.com")]))
    assert [issue.field for issue in result.errors] == ["employee_number"]


def test_email_of_another_employee_is_an_error(hr, employee, position):
    result = run(hr, csv_bytes([person("E100", email=employee.user.email)]))
    assert result.errors == [
        ImportIssue(
            2, "email", f"{employee.user.email} already belongs to employee Alice ({employee.employee_number})."
        )
    ]


def test_user_name_already_taken_by_another_account_is_an_error(hr, position):
    factories.UserFactory(username="e100", email="someone.else@example.com")
    result = run(hr, csv_bytes([person("E100")]))
    assert result.errors == [
        ImportIssue(2, "employee_number", "The user name e100 is already taken by another account.")
    ]


def test_every_bad_row_is_reported_with_its_line(hr, position):
    rows = [person("E100"), person("E101", email="bad"), person("E102"), person("E103", position="nope")]
    result = run(hr, csv_bytes(rows))
    assert [(issue.line, issue.field) for issue in result.errors] == [(3, "email"), (5, "position")]


def test_one_bad_row_means_nothing_is_written(hr, position):
    before = (Employee.objects.count(), User.objects.count(), Department.objects.count())
    run(hr, csv_bytes([person("E100", department="Brand new"), person("E101", position="nope")]))
    assert (Employee.objects.count(), User.objects.count(), Department.objects.count()) == before


def test_rejected_import_counts_nothing(hr, position):
    result = run(hr, csv_bytes([person("E100"), person("E101", position="nope")]))
    assert (result.created, result.updated, result.unchanged, result.is_successful) == (0, 0, 0, False)


def test_a_bad_reimport_leaves_existing_people_untouched(hr, position):
    run(hr, csv_bytes([person("E100", name="Kept")]))
    run(hr, csv_bytes([person("E100", name="Changed"), person("E101", email="bad")]))
    assert Employee.objects.get(employee_number="E100").name == "Kept"


# Manager loops --------------------------------------------------------------------------------


def test_two_people_managing_each_other_is_rejected_naming_both(hr, position):
    rows = [person("E100", name="Ann", manager="E101"), person("E101", name="Ben", manager="E100")]
    result = run(hr, csv_bytes(rows))
    loop = "The reporting lines form a loop: Ann (E100) → Ben (E101) → Ann (E100)."
    assert result.errors == [ImportIssue(2, "manager", loop), ImportIssue(3, "manager", loop)]


def test_a_longer_loop_is_rejected_naming_everyone_in_it(hr, position):
    rows = [
        person("E100", name="Ann", manager="E101"),
        person("E101", name="Ben", manager="E102"),
        person("E102", name="Cai", manager="E100"),
        person("E103", name="Dan", manager="E100"),
    ]
    result = run(hr, csv_bytes(rows))
    assert {issue.message for issue in result.errors} == {
        "The reporting lines form a loop: Ann (E100) → Ben (E101) → Cai (E102) → Ann (E100)."
    }


def test_someone_managing_themselves_is_rejected(hr, position):
    result = run(hr, csv_bytes([person("E100", name="Ann", manager="E100")]))
    assert messages(result) == "The reporting lines form a loop: Ann (E100) → Ann (E100)."


def test_loop_formed_with_people_already_in_the_database_is_rejected(hr, manager, employee, position):
    # Alice already reports to Mallory; the file makes Mallory report to Alice.
    row = person(manager.employee_number, name="Mallory", email=manager.user.email, manager=employee.employee_number)
    result = run(hr, csv_bytes([row]))
    assert messages(result) == (
        f"The reporting lines form a loop: Mallory ({manager.employee_number}) → Alice ({employee.employee_number})"
        f" → Mallory ({manager.employee_number})."
    )


def test_file_may_reverse_an_existing_reporting_line(hr, manager, employee, position):
    rows = [
        person(manager.employee_number, name="Mallory", email=manager.user.email, manager=employee.employee_number),
        person(employee.employee_number, name="Alice", email=employee.user.email),
    ]
    assert run(hr, csv_bytes(rows)).updated == 2


def test_loop_finder_reports_each_loop_once():
    managers = {"a": "b", "b": "a", "c": "a", "d": None}
    assert manager_loops(managers, ["c", "a", "b", "d"]) == [["a", "b"]]


# The file itself ------------------------------------------------------------------------------


def test_file_larger_than_5_mb_is_rejected(hr, position):
    data = csv_bytes([person("E100")]) + b" " * MAX_FILE_BYTES
    assert messages(run(hr, data)) == "The file is larger than 5 MB. Split it into smaller files."


def test_more_than_20000_rows_is_rejected(hr, position):
    data = csv_bytes([person(f"E{n}") for n in range(20_001)])
    assert messages(run(hr, data)) == "The file has more than 20,000 rows. Split it into smaller files."


def test_20000_rows_are_read(hr, position):
    rows = read_rows(file=io.BytesIO(csv_bytes([person(f"E{n}") for n in range(20_000)])), filename="a.csv")
    assert len(rows) == 20_000


def test_a_file_that_is_not_a_workbook_gives_a_clear_message(hr, position):
    result = run(hr, b"this is not a spreadsheet at all", "people.xlsx")
    assert messages(result).startswith("The file is not a readable Excel workbook (.xlsx).")


def test_a_damaged_workbook_gives_a_clear_message(hr, position):
    data = xlsx_bytes([person("E100")])
    result = run(hr, data[: len(data) // 2], "people.xlsx")
    assert messages(result).startswith("The file is not a readable Excel workbook (.xlsx).")


def test_a_workbook_with_xml_entities_is_refused(hr, position):
    """An entity bomb in the workbook's XML must never be expanded."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([person("E100")])))
    sheet_name = "xl/worksheets/sheet1.xml"
    entities = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    sheet = source.read(sheet_name).decode().replace("<t>name</t>", "<t>&b;</t>", 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, entities + sheet if item.filename == sheet_name else source.read(item.filename))
    result = run(hr, buffer.getvalue(), "people.xlsx")
    assert messages(result).startswith("The file is not a readable Excel workbook (.xlsx).")


def test_a_workbook_named_csv_gives_a_clear_message(hr, position):
    result = run(hr, xlsx_bytes([person("E100")]), "people.csv")
    assert messages(result) == "This is an Excel workbook, not a CSV file: upload it with the .xlsx extension."


def test_csv_in_an_unsupported_encoding_gives_a_clear_message(hr, position):
    result = run(hr, csv_bytes([person("E100", name="José")], encoding="latin-1"))
    assert messages(result) == "The file is neither UTF-8 nor GB18030 text. Save it from Excel as “CSV UTF-8”."


def test_utf16_csv_gives_a_clear_message(hr, position):
    result = run(hr, csv_bytes([person("E100")], encoding="utf-16"))
    assert messages(result) == "The file is not CSV text. Save it from Excel as “CSV UTF-8”."


def test_csv_in_utf8_with_a_byte_order_mark_is_read(hr, position):
    result = run(hr, csv_bytes([person("E100", name="张伟")], header=CHINESE_HEADER, encoding="utf-8-sig"))
    assert result.created == 1 and Employee.objects.get(employee_number="E100").name == "张伟"


def test_csv_in_gb18030_is_read(hr, position):
    result = run(
        hr,
        csv_bytes(
            [person("E100", name="张伟", department="大客户销售一部")], header=CHINESE_HEADER, encoding="gb18030"
        ),
    )
    assert result.created == 1 and Employee.objects.get(employee_number="E100").department.name == "大客户销售一部"


def test_other_file_types_are_refused(hr, position):
    result = run(hr, csv_bytes([person("E100")]), "people.xls")
    assert messages(result) == "Upload a .csv or .xlsx file (save older .xls workbooks as .xlsx first)."


def test_empty_file_is_refused(hr, position):
    assert messages(run(hr, b"")) == "The file is empty."


def test_header_without_people_is_refused(hr, position):
    assert messages(run(hr, csv_bytes([]))) == "The file has a header row but no people below it."


def test_formula_like_csv_cells_are_stored_as_plain_text(hr, position):
    run(hr, csv_bytes([person("E100", name="=HYPERLINK(1)", department="+cmd|' /C calc'!A0")]))
    employee = Employee.objects.select_related("department").get(employee_number="E100")
    assert (employee.name, employee.department.name) == ("=HYPERLINK(1)", "+cmd|' /C calc'!A0")


def test_formula_like_xlsx_text_cells_are_stored_as_plain_text(hr, position):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(person("E100", department="@SUM(1)"))
    sheet["B2"].value = "-2+3"
    sheet["B2"].data_type = "s"  # a text cell that merely starts with a formula character
    buffer = io.BytesIO()
    workbook.save(buffer)
    run(hr, buffer.getvalue(), "people.xlsx")
    employee = Employee.objects.select_related("department").get(employee_number="E100")
    assert (employee.name, employee.department.name) == ("-2+3", "@SUM(1)")


def test_xlsx_formula_is_never_evaluated_or_stored(hr, position):
    # A workbook written by a library holds the formula but no computed value, so the name is empty.
    result = run(hr, xlsx_bytes([person("E100", name='=CONCAT("Zhang", " Wei")')]), "people.xlsx")
    assert result.errors == [ImportIssue(2, "name", "Enter the name.")]


def test_numeric_employee_numbers_in_xlsx_are_read_as_text(hr, position):
    run(hr, xlsx_bytes([[1001, "Ann", "ann@example.com", "East", "account-manager", None]]), "people.xlsx")
    assert Employee.objects.filter(employee_number="1001").exists()


# Parsing on its own ---------------------------------------------------------------------------


def test_read_rows_gives_every_cell_as_text_with_its_line():
    data = csv_bytes([person("E100", manager="E001"), ["", "", "", "", "", ""], person("E101")])
    rows = read_rows(file=io.BytesIO(data), filename="people.CSV")
    assert rows == [
        ImportRow(2, "E100", "Person E100", "e100@example.com", "Key Accounts East", "account-manager", "E001"),
        ImportRow(4, "E101", "Person E101", "e101@example.com", "Key Accounts East", "account-manager", ""),
    ]


def test_xlsx_lines_match_the_sheet_rows_across_blank_rows():
    rows = read_rows(file=io.BytesIO(xlsx_bytes([person("E100"), [], [], person("E101")])), filename="a.xlsx")
    assert [row.line for row in rows] == [2, 5]


def test_import_costs_the_same_queries_for_two_or_forty_people(hr, position):
    def count(first: int, size: int) -> int:
        # Each run creates its own department, so both do the same kinds of writes.
        rows = [
            person(f"E{n}", department=f"Team {first}", manager=f"E{first}" if n > first else "")
            for n in range(first, first + size)
        ]
        with CaptureQueriesContext(connection) as queries:
            assert run(hr, csv_bytes(rows)).created == size
        return len(queries)

    assert count(100, 2) == count(200, 40)


def test_position_must_exist_even_when_other_positions_do(hr, position, track):
    Position.objects.create(track=track, code="account-representative", name_zh="客户代表", name_en="Rep")
    result = run(hr, csv_bytes([person("E100", position="account-representative"), person("E101", position="ceo")]))
    assert [issue.line for issue in result.errors] == [3]


def test_validating_rows_reports_problems_without_writing_anything(position):
    rows = [ImportRow(2, "E100", "Ann", "ann@example.com", "Brand new", "nope")]
    issues = validate_rows(rows)
    assert (issues, Department.objects.filter(name="Brand new").exists()) == (
        [ImportIssue(2, "position", "There is no position with the code nope.")],
        False,
    )


def test_bad_row_in_xlsx_is_reported_with_its_sheet_row(hr, position):
    result = run(hr, xlsx_bytes([person("E100"), [], person("E101", email="bad")]), "people.xlsx")
    assert result.errors == [ImportIssue(4, "email", "bad is not a valid email address.")]


def test_reimporting_the_same_workbook_changes_nothing(hr, position):
    data = xlsx_bytes([person("E100"), person("E101", manager="E100")])
    run(hr, data, "people.xlsx")
    assert run(hr, data, "people.xlsx").unchanged == 2


def test_workbook_that_unpacks_to_more_than_100_mb_is_refused(hr, position):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (100 * 1024 * 1024 + 1))
    result = run(hr, buffer.getvalue(), "people.xlsx")
    assert messages(result) == "The workbook unpacks to more than 100 MB. Split it into smaller files."
