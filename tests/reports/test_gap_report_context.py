"""What the gap report says, as a typed context, without rendering a PDF."""

from __future__ import annotations

from datetime import date

from django.utils import translation

from assessments.models import CycleIndicator
from reports.contexts import GapReportContext, labels_for
from reports.gaps import employee_gaps
from tests.reports.conftest import codes, rate

TODAY = date(2026, 3, 1)


def context_for(cycle, employee, language: str) -> GapReportContext:
    return GapReportContext.from_gaps(employee_gaps(cycle=cycle, employee=employee), language=language, today=TODAY)


def row(context: GapReportContext, code: str):
    return next(r for r in context.rows if r.code == code)


def test_header_names_the_employee_position_manager_cycle_and_date(assessed, cycle, employee):
    header = context_for(cycle, employee, "en").header
    assert (header.employee_name, header.manager_name, header.cycle_name) == ("Alice", "Mallory", "Test cycle")
    assert header.position == ("account-manager",)
    assert header.generated_on == TODAY


def test_english_report_names_competencies_in_english(assessed, cycle, employee):
    name_en = next(c.name_en for c in employee_gaps(cycle=cycle, employee=employee).competencies if c.code == "MKT")
    assert row(context_for(cycle, employee, "en"), "MKT").name == (name_en,)


def test_chinese_report_names_competencies_in_chinese(assessed, cycle, employee):
    name_zh = next(c.name_zh for c in employee_gaps(cycle=cycle, employee=employee).competencies if c.code == "MKT")
    assert row(context_for(cycle, employee, "zh-hans"), "MKT").name == (name_zh,)


def test_bilingual_report_carries_both_names_chinese_first(assessed, cycle, employee):
    mkt = next(c for c in employee_gaps(cycle=cycle, employee=employee).competencies if c.code == "MKT")
    assert row(context_for(cycle, employee, "both"), "MKT").name == (mkt.name_zh, mkt.name_en)


def test_gap_row_marks_a_competency_below_its_requirement(assessed, cycle, employee):
    mkt = row(context_for(cycle, employee, "en"), "MKT")
    assert (mkt.required, mkt.self_level, mkt.manager_level, mkt.gap, mkt.state) == (2, 3, 1, 1, "below")


def test_each_level_reason_is_written_in_the_report_language(assessed, cycle, employee):
    mkt = row(context_for(cycle, employee, "en"), "MKT")
    assert mkt.manager_reason[0].startswith("level 1 attained; level 2 blocked by MKT-2-01")


def test_blind_spot_agenda_lists_indicator_texts_and_both_scores(assessed, cycle, employee):
    context = context_for(cycle, employee, "en")
    first = context.blind_spots[0]
    indicator = CycleIndicator.objects.get(cycle=cycle, code=first.code)
    assert (first.text, first.self_score, first.manager_score, first.difference) == ((indicator.text_en,), 3, 0, 3)


def test_drafted_indicators_in_the_agenda_are_flagged(manager_assessment, self_assessment, employee, manager, cycle):
    rate(self_assessment, employee.user, default=3)
    rate(
        manager_assessment, manager.user, default=3, scores={code: 0 for code in codes(manager_assessment, "SALES-3-")}
    )
    context = context_for(cycle, employee, "en")
    assert {r.code for r in context.blind_spots if r.is_drafted} == set(codes(manager_assessment, "SALES-3-"))
    assert context.has_drafted


def test_radar_has_one_axis_per_competency_in_the_first_language(assessed, cycle, employee):
    context = context_for(cycle, employee, "both")
    for r in context.rows:
        assert f">{r.name[0]}</text>" in context.radar


def test_labels_are_resolved_in_the_document_language():
    with translation.override("zh-hans"):
        labels = labels_for(("en",))
    assert labels["gap"] == "Gap"


def test_a_report_before_the_manager_has_rated_says_it_is_not_assessed(self_assessment, employee, cycle):
    rate(self_assessment, employee.user, default=2)
    context = context_for(cycle, employee, "en")
    assert not context.is_assessed
    assert all(r.state == "unknown" for r in context.rows)
