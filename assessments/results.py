"""Stored competency results: the level each submitted assessment reaches per competency.

Group heatmaps and summaries read these rows with SQL aggregates instead of every rating of the group.
A level comes from the same rule as the results page (:func:`services.levels_from_scores` with the
cycle's thresholds), and each row carries the thresholds it was computed with, so a result computed
under other thresholds is recomputed before anyone reads it. See docs/decisions/0006-stored-competency-results.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Exists, OuterRef

from assessments.models import Assessment, CompetencyResult, Cycle, CycleIndicator, Rating
from assessments.services import levels_from_scores
from competency.models import Competency

RESULT_STATES = (Assessment.Status.SUBMITTED, Assessment.Status.SIGNED_OFF)
# Assessments whose ratings are held in memory at once (122 ratings each): bounds memory for a whole cycle.
CHUNK = 500


def rule_fields(cycle: Cycle) -> dict[str, int]:
    """The cycle's thresholds as stored on each result, to write them or to match them."""
    return {
        "demonstrated_at": cycle.demonstrated_at,
        "attainment_numerator": cycle.attainment_numerator,
        "attainment_denominator": cycle.attainment_denominator,
    }


def compute_results(*, cycle: Cycle, assessment_ids: Sequence[int]) -> list[CompetencyResult]:
    """The level per competency of the given assessments of the cycle, from their ratings."""
    indicators = list(CycleIndicator.objects.filter(cycle=cycle).order_by("position"))
    competencies = list(Competency.objects.filter(track_id=cycle.track_id).order_by("order"))
    rule = rule_fields(cycle)
    results: list[CompetencyResult] = []
    for start in range(0, len(assessment_ids), CHUNK):
        chunk = assessment_ids[start : start + CHUNK]
        scores: dict[int, dict[int, int | None]] = defaultdict(dict)
        for assessment_id, indicator_id, score in Rating.objects.filter(assessment_id__in=chunk).values_list(
            "assessment_id", "indicator_id", "score"
        ):
            scores[assessment_id][indicator_id] = score
        for assessment_id in chunk:
            levels = levels_from_scores(
                cycle=cycle, indicators=indicators, scores=scores[assessment_id], competencies=competencies, required={}
            )
            results.extend(
                CompetencyResult(assessment_id=assessment_id, competency=level.competency, level=level.level, **rule)
                for level in levels
            )
    return results


def store_results(*, cycle: Cycle, assessment_ids: Sequence[int]) -> int:
    """Compute and store (or overwrite) the results of the given assessments; returns the rows written."""
    written = 0
    for start in range(0, len(assessment_ids), CHUNK):
        rows = compute_results(cycle=cycle, assessment_ids=assessment_ids[start : start + CHUNK])
        CompetencyResult.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["assessment", "competency"],
            update_fields=["level", "demonstrated_at", "attainment_numerator", "attainment_denominator"],
        )
        written += len(rows)
    return written


def record_results(*, assessment: Assessment) -> None:
    """Store a just submitted or signed-off assessment's results."""
    store_results(cycle=assessment.cycle, assessment_ids=[assessment.pk])


def clear_results(*, assessment: Assessment) -> None:
    """Forget a reopened assessment's results: a draft is nobody's finished opinion."""
    CompetencyResult.objects.filter(assessment=assessment).delete()


def stale_assessment_ids(cycle: Cycle) -> list[int]:
    """Submitted assessments of the cycle without results under the cycle's current thresholds."""
    current = CompetencyResult.objects.filter(assessment_id=OuterRef("pk"), **rule_fields(cycle))
    return list(
        Assessment.objects.filter(cycle=cycle, status__in=RESULT_STATES)
        .exclude(Exists(current))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def refresh_results(*, cycle: Cycle) -> int:
    """Bring the cycle's stored results up to date before they are read; returns the assessments recomputed.

    One query when nothing is stale. Results go stale when the cycle's thresholds change, and are missing
    for assessments submitted before results were stored or written to the database by other means.
    """
    stale = stale_assessment_ids(cycle)
    if stale:
        store_results(cycle=cycle, assessment_ids=stale)
    return len(stale)
