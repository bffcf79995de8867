"""The home page shows each role what to do now, and nothing of other people's work."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from assessments import services
from tests import factories
from tests.pages.conftest import add_report, client_for, form_url, results_url

pytestmark = pytest.mark.django_db


def test_an_employee_sees_their_open_self_assessment_with_its_progress(as_alice, self_assessment):
    page = as_alice.get(reverse("home")).content.decode()
    assert form_url(self_assessment) in page
    assert "0 / 122 rated" in page


def test_the_progress_counts_the_indicators_rated_so_far(as_alice, self_assessment, employee):
    factories.rate_all(self_assessment, employee.user, 2)
    assert "122 / 122 rated" in as_alice.get(reverse("home")).content.decode()


def test_an_employee_sees_the_self_assessment_deadline(as_alice, cycle):
    page = as_alice.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        assert f"Due {date_format(cycle.self_assessment_due_on, 'DATE_FORMAT')}" in page


def test_an_employee_sees_no_results_link_before_the_manager_submits(as_alice, self_assessment):
    assert results_url(self_assessment) not in as_alice.get(reverse("home")).content.decode()


def test_an_employee_sees_their_results_once_the_manager_has_submitted(as_alice, submitted_manager):
    assert results_url(submitted_manager) in as_alice.get(reverse("home")).content.decode()


def test_a_manager_sees_each_report_with_a_rate_action(as_mallory, manager_assessment):
    page = as_mallory.get(reverse("home")).content.decode()
    assert f'id="team-row-{manager_assessment.pk}"' in page
    assert form_url(manager_assessment) in page


def test_a_manager_sees_whether_the_report_has_submitted_their_self_assessment(as_mallory, submitted_self):
    row = as_mallory.get(reverse("home")).content.decode().split('id="team-row-', 1)[1].split("</tr>", 1)[0]
    assert 'class="status submitted"' in row


def test_a_manager_does_not_see_another_managers_reports(as_mallory, cycle, other_employee):
    assert "Bob" not in as_mallory.get(reverse("home")).content.decode()


def test_an_employee_without_reports_sees_no_team_section(as_alice, cycle):
    assert 'id="team-heading"' not in as_alice.get(reverse("home")).content.decode()


def test_hr_sees_open_cycles_with_their_completion(as_hr, cycle, submitted_self):
    page = as_hr.get(reverse("home")).content.decode()
    tile = page.split(f'id="cycle-tile-{cycle.pk}"', 1)[1].split("</article>", 1)[0]
    assert "<strong>2</strong>" in tile
    assert "<strong>50%</strong>" in tile


def test_hr_does_not_see_closed_cycles_on_the_home_page(as_hr, cycle, hr):
    services.close_cycle(cycle=cycle, closed_by=hr)
    assert f'id="cycle-tile-{cycle.pk}"' not in as_hr.get(reverse("home")).content.decode()


def test_someone_outside_every_cycle_is_told_there_is_nothing_to_do(db):
    page = client_for(factories.UserFactory()).get(reverse("home")).content.decode()
    assert "Nothing to do right now" in page


def test_the_home_page_shows_the_notifications_inbox(as_alice, cycle):
    assert 'id="inbox-heading"' in as_alice.get(reverse("home")).content.decode()


# Session, user, nav, own assessments, team, notifications: the same whatever the team size.
MANAGER_HOME_QUERIES = 6


def test_the_manager_home_page_costs_the_same_queries_for_one_report(as_mallory, cycle, django_assert_num_queries):
    with django_assert_num_queries(MANAGER_HOME_QUERIES):
        as_mallory.get(reverse("home"))


def test_the_manager_home_page_costs_the_same_queries_for_many_reports(
    as_mallory, cycle, manager, hr, django_assert_num_queries
):
    for n in range(4):
        add_report(cycle, manager, hr, name=f"Report {n}")
    with django_assert_num_queries(MANAGER_HOME_QUERIES):
        as_mallory.get(reverse("home"))


# Session, user, nav, own assessments, cycles with completion, notifications.
HR_HOME_QUERIES = 6


def test_the_hr_home_page_costs_the_same_queries_for_one_cycle(as_hr, cycle, django_assert_num_queries):
    with django_assert_num_queries(HR_HOME_QUERIES):
        as_hr.get(reverse("home"))


def test_the_hr_home_page_costs_the_same_queries_for_many_cycles(
    as_hr, cycle, track, hr, employee, django_assert_num_queries
):
    for n in range(3):
        services.create_cycle(
            name=f"Cycle {n}",
            track=track,
            self_assessment_opens_on=cycle.self_assessment_opens_on,
            self_assessment_due_on=cycle.self_assessment_due_on,
            manager_assessment_opens_on=cycle.manager_assessment_opens_on,
            manager_assessment_due_on=cycle.manager_assessment_due_on,
            created_by=hr,
            employees=[employee],
        )
    with django_assert_num_queries(HR_HOME_QUERIES):
        as_hr.get(reverse("home"))


# Session, user, nav, own assessments, notifications.
EMPLOYEE_HOME_QUERIES = 5


def test_the_employee_home_page_costs_the_same_queries_with_results_to_show(
    as_alice, submitted_manager, django_assert_num_queries
):
    with django_assert_num_queries(EMPLOYEE_HOME_QUERIES):
        as_alice.get(reverse("home"))
