"""An employee's results: levels against the position with reasons, the chart and the review agenda."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Assessment
from tests import factories
from tests.pages.conftest import results_url

pytestmark = pytest.mark.django_db


def row_of(page: str, code: str) -> str:
    return page.split(f'data-competency="{code}"', 1)[1].split("</tr>", 1)[0]


def test_each_competency_shows_required_self_and_manager_levels_and_the_gap(as_alice, submitted_manager):
    page = as_alice.get(results_url(submitted_manager), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = row_of(page, "MKT")
    assert 'data-label="Required">2</td>' in row
    assert "data-self>3</td>" in row
    assert "data-manager>0</td>" in row
    assert "2 below" in row


def test_each_level_comes_with_its_reason(as_alice, submitted_manager):
    page = as_alice.get(results_url(submitted_manager), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reasons = page.split('id="reasons"', 1)[1].split("</section>", 1)[0]
    assert "all 3 levels attained" in reasons
    assert "no level attained" in reasons


def test_the_page_draws_the_radar_chart_with_three_series(as_alice, submitted_manager):
    page = as_alice.get(results_url(submitted_manager)).content.decode()
    assert '<svg class="radar"' in page
    for series in ("required", "self", "manager"):
        assert f'class="series {series}"' in page


def test_the_review_agenda_puts_the_largest_differences_first(
    as_alice, manager_assessment, self_assessment, employee, manager
):
    factories.rate_all(self_assessment, employee.user, 2, submit=True)
    manager_assessment.refresh_from_db()
    factories.rate_all(manager_assessment, manager.user, 2)
    manager_assessment.refresh_from_db()
    services.save_ratings(
        assessment=manager_assessment,
        rater=manager.user,
        ratings={"COMM-03": services.RatingInput(score=1), "CRM-2-01": services.RatingInput(score=0)},
        expected_version=manager_assessment.version,
    )
    services.submit_assessment(assessment=manager_assessment, user=manager.user)
    agenda = as_alice.get(results_url(manager_assessment)).content.decode().split('id="agenda"', 1)[1]
    assert agenda.index('data-agenda="CRM-2-01"') < agenda.index('data-agenda="COMM-03"')
    assert agenda.count("data-agenda=") == 2


def test_the_employee_sees_their_own_levels_before_the_manager_submits(as_alice, submitted_self):
    page = as_alice.get(results_url(submitted_self)).content.decode()
    assert "data-self>3</td>" in row_of(page, "MKT")
    assert "data-manager>–</td>" in row_of(page, "MKT")


def test_the_employee_can_acknowledge_from_the_results(as_alice, submitted_manager):
    assert 'id="sign-off-button"' in as_alice.get(results_url(submitted_manager)).content.decode()


def test_the_manager_sees_the_results_of_a_report(as_mallory, submitted_manager):
    assert as_mallory.get(results_url(submitted_manager)).status_code == 200


def test_hr_sees_anyones_results(as_hr, submitted_manager):
    assert as_hr.get(results_url(submitted_manager)).status_code == 200


def test_another_manager_cannot_see_the_results(as_oscar, submitted_manager):
    assert as_oscar.get(results_url(submitted_manager)).status_code == 404


def test_another_employee_cannot_see_the_results(as_bob, submitted_manager):
    assert as_bob.get(results_url(submitted_manager)).status_code == 404


def test_results_leave_a_place_for_report_actions(as_alice, submitted_manager):
    assert 'class="actions report-actions"' in as_alice.get(results_url(submitted_manager)).content.decode()


def test_the_results_page_costs_the_same_queries_whatever_is_rated(
    as_alice, submitted_manager, django_assert_num_queries
):
    # Session, user, nav, both assessments, indicators with both sides' ratings.
    with django_assert_num_queries(5):
        as_alice.get(results_url(submitted_manager))


def test_a_manager_draft_leaves_the_employee_without_manager_levels(as_alice, self_assessment):
    assert Assessment.objects.visible_to(self_assessment.employee.user).filter(kind="manager").count() == 0
    page = as_alice.get(results_url(self_assessment)).content.decode()
    assert "data-manager>–</td>" in row_of(page, "COMM")
