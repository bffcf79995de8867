"""Submitting, signing off and reopening an assessment over the API."""

import pytest

from assessments.models import Assessment, AssessmentEvent
from tests import factories

pytestmark = pytest.mark.django_db


def url(assessment, action):
    return f"/api/v1/assessments/{assessment.pk}/{action}/"


@pytest.fixture
def submitted_manager_assessment(manager, manager_assessment):
    return factories.rate_all(manager_assessment, manager.user, submit=True)


def test_rater_submits_a_fully_rated_assessment(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user)
    response = as_alice.post(url(self_assessment, "submit"))
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"


def test_submitting_with_unrated_indicators_lists_the_missing_codes(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user)
    self_assessment.ratings.filter(indicator__code__in=["COMM-04", "MKT-2-03"]).update(score=None)
    response = as_alice.post(url(self_assessment, "submit"))
    assert response.status_code == 400
    assert response.json()["missing"] == ["COMM-04", "MKT-2-03"]
    assert "COMM-04, MKT-2-03" in response.json()["ratings"][0]


def test_a_failed_submit_leaves_a_draft(as_alice, self_assessment):
    as_alice.post(url(self_assessment, "submit"))
    assert Assessment.objects.get(pk=self_assessment.pk).status == "draft"


def test_submitting_twice_is_refused(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, submit=True)
    assert as_alice.post(url(self_assessment, "submit")).status_code == 403


def test_hr_cannot_submit_for_the_rater(as_hr, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user)
    assert as_hr.post(url(self_assessment, "submit")).status_code == 403


def test_manager_signs_off_their_submitted_assessment(as_mallory, submitted_manager_assessment):
    response = as_mallory.post(url(submitted_manager_assessment, "sign-off"))
    assert response.status_code == 200
    assert response.json()["manager_signed_off_at"] is not None
    assert response.json()["status"] == "submitted"


def test_employee_acknowledges_the_managers_assessment(as_alice, submitted_manager_assessment):
    response = as_alice.post(url(submitted_manager_assessment, "sign-off"))
    assert response.status_code == 200
    assert response.json()["employee_acknowledged_at"] is not None


def test_assessment_is_signed_off_when_manager_and_employee_both_have(
    as_alice, as_mallory, submitted_manager_assessment
):
    as_mallory.post(url(submitted_manager_assessment, "sign-off"))
    response = as_alice.post(url(submitted_manager_assessment, "sign-off"))
    assert response.json()["status"] == "signed_off"


def test_manager_cannot_sign_off_twice(as_mallory, submitted_manager_assessment):
    as_mallory.post(url(submitted_manager_assessment, "sign-off"))
    assert as_mallory.post(url(submitted_manager_assessment, "sign-off")).status_code == 403


def test_a_draft_cannot_be_signed_off(as_mallory, manager_assessment):
    assert as_mallory.post(url(manager_assessment, "sign-off")).status_code == 403


def test_a_self_assessment_is_not_signed_off(as_alice, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, submit=True)
    assert as_alice.post(url(self_assessment, "sign-off")).status_code == 403


def test_hr_reopens_a_submitted_assessment_with_a_reason(as_hr, submitted_manager_assessment):
    response = as_hr.post(url(submitted_manager_assessment, "reopen"), {"reason": "Wrong person rated"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reopen_reason"]) == ("draft", "Wrong person rated")


def test_reopening_keeps_the_ratings(as_hr, submitted_manager_assessment):
    as_hr.post(url(submitted_manager_assessment, "reopen"), {"reason": "Check CRM"}, format="json")
    assert submitted_manager_assessment.ratings.filter(score=2).count() == 122


def test_reopening_is_recorded_with_its_reason(as_hr, submitted_manager_assessment):
    as_hr.post(url(submitted_manager_assessment, "reopen"), {"reason": "Check CRM"}, format="json")
    event = AssessmentEvent.objects.filter(assessment=submitted_manager_assessment).first()
    assert (event.action, event.detail) == ("reopened", "Check CRM")


def test_reopening_without_a_reason_is_a_400(as_hr, submitted_manager_assessment):
    response = as_hr.post(url(submitted_manager_assessment, "reopen"), {"reason": "   "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


def test_manager_cannot_reopen(as_mallory, submitted_manager_assessment):
    response = as_mallory.post(url(submitted_manager_assessment, "reopen"), {"reason": "Oops"}, format="json")
    assert response.status_code == 403
