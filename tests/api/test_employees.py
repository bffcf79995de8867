"""Employees: HR sees everyone, a manager their reports and themselves, an employee themselves."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/employees/"


def names(response):
    return sorted(row["name"] for row in response.json()["results"])


def test_hr_lists_every_employee(as_hr, employee, other_employee):
    assert names(as_hr.get(LIST_URL)) == ["Alice", "Bob", "Mallory", "Oscar"]


def test_manager_lists_themselves_and_their_reports_only(as_mallory, employee, other_employee):
    assert names(as_mallory.get(LIST_URL)) == ["Alice", "Mallory"]


def test_employee_lists_only_themselves(as_alice, other_employee):
    assert names(as_alice.get(LIST_URL)) == ["Alice"]


def test_list_filters_by_manager(as_hr, employee, other_employee, other_manager):
    assert names(as_hr.get(LIST_URL, {"manager": other_manager.pk})) == ["Bob"]


def test_list_filters_by_department(as_hr, employee, other_employee):
    sales = factories.DepartmentFactory(name="Field sales")
    other_employee.department = sales
    other_employee.save()
    assert names(as_hr.get(LIST_URL, {"department": sales.pk})) == ["Bob"]


def test_list_filters_by_position(as_hr, employee, track):
    junior = factories.position_with_requirements(track, code="junior", level=1)
    factories.EmployeeFactory(name="Jun", position=junior)
    assert names(as_hr.get(LIST_URL, {"position": junior.pk})) == ["Jun"]


def test_list_rejects_a_filter_id_that_is_not_a_number(as_hr, employee):
    response = as_hr.get(LIST_URL, {"manager": "1.5"})
    assert response.status_code == 400
    assert "manager" in response.json()


def test_detail_shows_department_position_and_manager(as_mallory, employee, manager):
    body = as_mallory.get(f"{LIST_URL}{employee.pk}/").json()
    assert body["department"]["name"] == "Key Accounts"
    assert body["position"]["code"] == "account-manager"
    assert body["manager"]["id"] == manager.pk


def test_another_managers_report_is_404(as_mallory, other_employee):
    assert as_mallory.get(f"{LIST_URL}{other_employee.pk}/").status_code == 404


def test_employee_cannot_read_their_manager_record(as_alice, manager):
    assert as_alice.get(f"{LIST_URL}{manager.pk}/").status_code == 404


@pytest.mark.parametrize("count", [2, 10])
def test_employee_list_costs_two_queries_whatever_its_length(as_hr, count, django_assert_num_queries):
    boss = factories.EmployeeFactory()
    factories.EmployeeFactory.create_batch(count, manager=boss)
    # The count and the page, with user, department, position and manager joined.
    with django_assert_num_queries(2):
        response = as_hr.get(LIST_URL)
    assert response.json()["count"] == count + 1
