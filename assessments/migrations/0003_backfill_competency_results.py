"""Store the competency results of every assessment submitted before results were stored."""

from collections import defaultdict

from django.db import migrations

# Assessments whose ratings are held in memory at once.
CHUNK = 500
SUBMITTED = ("submitted", "signed_off")


def backfill(apps, schema_editor):
    # The level rule is pure functions over plain values, so the historical models can feed it.
    from assessments.levels import IndicatorScore, LevelRule, competency_level

    Assessment = apps.get_model("assessments", "Assessment")
    CompetencyResult = apps.get_model("assessments", "CompetencyResult")
    Cycle = apps.get_model("assessments", "Cycle")
    CycleIndicator = apps.get_model("assessments", "CycleIndicator")
    Rating = apps.get_model("assessments", "Rating")
    Competency = apps.get_model("competency", "Competency")
    for cycle in Cycle.objects.all():
        ids = list(
            Assessment.objects.filter(cycle=cycle, status__in=SUBMITTED)
            .exclude(pk__in=CompetencyResult.objects.values("assessment_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            continue
        rule = LevelRule(cycle.demonstrated_at, cycle.attainment_numerator, cycle.attainment_denominator)
        stamp = {
            "demonstrated_at": cycle.demonstrated_at,
            "attainment_numerator": cycle.attainment_numerator,
            "attainment_denominator": cycle.attainment_denominator,
        }
        indicators = list(
            CycleIndicator.objects.filter(cycle=cycle)
            .order_by("position")
            .values_list("pk", "competency_id", "code", "level_number")
        )
        kinds = dict(Competency.objects.filter(track_id=cycle.track_id).values_list("pk", "kind"))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            scores = defaultdict(dict)
            for assessment_id, indicator_id, score in Rating.objects.filter(assessment_id__in=chunk).values_list(
                "assessment_id", "indicator_id", "score"
            ):
                scores[assessment_id][indicator_id] = score
            rows = []
            for assessment_id in chunk:
                given = scores[assessment_id]
                by_competency = defaultdict(list)
                for pk, competency_id, code, level_number in indicators:
                    by_competency[competency_id].append(IndicatorScore(code, level_number, given.get(pk)))
                for competency_id, items in by_competency.items():
                    result = competency_level(items, is_generic=kinds[competency_id] == "generic", rule=rule)
                    rows.append(
                        CompetencyResult(
                            assessment_id=assessment_id, competency_id=competency_id, level=result.level, **stamp
                        )
                    )
            CompetencyResult.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_add_competency_result"),
        ("competency", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
