"""What a PDF says, as typed values: built and tested without rendering anything.

Every text a reader sees is resolved here for the document's languages, so a template only lays
values out. A bilingual document carries each text once per language, Chinese first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import TypeVar

from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from assessments.levels import LevelResult
from assessments.models import Rating
from competency.models import pick_language
from reports.charts import RadarChart, RadarSeries
from reports.fonts import FONT_FAMILIES
from reports.gaps import CompetencyGap, EmployeeGaps, IndicatorComparison
from reports.models import DevelopmentPlan, Language, PlanAction, PlanTarget

Texts = tuple[str, ...]
PDF_FONT = ", ".join(FONT_FAMILIES)
T = TypeVar("T")

LABELS: dict[str, str] = {
    "gap_report": gettext_noop("Competency gap report"),
    "development_plan": gettext_noop("Development plan"),
    "employee": gettext_noop("Employee"),
    "employee_number": gettext_noop("Employee number"),
    "department": gettext_noop("Department"),
    "position": gettext_noop("Position"),
    "manager": gettext_noop("Manager"),
    "cycle": gettext_noop("Cycle"),
    "date": gettext_noop("Date"),
    "signed_off": gettext_noop("Signed off"),
    "not_signed_off": gettext_noop("Not signed off yet"),
    "overview": gettext_noop("Overview"),
    "competency": gettext_noop("Competency"),
    "required": gettext_noop("Required"),
    "self": gettext_noop("Self"),
    "manager_assessed": gettext_noop("Manager"),
    "gap": gettext_noop("Gap"),
    "reasons": gettext_noop("Why each level"),
    "self_reason": gettext_noop("Self-assessment"),
    "manager_reason": gettext_noop("Manager assessment"),
    "not_assessed": gettext_noop("Not assessed yet"),
    "generic_note": gettext_noop(
        "Generic competencies have no levels: the figure is a degree (1-3), the mean rating rounded half up."
    ),
    "blind_spots": gettext_noop("Blind spots: an agenda for the conversation"),
    "blind_spots_intro": gettext_noop(
        "Indicators where the self-assessment and the manager's rating differ by two points or more."
    ),
    "no_blind_spots": gettext_noop("No indicator differs by two points or more."),
    "strengths": gettext_noop("Strengths"),
    "strengths_intro": gettext_noop("Indicators the manager sees demonstrated consistently."),
    "no_strengths": gettext_noop("No indicator is rated consistently yet."),
    "indicator": gettext_noop("Indicator"),
    "difference": gettext_noop("Difference"),
    "manager_note": gettext_noop("Manager's note"),
    "drafted": gettext_noop("Drafted"),
    "drafted_legend": gettext_noop(
        "Drafted: an indicator we drafted where the source document is cut off; HR should review it."
    ),
    "scale": gettext_noop("Rating scale"),
    "required_series": gettext_noop("Required"),
    "self_series": gettext_noop("Self-assessment"),
    "manager_series": gettext_noop("Manager assessment"),
    "radar_title": gettext_noop("Required, self-assessed and manager-assessed levels by competency"),
    "page": gettext_noop("Page"),
    "plan_status": gettext_noop("Plan status"),
    "agreed_by_manager": gettext_noop("Agreed by the manager"),
    "agreed_by_employee": gettext_noop("Agreed by the employee"),
    "not_yet": gettext_noop("not yet"),
    "targets": gettext_noop("Targets and actions"),
    "no_targets": gettext_noop("No targets: every competency is at its required level."),
    "target_level": gettext_noop("Level"),
    "current_rating": gettext_noop("Manager's rating"),
    "what": gettext_noop("What"),
    "support": gettext_noop("Support needed"),
    "owner": gettext_noop("Owner"),
    "due": gettext_noop("Due"),
    "status": gettext_noop("Status"),
    "no_actions": gettext_noop("No actions agreed yet."),
}


def languages_of(language: str) -> tuple[str, ...]:
    """The languages a document is written in, Chinese first when both."""
    if language == Language.BOTH:
        return (Language.CHINESE.value, Language.ENGLISH.value)
    return (language,)


def _in_each(languages: Iterable[str], make: Callable[[], T]) -> tuple[T, ...]:
    results = []
    for language in languages:
        with translation.override(language):
            results.append(make())
    return tuple(results)


def joined(languages: Iterable[str], make: Callable[[], str]) -> str:
    """A UI text in every language of the document, each once, separated by a slash."""
    unique: list[str] = []
    for text in _in_each(languages, make):
        if text not in unique:
            unique.append(text)
    return " / ".join(unique)


def labels_for(languages: tuple[str, ...]) -> dict[str, str]:
    """Every label of the PDF templates in the document's languages."""
    return {key: joined(languages, partial(gettext, msgid)) for key, msgid in LABELS.items()}


def texts(zh: str, en: str, languages: tuple[str, ...]) -> Texts:
    """A stored bilingual text, once per language of the document."""
    return tuple(pick_language(zh, en, language) for language in languages)


@dataclass(frozen=True)
class DocumentHeader:
    """Who, in which role, under whom, in which cycle, and when."""

    employee_name: str
    employee_number: str
    department: str
    position: Texts
    manager_name: str
    cycle_name: str
    generated_on: date
    signed_off_on: date | None


@dataclass(frozen=True)
class GapRow:
    """One line of the gap table, with each side's reason."""

    code: str
    name: Texts
    is_generic: bool
    required: int | None
    self_level: int | None
    manager_level: int | None
    gap: int | None
    self_reason: Texts
    manager_reason: Texts

    @property
    def state(self) -> str:
        """below, met or unknown: the class the table colours the gap with."""
        if self.gap is None:
            return "unknown"
        return "below" if self.gap > 0 else "met"


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator with both ratings, as the blind-spot agenda and the strengths list show it."""

    code: str
    competency_code: str
    text: Texts
    is_drafted: bool
    self_score: int | None
    manager_score: int | None
    difference: int | None
    manager_note: str


@dataclass(frozen=True)
class ScaleStep:
    score: int
    label: str


def _reason(result: LevelResult | None, languages: tuple[str, ...]) -> Texts:
    if result is None:
        return ()
    return _in_each(languages, lambda: result.reason)


def _gap_row(gap: CompetencyGap, languages: tuple[str, ...]) -> GapRow:
    return GapRow(
        code=gap.code,
        name=texts(gap.name_zh, gap.name_en, languages),
        is_generic=gap.is_generic,
        required=gap.required,
        self_level=gap.self_level,
        manager_level=gap.manager_level,
        gap=gap.gap,
        self_reason=_reason(gap.self_result, languages),
        manager_reason=_reason(gap.manager_result, languages),
    )


def _indicator_row(item: IndicatorComparison, languages: tuple[str, ...]) -> IndicatorRow:
    return IndicatorRow(
        code=item.code,
        competency_code=item.competency_code,
        text=texts(item.text_zh, item.text_en, languages),
        is_drafted=item.is_drafted,
        self_score=item.self_score,
        manager_score=item.manager_score,
        difference=item.difference,
        manager_note=item.manager_note,
    )


def _header(gaps: EmployeeGaps, languages: tuple[str, ...], today: date) -> DocumentHeader:
    employee = gaps.employee
    position = employee.position
    signed = gaps.manager_signed_off_at
    return DocumentHeader(
        employee_name=employee.name,
        employee_number=employee.employee_number,
        department=employee.department.name,
        position=texts(position.name_zh, position.name_en, languages) if position else (),
        manager_name=employee.manager.name if employee.manager else "",
        cycle_name=gaps.cycle.name,
        generated_on=today,
        signed_off_on=local_date(signed),
    )


def local_date(moment: datetime | None) -> date | None:
    """The local calendar date of a stored moment, if there is one."""
    return None if moment is None else timezone.localdate(moment)


def radar_svg(rows: tuple[GapRow, ...], labels: Mapping[str, str], *, by_code: bool = False) -> str:
    """The radar of required, self and manager levels, its axes named in the first language (or by code)."""
    chart = RadarChart(
        axes=tuple(row.code if by_code or not row.name else row.name[0] for row in rows),
        series=(
            RadarSeries(labels["required_series"], tuple(_value(r.required) for r in rows), "required"),
            RadarSeries(labels["self_series"], tuple(_value(r.self_level) for r in rows), "self"),
            RadarSeries(labels["manager_series"], tuple(_value(r.manager_level) for r in rows), "manager"),
        ),
        title=labels["radar_title"],
        size=420,
        font_family=PDF_FONT,
    )
    return str(chart.svg())


def _value(level: int | None) -> float | None:
    return None if level is None else float(level)


def _scale(languages: tuple[str, ...]) -> tuple[ScaleStep, ...]:
    return tuple(
        ScaleStep(score=int(value), label=joined(languages, partial(str, label)))
        for value, label in Rating.Score.choices
    )


@dataclass(frozen=True)
class GapReportContext:
    """Everything the gap report PDF shows."""

    language: str
    languages: tuple[str, ...]
    labels: dict[str, str]
    header: DocumentHeader
    rows: tuple[GapRow, ...]
    radar: str
    blind_spots: tuple[IndicatorRow, ...]
    strengths: tuple[IndicatorRow, ...]
    scale: tuple[ScaleStep, ...]
    is_assessed: bool

    @property
    def is_bilingual(self) -> bool:
        return len(self.languages) > 1

    @property
    def has_drafted(self) -> bool:
        return any(row.is_drafted for row in (*self.blind_spots, *self.strengths))

    @classmethod
    def from_gaps(cls, gaps: EmployeeGaps, *, language: str, today: date) -> GapReportContext:
        """The report of one employee's gaps in the given language (or both)."""
        languages = languages_of(language)
        labels = labels_for(languages)
        rows = tuple(_gap_row(gap, languages) for gap in gaps.competencies)
        return cls(
            language=language,
            languages=languages,
            labels=labels,
            header=_header(gaps, languages, today),
            rows=rows,
            radar=radar_svg(rows, labels),
            blind_spots=tuple(_indicator_row(item, languages) for item in gaps.blind_spots),
            strengths=tuple(_indicator_row(item, languages) for item in gaps.strengths),
            scale=_scale(languages),
            is_assessed=gaps.is_assessed,
        )


@dataclass(frozen=True)
class ActionRow:
    what: str
    support: str
    owner: str
    due_on: date | None
    status: str
    status_code: str


@dataclass(frozen=True)
class TargetRow:
    code: str
    text: Texts
    is_drafted: bool
    level_number: int | None
    current_score: int | None
    reason: str
    actions: tuple[ActionRow, ...]


@dataclass(frozen=True)
class PlanSection:
    """One competency of the plan with its targets."""

    code: str
    name: Texts
    required: int | None
    manager_level: int | None
    gap: int | None
    targets: tuple[TargetRow, ...] = field(default=())


def _action_row(action: PlanAction, languages: tuple[str, ...]) -> ActionRow:
    return ActionRow(
        what=action.what,
        support=action.support,
        owner=joined(languages, lambda: str(PlanAction.Owner(action.owner).label)),
        due_on=action.due_on,
        status=joined(languages, lambda: str(PlanAction.Status(action.status).label)),
        status_code=action.status,
    )


def _target_row(target: PlanTarget, languages: tuple[str, ...]) -> TargetRow:
    indicator = target.indicator
    return TargetRow(
        code=indicator.code,
        text=texts(indicator.text_zh, indicator.text_en, languages),
        is_drafted=indicator.is_drafted,
        level_number=indicator.level_number,
        current_score=target.current_score,
        reason=joined(languages, lambda: str(PlanTarget.Reason(target.reason).label)),
        actions=tuple(_action_row(action, languages) for action in target.actions.all()),
    )


@dataclass(frozen=True)
class DevelopmentPlanContext:
    """Everything the development plan PDF shows."""

    language: str
    languages: tuple[str, ...]
    labels: dict[str, str]
    header: DocumentHeader
    rows: tuple[GapRow, ...]
    radar: str
    status: str
    manager_agreed_on: date | None
    employee_agreed_on: date | None
    sections: tuple[PlanSection, ...]
    scale: tuple[ScaleStep, ...]

    @property
    def is_bilingual(self) -> bool:
        return len(self.languages) > 1

    @property
    def has_drafted(self) -> bool:
        return any(t.is_drafted for s in self.sections for t in s.targets)

    @classmethod
    def from_plan(
        cls, plan: DevelopmentPlan, gaps: EmployeeGaps, *, language: str, today: date
    ) -> DevelopmentPlanContext:
        """The plan with targets prefetched (see plans.plan_with_targets) and the gaps it was drafted from."""
        languages = languages_of(language)
        labels = labels_for(languages)
        rows = tuple(_gap_row(gap, languages) for gap in gaps.competencies)
        targets_by_code: dict[str, list[TargetRow]] = {}
        for target in plan.targets.all():
            targets_by_code.setdefault(target.competency.code, []).append(_target_row(target, languages))
        sections = tuple(
            PlanSection(
                code=gap.code,
                name=texts(gap.name_zh, gap.name_en, languages),
                required=gap.required,
                manager_level=gap.manager_level,
                gap=gap.gap,
                targets=tuple(targets_by_code[gap.code]),
            )
            for gap in gaps.competencies
            if gap.code in targets_by_code
        )
        return cls(
            language=language,
            languages=languages,
            labels=labels,
            header=_header(gaps, languages, today),
            rows=rows,
            radar=radar_svg(rows, labels),
            status=joined(languages, lambda: str(DevelopmentPlan.Status(plan.status).label)),
            manager_agreed_on=local_date(plan.manager_agreed_at),
            employee_agreed_on=local_date(plan.employee_agreed_at),
            sections=sections,
            scale=_scale(languages),
        )
