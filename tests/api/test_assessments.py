"""Reading assessments: who sees which, the filters, and the detail with every indicator of the form."""

import pytest

from assessments import services
from assessments.models import CycleIndicator
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/assessments/"


def rows(response):
    return sorted((row["employee"]["name"], row["kind"]) for row in response.json()["results"])


def test_employee_sees_their_self_assessment_but_not_the_managers_draft(as_alice, cycle):
    assert rows(as_alice.get(LIST_URL)) == [("Alice", "self")]


def test_employee_sees_the_managers_assessment_once_submitted(as_alice, manager, manager_assessment):
    factories.rate_all(manager_assessment, manager.user, submit=True)
    assert rows(as_alice.get(LIST_URL)) == [("Alice", "manager"), ("Alice", "self")]


def test_manager_sees_their_reports_manager_assessment_but_not_a_draft_self_assessment(as_mallory, cycle):
    assert rows(as_mallory.get(LIST_URL)) == [("Alice", "manager")]


def test_manager_sees_a_reports_self_assessment_once_submitted(as_mallory, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, submit=True)
    assert rows(as_mallory.get(LIST_URL)) == [("Alice", "manager"), ("Alice", "self")]


def test_hr_sees_every_assessment(as_hr, cycle):
    assert len(rows(as_hr.get(LIST_URL))) == 4


def test_list_filters_by_kind_and_employee(as_hr, cycle, other_employee):
    response = as_hr.get(LIST_URL, {"kind": "self", "employee": other_employee.pk})
    assert rows(response) == [("Bob", "self")]


def test_list_filters_by_status(as_hr, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, submit=True)
    assert rows(as_hr.get(LIST_URL, {"status": "submitted"})) == [("Alice", "self")]


def test_list_filters_by_cycle(as_hr, cycle):
    assert as_hr.get(LIST_URL, {"cycle": cycle.pk + 1}).json()["count"] == 0


def test_an_unknown_kind_is_a_400(as_hr, cycle):
    assert as_hr.get(LIST_URL, {"kind": "peer"}).status_code == 400


def test_list_says_what_the_reader_may_do(as_alice, self_assessment):
    actions = as_alice.get(LIST_URL).json()["results"][0]["actions"]
    assert actions == {"can_rate": True, "can_submit": True, "can_sign_off": False, "can_reopen": False}


def test_detail_has_version_and_every_indicator_of_the_form(as_alice, self_assessment):
    body = as_alice.get(f"{LIST_URL}{self_assessment.pk}/").json()
    assert body["version"] == 0
    assert len(body["ratings"]) == CycleIndicator.objects.filter(cycle=self_assessment.cycle).count() == 122
    assert body["ratings"][0] == {
        "code": "COMM-01",
        "competency": "COMM",
        "level": None,
        "text": body["ratings"][0]["text"],
        "is_drafted": False,
        "score": None,
        "note": "",
    }


def test_detail_shows_saved_scores_and_notes(as_alice, employee, self_assessment):
    services.save_ratings(
        assessment=self_assessment,
        rater=employee.user,
        ratings={"MKT-2-03": services.RatingInput(score=3, note="Led the Q3 market review")},
        expected_version=0,
    )
    ratings = {r["code"]: r for r in as_alice.get(f"{LIST_URL}{self_assessment.pk}/").json()["ratings"]}
    assert (ratings["MKT-2-03"]["score"], ratings["MKT-2-03"]["note"]) == (3, "Led the Q3 market review")
    assert ratings["MKT-2-04"]["score"] is None


def test_detail_marks_drafted_indicators(as_alice, self_assessment):
    ratings = as_alice.get(f"{LIST_URL}{self_assessment.pk}/").json()["ratings"]
    assert sum(1 for r in ratings if r["is_drafted"]) == 7


def test_detail_of_another_employees_assessment_is_404(as_bob, self_assessment):
    assert as_bob.get(f"{LIST_URL}{self_assessment.pk}/").status_code == 404


def test_detail_of_a_reports_draft_self_assessment_is_404_for_the_manager(as_mallory, self_assessment):
    assert as_mallory.get(f"{LIST_URL}{self_assessment.pk}/").status_code == 404


@pytest.mark.parametrize("count", [2, 10])
def test_assessment_list_costs_two_queries_whatever_its_length(as_hr, cycle, hr, count, django_assert_num_queries):
    services.add_participants(cycle=cycle, employees=factories.EmployeeFactory.create_batch(count), added_by=hr)
    # The count and the page, with cycle, employee and the employee's manager joined.
    with django_assert_num_queries(2):
        response = as_hr.get(LIST_URL)
    assert response.json()["count"] == 2 * (count + 2)


@pytest.mark.parametrize("rated", [2, 122])
def test_assessment_detail_costs_three_queries_however_many_are_rated(
    as_alice, employee, self_assessment, rated, django_assert_num_queries
):
    codes = CycleIndicator.objects.filter(cycle=self_assessment.cycle).values_list("code", flat=True)[:rated]
    ratings = {code: services.RatingInput(score=2) for code in codes}
    services.save_ratings(assessment=self_assessment, rater=employee.user, ratings=ratings, expected_version=0)
    # The assessment, the form's indicators with competencies, and this assessment's ratings.
    with django_assert_num_queries(3):
        response = as_alice.get(f"{LIST_URL}{self_assessment.pk}/")
    assert sum(1 for r in response.json()["ratings"] if r["score"] is not None) == rated
