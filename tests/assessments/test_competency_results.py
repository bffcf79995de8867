"""Each submitted assessment's level per competency is stored for group reports, and kept right."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from assessments import results, services
from assessments.models import Assessment, CompetencyResult, Cycle, Rating
from tests import factories

pytestmark = pytest.mark.django_db


def stored(assessment: Assessment) -> dict[str, int]:
    return dict(
        CompetencyResult.objects.filter(assessment=assessment).values_list("competency__code", "level").order_by()
    )


def computed(assessment: Assessment) -> dict[str, int]:
    assessment = Assessment.objects.select_related("cycle", "employee__position").get(pk=assessment.pk)
    return {level.competency.code: level.level for level in services.assessment_levels(assessment=assessment)}


@pytest.fixture
def submitted(manager_assessment: Assessment, manager) -> Assessment:
    """Alice's manager assessment, every indicator rated 2 and submitted."""
    return factories.rate_all(manager_assessment, manager.user, 2, submit=True)


def test_a_draft_has_no_stored_results(manager_assessment, manager):
    factories.rate_all(manager_assessment, manager.user, 2)
    assert stored(manager_assessment) == {}


def test_submitting_stores_the_level_of_every_competency_as_the_results_page_computes_it(submitted):
    assert stored(submitted) == computed(submitted)
    assert len(stored(submitted)) == 7


def test_results_carry_the_thresholds_they_were_computed_with(submitted):
    result = CompetencyResult.objects.filter(assessment=submitted).first()
    assert result is not None
    assert (result.demonstrated_at, result.attainment_numerator, result.attainment_denominator) == (2, 2, 3)


def test_reopening_forgets_the_results(submitted, hr):
    services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Rated the wrong period")
    assert stored(submitted) == {}


def test_submitting_again_after_a_reopening_stores_the_new_levels(submitted, hr, manager):
    services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Too generous")
    factories.rate_all(submitted, manager.user, 0, submit=True)
    assert set(stored(submitted).values()) == {0}
    assert stored(submitted) == computed(submitted)


def test_signing_off_keeps_the_results(submitted, manager, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, 3, submit=True)
    services.sign_off_assessment(assessment=submitted, user=manager.user)
    services.sign_off_assessment(assessment=submitted, user=employee.user)
    assert Assessment.objects.get(pk=submitted.pk).status == Assessment.Status.SIGNED_OFF
    assert stored(submitted) == computed(submitted)
    assert stored(self_assessment) == computed(self_assessment)


def test_results_computed_under_other_thresholds_are_recomputed_before_they_are_read(submitted):
    # Every rating is 2: demonstrated at 2, but not once the cycle asks for 3.
    Cycle.objects.filter(pk=submitted.cycle_id).update(demonstrated_at=3)
    cycle = Cycle.objects.get(pk=submitted.cycle_id)
    assert results.stale_assessment_ids(cycle) == [submitted.pk]
    assert results.refresh_results(cycle=cycle) == 1
    assert stored(submitted) == computed(submitted)
    assert stored(submitted)["MKT"] == 0
    assert results.refresh_results(cycle=cycle) == 0


def test_a_submitted_assessment_without_results_gets_them_when_they_are_next_read(submitted):
    CompetencyResult.objects.filter(assessment=submitted).delete()
    assert results.refresh_results(cycle=submitted.cycle) == 1
    assert stored(submitted) == computed(submitted)


def test_stale_results_of_a_draft_are_never_read(submitted, hr, django_assert_num_queries):
    services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Rated the wrong period")
    with django_assert_num_queries(1):
        assert results.refresh_results(cycle=submitted.cycle) == 0


def test_the_backfill_command_stores_what_is_missing(submitted):
    CompetencyResult.objects.filter(assessment=submitted).delete()
    Rating.objects.filter(assessment=submitted).update(score=3)
    call_command("store_competency_results", verbosity=0)
    assert stored(submitted) == computed(submitted)
