"""The shipped fixture holds exactly the source document's model, plus the items we drafted."""

import json

import pytest
from django.core.management import call_command

from competency.models import BehavioralIndicator, CareerStage, Competency, ProficiencyLevel
from competency.source import FIXTURE_PATH, SOURCE_DIR, ModelSource, build_fixture

pytestmark = pytest.mark.django_db

SOURCE = json.loads((SOURCE_DIR / "model.json").read_text(encoding="utf-8"))
DRAFTED = json.loads((SOURCE_DIR / "drafted.json").read_text(encoding="utf-8"))


def source_indicators() -> list[tuple[str, int | None, int, str]]:
    """(competency code, level, position, Chinese text) straight from model.json."""
    rows: list[tuple[str, int | None, int, str]] = []
    for competency in SOURCE["generic"]:
        rows += [(competency["code"], None, n, t) for n, t in enumerate(competency["indicators_zh"], start=1)]
    for competency in SOURCE["professional"]:
        for level in competency["levels"]:
            rows += [(competency["code"], level["level"], n, t) for n, t in enumerate(level["indicators_zh"], start=1)]
    return rows


def test_every_source_indicator_is_loaded_at_its_competency_level_and_position():
    for code, level, position, text in source_indicators():
        indicator = BehavioralIndicator.objects.select_related("competency", "level").get(
            competency__code=code, level__number=level, order=position, provenance="source"
        )
        assert indicator.text_zh == text
        assert indicator.text_en.strip()


def test_the_source_has_89_professional_and_26_generic_indicators():
    rows = source_indicators()
    assert sum(1 for r in rows if r[1] is None) == 26
    assert sum(1 for r in rows if r[1] is not None) == 89
    assert BehavioralIndicator.objects.filter(provenance="source").count() == 115


def test_drafted_indicators_are_exactly_the_ones_the_draft_file_marks():
    drafted = set(BehavioralIndicator.objects.drafted().values_list("code", flat=True))
    assert drafted == {item["code"] for item in DRAFTED["indicators"]}
    assert drafted == {"SALES-2-07", *(f"SALES-3-0{n}" for n in range(1, 7))}


def test_the_completed_fragment_keeps_the_source_words_it_starts_with():
    fragment = SOURCE["professional"][3]["levels"][1]["truncated_fragment_zh"]
    indicator = BehavioralIndicator.objects.get(code="SALES-2-07")
    assert indicator.text_zh.startswith(fragment)
    assert len(indicator.text_zh) > len(fragment)


def test_every_text_has_both_languages():
    for competency in Competency.objects.all():
        assert competency.name_zh and competency.name_en and competency.description_en
    for stage in CareerStage.objects.prefetch_related("descriptors"):
        assert stage.name_en
        assert all(d.text_en for d in stage.descriptors.all())


def test_the_model_has_three_generic_and_four_professional_competencies_with_three_levels():
    assert list(Competency.objects.filter(kind="generic").values_list("code", flat=True)) == ["COMM", "LOGIC", "COORD"]
    assert list(Competency.objects.filter(kind="professional").values_list("code", flat=True)) == [
        "MKT",
        "PROD",
        "CRM",
        "SALES",
    ]
    assert ProficiencyLevel.objects.filter(competency__kind="generic").count() == 0
    assert ProficiencyLevel.objects.filter(competency__kind="professional").count() == 12


def test_inferred_level_boundaries_keep_their_flag_for_review():
    crm3 = ProficiencyLevel.objects.get(competency__code="CRM", number=3)
    assert crm3.is_boundary_inferred
    assert "least certain" in crm3.boundary_note
    assert CareerStage.objects.get(number=1).is_boundary_inferred is False
    assert CareerStage.objects.get(number=4).is_boundary_inferred is True


def test_level_three_stands_for_the_merged_third_and_fourth_career_stages():
    level = ProficiencyLevel.objects.get(competency__code="MKT", number=3)
    assert sorted(level.career_stages.values_list("number", flat=True)) == [3, 4]


def test_the_committed_fixture_is_what_the_source_builds():
    committed = json.loads(FIXTURE_PATH.read_text(encoding="utf-8"))
    assert committed == build_fixture(ModelSource.read())


def test_loading_the_fixture_twice_changes_nothing():
    before = list(BehavioralIndicator.objects.order_by("pk").values())
    call_command("loaddata", "key_account_sales", verbosity=0)
    assert list(BehavioralIndicator.objects.order_by("pk").values()) == before
    assert BehavioralIndicator.objects.count() == 122
