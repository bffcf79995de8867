"""Pin the career stage names of each indicator's level in its cycle, as the indicator itself is pinned."""

from collections import defaultdict

from django.db import migrations, models


def backfill(apps, schema_editor):
    CycleIndicator = apps.get_model("assessments", "CycleIndicator")
    ProficiencyLevel = apps.get_model("competency", "ProficiencyLevel")
    names = defaultdict(lambda: ([], []))
    levels = ProficiencyLevel.career_stages.through.objects.order_by("careerstage__number")
    for competency_id, number, name_zh, name_en in levels.values_list(
        "proficiencylevel__competency_id", "proficiencylevel__number", "careerstage__name_zh", "careerstage__name_en"
    ):
        names[(competency_id, number)][0].append(name_zh)
        names[(competency_id, number)][1].append(name_en)
    for (competency_id, number), (zh, en) in names.items():
        CycleIndicator.objects.filter(competency_id=competency_id, level_number=number).update(
            stages_zh=" + ".join(zh), stages_en=" + ".join(en)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_backfill_competency_results"),
        ("competency", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="cycleindicator",
            name="stages_en",
            field=models.CharField(
                blank=True, help_text="The career stages the indicator's level stands for, in English.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="cycleindicator",
            name="stages_zh",
            field=models.CharField(
                blank=True, help_text="The career stages the indicator's level stands for, in Chinese.", max_length=200
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
