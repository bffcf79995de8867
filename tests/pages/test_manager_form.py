"""The manager rates a direct report beside the report's own ratings, then signs off."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Assessment
from tests import factories
from tests.pages.conftest import add_report, form_url, fresh, results_url

pytestmark = pytest.mark.django_db


def test_the_manager_rates_a_direct_report_on_the_same_form(as_mallory, manager_assessment):
    page = as_mallory.get(form_url(manager_assessment)).content.decode()
    assert page.count('<fieldset class="indicator') == 122
    assert 'id="rating-form"' in page


def test_the_reports_own_ratings_are_not_shown_before_they_submit(
    as_mallory, manager_assessment, self_assessment, employee
):
    factories.rate_all(self_assessment, employee.user, 3)
    assert '<aside class="beside' not in as_mallory.get(form_url(manager_assessment)).content.decode()


def test_the_reports_own_rating_and_note_are_shown_beside_each_indicator_once_submitted(
    as_mallory, manager_assessment, self_assessment, employee
):
    factories.rate_all(self_assessment, employee.user, 3)
    self_assessment.refresh_from_db()
    services.save_ratings(
        assessment=self_assessment,
        rater=employee.user,
        ratings={"COMM-01": services.RatingInput(score=3, note="Presented to 200 people")},
        expected_version=self_assessment.version,
    )
    services.submit_assessment(assessment=self_assessment, user=employee.user)
    page = as_mallory.get(form_url(manager_assessment), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    item = page.split('id="ind-COMM-01"', 1)[1].split("</fieldset>", 1)[0]
    assert '<span class="value">3 · Consistently</span>' in item
    assert "Presented to 200 people" in item


def test_the_computed_levels_are_shown_against_the_required_ones(as_mallory, manager_assessment):
    page = as_mallory.get(form_url(manager_assessment)).content.decode()
    row = page.split('data-level-row="MKT"', 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Required">2</td>' in row
    assert "data-level>0</td>" in row


def test_an_autosave_of_the_manager_form_returns_the_updated_levels(as_mallory, manager_assessment):
    response = as_mallory.post(
        form_url(manager_assessment),
        {"version": fresh(manager_assessment).version, "score-COMM-01": "3", "note-COMM-01": ""},
        HTTP_ACCEPT="application/json",
    )
    levels = {level["code"]: level for level in json.loads(response.content)["levels"]}
    assert levels["COMM"]["gap"] == 2
    assert "gap-pos" in levels["COMM"]["gap_html"]


def test_another_manager_cannot_open_the_form(as_oscar, manager_assessment):
    assert as_oscar.get(form_url(manager_assessment)).status_code == 404


def test_the_employee_cannot_open_the_managers_draft(as_alice, manager_assessment):
    assert as_alice.get(form_url(manager_assessment)).status_code == 404


def test_the_manager_form_has_a_next_report_link(as_mallory, manager_assessment):
    page = as_mallory.get(form_url(manager_assessment)).content.decode()
    assert reverse("assessment_next", args=[manager_assessment.pk]) in page


def test_next_report_goes_to_the_following_direct_report(as_mallory, manager_assessment, cycle, manager, hr):
    report = add_report(cycle, manager, hr, name="Zoe")
    following = Assessment.objects.get(cycle=cycle, employee=report, kind=Assessment.Kind.MANAGER)
    response = as_mallory.get(reverse("assessment_next", args=[manager_assessment.pk]))
    assert response.url == form_url(following)


def test_next_report_wraps_around_to_the_first(as_mallory, manager_assessment, cycle, manager, hr):
    report = add_report(cycle, manager, hr, name="Zoe")
    last = Assessment.objects.get(cycle=cycle, employee=report, kind=Assessment.Kind.MANAGER)
    assert as_mallory.get(reverse("assessment_next", args=[last.pk])).url == form_url(manager_assessment)


def test_next_report_is_not_found_for_another_managers_assessment(as_oscar, manager_assessment):
    assert as_oscar.get(reverse("assessment_next", args=[manager_assessment.pk])).status_code == 404


# Sign-off and acknowledgement ---------------------------------------------------------------


def sign_off_url(assessment: Assessment) -> str:
    return reverse("assessment_sign_off", args=[assessment.pk])


def test_the_manager_sees_a_sign_off_button_once_submitted(as_mallory, submitted_manager):
    assert 'id="sign-off-button"' in as_mallory.get(form_url(submitted_manager)).content.decode()


def test_the_manager_signs_off_and_lands_on_the_results(as_mallory, submitted_manager):
    response = as_mallory.post(sign_off_url(submitted_manager))
    assert response.url == results_url(submitted_manager)
    assert fresh(submitted_manager).manager_signed_off_at is not None


def test_the_employee_acknowledges_after_the_manager_signed_off(as_alice, as_mallory, submitted_manager):
    as_mallory.post(sign_off_url(submitted_manager))
    as_alice.post(sign_off_url(submitted_manager))
    assert fresh(submitted_manager).status == Assessment.Status.SIGNED_OFF


def test_the_employee_cannot_acknowledge_twice(as_alice, submitted_manager):
    as_alice.post(sign_off_url(submitted_manager))
    assert as_alice.post(sign_off_url(submitted_manager)).status_code == 403


def test_another_manager_cannot_sign_off(as_oscar, submitted_manager):
    assert as_oscar.post(sign_off_url(submitted_manager)).status_code == 404


def test_hr_cannot_sign_off_for_the_manager(as_hr, submitted_manager):
    assert as_hr.post(sign_off_url(submitted_manager)).status_code == 403


# Query budget --------------------------------------------------------------------------------

# Session, user, the assessment (with cycle, people and counterpart), indicators with both sides'
# ratings, required levels and the career stages pinned with them.
MANAGER_FORM_QUERIES = 4


def test_the_manager_form_with_the_reports_ratings_beside_costs_four_queries(
    as_mallory, manager_assessment, submitted_self, django_assert_num_queries
):
    with django_assert_num_queries(MANAGER_FORM_QUERIES):
        as_mallory.get(form_url(manager_assessment))
