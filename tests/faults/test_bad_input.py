"""Hostile and broken input: refused with a clear message, nothing half written, and never run as markup.

Alice reports to Mallory and rates herself; Henry is HR (tests/conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Assessment, AssessmentEvent, Employee, Rating, User
from reports import services as report_services
from tests import factories
from tests.reports.pdfs import pdf_text

pytestmark = pytest.mark.django_db

SCRIPTS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
# What must never reach a page unescaped, whichever way the payload was cut or combined.
LIVE_MARKUP = ["<script>alert(1)", "<img src=x"]
TOO_BIG = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)


def page_client(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def api_client(user: User) -> APIClient:
    client = APIClient(headers={"accept-language": "en"})
    client.force_authenticate(user)
    return client


def ratings_url(assessment: Assessment) -> str:
    return reverse("api-assessment-ratings", args=[assessment.pk])


def form_url(assessment: Assessment) -> str:
    return reverse("assessment", args=[assessment.pk])


def autosave(client: Client, assessment: Assessment, data: dict[str, str]):
    """A save as the page's script sends it: form fields, answered in JSON."""
    return client.post(form_url(assessment), data, headers={"accept": "application/json"})


def nothing_written(assessment: Assessment) -> bool:
    stored = Assessment.objects.get(pk=assessment.pk)
    return (
        stored.version == assessment.version
        and not Rating.objects.filter(assessment=assessment).exists()
        and not AssessmentEvent.objects.filter(assessment=assessment).exists()
    )


def assert_escaped(html: str, payload: str) -> None:
    assert not any(markup in html for markup in LIVE_MARKUP)
    assert escape(payload) in html


# Oversized bodies ---------------------------------------------------------------------------------


def oversized_put(self_assessment: Assessment, employee: Employee):
    body = {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": TOO_BIG}}}
    return api_client(employee.user).put(ratings_url(self_assessment), body, format="json")


def test_an_oversized_ratings_put_is_a_413_in_json_that_names_the_limit(self_assessment, employee):
    response = oversized_put(self_assessment, employee)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "larger than 5 MB" in response.json()["detail"]


def test_an_oversized_ratings_put_writes_nothing(self_assessment, employee):
    oversized_put(self_assessment, employee)
    assert nothing_written(self_assessment)


def oversized_autosave(self_assessment: Assessment, employee: Employee):
    # CSRF checks on, as in a browser: the middleware is the first to read, and refuse, the body.
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(employee.user)
    client.get(form_url(self_assessment))
    data = {
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        "version": "0",
        "score-MKT-1-01": "2",
        "note-MKT-1-01": TOO_BIG,
    }
    return client.post(form_url(self_assessment), data, headers={"accept": "application/json"})


def test_an_oversized_autosave_is_refused_with_a_page_that_says_why(self_assessment, employee):
    response = oversized_autosave(self_assessment, employee)
    assert response.status_code == 400
    assert "too large for the portal to accept" in response.content.decode()


def test_an_oversized_autosave_writes_nothing(self_assessment, employee):
    oversized_autosave(self_assessment, employee)
    assert nothing_written(self_assessment)


# Malformed JSON and wrong types -------------------------------------------------------------------


def test_malformed_json_to_the_ratings_api_is_a_400_in_json(self_assessment, employee):
    response = api_client(employee.user).put(
        ratings_url(self_assessment), '{"version": 0, "ratings": {', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_json_sent_to_the_page_autosave_is_a_400_in_json(self_assessment, employee):
    response = page_client(employee.user).post(
        form_url(self_assessment),
        '{"version": 0',
        content_type="application/json",
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Some ratings could not be saved; see the marked indicators."


WRONG_TYPES = {
    "ratings as a list": {"version": 0, "ratings": [{"code": "MKT-1-01", "score": 2}]},
    "ratings as text": {"version": 0, "ratings": "MKT-1-01=2"},
    "a score as a word": {"version": 0, "ratings": {"MKT-1-01": {"score": "high", "note": ""}}},
    "a score as true": {"version": 0, "ratings": {"MKT-1-01": {"score": True, "note": ""}}},
    "a score of 7": {"version": 0, "ratings": {"MKT-1-01": {"score": 7, "note": ""}}},
    "a note as a number": {"version": 0, "ratings": {"MKT-1-01": {"score": 2, "note": {"text": 1}}}},
    "a version as a word": {"version": "latest", "ratings": {"MKT-1-01": {"score": 2, "note": ""}}},
    "a negative version": {"version": -1, "ratings": {"MKT-1-01": {"score": 2, "note": ""}}},
    "a body that is a list": [{"MKT-1-01": 2}],
    "a body that is null": None,
}


@pytest.mark.parametrize("body", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_a_ratings_put_of_the_wrong_type_is_a_400_in_json_and_writes_nothing(self_assessment, employee, body):
    response = api_client(employee.user).put(
        ratings_url(self_assessment), json.dumps(body), content_type="application/json"
    )
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert nothing_written(self_assessment)


WRONG_FIELDS = {
    "a score as a word": {"version": "0", "score-MKT-1-01": "high"},
    "a score of 7": {"version": "0", "score-MKT-1-01": "7"},
    "a version as a word": {"version": "latest", "score-MKT-1-01": "2"},
    "no version": {"score-MKT-1-01": "2"},
}


@pytest.mark.parametrize("data", WRONG_FIELDS.values(), ids=WRONG_FIELDS.keys())
def test_an_autosave_of_the_wrong_type_is_a_400_in_json_and_writes_nothing(self_assessment, employee, data):
    response = autosave(page_client(employee.user), self_assessment, data)
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert nothing_written(self_assessment)


# Unknown indicators and long notes: the whole batch is refused ------------------------------------


def test_an_unknown_indicator_in_an_api_batch_is_named_and_none_of_the_batch_is_written(self_assessment, employee):
    ratings = {"MKT-1-01": {"score": 2, "note": ""}, "NOPE-9-99": {"score": 2, "note": ""}}
    response = api_client(employee.user).put(
        ratings_url(self_assessment), {"version": 0, "ratings": ratings}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["NOPE-9-99"] == ["NOPE-9-99 is not an indicator of this cycle."]
    assert nothing_written(self_assessment)


def test_an_unknown_indicator_in_an_autosave_is_named_and_none_of_the_batch_is_written(self_assessment, employee):
    data = {"version": "0", "score-MKT-1-01": "2", "score-NOPE-9-99": "2"}
    response = autosave(page_client(employee.user), self_assessment, data)
    assert response.status_code == 400
    assert response.json()["errors"]["NOPE-9-99"] == ["NOPE-9-99 is not an indicator of this cycle."]
    assert nothing_written(self_assessment)


def test_a_note_over_4000_characters_in_an_api_batch_refuses_the_whole_batch(self_assessment, employee):
    ratings = {"MKT-1-01": {"score": 2, "note": ""}, "MKT-1-02": {"score": 2, "note": "n" * 4001}}
    response = api_client(employee.user).put(
        ratings_url(self_assessment), {"version": 0, "ratings": ratings}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["MKT-1-02"]
    assert nothing_written(self_assessment)


def test_a_note_over_4000_characters_in_an_autosave_refuses_the_whole_batch(self_assessment, employee):
    data = {"version": "0", "score-MKT-1-01": "2", "score-MKT-1-02": "2", "note-MKT-1-02": "n" * 4001}
    response = autosave(page_client(employee.user), self_assessment, data)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["MKT-1-02"]
    assert nothing_written(self_assessment)


def test_a_note_of_exactly_4000_chinese_characters_is_saved_whole(self_assessment, employee):
    note = "证" * 4000
    response = autosave(page_client(employee.user), self_assessment, {"version": "0", "note-MKT-1-01": note})
    assert response.status_code == 200
    assert Rating.objects.get(assessment=self_assessment, indicator__code="MKT-1-01").note == note


# Script in notes and names ------------------------------------------------------------------------


def rate(assessment: Assessment, rater: User, score: int, note: str, *, submit: bool) -> None:
    """Every indicator rated `score`, the first one with `note`."""
    factories.rate_all(assessment, rater, score)
    assessment.refresh_from_db()
    services.save_ratings(
        assessment=assessment,
        rater=rater,
        ratings={"COMM-01": services.RatingInput(score=score, note=note)},
        expected_version=assessment.version,
    )
    if submit:
        services.submit_assessment(assessment=Assessment.objects.get(pk=assessment.pk), user=rater)


@pytest.fixture(params=SCRIPTS, ids=["script", "img-onerror"])
def payload(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def scripted_employee(employee: Employee, payload: str) -> Employee:
    """Alice, named with the payload."""
    employee.name = payload
    employee.save(update_fields=["name"])
    return employee


def test_a_script_in_an_evidence_note_is_escaped_on_the_rating_form(self_assessment, employee, payload):
    rate(self_assessment, employee.user, 2, payload, submit=False)
    assert_escaped(page_client(employee.user).get(form_url(self_assessment)).content.decode(), payload)


def test_a_script_in_the_self_note_is_escaped_beside_the_managers_form(
    self_assessment, manager_assessment, employee, manager, payload
):
    rate(self_assessment, employee.user, 2, payload, submit=True)
    assert_escaped(page_client(manager.user).get(form_url(manager_assessment)).content.decode(), payload)


def test_a_script_in_an_employee_name_is_escaped_on_the_managers_form(manager_assessment, scripted_employee, manager):
    page = page_client(manager.user).get(form_url(manager_assessment)).content.decode()
    assert_escaped(page, scripted_employee.name)


def test_a_script_in_notes_and_names_is_escaped_on_the_results_page(
    self_assessment, manager_assessment, scripted_employee, manager, payload
):
    rate(self_assessment, scripted_employee.user, 2, payload, submit=True)
    rate(manager_assessment, manager.user, 1, payload, submit=True)
    url = reverse("results", args=[self_assessment.cycle_id, scripted_employee.pk])
    page = page_client(manager.user).get(url).content.decode()
    assert_escaped(page, payload)
    # The name and both notes: the heading, the chart's title and the agenda row each carry it.
    assert page.count(escape(payload)) >= 4


def test_a_script_in_an_employee_name_is_escaped_on_the_team_list(cycle, scripted_employee, manager):
    assert_escaped(page_client(manager.user).get(reverse("team")).content.decode(), scripted_employee.name)


def test_a_script_in_an_employee_name_is_escaped_on_hrs_cycle_page(cycle, scripted_employee, hr):
    page = page_client(hr).get(reverse("cycle_detail", args=[cycle.pk])).content.decode()
    assert_escaped(page, scripted_employee.name)


def test_a_script_as_an_indicator_code_is_not_echoed_into_the_refused_form(self_assessment, employee, payload):
    response = page_client(employee.user).post(form_url(self_assessment), {"version": "0", f"score-{payload}": "2"})
    assert response.status_code == 400
    assert not any(markup in response.content.decode() for markup in LIVE_MARKUP)


def test_a_script_in_notes_and_names_comes_back_from_the_api_as_the_same_text(self_assessment, scripted_employee):
    rate(self_assessment, scripted_employee.user, 2, scripted_employee.name, submit=False)
    response = api_client(scripted_employee.user).get(reverse("api-assessment-detail", args=[self_assessment.pk]))
    body = response.json()
    assert response["Content-Type"] == "application/json"
    assert body["employee"]["name"] == scripted_employee.name
    assert next(r["note"] for r in body["ratings"] if r["code"] == "COMM-01") == scripted_employee.name


# Broken organisation files through the HR import page ---------------------------------------------

HEADER = ["employee_number", "name", "email", "department", "position", "manager"]


def people(count: int) -> list[list[str]]:
    return [
        [f"N{i:03d}", f"Person {i}", f"n{i:03d}@example.com", "Key Accounts", "account-manager", ""]
        for i in range(count)
    ]


def csv_file(rows: list[list[str]]) -> bytes:
    return "\r\n".join(",".join(row) for row in [HEADER, *rows]).encode() + b"\r\n"


def xlsx_file(rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def damaged_sheet(data: bytes) -> bytes:
    """The workbook with its sheet's XML cut off halfway through the rows."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    return out.getvalue()


def upload(hr: User, content: bytes, name: str):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return page_client(hr).post(reverse("organisation_import"), {"file": file})


BROKEN_FILES = {
    "a truncated workbook": (xlsx_file(people(20))[:700], "people.xlsx", "not a readable Excel workbook"),
    "a workbook damaged after its first rows": (
        damaged_sheet(xlsx_file(people(200))),
        "people.xlsx",
        "not a readable Excel workbook",
    ),
    "random bytes named xlsx": (bytes(range(256)) * 8, "people.xlsx", "not a readable Excel workbook"),
    "a zip that is not a workbook": (b"PK\x05\x06" + b"\x00" * 18, "people.xlsx", "not a readable Excel workbook"),
    "a csv with NUL bytes": (csv_file(people(5)) + b"\x00\x00", "people.csv", "not CSV text"),
    "a csv turning undecodable halfway": (
        csv_file(people(5)) + b"N900,Nora \xff\xfe,n900@example.com,Key Accounts,account-manager,\r\n",
        "people.csv",
        "neither UTF-8 nor GB18030",
    ),
    "a csv with a quote left open": (
        csv_file(people(5)) + b'N901,"Nora,n901@example.com\r\n',
        "people.csv",
        "Enter the email",
    ),
    "a header and nothing else": (csv_file([]), "people.csv", "has a header row but no people"),
}


@pytest.mark.parametrize("content,name,message", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_a_broken_import_file_is_refused_with_a_clear_message_and_writes_nobody(hr, position, content, name, message):
    response = upload(hr, content, name)
    page = response.content.decode()
    assert response.status_code == 400
    assert "nothing was imported" in page
    assert message in page
    assert not Employee.objects.filter(employee_number__startswith="N").exists()


def test_an_import_file_over_5_mb_is_refused_with_a_clear_message(hr, position):
    content = csv_file(people(10)) + b"#" * (5 * 1024 * 1024)
    response = upload(hr, content, "people.csv")
    assert response.status_code == 400
    assert "The file is larger than 5 MB" in response.content.decode()


def test_a_script_in_an_imported_name_is_escaped_in_the_import_errors(hr, position, payload):
    rows = [["N001", payload, "n001@example.com", "Key Accounts", "account-manager", "N001"]]
    page = upload(hr, xlsx_file(rows), "people.xlsx").content.decode()
    assert "The reporting lines form a loop" in page
    assert_escaped(page, payload)


# Script and formulas in the documents -------------------------------------------------------------


def test_a_script_in_a_name_and_a_managers_note_is_plain_text_in_the_gap_report_pdf(
    cycle, self_assessment, manager_assessment, scripted_employee, manager, payload, django_capture_on_commit_callbacks
):
    rate(self_assessment, scripted_employee.user, 3, "", submit=True)
    rate(manager_assessment, manager.user, 1, payload, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = report_services.request_report(
            requested_by=manager.user, employee=scripted_employee, cycle=cycle, kind="gap_report", language="en"
        )
    job.refresh_from_db()
    # Markup would have been laid out (or refused by the fetcher), not printed: seen as text, it was escaped.
    assert pdf_text(job.file.read()).count(payload) >= 2


FORMULAS = {"name": "=1+2", "department": "+A1", "manager": "-B2", "position": "@SUM(A1)"}


@pytest.fixture
def formula_export(
    cycle, self_assessment, employee, manager, position, hr, django_capture_on_commit_callbacks
) -> zipfile.ZipFile:
    """An export in which Alice's name, department, manager and position each start like a formula."""
    employee.name = FORMULAS["name"]
    employee.save(update_fields=["name"])
    employee.department.name = FORMULAS["department"]
    employee.department.save(update_fields=["name"])
    manager.name = FORMULAS["manager"]
    manager.save(update_fields=["name"])
    position.name_zh = position.name_en = FORMULAS["position"]
    position.save(update_fields=["name_zh", "name_en"])
    factories.rate_all(self_assessment, employee.user, 2, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        export = report_services.start_export(requested_by=hr, cycle=cycle, language="en", include_plans=False)
    export.refresh_from_db()
    return zipfile.ZipFile(io.BytesIO(export.file.read()))


def test_text_starting_like_a_formula_is_prefixed_in_the_export_csv(formula_export):
    rows = list(csv.reader(io.StringIO(formula_export.read("summary.csv").decode("utf-8-sig"))))
    cells = {cell for row in rows for cell in row}
    assert {"'" + formula for formula in FORMULAS.values()} <= cells
    assert not cells & set(FORMULAS.values())


def test_text_starting_like_a_formula_is_a_prefixed_string_in_the_export_xlsx(formula_export):
    sheet = openpyxl.load_workbook(io.BytesIO(formula_export.read("summary.xlsx"))).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert {"'" + formula for formula in FORMULAS.values()} <= {cell.value for cell in cells}
    assert all(cell.data_type != "f" for cell in cells)
