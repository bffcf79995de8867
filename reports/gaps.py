"""Gap analysis: required, self-assessed and manager-assessed levels side by side, per person and per group.

Levels come from :func:`assessments.services.levels_from_scores`, so a report never disagrees with the
results page. Only submitted assessments count: a draft is nobody's finished opinion yet.
A person is read from their ratings; a group from the levels stored when each assessment was submitted
(assessments/results.py), with SQL aggregates, in the same few queries whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from assessments import results
from assessments.levels import LevelResult
from assessments.models import (
    Assessment,
    CompetencyResult,
    Cycle,
    CycleIndicator,
    Department,
    Employee,
    Rating,
    RequiredLevel,
)
from assessments.services import CompetencyLevel, levels_from_scores
from competency.models import Competency

BLIND_SPOT_DIFFERENCE = 2
STRENGTH_SCORE = Rating.Score.CONSISTENTLY
SUBMITTED = (Assessment.Status.SUBMITTED, Assessment.Status.SIGNED_OFF)


@dataclass(frozen=True)
class IndicatorComparison:
    """One indicator as the employee and the manager rated it."""

    indicator_id: int
    code: str
    competency_code: str
    level_number: int | None
    position: int
    text_zh: str
    text_en: str
    is_drafted: bool
    self_score: int | None
    manager_score: int | None
    manager_note: str = ""

    @property
    def difference(self) -> int | None:
        """Self minus manager: positive when the employee rates themselves higher."""
        if self.self_score is None or self.manager_score is None:
            return None
        return self.self_score - self.manager_score


@dataclass(frozen=True)
class CompetencyGap:
    """One competency for one employee: what is required, what each side says, and the gap."""

    competency_id: int
    code: str
    name_zh: str
    name_en: str
    is_generic: bool
    required: int | None
    self_result: LevelResult | None
    manager_result: LevelResult | None

    @property
    def self_level(self) -> int | None:
        return None if self.self_result is None else self.self_result.level

    @property
    def manager_level(self) -> int | None:
        return None if self.manager_result is None else self.manager_result.level

    @property
    def gap(self) -> int | None:
        """Required minus manager-assessed; positive means below what the position needs."""
        if self.required is None or self.manager_level is None:
            return None
        return self.required - self.manager_level

    @property
    def is_below_required(self) -> bool:
        return self.gap is not None and self.gap > 0


@dataclass(frozen=True)
class EmployeeGaps:
    """Everything a gap report says about one employee in one cycle."""

    employee: Employee
    cycle: Cycle
    self_status: str | None
    manager_status: str | None
    manager_assessment_id: int | None
    manager_signed_off_at: datetime | None
    competencies: tuple[CompetencyGap, ...]
    blind_spots: tuple[IndicatorComparison, ...]
    strengths: tuple[IndicatorComparison, ...]
    indicators: tuple[IndicatorComparison, ...]

    @property
    def is_assessed(self) -> bool:
        """The manager's assessment is submitted, so there is a gap to speak of."""
        return self.manager_status in SUBMITTED

    @property
    def below_required(self) -> tuple[CompetencyGap, ...]:
        return tuple(c for c in self.competencies if c.is_below_required)

    @property
    def total_gap(self) -> int:
        """The sum of the positive gaps: how many levels short the employee is in all."""
        return sum(c.gap for c in self.competencies if c.gap is not None and c.gap > 0)


def _results_by_competency(levels: Iterable[CompetencyLevel]) -> dict[int, LevelResult]:
    return {level.competency.pk: level.result for level in levels}


def gaps_for_employees(*, cycle: Cycle, employees: QuerySet[Employee]) -> list[EmployeeGaps]:
    """The gaps of every given employee in the cycle, in six queries whatever their number."""
    return _load(cycle, employees)[1]


def _load(cycle: Cycle, employees: QuerySet[Employee]) -> tuple[list[Competency], list[EmployeeGaps]]:
    people = list(employees.select_related("user", "position", "department", "manager").order_by("employee_number"))
    indicators = list(CycleIndicator.objects.filter(cycle=cycle).order_by("position"))
    competencies = list(Competency.objects.filter(track_id=cycle.track_id).order_by("order"))
    position_ids = {p.position_id for p in people if p.position_id is not None}
    required: dict[int, dict[int, int]] = defaultdict(dict)
    # Read into a dict, so unordered: the model's ordering would join positions, tracks and competencies.
    for position_id, competency_id, level in (
        RequiredLevel.objects.filter(position_id__in=position_ids)
        .order_by()
        .values_list("position_id", "competency_id", "level")
    ):
        required[position_id][competency_id] = level
    assessments = list(Assessment.objects.filter(cycle=cycle, employee__in=[p.pk for p in people]))
    submitted_ids = [a.pk for a in assessments if a.status in SUBMITTED]
    scores: dict[int, dict[int, int | None]] = defaultdict(dict)
    notes: dict[int, dict[int, str]] = defaultdict(dict)
    for assessment_id, indicator_id, score, note in Rating.objects.filter(assessment_id__in=submitted_ids).values_list(
        "assessment_id", "indicator_id", "score", "note"
    ):
        scores[assessment_id][indicator_id] = score
        if note:
            notes[assessment_id][indicator_id] = note
    by_employee: dict[int, dict[str, Assessment]] = defaultdict(dict)
    for assessment in assessments:
        by_employee[assessment.employee_id][assessment.kind] = assessment
    codes = {c.pk: c.code for c in competencies}
    pinned = {i.competency_id for i in indicators}
    competencies = [c for c in competencies if c.pk in pinned]
    return competencies, [
        _employee_gaps(
            cycle=cycle,
            employee=person,
            indicators=indicators,
            competencies=competencies,
            codes=codes,
            required=required.get(person.position_id, {}) if person.position_id else {},
            self_assessment=by_employee[person.pk].get(Assessment.Kind.SELF),
            manager_assessment=by_employee[person.pk].get(Assessment.Kind.MANAGER),
            scores=scores,
            notes=notes,
        )
        for person in people
    ]


def _employee_gaps(
    *,
    cycle: Cycle,
    employee: Employee,
    indicators: list[CycleIndicator],
    competencies: list[Competency],
    codes: dict[int, str],
    required: dict[int, int],
    self_assessment: Assessment | None,
    manager_assessment: Assessment | None,
    scores: dict[int, dict[int, int | None]],
    notes: dict[int, dict[int, str]],
) -> EmployeeGaps:
    def results(assessment: Assessment | None) -> tuple[dict[int, LevelResult], dict[int, int | None]] | None:
        if assessment is None or assessment.status not in SUBMITTED:
            return None
        given = scores.get(assessment.pk, {})
        levels = levels_from_scores(
            cycle=cycle, indicators=indicators, scores=given, competencies=competencies, required=required
        )
        return _results_by_competency(levels), given

    self_side = results(self_assessment)
    manager_side = results(manager_assessment)
    rows = tuple(
        CompetencyGap(
            competency_id=competency.pk,
            code=competency.code,
            name_zh=competency.name_zh,
            name_en=competency.name_en,
            is_generic=competency.is_generic,
            required=required.get(competency.pk),
            self_result=self_side[0].get(competency.pk) if self_side else None,
            manager_result=manager_side[0].get(competency.pk) if manager_side else None,
        )
        for competency in competencies
    )
    manager_notes = notes.get(manager_assessment.pk, {}) if manager_assessment else {}
    comparisons = tuple(
        IndicatorComparison(
            indicator_id=indicator.pk,
            code=indicator.code,
            competency_code=codes.get(indicator.competency_id, ""),
            level_number=indicator.level_number,
            position=indicator.position,
            text_zh=indicator.text_zh,
            text_en=indicator.text_en,
            is_drafted=indicator.is_drafted,
            self_score=self_side[1].get(indicator.pk) if self_side else None,
            manager_score=manager_side[1].get(indicator.pk) if manager_side else None,
            manager_note=manager_notes.get(indicator.pk, ""),
        )
        for indicator in indicators
    )
    blind_spots = sorted(
        (c for c in comparisons if c.difference is not None and abs(c.difference) >= BLIND_SPOT_DIFFERENCE),
        key=lambda c: (-abs(c.difference or 0), c.position),
    )
    # A strength is what the manager sees the employee do consistently, whatever the employee thinks.
    strengths = tuple(c for c in comparisons if c.manager_score is not None and c.manager_score >= STRENGTH_SCORE)
    return EmployeeGaps(
        employee=employee,
        cycle=cycle,
        self_status=self_assessment.status if self_assessment else None,
        manager_status=manager_assessment.status if manager_assessment else None,
        manager_assessment_id=manager_assessment.pk if manager_assessment else None,
        manager_signed_off_at=manager_assessment.signed_off_at if manager_assessment else None,
        competencies=rows,
        blind_spots=tuple(blind_spots),
        strengths=strengths,
        indicators=comparisons,
    )


def employee_gaps(*, cycle: Cycle, employee: Employee) -> EmployeeGaps:
    """One employee's gaps in the cycle."""
    return gaps_for_employees(cycle=cycle, employees=Employee.objects.filter(pk=employee.pk))[0]


# Groups ---------------------------------------------------------------------------------------
# A team, a department or a whole cycle is read from the stored competency results
# (assessments/results.py) with SQL aggregates: the same few queries for six people or ten thousand,
# and not one rating. Required levels are joined as they stand now, as on the employee's own report.

DEPARTMENT_ROWS = "department"
TEAM_ROWS = "team"
PERSON_ROWS = "person"
# Per kind of row: the employee field that groups people into a row, and the row's label.
ROW_FIELDS = {
    DEPARTMENT_ROWS: ("department_id", "department__name"),
    TEAM_ROWS: ("manager_id", "manager__name"),
    PERSON_ROWS: ("id", "name"),
}


@dataclass
class LevelTally:
    """One competency across some people: the levels they reached against what their positions require."""

    competency_id: int
    # Manager-assessed people whose position requires a level: the ones a gap is known for.
    assessed: int = 0
    below_required: int = 0
    gap_sum: int = 0
    required_sum: int = 0
    required_min: int | None = None
    required_max: int | None = None
    manager_count: int = 0
    manager_sum: int = 0
    self_count: int = 0
    self_sum: int = 0

    def add(self, *, kind: str, level: int, required: int | None, count: int) -> None:
        """Count `count` people who reached `level` in a self- or manager assessment."""
        if kind == Assessment.Kind.SELF:
            self.self_count += count
            self.self_sum += level * count
            return
        self.manager_count += count
        self.manager_sum += level * count
        if required is None:
            return
        self.assessed += count
        self.gap_sum += (required - level) * count
        self.required_sum += required * count
        if level < required:
            self.below_required += count
        self.required_min = required if self.required_min is None else min(self.required_min, required)
        self.required_max = required if self.required_max is None else max(self.required_max, required)

    def merge(self, other: LevelTally) -> None:
        """Add another group's counts to these."""
        for name in ("assessed", "below_required", "gap_sum", "required_sum", "manager_count", "manager_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.self_count += other.self_count
        self.self_sum += other.self_sum
        for bound, pick in (("required_min", min), ("required_max", max)):
            mine, theirs = getattr(self, bound), getattr(other, bound)
            setattr(self, bound, theirs if mine is None else mine if theirs is None else pick(mine, theirs))

    @property
    def mean_gap(self) -> Fraction | None:
        return Fraction(self.gap_sum, self.assessed) if self.assessed else None

    @property
    def mean_required(self) -> Fraction | None:
        return Fraction(self.required_sum, self.assessed) if self.assessed else None

    @property
    def mean_manager(self) -> Fraction | None:
        return Fraction(self.manager_sum, self.manager_count) if self.manager_count else None

    @property
    def mean_self(self) -> Fraction | None:
        return Fraction(self.self_sum, self.self_count) if self.self_count else None

    @property
    def gap(self) -> int | None:
        """One person's gap, required minus manager-assessed; None for a group or when not assessed."""
        return self.gap_sum if self.assessed == 1 else None

    @property
    def required_label(self) -> str:
        """The required level, or its range when positions in the group differ, e.g. "2" or "1–3"."""
        if self.required_min is None:
            return "–"
        if self.required_min == self.required_max:
            return str(self.required_min)
        return f"{self.required_min}–{self.required_max}"

    @property
    def band(self) -> str:
        """How much of the group falls short, for the cell's colour: none, 0, up to a quarter, a half, more."""
        if not self.assessed:
            return "none"
        if not self.below_required:
            return "0"
        if 4 * self.below_required <= self.assessed:
            return "1"
        return "2" if 2 * self.below_required <= self.assessed else "3"


@dataclass
class HeatmapRow:
    """One line of a heatmap: a department, a manager's team or one person, with a tally per competency."""

    kind: str
    key: int | None
    label: str
    cells: list[LevelTally]
    number: str = ""
    participants: int = 0
    self_submitted: int = 0
    manager_submitted: int = 0
    signed_off: int = 0
    # People below what their position requires in at least one competency.
    below_required: int = 0

    @property
    def is_assessed(self) -> bool:
        return self.manager_submitted > 0

    @property
    def total_gap(self) -> int:
        """For one person: the sum of the positive gaps, how many levels short they are in all."""
        return sum(cell.gap for cell in self.cells if cell.gap is not None and cell.gap > 0)


@dataclass(frozen=True)
class CompetencySummary:
    """One competency across a group: how many are assessed, how many fall short, and the means."""

    competency_id: int
    code: str
    name_zh: str
    name_en: str
    is_generic: bool
    assessed: int
    below_required: int
    mean_gap: Fraction | None
    mean_self: Fraction | None
    mean_manager: Fraction | None
    mean_required: Fraction | None
    required_label: str


@dataclass(frozen=True)
class GroupGaps:
    """A team (a row per person), a department (a row per team) or a cycle (a row per department)."""

    cycle: Cycle
    competencies: tuple[Competency, ...]
    row_kind: str
    rows: tuple[HeatmapRow, ...]
    department: Department | None = None
    manager: Employee | None = None

    def totals(self) -> list[LevelTally]:
        """The whole group's tally per competency, in column order."""
        totals = [LevelTally(competency_id=c.pk) for c in self.competencies]
        for row in self.rows:
            for total, cell in zip(totals, row.cells, strict=True):
                total.merge(cell)
        return totals

    def summary(self) -> tuple[CompetencySummary, ...]:
        """Per competency, the counts and means behind the heatmap's last rows and the HR summary."""
        return tuple(
            CompetencySummary(
                competency_id=competency.pk,
                code=competency.code,
                name_zh=competency.name_zh,
                name_en=competency.name_en,
                is_generic=competency.is_generic,
                assessed=total.assessed,
                below_required=total.below_required,
                mean_gap=total.mean_gap,
                mean_self=total.mean_self,
                mean_manager=total.mean_manager,
                mean_required=total.mean_required,
                required_label=total.required_label,
            )
            for competency, total in zip(self.competencies, self.totals(), strict=True)
        )

    def status_counts(self) -> dict[str, int]:
        """How far the group has got: submitted self-assessments, submitted and signed-off manager ones."""
        names = ("participants", "self_submitted", "manager_submitted", "signed_off", "below_required")
        return {name: sum(getattr(row, name) for row in self.rows) for name in names}


def participants(cycle: Cycle) -> QuerySet[Employee]:
    return Employee.objects.filter(cycles=cycle)


def _group(cycle: Cycle, members: dict[str, Any], row_kind: str, **context: Any) -> GroupGaps:
    """Read the rows of the participants whose fields match `members`, in six queries whatever their number.

    Computing stale results, if any, adds the queries of storing them (see ``results.refresh_results``).
    """
    results.refresh_results(cycle=cycle)
    competencies = list(
        Competency.objects.filter(
            track_id=cycle.track_id, pk__in=CycleIndicator.objects.filter(cycle=cycle).values("competency_id")
        ).order_by("order")
    )
    required = {
        (position_id, competency_id): level
        for position_id, competency_id, level in RequiredLevel.objects.filter(competency__track_id=cycle.track_id)
        .order_by()
        .values_list("position_id", "competency_id", "level")
    }
    key = ROW_FIELDS[row_kind][0]
    rows = _rows(cycle, participants(cycle).filter(**members), row_kind)
    for row in rows.values():
        row.cells = [LevelTally(competency_id=c.pk) for c in competencies]
    column = {c.pk: i for i, c in enumerate(competencies)}
    # Only participants have assessments in a cycle, so the group is chosen on the employee's own fields.
    assessed = CompetencyResult.objects.filter(
        assessment__cycle=cycle,
        assessment__status__in=SUBMITTED,
        **{f"assessment__employee__{name}": value for name, value in members.items()},
    )
    tallies = (
        assessed.values(
            f"assessment__employee__{key}",
            "competency_id",
            "assessment__kind",
            "assessment__employee__position_id",
            "level",
        )
        .annotate(count=Count("pk"))
        .order_by()
    )
    for item in tallies:
        found = rows.get(item[f"assessment__employee__{key}"])
        index = column.get(item["competency_id"])
        if found is None or index is None:
            continue
        found.cells[index].add(
            kind=item["assessment__kind"],
            level=item["level"],
            required=required.get((item["assessment__employee__position_id"], item["competency_id"])),
            count=item["count"],
        )
    below = Exists(
        RequiredLevel.objects.filter(
            position_id=OuterRef("assessment__employee__position_id"),
            competency_id=OuterRef("competency_id"),
            level__gt=OuterRef("level"),
        )
    )
    short = (
        assessed.filter(below, assessment__kind=Assessment.Kind.MANAGER)
        .values(f"assessment__employee__{key}")
        .annotate(people=Count("assessment__employee_id", distinct=True))
        .order_by()
    )
    for item in short:
        if (found := rows.get(item[f"assessment__employee__{key}"])) is not None:
            found.below_required = item["people"]
    return GroupGaps(
        cycle=cycle, competencies=tuple(competencies), row_kind=row_kind, rows=tuple(rows.values()), **context
    )


def _rows(cycle: Cycle, people: QuerySet[Employee], row_kind: str) -> dict[int | None, HeatmapRow]:
    """The group's rows with who takes part and how far their assessments have got, in one query."""
    key, label = ROW_FIELDS[row_kind]
    number = ("employee_number",) if row_kind == PERSON_ROWS else ()
    ordering = ("employee_number",) if row_kind == PERSON_ROWS else (label, key)
    submitted = Q(in_cycle__status__in=SUBMITTED)
    counted = (
        people.annotate(in_cycle=FilteredRelation("assessments", condition=Q(assessments__cycle=cycle)))
        .values(key, label, *number)
        .annotate(
            participant_count=Count("pk", distinct=True),
            self_count=Count("in_cycle", filter=submitted & Q(in_cycle__kind=Assessment.Kind.SELF)),
            manager_count=Count("in_cycle", filter=submitted & Q(in_cycle__kind=Assessment.Kind.MANAGER)),
            signed_off_count=Count(
                "in_cycle",
                filter=Q(in_cycle__kind=Assessment.Kind.MANAGER, in_cycle__status=Assessment.Status.SIGNED_OFF),
            ),
        )
        .order_by(*ordering)
    )
    return {
        item[key]: HeatmapRow(
            kind=row_kind,
            key=item[key],
            label=item[label] or gettext("No manager"),
            number=item.get("employee_number", ""),
            participants=item["participant_count"],
            self_submitted=item["self_count"],
            manager_submitted=item["manager_count"],
            signed_off=item["signed_off_count"],
            cells=[],
        )
        for item in counted
    }


def team_gaps(*, cycle: Cycle, manager: Employee, department: Department | None = None) -> GroupGaps:
    """A manager's direct reports who take part in the cycle (those in `department`, when given), a row each."""
    members: dict[str, Any] = {"manager": manager}
    if department is not None:
        members["department"] = department
    return _group(cycle, members, PERSON_ROWS, manager=manager, department=department)


def department_gaps(*, cycle: Cycle, department: Department) -> GroupGaps:
    """A department's participants in the cycle, a row per manager's team."""
    return _group(cycle, {"department": department}, TEAM_ROWS, department=department)


def cycle_gaps(*, cycle: Cycle) -> GroupGaps:
    """Every participant of the cycle, a row per department."""
    return _group(cycle, {}, DEPARTMENT_ROWS)
