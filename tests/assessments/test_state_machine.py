"""An assessment goes draft -> submitted -> signed off; only HR sends it back, with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from assessments import services
from assessments.models import Assessment, AssessmentEvent, CycleIndicator, Rating
from tests import factories

pytestmark = pytest.mark.django_db


def rate_all_but(assessment: Assessment, rater, *skipped: str) -> Assessment:
    codes = CycleIndicator.objects.filter(cycle_id=assessment.cycle_id).values_list("code", flat=True)
    assessment.refresh_from_db()
    return services.save_ratings(
        assessment=assessment,
        rater=rater,
        ratings={code: services.RatingInput(score=2) for code in codes if code not in skipped},
        expected_version=assessment.version,
    )


@pytest.fixture
def submitted(manager_assessment, manager) -> Assessment:
    """Alice's manager assessment, rated and submitted by Mallory."""
    return factories.rate_all(manager_assessment, manager.user, submit=True)


# Submitting ----------------------------------------------------------------------------------


def test_new_assessment_is_a_draft(self_assessment):
    assert self_assessment.status == Assessment.Status.DRAFT


def test_fully_rated_draft_is_submitted(self_assessment, employee):
    assessment = factories.rate_all(self_assessment, employee.user, submit=True)
    assert assessment.status == Assessment.Status.SUBMITTED and assessment.submitted_at is not None


def test_submit_lists_the_missing_codes_in_form_order(self_assessment, employee):
    assessment = rate_all_but(self_assessment, employee.user, "SALES-3-06", "COMM-02")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.submit_assessment(assessment=assessment, user=employee.user)
    assert error.value.message_dict["ratings"] == ["2 indicators are not rated yet: COMM-02, SALES-3-06"]


def test_indicator_with_only_a_note_counts_as_missing(self_assessment, employee):
    assessment = rate_all_but(self_assessment, employee.user, "MKT-1-01")
    assessment = services.save_ratings(
        assessment=assessment,
        rater=employee.user,
        ratings={"MKT-1-01": services.RatingInput(score=None, note="Not observed yet")},
        expected_version=assessment.version,
    )
    assert services.missing_indicators(assessment) == ["MKT-1-01"]


def test_incomplete_draft_stays_a_draft(self_assessment, employee):
    assessment = rate_all_but(self_assessment, employee.user, "MKT-1-01")
    with pytest.raises(ValidationError):
        services.submit_assessment(assessment=assessment, user=employee.user)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_submitting_a_submitted_assessment_again_is_refused(self_assessment, employee):
    assessment = factories.rate_all(self_assessment, employee.user, submit=True)
    with pytest.raises(PermissionDenied):
        services.submit_assessment(assessment=assessment, user=employee.user)


def test_second_submit_from_a_copy_loaded_before_the_first_is_refused(self_assessment, employee):
    assessment = factories.rate_all(self_assessment, employee.user)
    stale_copy = Assessment.objects.get(pk=assessment.pk)
    services.submit_assessment(assessment=assessment, user=employee.user)
    with pytest.raises(ValidationError):
        services.submit_assessment(assessment=stale_copy, user=employee.user)


def test_double_submit_records_one_submission(self_assessment, employee):
    assessment = factories.rate_all(self_assessment, employee.user)
    stale_copy = Assessment.objects.get(pk=assessment.pk)
    services.submit_assessment(assessment=assessment, user=employee.user)
    with pytest.raises(ValidationError):
        services.submit_assessment(assessment=stale_copy, user=employee.user)
    assert assessment.events.filter(action=AssessmentEvent.Action.SUBMITTED).count() == 1


def test_employee_cannot_submit_the_manager_assessment(manager_assessment, manager, employee):
    factories.rate_all(manager_assessment, manager.user)
    manager_assessment.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.submit_assessment(assessment=manager_assessment, user=employee.user)


def test_submitted_ratings_cannot_be_changed(self_assessment, employee):
    assessment = factories.rate_all(self_assessment, employee.user, submit=True)
    with pytest.raises(PermissionDenied):
        services.save_ratings(
            assessment=assessment,
            rater=employee.user,
            ratings={"MKT-1-01": services.RatingInput(score=0)},
            expected_version=assessment.version,
        )


# Signing off ---------------------------------------------------------------------------------


def test_manager_sign_off_alone_leaves_the_assessment_submitted(submitted, manager):
    assessment = services.sign_off_assessment(assessment=submitted, user=manager.user)
    assert assessment.status == Assessment.Status.SUBMITTED and assessment.manager_signed_off_at is not None


def test_employee_acknowledgement_alone_leaves_the_assessment_submitted(submitted, employee):
    assessment = services.sign_off_assessment(assessment=submitted, user=employee.user)
    assert assessment.status == Assessment.Status.SUBMITTED and assessment.employee_acknowledged_at is not None


def test_manager_then_employee_signs_the_assessment_off(submitted, manager, employee):
    services.sign_off_assessment(assessment=submitted, user=manager.user)
    assessment = services.sign_off_assessment(assessment=submitted, user=employee.user)
    assert assessment.status == Assessment.Status.SIGNED_OFF and assessment.signed_off_at is not None


def test_employee_then_manager_signs_the_assessment_off(submitted, manager, employee):
    services.sign_off_assessment(assessment=submitted, user=employee.user)
    assessment = services.sign_off_assessment(assessment=submitted, user=manager.user)
    assert assessment.status == Assessment.Status.SIGNED_OFF


def test_sign_off_also_signs_off_the_submitted_self_assessment(submitted, self_assessment, manager, employee):
    factories.rate_all(self_assessment, employee.user, submit=True)
    services.sign_off_assessment(assessment=submitted, user=manager.user)
    services.sign_off_assessment(assessment=submitted, user=employee.user)
    self_assessment.refresh_from_db()
    assert self_assessment.status == Assessment.Status.SIGNED_OFF


def test_manager_cannot_sign_off_twice(submitted, manager):
    services.sign_off_assessment(assessment=submitted, user=manager.user)
    with pytest.raises(PermissionDenied):
        services.sign_off_assessment(assessment=submitted, user=manager.user)


def test_draft_cannot_be_signed_off(manager_assessment, manager):
    with pytest.raises(PermissionDenied):
        services.sign_off_assessment(assessment=manager_assessment, user=manager.user)


def test_self_assessment_is_not_signed_off_on_its_own(self_assessment, employee):
    assessment = factories.rate_all(self_assessment, employee.user, submit=True)
    with pytest.raises(PermissionDenied):
        services.sign_off_assessment(assessment=assessment, user=employee.user)


def test_another_manager_cannot_sign_off(submitted, other_manager):
    with pytest.raises(PermissionDenied):
        services.sign_off_assessment(assessment=submitted, user=other_manager.user)


def test_hr_cannot_sign_off_for_the_manager(submitted, hr):
    with pytest.raises(PermissionDenied):
        services.sign_off_assessment(assessment=submitted, user=hr)


def test_sign_off_records_who_did_what(submitted, manager, employee):
    services.sign_off_assessment(assessment=submitted, user=employee.user)
    services.sign_off_assessment(assessment=submitted, user=manager.user)
    events = set(submitted.events.values_list("action", "actor"))
    assert {
        (AssessmentEvent.Action.ACKNOWLEDGED, employee.user.pk),
        (AssessmentEvent.Action.SIGNED_OFF, manager.user.pk),
    } <= events


# Reopening -----------------------------------------------------------------------------------


def test_hr_reopens_a_submitted_assessment_to_draft(submitted, hr):
    assessment = services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Wrong person rated")
    assert assessment.status == Assessment.Status.DRAFT


def test_reopening_keeps_the_ratings(submitted, hr):
    before = set(Rating.objects.filter(assessment=submitted).values_list("indicator_id", "score"))
    services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Wrong person rated")
    assert set(Rating.objects.filter(assessment=submitted).values_list("indicator_id", "score")) == before


def test_reopening_needs_a_reason(submitted, hr):
    with pytest.raises(ValidationError):
        services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="   ")


def test_reopening_records_the_reason(submitted, hr):
    assessment = services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Wrong person rated")
    event = assessment.events.get(action=AssessmentEvent.Action.REOPENED)
    assert (assessment.reopen_reason, event.detail, event.actor) == ("Wrong person rated", "Wrong person rated", hr)


def test_reopening_a_signed_off_assessment_clears_the_signatures(submitted, hr, manager, employee):
    services.sign_off_assessment(assessment=submitted, user=manager.user)
    services.sign_off_assessment(assessment=submitted, user=employee.user)
    assessment = services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Dispute")
    assert (assessment.manager_signed_off_at, assessment.employee_acknowledged_at, assessment.signed_off_at) == (
        None,
        None,
        None,
    )


def test_reopened_assessment_can_be_rated_again(submitted, hr, manager):
    assessment = services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Recheck MKT")
    saved = services.save_ratings(
        assessment=assessment,
        rater=manager.user,
        ratings={"MKT-1-01": services.RatingInput(score=3)},
        expected_version=assessment.version,
    )
    assert saved.ratings.get(indicator__code="MKT-1-01").score == 3


def test_manager_cannot_reopen(submitted, manager):
    with pytest.raises(PermissionDenied):
        services.reopen_assessment(assessment=submitted, reopened_by=manager.user, reason="Changed my mind")


def test_a_draft_cannot_be_reopened(manager_assessment, hr):
    with pytest.raises(ValidationError):
        services.reopen_assessment(assessment=manager_assessment, reopened_by=hr, reason="Nothing to reopen")


def test_reopening_from_a_copy_loaded_before_another_reopening_is_refused(submitted, hr):
    stale_copy = Assessment.objects.get(pk=submitted.pk)
    services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="First")
    with pytest.raises(ValidationError):
        services.reopen_assessment(assessment=stale_copy, reopened_by=hr, reason="Second")
