"""Saving ratings is compare-and-set on the version: an older copy never overwrites a newer save."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import Assessment, AssessmentEvent, Rating
from tests import factories

pytestmark = pytest.mark.django_db


def save(assessment: Assessment, rater, version: int, **scores: int | None) -> Assessment:
    """Save scores given as MKT_1_01=2 for the code MKT-1-01."""
    return services.save_ratings(
        assessment=assessment,
        rater=rater,
        ratings={code.replace("_", "-"): services.RatingInput(score=score) for code, score in scores.items()},
        expected_version=version,
    )


def stored(assessment: Assessment) -> dict[str, int | None]:
    return dict(Rating.objects.filter(assessment=assessment).values_list("indicator__code", "score"))


@pytest.fixture
def two_tabs(self_assessment) -> tuple[Assessment, Assessment]:
    """The same draft loaded twice, as two browser tabs would."""
    return Assessment.objects.get(pk=self_assessment.pk), Assessment.objects.get(pk=self_assessment.pk)


def test_first_of_two_saves_from_the_same_version_wins(two_tabs, employee):
    first, second = two_tabs
    save(first, employee.user, first.version, MKT_1_01=3)
    with pytest.raises(services.StaleWrite):
        save(second, employee.user, second.version, MKT_1_01=0)
    assert stored(first) == {"MKT-1-01": 3}


def test_second_save_from_the_same_version_is_refused(two_tabs, employee):
    first, second = two_tabs
    save(first, employee.user, first.version, MKT_1_01=3)
    with pytest.raises(services.StaleWrite):
        save(second, employee.user, second.version, MKT_1_02=1)


def test_refused_save_changes_nothing(two_tabs, employee):
    first, second = two_tabs
    save(first, employee.user, first.version, MKT_1_01=3)
    with pytest.raises(services.StaleWrite):
        save(second, employee.user, second.version, MKT_1_01=0, MKT_1_02=1)
    assessment = Assessment.objects.get(pk=first.pk)
    saves = assessment.events.filter(action=AssessmentEvent.Action.SAVED).count()
    assert (stored(assessment), assessment.version, saves) == ({"MKT-1-01": 3}, 1, 1)


def test_refused_save_says_which_version_is_stored(two_tabs, employee):
    first, second = two_tabs
    save(first, employee.user, first.version, MKT_1_01=3)
    with pytest.raises(services.StaleWrite) as refused:
        save(second, employee.user, second.version, MKT_1_01=0)
    assert refused.value.assessment.version == 1


def test_saving_again_from_the_returned_version_succeeds(self_assessment, employee):
    saved = save(self_assessment, employee.user, self_assessment.version, MKT_1_01=1)
    saved = save(saved, employee.user, saved.version, MKT_1_01=2)
    assert (saved.version, stored(saved)) == (2, {"MKT-1-01": 2})


def test_partial_save_keeps_earlier_saved_ratings(self_assessment, employee):
    saved = save(self_assessment, employee.user, self_assessment.version, MKT_1_01=3, MKT_1_02=2)
    saved = save(saved, employee.user, saved.version, MKT_1_03=1)
    assert stored(saved) == {"MKT-1-01": 3, "MKT-1-02": 2, "MKT-1-03": 1}


def test_partial_save_changes_only_the_ratings_it_names(self_assessment, employee):
    saved = save(self_assessment, employee.user, self_assessment.version, MKT_1_01=3, MKT_1_02=2)
    saved = save(saved, employee.user, saved.version, MKT_1_02=0)
    assert stored(saved) == {"MKT-1-01": 3, "MKT-1-02": 0}


def test_bad_score_in_a_batch_writes_nothing(self_assessment, employee):
    with pytest.raises(ValidationError):
        save(self_assessment, employee.user, self_assessment.version, MKT_1_01=2, MKT_1_02=5)
    assert (stored(self_assessment), Assessment.objects.get(pk=self_assessment.pk).version) == ({}, 0)


def test_unknown_code_in_a_batch_writes_nothing(self_assessment, employee):
    with pytest.raises(ValidationError):
        save(self_assessment, employee.user, self_assessment.version, MKT_1_01=2, XYZ_9_99=1)
    assert stored(self_assessment) == {}


def test_bad_value_names_the_offending_code(self_assessment, employee):
    with pytest.raises(ValidationError) as refused:
        save(self_assessment, employee.user, self_assessment.version, MKT_1_01=2, MKT_1_02=-1)
    assert list(refused.value.message_dict) == ["MKT-1-02"]


def test_too_long_note_writes_nothing(self_assessment, employee):
    with pytest.raises(ValidationError):
        services.save_ratings(
            assessment=self_assessment,
            rater=employee.user,
            ratings={
                "MKT-1-01": services.RatingInput(score=2),
                "MKT-1-02": services.RatingInput(score=2, note="x" * (services.MAX_NOTE_LENGTH + 1)),
            },
            expected_version=self_assessment.version,
        )
    assert stored(self_assessment) == {}


def test_saving_a_draft_copy_after_it_was_submitted_elsewhere_is_stale(self_assessment, employee):
    stale_copy = Assessment.objects.get(pk=self_assessment.pk)
    submitted = factories.rate_all(self_assessment, employee.user, submit=True)
    # Even the current version is refused: a submitted assessment takes no more saves.
    with pytest.raises(services.StaleWrite):
        save(stale_copy, employee.user, submitted.version, MKT_1_01=0)
