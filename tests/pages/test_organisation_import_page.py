"""HR uploads the organisation; every bad row is listed and nothing is written then."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Employee

pytestmark = pytest.mark.django_db

HEADER = "employee_number,name,email,department,position,manager"


def upload(client, text: str, name: str = "people.csv"):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(reverse("organisation_import"), {"file": file}, HTTP_ACCEPT_LANGUAGE="en")


def test_a_valid_file_is_imported_and_counted(as_hr, position):
    response = upload(as_hr, f"{HEADER}\nN001,Nora,nora@example.com,Key Accounts,account-manager,\n")
    summary = response.content.decode().split('id="import-summary"', 1)[1]
    assert "<strong>1</strong><span>created</span>" in summary
    assert Employee.objects.filter(employee_number="N001").exists()


def test_each_bad_row_is_listed_with_its_line_and_column(as_hr, position):
    response = upload(as_hr, f"{HEADER}\nN001,Nora,not-an-email,Key Accounts,account-manager,\n")
    errors = response.content.decode().split('id="import-errors"', 1)[1]
    assert response.status_code == 400
    assert '<tr class="error-row"><td class="num">2</td>' in errors


def test_nothing_is_written_when_any_row_is_wrong(as_hr, position):
    upload(
        as_hr,
        f"{HEADER}\nN001,Nora,nora@example.com,Key Accounts,account-manager,\n"
        "N002,Ned,ned@example.com,Key Accounts,no-such-position,\n",
    )
    assert not Employee.objects.filter(employee_number="N001").exists()


def test_a_file_that_is_not_csv_or_xlsx_is_refused_next_to_the_field(as_hr):
    page = upload(as_hr, "hello", name="people.txt").content.decode()
    assert 'id="id_file_error"' in page


def test_someone_who_is_not_hr_is_refused_the_import_page(as_mallory):
    assert as_mallory.get(reverse("organisation_import")).status_code == 403
