"""Submitting: a confirmation step, then the missing indicators or the read-only assessment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests import factories
from tests.pages.conftest import form_url, fresh

pytestmark = pytest.mark.django_db


def submit_url(assessment: Assessment) -> str:
    return reverse("assessment_submit", args=[assessment.pk])


def test_submitting_starts_with_a_confirmation_step(as_alice, self_assessment):
    page = as_alice.get(submit_url(self_assessment)).content.decode()
    assert 'id="confirm-submit"' in page


def test_the_confirmation_step_changes_nothing(as_alice, self_assessment, employee):
    factories.rate_all(self_assessment, employee.user, 2)
    as_alice.get(submit_url(self_assessment))
    assert fresh(self_assessment).status == Assessment.Status.DRAFT


def test_submitting_with_indicators_missing_lists_them_with_links(as_alice, self_assessment):
    page = as_alice.post(submit_url(self_assessment)).content.decode()
    assert f'href="{form_url(self_assessment)}#ind-COMM-01"' in page
    assert page.count('<li><a href="' + form_url(self_assessment) + "#ind-") == 122


def test_submitting_with_indicators_missing_leaves_a_draft(as_alice, self_assessment):
    as_alice.post(submit_url(self_assessment))
    assert fresh(self_assessment).status == Assessment.Status.DRAFT


def test_submitting_a_complete_assessment_shows_it_read_only(as_alice, self_assessment, employee):
    factories.rate_all(self_assessment, employee.user, 2)
    response = as_alice.post(submit_url(self_assessment), follow=True)
    assert response.redirect_chain[-1][0] == form_url(self_assessment)
    assert 'id="rating-form"' not in response.content.decode()


def test_submitting_a_complete_assessment_marks_it_submitted(as_alice, self_assessment, employee):
    factories.rate_all(self_assessment, employee.user, 2)
    as_alice.post(submit_url(self_assessment))
    assert fresh(self_assessment).status == Assessment.Status.SUBMITTED


def test_another_employee_cannot_submit_it(as_bob, self_assessment):
    assert as_bob.post(submit_url(self_assessment)).status_code == 404


def test_hr_cannot_submit_it_for_the_employee(as_hr, self_assessment):
    assert as_hr.post(submit_url(self_assessment)).status_code == 403


def test_a_submitted_assessment_goes_back_to_its_read_only_page(as_alice, submitted_self):
    assert as_alice.get(submit_url(submitted_self)).url == form_url(submitted_self)
