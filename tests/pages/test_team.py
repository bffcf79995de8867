"""The manager's team list: every direct report with both assessments' status and the next step."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests.pages.conftest import add_report, form_url, results_url

pytestmark = pytest.mark.django_db


def row_of(page: str, assessment: Assessment) -> str:
    return page.split(f'id="team-row-{assessment.pk}"', 1)[1].split("</tr>", 1)[0]


def test_the_team_list_shows_each_report_with_a_rate_action(as_mallory, manager_assessment):
    row = row_of(as_mallory.get(reverse("team")).content.decode(), manager_assessment)
    assert "Alice" in row
    assert form_url(manager_assessment) in row


def test_the_team_list_shows_when_the_report_has_submitted(as_mallory, manager_assessment, submitted_self):
    row = row_of(as_mallory.get(reverse("team")).content.decode(), manager_assessment)
    assert 'class="status submitted"' in row


def test_a_submitted_rating_offers_the_results_instead(as_mallory, submitted_manager):
    row = row_of(as_mallory.get(reverse("team")).content.decode(), submitted_manager)
    assert results_url(submitted_manager) in row


def test_the_team_list_leaves_out_another_managers_reports(as_mallory, cycle):
    assert "Bob" not in as_mallory.get(reverse("team")).content.decode()


def test_someone_without_reports_sees_an_empty_team_list(as_alice, cycle):
    assert "team-row-" not in as_alice.get(reverse("team")).content.decode()


# Session, user, nav, the team's assessments with their counts.
TEAM_QUERIES = 4


def test_the_team_list_costs_the_same_queries_for_one_report(as_mallory, cycle, django_assert_num_queries):
    with django_assert_num_queries(TEAM_QUERIES):
        as_mallory.get(reverse("team"))


def test_the_team_list_costs_the_same_queries_for_many_reports(
    as_mallory, cycle, manager, hr, django_assert_num_queries
):
    for n in range(5):
        add_report(cycle, manager, hr, name=f"Report {n}")
    with django_assert_num_queries(TEAM_QUERIES):
        as_mallory.get(reverse("team"))
