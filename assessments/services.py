"""Business rules for cycles and assessments. Pages, the API, the admin and tasks all call these."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import permissions
from assessments.levels import IndicatorScore, LevelResult, LevelRule, competency_level
from assessments.models import (
    Assessment,
    AssessmentEvent,
    Cycle,
    CycleIndicator,
    Department,
    Employee,
    Position,
    Rating,
    RequiredLevel,
    User,
)
from audit.models import AuditEvent
from audit.services import record_event
from competency.models import BehavioralIndicator, Competency, ProficiencyLevel, Track

MAX_NOTE_LENGTH = 4000


class StaleWrite(Exception):
    """A save based on an older version of the assessment than the one stored."""

    def __init__(self, assessment: Assessment) -> None:
        self.assessment = assessment
        super().__init__(
            _(
                "This assessment was changed elsewhere (another tab or device) since you loaded it. "
                "Nothing was overwritten: reload to see the latest ratings, then enter your changes again."
            )
        )


@dataclass(frozen=True)
class RatingInput:
    """A rating as a person enters it: a score 0-3 (or none yet) and an evidence note."""

    score: int | None
    note: str = ""


def rule_for(cycle: Cycle) -> LevelRule:
    """The level rule with the thresholds the cycle stores."""
    return LevelRule(
        demonstrated_at=cycle.demonstrated_at,
        attainment_numerator=cycle.attainment_numerator,
        attainment_denominator=cycle.attainment_denominator,
    )


# Cycles ---------------------------------------------------------------------------------------


def _require_hr(user: User) -> None:
    if not permissions.can_manage_cycles(user):
        raise PermissionDenied(_("Only HR can manage cycles."))


def _validate_windows(*, self_opens: date, self_due: date, manager_opens: date, manager_due: date) -> None:
    errors: dict[str, str] = {}
    if self_due < self_opens:
        errors["self_assessment_due_on"] = _("The self-assessment deadline is before the window opens.")
    if manager_due < manager_opens:
        errors["manager_assessment_due_on"] = _("The manager deadline is before the window opens.")
    if manager_due < self_due:
        errors["manager_assessment_due_on"] = _("The manager deadline cannot be before the self-assessment deadline.")
    if errors:
        raise ValidationError(errors)


def employees_for(
    *,
    departments: Iterable[Department] = (),
    positions: Iterable[Position] = (),
    employees: Iterable[Employee] = (),
) -> QuerySet[Employee]:
    """Everyone in the given departments or positions, plus the people named one by one."""
    query = Q(pk__in=[e.pk for e in employees])
    department_ids = [d.pk for d in departments]
    position_ids = [p.pk for p in positions]
    if department_ids:
        query |= Q(department_id__in=department_ids)
    if position_ids:
        query |= Q(position_id__in=position_ids)
    return Employee.objects.filter(query)


@transaction.atomic
def create_cycle(
    *,
    name: str,
    track: Track,
    self_assessment_opens_on: date,
    self_assessment_due_on: date,
    manager_assessment_opens_on: date,
    manager_assessment_due_on: date,
    created_by: User,
    departments: Iterable[Department] = (),
    positions: Iterable[Position] = (),
    employees: Iterable[Employee] = (),
) -> Cycle:
    """A draft cycle with its participants chosen by department, position or one by one."""
    _require_hr(created_by)
    _validate_windows(
        self_opens=self_assessment_opens_on,
        self_due=self_assessment_due_on,
        manager_opens=manager_assessment_opens_on,
        manager_due=manager_assessment_due_on,
    )
    cycle = Cycle.objects.create(
        name=name,
        track=track,
        self_assessment_opens_on=self_assessment_opens_on,
        self_assessment_due_on=self_assessment_due_on,
        manager_assessment_opens_on=manager_assessment_opens_on,
        manager_assessment_due_on=manager_assessment_due_on,
        created_by=created_by,
    )
    cycle.participants.set(employees_for(departments=departments, positions=positions, employees=employees))
    return cycle


def _pin_model(cycle: Cycle) -> None:
    """Copy the track's active indicators into the cycle, so later model edits leave it alone."""
    indicators = (
        BehavioralIndicator.objects.active()
        .filter(competency__track=cycle.track)
        .select_related("competency", "level")
        .prefetch_related("level__career_stages")
        .order_by("competency__order", "level__number", "order")
    )
    CycleIndicator.objects.bulk_create(
        [
            CycleIndicator(
                cycle=cycle,
                indicator=indicator,
                competency=indicator.competency,
                level_number=indicator.level.number if indicator.level else None,
                code=indicator.code,
                position=position,
                text_zh=indicator.text_zh,
                text_en=indicator.text_en,
                is_drafted=indicator.is_drafted,
                **_stage_names(indicator.level),
            )
            for position, indicator in enumerate(indicators, start=1)
        ]
    )


def _stage_names(level: ProficiencyLevel | None) -> dict[str, str]:
    """The career stages a level stands for, as the form heads its indicators: "团队贡献 + 团队愿景"."""
    stages = sorted(level.career_stages.all(), key=lambda stage: stage.number) if level else []
    return {
        "stages_zh": " + ".join(stage.name_zh for stage in stages),
        "stages_en": " + ".join(stage.name_en for stage in stages),
    }


def _create_assessments(cycle: Cycle, employees: Iterable[Employee]) -> int:
    assessments = [
        Assessment(cycle=cycle, employee=employee, kind=kind)
        for employee in employees
        for kind in (Assessment.Kind.SELF, Assessment.Kind.MANAGER)
    ]
    Assessment.objects.bulk_create(assessments, ignore_conflicts=True)
    return len(assessments)


@transaction.atomic
def open_cycle(*, cycle: Cycle, opened_by: User) -> Cycle:
    """Pin the model and create a self- and a manager assessment for every participant."""
    _require_hr(opened_by)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft cycle can be opened.")})
    participants = list(cycle.participants.all())
    if not participants:
        raise ValidationError({"participants": _("Choose at least one participant before opening the cycle.")})
    _pin_model(cycle)
    _create_assessments(cycle, participants)
    cycle.status = Cycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    record_event(
        actor=opened_by,
        action=AuditEvent.Action.CYCLE_OPENED,
        subject=cycle.name,
        detail=_("%(count)d participants") % {"count": len(participants)},
    )
    from assessments import signals

    transaction.on_commit(lambda: signals.cycle_opened.send(sender=Cycle, cycle=cycle))
    return cycle


@transaction.atomic
def add_participants(*, cycle: Cycle, employees: Iterable[Employee], added_by: User) -> Cycle:
    """Add people to a cycle; in an open cycle their assessments start at once."""
    _require_hr(added_by)
    # Decide on the stored status, not the caller's copy, which may predate a close.
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status == Cycle.Status.CLOSED:
        raise ValidationError({"participants": _("A closed cycle cannot take new participants.")})
    employees = list(employees)
    cycle.participants.add(*employees)
    if cycle.status == Cycle.Status.OPEN:
        _create_assessments(cycle, employees)
    return cycle


@transaction.atomic
def close_cycle(*, cycle: Cycle, closed_by: User) -> Cycle:
    """Close an open cycle: nothing in it can be rated any more."""
    _require_hr(closed_by)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise ValidationError({"status": _("Only an open cycle can be closed.")})
    cycle.status = Cycle.Status.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    record_event(actor=closed_by, action=AuditEvent.Action.CYCLE_CLOSED, subject=cycle.name)
    return cycle


# Ratings --------------------------------------------------------------------------------------


def _validate_ratings(assessment: Assessment, ratings: Mapping[str, RatingInput]) -> dict[str, int]:
    """Indicator ids by code for the ratings given; every bad value is reported, nothing is written."""
    ids = dict(CycleIndicator.objects.filter(cycle_id=assessment.cycle_id).order_by().values_list("code", "id"))
    errors: dict[str, list[str]] = defaultdict(list)
    for code, rating in ratings.items():
        if code not in ids:
            errors[code].append(_("%(code)s is not an indicator of this cycle.") % {"code": code})
        if rating.score is not None and not 0 <= rating.score <= 3:
            errors[code].append(_("A rating must be 0, 1, 2 or 3."))
        if len(rating.note) > MAX_NOTE_LENGTH:
            errors[code].append(_("The note is longer than %(max)d characters.") % {"max": MAX_NOTE_LENGTH})
    if errors:
        raise ValidationError(dict(errors))
    return ids


@transaction.atomic
def save_ratings(
    *, assessment: Assessment, rater: User, ratings: Mapping[str, RatingInput], expected_version: int
) -> Assessment:
    """Save some or all ratings of a draft; refuses a write based on an older version."""
    if not permissions.can_rate(rater, assessment):
        raise PermissionDenied(_("You cannot change these ratings."))
    ids = _validate_ratings(assessment, ratings)
    now = timezone.now()
    # Compare-and-set on the version: of two writers who loaded the same version, exactly one wins.
    updated = Assessment.objects.filter(
        pk=assessment.pk, version=expected_version, status=Assessment.Status.DRAFT
    ).update(version=F("version") + 1, last_saved_at=now, last_saved_by=rater)
    if not updated:
        assessment.refresh_from_db()
        raise StaleWrite(assessment)
    changes = _describe_changes(assessment, ratings, ids)
    if ratings:
        _upsert_ratings(assessment, {ids[code]: rating for code, rating in ratings.items()}, now)
    AssessmentEvent.objects.create(
        assessment=assessment, actor=rater, action=AssessmentEvent.Action.SAVED, detail=", ".join(sorted(ratings))
    )
    if changes:
        _audit(rater, AuditEvent.Action.RATINGS_CHANGED, assessment, "; ".join(changes))
    assessment.version = expected_version + 1
    assessment.last_saved_at = now
    assessment.last_saved_by = rater
    return assessment


def _upsert_ratings(assessment: Assessment, ratings: Mapping[int, RatingInput], now: datetime) -> None:
    """Insert or update the ratings by cycle-indicator id, in one statement."""
    if connection.vendor != "postgresql":
        Rating.objects.bulk_create(
            [
                Rating(assessment=assessment, indicator_id=indicator_id, score=r.score, note=r.note, updated_at=now)
                for indicator_id, r in ratings.items()
            ],
            update_conflicts=True,
            unique_fields=["assessment", "indicator"],
            update_fields=["score", "note", "updated_at"],
        )
        return
    # A full form is 122 ratings on every autosave: three arrays in one statement cost a fraction of building
    # and preparing 122 model instances, which was most of a save's time.
    table = connection.ops.quote_name(Rating._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (assessment_id, indicator_id, score, note, updated_at) "  # noqa: S608
            "SELECT %s, rated.indicator_id, rated.score, rated.note, %s "
            "FROM UNNEST(%s::bigint[], %s::smallint[], %s::text[]) AS rated(indicator_id, score, note) "
            "ON CONFLICT (assessment_id, indicator_id) DO UPDATE "
            "SET score = EXCLUDED.score, note = EXCLUDED.note, updated_at = EXCLUDED.updated_at",
            [
                assessment.pk,
                now,
                list(ratings),
                [r.score for r in ratings.values()],
                [r.note for r in ratings.values()],
            ],
        )


def _describe_changes(assessment: Assessment, ratings: Mapping[str, RatingInput], ids: Mapping[str, int]) -> list[str]:
    """What a save changes, e.g. "MKT-1-01: 1 → 2", for the audit log; unchanged ratings are left out."""
    # All of the assessment's ratings, at most one per indicator: cheaper than naming up to 122 of them in the query.
    previous = {
        indicator_id: (score, note)
        for indicator_id, score, note in Rating.objects.filter(assessment=assessment).values_list(
            "indicator_id", "score", "note"
        )
    }
    changes = []
    for code in sorted(ratings):
        old_score, old_note = previous.get(ids[code], (None, ""))
        new = ratings[code]
        parts = []
        if old_score != new.score:
            parts.append(f"{'–' if old_score is None else old_score} → {'–' if new.score is None else new.score}")
        if old_note != new.note:
            parts.append(_("note changed"))
        if parts:
            changes.append(f"{code}: {', '.join(parts)}")
    return changes


def _audit(actor: User, action: AuditEvent.Action, assessment: Assessment, detail: str = "") -> None:
    record_event(
        actor=actor,
        action=action,
        subject=f"{assessment.employee.name} · {assessment.get_kind_display()} · {assessment.cycle.name}",
        employee=assessment.employee,
        detail=detail,
    )


def missing_indicators(assessment: Assessment) -> list[str]:
    """Codes of the cycle's indicators this assessment has not rated yet, in form order."""
    rated = Rating.objects.filter(assessment=assessment, score__isnull=False).values("indicator_id")
    return list(
        CycleIndicator.objects.filter(cycle_id=assessment.cycle_id)
        .exclude(pk__in=rated)
        .order_by("position")
        .values_list("code", flat=True)
    )


@transaction.atomic
def submit_assessment(*, assessment: Assessment, user: User) -> Assessment:
    """Submit a fully rated draft; says exactly which indicators are missing otherwise."""
    if not permissions.can_submit(user, assessment):
        raise PermissionDenied(_("You cannot submit this assessment."))
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("cycle", "employee__manager")
        .get(pk=assessment.pk)
    )
    if assessment.status != Assessment.Status.DRAFT:
        raise ValidationError({"status": _("This assessment has already been submitted.")})
    missing = missing_indicators(assessment)
    if missing:
        raise ValidationError(
            {
                "ratings": _("%(count)d indicators are not rated yet: %(codes)s")
                % {"count": len(missing), "codes": ", ".join(missing)}
            }
        )
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.version = F("version") + 1
    assessment.save(update_fields=["status", "submitted_at", "version"])
    assessment.refresh_from_db(fields=["version"])
    from assessments import results

    # Group reports read the stored levels instead of every rating: see assessments/results.py.
    results.record_results(assessment=assessment)
    AssessmentEvent.objects.create(assessment=assessment, actor=user, action=AssessmentEvent.Action.SUBMITTED)
    _audit(user, AuditEvent.Action.ASSESSMENT_SUBMITTED, assessment)
    from assessments import signals

    transaction.on_commit(lambda: signals.assessment_submitted.send(sender=Assessment, assessment=assessment))
    return assessment


@transaction.atomic
def sign_off_assessment(*, assessment: Assessment, user: User) -> Assessment:
    """The manager signs off a submitted manager assessment and the employee acknowledges it.

    When both have, the assessment and the employee's self-assessment are signed off.
    """
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("cycle", "employee__manager")
        .get(pk=assessment.pk)
    )
    if not permissions.can_sign_off(user, assessment):
        raise PermissionDenied(_("You cannot sign off this assessment now."))
    now = timezone.now()
    if permissions.is_rater(user, assessment):
        assessment.manager_signed_off_at = now
        action = AssessmentEvent.Action.SIGNED_OFF
    else:
        assessment.employee_acknowledged_at = now
        action = AssessmentEvent.Action.ACKNOWLEDGED
    is_complete = assessment.manager_signed_off_at is not None and assessment.employee_acknowledged_at is not None
    if is_complete:
        assessment.status = Assessment.Status.SIGNED_OFF
        assessment.signed_off_at = now
        Assessment.objects.filter(
            cycle_id=assessment.cycle_id,
            employee_id=assessment.employee_id,
            kind=Assessment.Kind.SELF,
            status=Assessment.Status.SUBMITTED,
        ).update(status=Assessment.Status.SIGNED_OFF, signed_off_at=now)
    assessment.save(update_fields=["manager_signed_off_at", "employee_acknowledged_at", "status", "signed_off_at"])
    if is_complete:
        from assessments import results

        results.record_results(assessment=assessment)
    AssessmentEvent.objects.create(assessment=assessment, actor=user, action=action)
    _audit(
        user,
        AuditEvent.Action.ASSESSMENT_SIGNED_OFF
        if action == AssessmentEvent.Action.SIGNED_OFF
        else AuditEvent.Action.ASSESSMENT_ACKNOWLEDGED,
        assessment,
    )
    from assessments import signals

    transaction.on_commit(
        lambda: signals.assessment_signed_off.send(
            sender=Assessment, assessment=assessment, by=user, is_complete=is_complete
        )
    )
    return assessment


@transaction.atomic
def reopen_assessment(*, assessment: Assessment, reopened_by: User, reason: str) -> Assessment:
    """HR returns a submitted or signed-off assessment to draft, with a reason; ratings are kept."""
    if not permissions.is_hr(reopened_by):
        raise PermissionDenied(_("Only HR can reopen an assessment."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for reopening.")})
    # Decide on the stored state, not the caller's copy, which may predate a sign-off or another reopening.
    assessment = Assessment.objects.select_for_update().select_related("employee", "cycle").get(pk=assessment.pk)
    if assessment.status == Assessment.Status.DRAFT:
        raise ValidationError({"status": _("This assessment is already a draft.")})
    assessment.status = Assessment.Status.DRAFT
    assessment.submitted_at = None
    assessment.manager_signed_off_at = None
    assessment.employee_acknowledged_at = None
    assessment.signed_off_at = None
    assessment.reopen_reason = reason
    assessment.version = F("version") + 1
    assessment.save()
    assessment.refresh_from_db()
    from assessments import results

    results.clear_results(assessment=assessment)
    AssessmentEvent.objects.create(
        assessment=assessment, actor=reopened_by, action=AssessmentEvent.Action.REOPENED, detail=reason
    )
    _audit(reopened_by, AuditEvent.Action.ASSESSMENT_REOPENED, assessment, reason)
    from assessments import signals

    transaction.on_commit(
        lambda: signals.assessment_reopened.send(sender=Assessment, assessment=assessment, reason=reason)
    )
    return assessment


# Levels ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyLevel:
    """A competency's computed level against what the position requires."""

    competency: Competency
    required: int | None
    result: LevelResult

    @property
    def level(self) -> int:
        return self.result.level

    @property
    def gap(self) -> int | None:
        """Required minus achieved; positive means below what the position needs."""
        return None if self.required is None else self.required - self.result.level


def required_levels(employee: Employee) -> dict[int, int]:
    """Required level by competency id for the employee's position."""
    if employee.position_id is None:
        return {}
    required = RequiredLevel.objects.filter(position_id=employee.position_id).order_by()
    return dict(required.values_list("competency_id", "level"))


class RatedIndicator(Protocol):
    """What the level rule reads of an indicator: a cycle indicator, or a row of its values."""

    @property
    def pk(self) -> int: ...

    @property
    def competency_id(self) -> int: ...

    @property
    def code(self) -> str: ...

    @property
    def level_number(self) -> int | None: ...


def levels_from_scores(
    *,
    cycle: Cycle,
    indicators: Iterable[RatedIndicator],
    scores: Mapping[int, int | None],
    competencies: Iterable[Competency],
    required: Mapping[int, int],
) -> list[CompetencyLevel]:
    """Apply the cycle's rule to scores by cycle-indicator id, competency by competency."""
    rule = rule_for(cycle)
    by_competency: dict[int, list[IndicatorScore]] = defaultdict(list)
    for indicator in indicators:
        by_competency[indicator.competency_id].append(
            IndicatorScore(code=indicator.code, level=indicator.level_number, score=scores.get(indicator.pk))
        )
    return [
        CompetencyLevel(
            competency=competency,
            required=required.get(competency.pk),
            result=competency_level(by_competency.get(competency.pk, []), is_generic=competency.is_generic, rule=rule),
        )
        for competency in competencies
        if competency.pk in by_competency
    ]


def assessment_levels(*, assessment: Assessment) -> list[CompetencyLevel]:
    """Every competency's level or degree for this assessment, with its reason and gap."""
    cycle = assessment.cycle
    # Plain values with the assessment's score: the rule needs four fields of each of the 122 indicators, not model
    # instances with their texts.
    indicators: list[Any] = list(
        CycleIndicator.objects.filter(cycle_id=cycle.pk)
        .annotate(rating=FilteredRelation("ratings", condition=Q(ratings__assessment_id=assessment.pk)))
        .order_by("position")
        .values_list("pk", "competency_id", "code", "level_number", "rating__score", named=True)
    )
    scores = {indicator.pk: indicator.rating__score for indicator in indicators}
    competencies = Competency.objects.filter(track_id=cycle.track_id).order_by("order")
    return levels_from_scores(
        cycle=cycle,
        indicators=indicators,
        scores=scores,
        competencies=competencies,
        required=required_levels(assessment.employee),
    )


# Positions ------------------------------------------------------------------------------------


def _require_position_manager(user: User) -> None:
    if not permissions.can_manage_positions(user):
        raise PermissionDenied(_("Only HR can manage positions."))


def _validate_required_levels(
    *, track: Track, required_levels: Mapping[str, int], is_complete: bool
) -> dict[str, Competency]:
    """The track's competencies by code; refuses other codes, levels outside 1-3 and, when asked, gaps."""
    competencies = {c.code: c for c in Competency.objects.filter(track=track).order_by("order")}
    errors: list[str] = []
    for code, level in required_levels.items():
        if code not in competencies:
            errors.append(_("%(code)s is not a competency of the position's track.") % {"code": code})
        elif not 1 <= level <= 3:
            errors.append(_("%(code)s: a required level must be 1, 2 or 3.") % {"code": code})
    missing = [code for code in competencies if code not in required_levels]
    if is_complete and missing:
        message = _("Every competency of the track needs a required level; missing: %(codes)s")
        errors.append(message % {"codes": ", ".join(missing)})
    if errors:
        raise ValidationError({"required_levels": errors})
    return competencies


def _set_required_levels(
    position: Position, competencies: Mapping[str, Competency], required_levels: Mapping[str, int]
) -> None:
    RequiredLevel.objects.bulk_create(
        [
            RequiredLevel(position=position, competency=competencies[code], level=level)
            for code, level in required_levels.items()
        ],
        update_conflicts=True,
        unique_fields=["position", "competency"],
        update_fields=["level"],
    )


@transaction.atomic
def create_position(
    *,
    track: Track,
    code: str,
    name_zh: str,
    name_en: str,
    required_levels: Mapping[str, int],
    created_by: User,
    is_example: bool = False,
) -> Position:
    """A position of a track, with the level it requires of every competency of that track."""
    _require_position_manager(created_by)
    competencies = _validate_required_levels(track=track, required_levels=required_levels, is_complete=True)
    position = Position(track=track, code=code, name_zh=name_zh, name_en=name_en, is_example=is_example)
    position.full_clean()
    position.save()
    _set_required_levels(position, competencies, required_levels)
    return position


@transaction.atomic
def update_position(
    *,
    position: Position,
    updated_by: User,
    code: str | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    is_example: bool | None = None,
    required_levels: Mapping[str, int] | None = None,
) -> Position:
    """Change a position's code, names or example flag, and the required levels given; the others stay."""
    _require_position_manager(updated_by)
    competencies = _validate_required_levels(
        track=position.track, required_levels=required_levels or {}, is_complete=False
    )
    changes = {"code": code, "name_zh": name_zh, "name_en": name_en, "is_example": is_example}
    for field, value in changes.items():
        if value is not None:
            setattr(position, field, value)
    position.full_clean()
    position.save()
    if required_levels:
        _set_required_levels(position, competencies, required_levels)
    return position
