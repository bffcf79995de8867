"""Gap analysis: required, self-assessed and manager-assessed levels side by side, per person and per group.

Levels come from :func:`assessments.services.levels_from_scores`, so a report never disagrees with the
results page. Only submitted assessments count: a draft is nobody's finished opinion yet.
A group of any size is read in the same few queries (every rating of the group in one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.db.models import QuerySet

from assessments.levels import LevelResult
from assessments.models import Assessment, Cycle, CycleIndicator, Department, Employee, Rating, RequiredLevel
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


@dataclass(frozen=True)
class GroupGaps:
    """A team, a department or a whole cycle: one row per employee, one column per competency."""

    cycle: Cycle
    competencies: tuple[Competency, ...]
    employees: tuple[EmployeeGaps, ...]

    def summary(self) -> tuple[CompetencySummary, ...]:
        """Per competency, the counts and means behind the heatmap's last row and the HR summary."""
        rows = []
        for competency in self.competencies:
            cells = [c for e in self.employees for c in e.competencies if c.competency_id == competency.pk]
            gaps = [c.gap for c in cells if c.gap is not None]
            selfs = [c.self_level for c in cells if c.self_level is not None]
            managers = [c.manager_level for c in cells if c.manager_level is not None]
            rows.append(
                CompetencySummary(
                    competency_id=competency.pk,
                    code=competency.code,
                    name_zh=competency.name_zh,
                    name_en=competency.name_en,
                    is_generic=competency.is_generic,
                    assessed=len(gaps),
                    below_required=sum(1 for g in gaps if g > 0),
                    mean_gap=_mean(gaps),
                    mean_self=_mean(selfs),
                    mean_manager=_mean(managers),
                )
            )
        return tuple(rows)

    def status_counts(self) -> dict[str, int]:
        """How far the group has got: submitted self-assessments, submitted and signed-off manager ones."""
        return {
            "participants": len(self.employees),
            "self_submitted": sum(1 for e in self.employees if e.self_status in SUBMITTED),
            "manager_submitted": sum(1 for e in self.employees if e.manager_status in SUBMITTED),
            "signed_off": sum(1 for e in self.employees if e.manager_status == Assessment.Status.SIGNED_OFF),
            "below_required": sum(1 for e in self.employees if e.below_required),
        }

    def row(self, employee: EmployeeGaps) -> list[CompetencyGap | None]:
        """The employee's cells in column order, None where the competency has no result."""
        by_id = {c.competency_id: c for c in employee.competencies}
        return [by_id.get(c.pk) for c in self.competencies]


def _mean(values: Sequence[int]) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


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
    for position_id, competency_id, level in RequiredLevel.objects.filter(position_id__in=position_ids).values_list(
        "position_id", "competency_id", "level"
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


def _group(cycle: Cycle, employees: QuerySet[Employee]) -> GroupGaps:
    competencies, people = _load(cycle, employees)
    return GroupGaps(cycle=cycle, competencies=tuple(competencies), employees=tuple(people))


def participants(cycle: Cycle) -> QuerySet[Employee]:
    return Employee.objects.filter(cycles=cycle)


def team_gaps(*, cycle: Cycle, manager: Employee) -> GroupGaps:
    """A manager's direct reports who take part in the cycle."""
    return _group(cycle, participants(cycle).filter(manager=manager))


def department_gaps(*, cycle: Cycle, department: Department) -> GroupGaps:
    """A department's participants in the cycle."""
    return _group(cycle, participants(cycle).filter(department=department))


def cycle_gaps(*, cycle: Cycle) -> GroupGaps:
    """Every participant of the cycle."""
    return _group(cycle, participants(cycle))
