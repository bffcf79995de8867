"""The computed levels of an assessment, competency by competency, against the position's requirement."""

import pytest

from assessments import services
from assessments.models import CycleIndicator
from tests import factories

pytestmark = pytest.mark.django_db


def levels_url(assessment):
    return f"/api/v1/assessments/{assessment.pk}/levels/"


def by_code(response):
    return {row["code"]: row for row in response.json()}


def test_levels_cover_every_competency_of_the_track(as_alice, self_assessment):
    assert list(by_code(as_alice.get(levels_url(self_assessment)))) == [
        "COMM",
        "LOGIC",
        "COORD",
        "MKT",
        "PROD",
        "CRM",
        "SALES",
    ]


def test_all_usually_demonstrated_reaches_level_3_above_a_requirement_of_2(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, score=2)
    sales = by_code(as_alice.get(levels_url(self_assessment), HTTP_ACCEPT_LANGUAGE="en"))["SALES"]
    assert sales == {
        "code": "SALES",
        "name": "Sales operations management",
        "kind": "professional",
        "required": 2,
        "level": 3,
        "gap": -1,
        "reason": "all 3 levels attained",
    }


def test_an_unrated_assessment_shows_the_gap_and_what_blocks_level_1(as_alice, self_assessment):
    mkt = by_code(as_alice.get(levels_url(self_assessment), HTTP_ACCEPT_LANGUAGE="en"))["MKT"]
    assert (mkt["level"], mkt["gap"]) == (0, 2)
    assert mkt["reason"].startswith("no level attained; level 1 blocked by MKT-1-01")


def test_generic_competency_shows_its_degree_as_a_rounded_mean(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, score=3)
    comm = by_code(as_alice.get(levels_url(self_assessment), HTTP_ACCEPT_LANGUAGE="en"))["COMM"]
    assert (comm["kind"], comm["level"], comm["gap"]) == ("generic", 3, -1)
    assert comm["reason"] == "mean rating 3.00 over 10 indicators, rounded to degree 3"


def test_levels_of_an_employee_without_position_have_no_requirement(as_alice, employee, self_assessment):
    employee.position = None
    employee.save()
    comm = by_code(as_alice.get(levels_url(self_assessment)))["COMM"]
    assert (comm["required"], comm["gap"]) == (None, None)


def test_levels_of_another_persons_assessment_are_404(as_bob, self_assessment):
    assert as_bob.get(levels_url(self_assessment)).status_code == 404


@pytest.mark.parametrize("rated", [2, 122])
def test_levels_cost_four_queries_however_many_indicators_are_rated(
    as_alice, employee, self_assessment, rated, django_assert_num_queries
):
    codes = CycleIndicator.objects.filter(cycle=self_assessment.cycle).values_list("code", flat=True)[:rated]
    services.save_ratings(
        assessment=self_assessment,
        rater=employee.user,
        ratings={code: services.RatingInput(score=2) for code in codes},
        expected_version=0,
    )
    # The assessment, the cycle's indicators with their ratings, the competencies and the required levels.
    with django_assert_num_queries(4):
        response = as_alice.get(levels_url(self_assessment))
    assert len(response.json()) == 7
