"""Pages for employees, managers and HR.

Views fetch through ``visible_to`` (another person's record is a 404), ask ``permissions`` whether an
action is allowed (a forbidden one is a 403) and leave every rule to ``services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from assessments import form_markup, permissions, services
from assessments.forms import CycleForm, ImportForm, RatingsForm, ReopenForm, codes_in
from assessments.models import (
    Assessment,
    Cycle,
    CycleIndicator,
    Department,
    Employee,
    Rating,
    RequiredLevel,
    User,
)
from assessments.navigation import Nav, nav_for
from competency.models import Competency, pick_language
from notifications.services import recent_for
from reports.charts import RadarChart, RadarSeries

SUBMITTED = permissions.SUBMITTED_STATES
# The review agenda opens with this many indicators; the rest are one click away.
AGENDA_TOP = 10


# Shared pieces --------------------------------------------------------------------------------


def _count(queryset: QuerySet[Any]) -> Subquery:
    """A correlated COUNT(*) of `queryset`, as an annotation that adds no GROUP BY to the outer query."""
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField()
    )


def _indicator_total() -> Subquery:
    return _count(CycleIndicator.objects.filter(cycle_id=OuterRef("cycle_id")))


def _rated_count() -> Subquery:
    return _count(Rating.objects.filter(assessment_id=OuterRef("pk"), score__isnull=False))


def _counterpart() -> QuerySet[Assessment]:
    """The other assessment of the same employee in the same cycle (self for manager, and back)."""
    # No ordering: there is at most one, and the model's ordering would join cycle and employee to sort it.
    return (
        Assessment.objects.filter(cycle_id=OuterRef("cycle_id"), employee_id=OuterRef("employee_id"))
        .exclude(kind=OuterRef("kind"))
        .order_by()
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error_messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {key: [str(m) for m in value] for key, value in error.message_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# Language ------------------------------------------------------------------------------------


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice on the signed-in person."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES):
        user.language = language
        user.save(update_fields=["language"])
    return response


# Home ----------------------------------------------------------------------------------------


def _team_assessments(user: User) -> QuerySet[Assessment]:
    """The manager assessments of the user's direct reports, with both sides' progress."""
    counterpart = _counterpart()
    return (
        Assessment.objects.filter(employee__manager__user=user, kind=Assessment.Kind.MANAGER)
        .select_related("cycle", "employee__position", "employee__department")
        .annotate(
            rated=_rated_count(),
            total=_indicator_total(),
            self_status=Subquery(counterpart.values("status")[:1]),
        )
        .order_by("-cycle__created_at", "employee__employee_number")
    )


def _cycles_with_completion() -> QuerySet[Cycle]:
    """Cycles with how many take part and how far each kind of assessment has got."""
    assessments = Assessment.objects.filter(cycle_id=OuterRef("pk"))
    return (
        Cycle.objects.select_related("track")
        .annotate(
            participant_count=_count(Cycle.participants.through.objects.filter(cycle_id=OuterRef("pk"))),
            self_submitted=_count(assessments.filter(kind=Assessment.Kind.SELF, status__in=SUBMITTED)),
            manager_submitted=_count(assessments.filter(kind=Assessment.Kind.MANAGER, status__in=SUBMITTED)),
            signed_off=_count(assessments.filter(kind=Assessment.Kind.MANAGER, status=Assessment.Status.SIGNED_OFF)),
        )
        .order_by("-created_at")
    )


@dataclass
class CycleCompletion:
    """A cycle and its completion figures as shares of its participants."""

    cycle: Cycle

    @property
    def participants(self) -> int:
        return self.cycle.participant_count  # type: ignore[attr-defined,no-any-return]

    @property
    def self_percent(self) -> int:
        return _percent(self.cycle.self_submitted, self.participants)  # type: ignore[attr-defined]

    @property
    def manager_percent(self) -> int:
        return _percent(self.cycle.manager_submitted, self.participants)  # type: ignore[attr-defined]

    @property
    def signed_off_percent(self) -> int:
        return _percent(self.cycle.signed_off, self.participants)  # type: ignore[attr-defined]


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What the person signed in should do now, for each of their roles."""
    user: User = request.user  # type: ignore[assignment]
    nav = nav_for(user)
    own = list(
        Assessment.objects.visible_to(user)
        .filter(employee__user=user)
        .select_related("cycle", "employee__manager")
        .annotate(rated=_rated_count(), total=_indicator_total())
        .order_by("-cycle__created_at", "kind")
    )
    own_cycles: dict[int, dict[str, Any]] = {}
    for assessment in own:
        entry = own_cycles.setdefault(assessment.cycle_id, {"cycle": assessment.cycle, "self": None, "manager": None})
        entry[assessment.kind] = assessment
    for entry in own_cycles.values():
        manager = entry["manager"]
        entry["can_acknowledge"] = manager is not None and permissions.can_sign_off(user, manager)
    team = list(_team_assessments(user).filter(cycle__status=Cycle.Status.OPEN)) if nav.is_manager else []
    cycles = (
        [CycleCompletion(c) for c in _cycles_with_completion().exclude(status=Cycle.Status.CLOSED)] if nav.is_hr else []
    )
    return render(
        request,
        "assessments/home.html",
        {
            "nav": nav,
            "own_cycles": list(own_cycles.values()),
            "team": team,
            "cycles": cycles,
            "notifications": recent_for(user),
        },
    )


# The rating form -----------------------------------------------------------------------------


@dataclass
class FormItem:
    """One indicator as the form shows it: the rater's choice, note and errors, and the other side's."""

    indicator: IndicatorRow
    score: int | None
    note: str
    their_score: int | None = None
    their_note: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def anchor(self) -> str:
        return f"ind-{self.indicator.code}"


@dataclass
class FormGroup:
    """Indicators of one level of a professional competency (or all of a generic one)."""

    level: int | None
    stages: str
    items: list[FormItem]
    fieldsets: str = ""


@dataclass
class FormSection:
    competency: Competency
    required: int | None
    groups: list[FormGroup]

    @property
    def items(self) -> list[FormItem]:
        return [item for group in self.groups for item in group.items]

    @property
    def rated(self) -> int:
        return sum(1 for item in self.items if item.score is not None)

    @property
    def total(self) -> int:
        return len(self.items)


def _form_assessment(request: HttpRequest, pk: int) -> Assessment:
    """The assessment if the user may see it (404 otherwise), with what the page needs in one query."""
    counterpart = _counterpart()
    queryset = (
        Assessment.objects.visible_to(request.user)  # type: ignore[arg-type]
        # Only the employee's user id is read, so their user row is not joined: each join costs the planner more than
        # the row would.
        .select_related("cycle", "employee__department", "employee__position", "employee__manager")
        .annotate(
            counterpart_id=Subquery(counterpart.values("pk")[:1]),
            counterpart_status=Subquery(counterpart.values("status")[:1]),
            viewer_has_reports=Exists(Employee.objects.filter(Q(manager__user_id=request.user.pk))),
        )
    )
    return get_object_or_404(queryset, pk=pk)


def _assessment_to_save(request: HttpRequest, pk: int) -> Assessment:
    """The assessment if the user may see it (404 otherwise), with only what a save needs."""
    queryset = Assessment.objects.visible_to(request.user).select_related(  # type: ignore[arg-type]
        "cycle", "employee__manager"
    )
    return get_object_or_404(queryset, pk=pk)


def _nav_from_assessment(user: User, assessment: Assessment) -> Nav:
    """The navigation facts the form page already has, so it costs no query of its own."""
    employee = assessment.employee
    if employee.user_id == user.pk:
        name = employee.name
    elif employee.manager is not None and employee.manager.user_id == user.pk:
        name = employee.manager.name
    else:
        name = user.get_full_name() or user.username
    return Nav(name=name, is_manager=assessment.viewer_has_reports, is_hr=permissions.is_hr(user))  # type: ignore[attr-defined]


def _shows_counterpart(assessment: Assessment) -> bool:
    """A manager rates with the employee's own ratings beside, once the employee has submitted."""
    return assessment.kind == Assessment.Kind.MANAGER and assessment.counterpart_status in SUBMITTED  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator of a cycle's form with two assessments' ratings and the position's required level."""

    pk: int
    competency: Competency
    code: str
    position: int
    level_number: int | None
    text: str
    is_drafted: bool
    stages: str
    my_score: int | None
    my_note: str | None
    their_score: int | None
    their_note: str | None
    required: int | None

    @property
    def competency_id(self) -> int:
        return self.competency.pk


_ROW_FIELDS = ("pk", "code", "position", "level_number", "text_zh", "text_en", "is_drafted", "stages_zh", "stages_en")
_COMPETENCY_FIELDS = tuple(field.attname for field in Competency._meta.concrete_fields)  # the id first


def indicator_rows(
    *, cycle_id: int, position_id: int | None, mine: int | None, theirs: int | None = None
) -> list[IndicatorRow]:
    """A cycle's indicators in form order with two assessments' ratings and the required level, in one query.

    Plain values, not model instances: 122 indicators with their competency joined made 244 instances, half the
    query's time in Python. The seven competencies are built once each from the same rows.
    """
    queryset = (
        CycleIndicator.objects.filter(cycle_id=cycle_id)
        .annotate(
            mine=FilteredRelation("ratings", condition=Q(ratings__assessment_id=mine)),
            theirs=FilteredRelation("ratings", condition=Q(ratings__assessment_id=theirs)),
            required=Subquery(
                # One row per position and competency: no ordering, which would join three tables per indicator.
                RequiredLevel.objects.filter(Q(position_id=position_id), competency_id=OuterRef("competency_id"))
                .order_by()
                .values("level")[:1]
            ),
        )
        .order_by("position")
        .values_list(
            *_ROW_FIELDS,
            "mine__score",
            "mine__note",
            "theirs__score",
            "theirs__note",
            "required",
            *(f"competency__{name}" for name in _COMPETENCY_FIELDS),
        )
    )
    language = get_language()
    competencies: dict[int, Competency] = {}
    rows = []
    for values in queryset:
        pk, code, position, level_number, text_zh, text_en, is_drafted, stages_zh, stages_en, *rest = values
        my_score, my_note, their_score, their_note, required, *competency_values = rest
        competency = competencies.get(competency_values[0])
        if competency is None:
            competency = competencies[competency_values[0]] = Competency.from_db(
                queryset.db, list(_COMPETENCY_FIELDS), competency_values
            )
        rows.append(
            IndicatorRow(
                pk=pk,
                competency=competency,
                code=code,
                position=position,
                level_number=level_number,
                text=pick_language(text_zh, text_en, language),
                is_drafted=is_drafted,
                stages=pick_language(stages_zh, stages_en, language),
                my_score=my_score,
                my_note=my_note,
                their_score=their_score,
                their_note=their_note,
                required=required,
            )
        )
    return rows


def _build_sections(
    rows: Iterable[IndicatorRow],
    *,
    shows_counterpart: bool,
    posted: dict[str, tuple[int | None, str]] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> list[FormSection]:
    """Group the rows by competency (generic first) and then by level, keeping any posted input."""
    posted = posted or {}
    errors = errors or {}
    sections: dict[int, FormSection] = {}
    for row in rows:
        competency = row.competency
        section = sections.get(competency.pk)
        if section is None:
            section = sections[competency.pk] = FormSection(competency, row.required, [])
        if not section.groups or section.groups[-1].level != row.level_number:
            section.groups.append(FormGroup(row.level_number, row.stages if row.level_number else "", []))
        score, note = posted.get(row.code, (row.my_score, row.my_note or ""))
        section.groups[-1].items.append(
            FormItem(
                indicator=row,
                score=score,
                note=note,
                their_score=row.their_score if shows_counterpart else None,
                their_note=(row.their_note or "") if shows_counterpart else "",
                errors=errors.get(row.code, []),
            )
        )
    return sorted(sections.values(), key=lambda s: (not s.competency.is_generic, s.competency.order))


def _levels_for(
    cycle: Cycle, rows: list[IndicatorRow], scores: dict[int, int | None]
) -> list[services.CompetencyLevel]:
    competencies = list({row.competency_id: row.competency for row in rows}.values())
    required = {row.competency_id: row.required for row in rows if row.required is not None}
    return services.levels_from_scores(
        cycle=cycle, indicators=rows, scores=scores, competencies=competencies, required=required
    )


def _render_form(
    request: HttpRequest,
    assessment: Assessment,
    *,
    posted: dict[str, tuple[int | None, str]] | None = None,
    errors: dict[str, list[str]] | None = None,
    form_error: str = "",
    status: int = 200,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    shows_counterpart = _shows_counterpart(assessment)
    rows = indicator_rows(
        cycle_id=assessment.cycle_id,
        position_id=assessment.employee.position_id,
        mine=assessment.pk,
        theirs=assessment.counterpart_id if shows_counterpart else None,  # type: ignore[attr-defined]
    )
    sections = _build_sections(
        rows,
        shows_counterpart=shows_counterpart,
        posted=posted,
        errors=errors,
    )
    is_manager_form = assessment.kind == Assessment.Kind.MANAGER
    levels = _levels_for(assessment.cycle, rows, {row.pk: row.my_score for row in rows}) if is_manager_form else []
    can_rate = permissions.can_rate(user, assessment)
    words = form_markup.FieldsetWords.for_page(choices=Rating.Score.choices, employee_name=assessment.employee.name)
    for section in sections:
        for group in section.groups:
            group.fieldsets = form_markup.fieldsets(
                group.items, words=words, can_rate=can_rate, shows_counterpart=shows_counterpart
            )
    rated = sum(section.rated for section in sections)
    context = {
        "nav": _nav_from_assessment(user, assessment),
        "assessment": assessment,
        "cycle": assessment.cycle,
        "employee": assessment.employee,
        "sections": sections,
        "rated": rated,
        "total": len(rows),
        "percent": _percent(rated, len(rows)),
        "can_rate": can_rate,
        "is_rater": permissions.is_rater(user, assessment),
        "is_manager_form": is_manager_form,
        "shows_counterpart": shows_counterpart,
        "levels": levels,
        "can_sign_off": permissions.can_sign_off(user, assessment),
        "can_reopen": permissions.can_reopen(user, assessment),
        "deadline": assessment.cycle.deadline_for(assessment.kind),
        "form_error": form_error,
        "has_errors": bool(errors),
        "score_choices": Rating.Score.choices,
    }
    return render(request, "assessments/assessment_form.html", context, status=status)


def _posted_values(request: HttpRequest, codes: list[str]) -> dict[str, tuple[int | None, str]]:
    """The raw input for redisplay after a refused save, so the person's input is never lost."""
    values: dict[str, tuple[int | None, str]] = {}
    for code in codes:
        raw = request.POST.get(f"score-{code}", "")
        values[code] = (int(raw) if raw in {"0", "1", "2", "3"} else None, request.POST.get(f"note-{code}", ""))
    return values


def _save_ratings(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    wants_json = _wants_json(request)
    codes = codes_in(request.POST)
    form = RatingsForm(request.POST, codes=codes)

    def refuse(message: str, status: int, errors: dict[str, list[str]] | None = None) -> HttpResponse:
        if wants_json:
            current = Assessment.objects.filter(pk=assessment.pk).values_list("version", flat=True).first()
            return JsonResponse({"error": message, "errors": errors or {}, "version": current}, status=status)
        return _render_form(
            request,
            _form_assessment(request, assessment.pk),
            posted=_posted_values(request, codes),
            errors=errors,
            form_error=message,
            status=status,
        )

    if not form.is_valid():
        field_errors = form.errors_by_code()
        if "version" in form.errors:
            field_errors.setdefault("__all__", []).extend(str(e) for e in form.errors["version"])
        return refuse(_("Some ratings could not be saved; see the marked indicators."), 400, field_errors)
    try:
        assessment = services.save_ratings(
            assessment=assessment,
            rater=user,
            ratings=form.ratings(),
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleWrite as stale:
        return refuse(str(stale), 409)
    except PermissionDenied as denied:
        if wants_json:
            return JsonResponse({"error": str(denied) or _("You cannot change these ratings.")}, status=403)
        raise
    except ValidationError as invalid:
        return refuse(_("Some ratings could not be saved; see the marked indicators."), 400, _error_messages(invalid))
    saved_at = timezone.localtime(assessment.last_saved_at)
    display = time_format(saved_at, "H:i")
    message = _("Saved at %(time)s") % {"time": display}
    if wants_json:
        payload: dict[str, Any] = {
            "version": assessment.version,
            "saved_at": saved_at.isoformat(),
            "saved_at_display": display,
            "message": message,
        }
        if assessment.kind == Assessment.Kind.MANAGER:
            levels = services.assessment_levels(assessment=assessment)
            # A handful of distinct gaps among the competencies: each badge is rendered once.
            gap_html = {gap: render_to_string("assessments/_gap.html", {"gap": gap}) for gap in {x.gap for x in levels}}
            payload["levels"] = [
                {
                    "code": level.competency.code,
                    "level": level.level,
                    "required": level.required,
                    "gap": level.gap,
                    "gap_html": gap_html[level.gap],
                    "reason": level.result.reason,
                }
                for level in levels
            ]
        return JsonResponse(payload)
    messages.success(request, message)
    if request.POST.get("action") == "submit":
        return redirect("assessment_submit", pk=assessment.pk)
    return redirect("assessment", pk=assessment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_form(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate an assessment (saved as you go), or read it when it is not yours to change."""
    if request.method == "POST":
        return _save_ratings(request, _assessment_to_save(request, pk))
    return _render_form(request, _form_assessment(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then submit; lists what is still missing instead when something is."""
    user: User = request.user  # type: ignore[assignment]
    assessment = _form_assessment(request, pk)
    if not assessment.is_draft:
        return redirect("assessment", pk=assessment.pk)
    if not permissions.can_submit(user, assessment):
        raise PermissionDenied(_("You cannot submit this assessment."))
    missing: list[CycleIndicator] = []
    if request.method == "POST":
        try:
            services.submit_assessment(assessment=assessment, user=user)
        except ValidationError:
            codes = services.missing_indicators(assessment)
            missing = list(
                CycleIndicator.objects.filter(cycle_id=assessment.cycle_id, code__in=codes).order_by("position")
            )
        else:
            messages.success(request, _("Submitted. Thank you."))
            return redirect("assessment", pk=assessment.pk)
    rated = Rating.objects.filter(assessment=assessment, score__isnull=False).count()
    total = CycleIndicator.objects.filter(cycle_id=assessment.cycle_id).count()
    levels = services.assessment_levels(assessment=assessment) if assessment.kind == Assessment.Kind.MANAGER else []
    return render(
        request,
        "assessments/assessment_submit.html",
        {
            "nav": _nav_from_assessment(user, assessment),
            "assessment": assessment,
            "employee": assessment.employee,
            "cycle": assessment.cycle,
            "missing": missing,
            "rated": rated,
            "total": total,
            "levels": levels,
        },
    )


@login_required
@require_POST
def assessment_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager signs off, or the employee acknowledges, a submitted manager assessment."""
    user: User = request.user  # type: ignore[assignment]
    assessment = get_object_or_404(
        Assessment.objects.visible_to(user).select_related("cycle", "employee__manager"), pk=pk
    )
    is_rater = permissions.is_rater(user, assessment)
    services.sign_off_assessment(assessment=assessment, user=user)
    messages.success(request, _("Signed off.") if is_rater else _("Acknowledged."))
    return redirect("results", cycle_pk=assessment.cycle_id, employee_pk=assessment.employee_id)


@login_required
@require_GET
def assessment_next(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager assessment of the rater's next direct report in the same cycle."""
    user: User = request.user  # type: ignore[assignment]
    current = get_object_or_404(
        Assessment.objects.filter(kind=Assessment.Kind.MANAGER, employee__manager__user=user), pk=pk
    )
    team = list(
        Assessment.objects.filter(cycle_id=current.cycle_id, kind=Assessment.Kind.MANAGER, employee__manager__user=user)
        .order_by("employee__employee_number")
        .values_list("pk", flat=True)
    )
    index = team.index(current.pk)
    return redirect("assessment", pk=team[(index + 1) % len(team)])


@login_required
@require_http_methods(["GET", "POST"])
def assessment_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """HR returns a submitted assessment to draft, with a reason the rater is told."""
    user: User = request.user  # type: ignore[assignment]
    assessment = get_object_or_404(
        Assessment.objects.visible_to(user).select_related("cycle", "employee__manager"), pk=pk
    )
    if not permissions.can_reopen(user, assessment):
        raise PermissionDenied(_("Only HR can reopen a submitted assessment."))
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_assessment(assessment=assessment, reopened_by=user, reason=form.cleaned_data["reason"])
        except ValidationError as invalid:
            for name, errors in _error_messages(invalid).items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("The assessment is a draft again; the rater can change it."))
            return redirect("cycle_detail", pk=assessment.cycle_id)
    return render(
        request,
        "assessments/assessment_reopen.html",
        {"nav": nav_for(user), "assessment": assessment, "form": form},
    )


# Team ----------------------------------------------------------------------------------------


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    """The manager's direct reports in each cycle, with both assessments' status and the next step."""
    user: User = request.user  # type: ignore[assignment]
    by_cycle: dict[int, dict[str, Any]] = {}
    for assessment in _team_assessments(user):
        entry = by_cycle.setdefault(assessment.cycle_id, {"cycle": assessment.cycle, "rows": []})
        entry["rows"].append(assessment)
    return render(request, "assessments/team.html", {"nav": nav_for(user), "cycles": list(by_cycle.values())})


# Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    competency: Competency
    required: int | None
    self_level: services.CompetencyLevel | None
    manager_level: services.CompetencyLevel | None

    @property
    def gap(self) -> int | None:
        return self.manager_level.gap if self.manager_level is not None else None


@dataclass(frozen=True)
class AgendaItem:
    indicator: IndicatorRow
    self_score: int
    manager_score: int
    self_note: str
    manager_note: str
    self_label: str
    manager_label: str

    @property
    def difference(self) -> int:
        return self.manager_score - self.self_score


@login_required
@require_GET
def results(request: HttpRequest, cycle_pk: int, employee_pk: int) -> HttpResponse:
    """An employee's levels in a cycle against the position, the chart and the review agenda."""
    user: User = request.user  # type: ignore[assignment]
    visible = list(
        Assessment.objects.visible_to(user)
        .filter(cycle_id=cycle_pk, employee_id=employee_pk)
        .select_related("cycle__track", "employee__position", "employee__department", "employee__manager")
    )
    if not visible:
        raise Http404
    by_kind = {a.kind: a for a in visible}
    self_assessment = by_kind.get(Assessment.Kind.SELF)
    manager_assessment = by_kind.get(Assessment.Kind.MANAGER)
    cycle, employee = visible[0].cycle, visible[0].employee
    rows = indicator_rows(
        cycle_id=cycle.pk,
        position_id=employee.position_id,
        mine=self_assessment.pk if self_assessment else None,
        theirs=manager_assessment.pk if manager_assessment else None,
    )
    self_levels = (
        {lv.competency.pk: lv for lv in _levels_for(cycle, rows, {r.pk: r.my_score for r in rows})}
        if self_assessment
        else {}
    )
    manager_levels = (
        {lv.competency.pk: lv for lv in _levels_for(cycle, rows, {r.pk: r.their_score for r in rows})}
        if manager_assessment
        else {}
    )
    competencies = sorted(
        {r.competency_id: r.competency for r in rows}.values(), key=lambda c: (not c.is_generic, c.order)
    )
    required = {r.competency_id: r.required for r in rows}
    table = [ResultRow(c, required.get(c.pk), self_levels.get(c.pk), manager_levels.get(c.pk)) for c in competencies]
    chart = RadarChart(
        # Codes, not names: full names do not fit beside the chart, and the table next to it names them.
        axes=tuple(c.code for c in competencies),
        series=(
            RadarSeries(_("Required"), tuple(required.get(c.pk) for c in competencies), "required"),
            RadarSeries(
                _("Self-assessment"),
                tuple(self_levels[c.pk].level if c.pk in self_levels else None for c in competencies),
                "self",
            ),
            RadarSeries(
                _("Manager"),
                tuple(manager_levels[c.pk].level if c.pk in manager_levels else None for c in competencies),
                "manager",
            ),
        ),
        title=_("Levels of %(name)s against the position") % {"name": employee.name},
    )
    # Each score's label translated once for the page, not twice for every indicator of the agenda.
    labels = {value: str(label) for value, label in Rating.Score.choices}
    agenda = sorted(
        (
            AgendaItem(
                r,
                r.my_score,
                r.their_score,
                r.my_note or "",
                r.their_note or "",
                labels[r.my_score],
                labels[r.their_score],
            )
            for r in rows
            if r.my_score is not None and r.their_score is not None and r.my_score != r.their_score
        ),
        key=lambda item: (-abs(item.difference), item.indicator.position),
    )
    return render(
        request,
        "assessments/results.html",
        {
            "nav": nav_for(user),
            "cycle": cycle,
            "employee": employee,
            "self_assessment": self_assessment,
            "manager_assessment": manager_assessment,
            "table": table,
            "chart": chart.svg(),
            "agenda": agenda[:AGENDA_TOP],
            "agenda_rest": agenda[AGENDA_TOP:],
            "can_sign_off": manager_assessment is not None and permissions.can_sign_off(user, manager_assessment),
            "is_rater": manager_assessment is not None and permissions.is_rater(user, manager_assessment),
        },
    )


# HR: cycles ----------------------------------------------------------------------------------


def _require_hr(user: User) -> None:
    if not permissions.can_manage_cycles(user):
        raise PermissionDenied(_("Only HR can manage cycles."))


@login_required
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    """Every cycle with its completion figures."""
    user: User = request.user  # type: ignore[assignment]
    _require_hr(user)
    cycles = [CycleCompletion(c) for c in _cycles_with_completion()]
    return render(request, "assessments/cycle_list.html", {"nav": nav_for(user), "cycles": cycles})


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    """A new draft cycle; HR opens it from its page once it looks right."""
    user: User = request.user  # type: ignore[assignment]
    _require_hr(user)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.create_cycle(
                name=data["name"],
                track=data["track"],
                self_assessment_opens_on=data["self_assessment_opens_on"],
                self_assessment_due_on=data["self_assessment_due_on"],
                manager_assessment_opens_on=data["manager_assessment_opens_on"],
                manager_assessment_due_on=data["manager_assessment_due_on"],
                created_by=user,
                departments=data["departments"],
                positions=data["positions"],
                employees=data["employees"],
            )
        except ValidationError as invalid:
            for name, errors in _error_messages(invalid).items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("Cycle created as a draft. Check the participants, then open it."))
            return redirect("cycle_detail", pk=cycle.pk)
    return render(request, "assessments/cycle_form.html", {"nav": nav_for(user), "form": form})


@dataclass
class CompletionRow:
    """Completion of one group of participants (a department or a manager's team)."""

    name: str
    participants: int
    self_submitted: int
    manager_submitted: int
    signed_off: int

    @property
    def self_percent(self) -> int:
        return _percent(self.self_submitted, self.participants)

    @property
    def manager_percent(self) -> int:
        return _percent(self.manager_submitted, self.participants)

    @property
    def signed_off_percent(self) -> int:
        return _percent(self.signed_off, self.participants)


def completion_by(cycle: Cycle, group: str) -> list[CompletionRow]:
    """Completion of a cycle grouped by the participants' department or manager, in one query."""
    key, label = f"employee__{group}_id", f"employee__{group}__name"
    rows = (
        Assessment.objects.filter(cycle=cycle)
        .values(key, label)
        .annotate(
            participants=Count("employee", distinct=True),
            self_submitted=Count("pk", filter=Q(kind=Assessment.Kind.SELF, status__in=SUBMITTED)),
            manager_submitted=Count("pk", filter=Q(kind=Assessment.Kind.MANAGER, status__in=SUBMITTED)),
            signed_off=Count("pk", filter=Q(kind=Assessment.Kind.MANAGER, status=Assessment.Status.SIGNED_OFF)),
        )
        .order_by(label, key)
    )
    return [
        CompletionRow(
            name=row[label] or _("No manager"),
            participants=row["participants"],
            self_submitted=row["self_submitted"],
            manager_submitted=row["manager_submitted"],
            signed_off=row["signed_off"],
        )
        for row in rows
    ]


# The participants table shows this many people a page; completion figures cover the whole cycle.
PARTICIPANTS_PAGE_SIZE = 50
# At company size a cycle has a thousand teams: the page shows those furthest behind, the rest one link away.
TEAMS_SHOWN = 25


def furthest_behind(teams: list[CompletionRow]) -> list[CompletionRow]:
    """Teams with the fewest manager ratings submitted first, then the fewest self-assessments, then by name."""
    return sorted(
        teams, key=lambda team: (team.manager_submitted / team.participants, team.self_submitted / team.participants)
    )


@dataclass(frozen=True)
class ParticipantFilter:
    """Which participants HR looks for on the cycle page: by progress, department, name or number."""

    status: str = ""
    department: int | None = None
    search: str = ""

    @classmethod
    def from_query(cls, query: Any) -> ParticipantFilter:
        status = query.get("status", "")
        department = query.get("department", "")
        return cls(
            status=status if status in dict(cls.status_choices()) else "",
            department=int(department) if department.isdigit() else None,
            search=query.get("q", "").strip()[:100],
        )

    @staticmethod
    def status_choices() -> list[tuple[str, str]]:
        return [
            ("self_draft", _("Self-assessment not submitted")),
            ("manager_draft", _("Manager assessment not submitted")),
            ("awaiting_sign_off", _("Submitted, awaiting sign-off")),
            ("signed_off", _("Signed off")),
        ]

    def apply(self, cycle: Cycle, people: QuerySet[Employee]) -> QuerySet[Employee]:
        """The participants that match, by EXISTS on their assessments so no row is repeated."""
        if self.department is not None:
            people = people.filter(department_id=self.department)
        if self.search:
            people = people.filter(Q(name__icontains=self.search) | Q(employee_number__istartswith=self.search))
        if not self.status:
            return people
        theirs = Assessment.objects.filter(cycle=cycle, employee_id=OuterRef("pk"))
        manager = theirs.filter(kind=Assessment.Kind.MANAGER)
        if self.status == "self_draft":
            return people.filter(Exists(theirs.filter(kind=Assessment.Kind.SELF, status=Assessment.Status.DRAFT)))
        if self.status == "manager_draft":
            return people.filter(Exists(manager.filter(status=Assessment.Status.DRAFT)))
        if self.status == "awaiting_sign_off":
            return people.filter(Exists(manager.filter(status=Assessment.Status.SUBMITTED)))
        return people.filter(Exists(manager.filter(status=Assessment.Status.SIGNED_OFF)))


@login_required
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A cycle's windows, its completion by department and by manager, and its participants a page at a time."""
    user: User = request.user  # type: ignore[assignment]
    _require_hr(user)
    cycle = get_object_or_404(_cycles_with_completion(), pk=pk)
    filters = ParticipantFilter.from_query(request.GET)
    participants = filters.apply(
        cycle, cycle.participants.select_related("department", "manager").order_by("employee_number")
    )
    page = Paginator(participants, PARTICIPANTS_PAGE_SIZE).get_page(request.GET.get("page"))
    # Progress only for the people on this page: one query, whatever the size of the cycle.
    people: dict[int, dict[str, Any]] = {employee.pk: {"employee": employee} for employee in page.object_list}
    assessments = (
        Assessment.objects.filter(cycle=cycle, employee_id__in=list(people))
        .annotate(rated=_rated_count(), total=_indicator_total())
        .order_by()
    )
    for assessment in assessments:
        assessment.employee = people[assessment.employee_id]["employee"]
        people[assessment.employee_id][assessment.kind] = assessment
    query = request.GET.copy()
    query.pop("page", None)
    teams = completion_by(cycle, "manager")
    all_teams = request.GET.get("teams") == "all"
    shown_teams = teams if all_teams or len(teams) <= TEAMS_SHOWN else furthest_behind(teams)[:TEAMS_SHOWN]
    # The same filters, with the other choice of teams.
    teams_query = query.copy()
    if all_teams:
        teams_query.pop("teams")
    else:
        teams_query["teams"] = "all"
    return render(
        request,
        "assessments/cycle_detail.html",
        {
            "nav": nav_for(user),
            "cycle": cycle,
            "completion": CycleCompletion(cycle),
            "by_department": completion_by(cycle, "department"),
            "by_manager": shown_teams,
            "teams_total": len(teams),
            "all_teams": all_teams,
            "teams_query": teams_query.urlencode(),
            "people": list(people.values()),
            "page": page,
            "filters": filters,
            "statuses": ParticipantFilter.status_choices(),
            "departments": Department.objects.order_by("name").values_list("pk", "name"),
            "query": query.urlencode(),
        },
    )


def _cycle_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    _require_hr(user)
    cycle = get_object_or_404(Cycle, pk=pk)
    try:
        if action == "open":
            services.open_cycle(cycle=cycle, opened_by=user)
            messages.success(request, _("The cycle is open; everyone taking part can start."))
        else:
            services.close_cycle(cycle=cycle, closed_by=user)
            messages.success(request, _("The cycle is closed; nothing in it can be rated any more."))
    except ValidationError as invalid:
        for errors in _error_messages(invalid).values():
            for error in errors:
                messages.error(request, error)
    return HttpResponseRedirect(reverse("cycle_detail", args=[cycle.pk]))


@login_required
@require_POST
def cycle_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a draft cycle."""
    return _cycle_action(request, pk, "open")


@login_required
@require_POST
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an open cycle."""
    return _cycle_action(request, pk, "close")


# HR: organisation import ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def organisation_import(request: HttpRequest) -> HttpResponse:
    """Upload the organisation as CSV or Excel; every bad row is listed and nothing is written then."""
    user: User = request.user  # type: ignore[assignment]
    _require_hr(user)
    from assessments.imports import import_organisation

    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = import_organisation(file=upload, filename=upload.name, imported_by=user)
        if result.errors:
            status = 400
        else:
            messages.success(request, _("The organisation was imported."))
    return render(
        request,
        "assessments/organisation_import.html",
        {"nav": nav_for(user), "form": form, "result": result},
        status=status,
    )
