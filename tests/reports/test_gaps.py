"""Gap analysis per employee and per group, without any PDF."""

from __future__ import annotations

from assessments import services
from assessments.models import Assessment
from reports import gaps
from tests import factories
from tests.reports.conftest import codes, rate


def by_code(result: gaps.EmployeeGaps) -> dict[str, gaps.CompetencyGap]:
    return {c.code: c for c in result.competencies}


def test_levels_are_the_ones_the_assessment_service_computes(assessed, cycle, employee):
    expected = {level.competency.code: level.level for level in services.assessment_levels(assessment=assessed)}
    result = gaps.employee_gaps(cycle=cycle, employee=employee)
    assert {code: gap.manager_level for code, gap in by_code(result).items()} == expected


def test_gap_is_required_minus_manager_assessed_level(assessed, cycle, employee):
    result = by_code(gaps.employee_gaps(cycle=cycle, employee=employee))
    assert (result["MKT"].required, result["MKT"].manager_level, result["MKT"].gap) == (2, 1, 1)
    assert (result["COMM"].required, result["COMM"].manager_level, result["COMM"].gap) == (2, 1, 1)
    assert (result["SALES"].manager_level, result["SALES"].gap) == (3, -1)


def test_self_assessed_level_sits_beside_the_manager_one(assessed, cycle, employee):
    result = by_code(gaps.employee_gaps(cycle=cycle, employee=employee))
    assert result["MKT"].self_level == 3
    assert result["COMM"].self_level == 3


def test_each_level_keeps_its_reason(assessed, cycle, employee):
    mkt = by_code(gaps.employee_gaps(cycle=cycle, employee=employee))["MKT"]
    assert mkt.manager_result is not None
    assert mkt.manager_result.blocked_level == 2
    assert mkt.manager_result.blocked_by == tuple(codes(assessed, "MKT-2-"))


def test_blind_spots_are_indicators_where_self_and_manager_differ_by_two_or_more(assessed, cycle, employee):
    result = gaps.employee_gaps(cycle=cycle, employee=employee)
    assert {b.code for b in result.blind_spots} == set(codes(assessed, "MKT-2-") + codes(assessed, "COMM-"))


def test_biggest_difference_comes_first_on_the_blind_spot_agenda(assessed, cycle, employee):
    result = gaps.employee_gaps(cycle=cycle, employee=employee)
    assert [b.difference for b in result.blind_spots[:7]] == [3] * 7
    assert result.blind_spots[-1].difference == 2


def test_strengths_are_indicators_the_manager_rates_consistently(assessed, cycle, employee):
    result = gaps.employee_gaps(cycle=cycle, employee=employee)
    assert [s.code for s in result.strengths] == codes(assessed, "CRM-1-")


def test_a_draft_self_assessment_does_not_count(manager_assessment, self_assessment, employee, manager, cycle):
    rate(self_assessment, employee.user, default=3, submit=False)
    rate(manager_assessment, manager.user, default=2)
    result = gaps.employee_gaps(cycle=cycle, employee=employee)
    assert result.self_status == Assessment.Status.DRAFT
    assert all(c.self_level is None for c in result.competencies)
    assert result.blind_spots == ()


def test_without_a_submitted_manager_assessment_there_is_no_gap(self_assessment, employee, cycle):
    rate(self_assessment, employee.user, default=3)
    result = gaps.employee_gaps(cycle=cycle, employee=employee)
    assert not result.is_assessed
    assert all(c.gap is None for c in result.competencies)


def test_team_gaps_leave_out_other_managers_reports(assessed, cycle, manager):
    team = gaps.team_gaps(cycle=cycle, manager=manager)
    assert [row.label for row in team.rows] == ["Alice"]


def test_department_gaps_take_only_that_departments_participants(assessed, cycle, other_employee):
    elsewhere = factories.DepartmentFactory(name="Elsewhere")
    other_employee.department = elsewhere
    other_employee.save()
    department = gaps.department_gaps(cycle=cycle, department=assessed.employee.department)
    assert sum(row.participants for row in department.rows) == 1


def test_a_department_is_shown_team_by_team(assessed, cycle, manager, other_manager):
    department = gaps.department_gaps(cycle=cycle, department=assessed.employee.department)
    assert [(row.kind, row.key, row.label, row.manager_submitted) for row in department.rows] == [
        ("team", manager.pk, "Mallory", 1),
        ("team", other_manager.pk, "Oscar", 0),
    ]


def test_a_whole_cycle_is_shown_department_by_department(assessed, cycle, other_employee):
    other_employee.department = factories.DepartmentFactory(name="Elsewhere")
    other_employee.save()
    rows = {row.label: row for row in gaps.cycle_gaps(cycle=cycle).rows}
    assert set(rows) == {"Elsewhere", assessed.employee.department.name}
    assert (rows["Elsewhere"].participants, rows["Elsewhere"].manager_submitted) == (1, 0)


def test_a_group_row_counts_the_levels_against_the_required_ones(assessed, cycle):
    row = gaps.cycle_gaps(cycle=cycle).rows[0]
    cells = dict(zip([c.code for c in gaps.cycle_gaps(cycle=cycle).competencies], row.cells, strict=True))
    mkt = cells["MKT"]
    assert (mkt.required_label, mkt.mean_manager, mkt.mean_self, mkt.assessed, mkt.below_required) == ("2", 1, 3, 1, 1)
    assert (cells["SALES"].mean_gap, cells["SALES"].below_required) == (-1, 0)


def test_group_levels_agree_with_the_employee_report(assessed, cycle, employee, manager):
    person = {c.code: c for c in gaps.employee_gaps(cycle=cycle, employee=employee).competencies}
    team = gaps.team_gaps(cycle=cycle, manager=manager)
    cells = dict(zip([c.code for c in team.competencies], team.rows[0].cells, strict=True))
    assert {code: cell.gap for code, cell in cells.items()} == {code: c.gap for code, c in person.items()}
    assert {code: cell.mean_self for code, cell in cells.items()} == {code: c.self_level for code, c in person.items()}


def test_cycle_summary_counts_who_falls_short_per_competency(assessed, cycle):
    summary = {row.code: row for row in gaps.cycle_gaps(cycle=cycle).summary()}
    # Bob has no manager assessment yet: only Alice is assessed.
    assert (summary["MKT"].assessed, summary["MKT"].below_required, summary["MKT"].mean_gap) == (1, 1, 1)
    assert (summary["SALES"].below_required, summary["SALES"].mean_gap) == (0, -1)


def test_cycle_status_counts_say_how_far_the_participants_have_got(assessed, cycle):
    counts = gaps.cycle_gaps(cycle=cycle).status_counts()
    assert counts == {
        "participants": 2,
        "self_submitted": 1,
        "manager_submitted": 1,
        "signed_off": 0,
        "below_required": 1,
    }


def test_a_reopened_assessment_leaves_the_group_figures(assessed, cycle, hr):
    services.reopen_assessment(assessment=assessed, reopened_by=hr, reason="Rated the wrong period")
    counts = gaps.cycle_gaps(cycle=cycle).status_counts()
    assert (counts["manager_submitted"], counts["below_required"]) == (0, 0)
    assert all(row.assessed == 0 for row in gaps.cycle_gaps(cycle=cycle).summary())


def test_heatmap_row_follows_the_column_order(assessed, cycle, manager):
    team = gaps.team_gaps(cycle=cycle, manager=manager)
    assert [cell.competency_id for cell in team.rows[0].cells] == [c.pk for c in team.competencies]


# stale results, competencies, required levels, rows with their counts, level tallies, people below
GROUP_QUERIES = 6


def test_a_team_is_read_in_the_same_number_of_queries_whatever_its_size(
    assessed, cycle, manager, position, hr, django_assert_num_queries
):
    with django_assert_num_queries(GROUP_QUERIES):
        gaps.team_gaps(cycle=cycle, manager=manager)
    newcomers = [factories.EmployeeFactory(manager=manager, position=position) for _ in range(4)]
    services.add_participants(cycle=cycle, employees=newcomers, added_by=hr)
    for newcomer in newcomers:
        rate(Assessment.objects.get(cycle=cycle, employee=newcomer, kind="self"), newcomer.user, default=2)
    with django_assert_num_queries(GROUP_QUERIES):
        team = gaps.team_gaps(cycle=cycle, manager=manager)
    assert len(team.rows) == 5


def test_a_whole_cycle_is_read_in_the_same_number_of_queries_whatever_its_size(
    assessed, cycle, manager, position, hr, django_assert_num_queries
):
    with django_assert_num_queries(GROUP_QUERIES):
        gaps.cycle_gaps(cycle=cycle)
    elsewhere = factories.DepartmentFactory(name="Elsewhere")
    newcomers = [factories.EmployeeFactory(manager=manager, position=position, department=elsewhere) for _ in range(4)]
    services.add_participants(cycle=cycle, employees=newcomers, added_by=hr)
    for newcomer in newcomers:
        rate(Assessment.objects.get(cycle=cycle, employee=newcomer, kind="self"), newcomer.user, default=2)
    with django_assert_num_queries(GROUP_QUERIES):
        group = gaps.cycle_gaps(cycle=cycle)
    assert group.status_counts()["participants"] == 6
