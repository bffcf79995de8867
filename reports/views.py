"""Report pages: PDF requests and downloads, development plans, HR exports, the heatmap and the cycle summary.

Records come through ``visible_to`` (someone else's is a 404); actions ask ``permissions`` (a forbidden
one is a 403); every rule lives in a service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.models import Cycle, Employee, User
from assessments.navigation import nav_for
from audit.models import AuditEvent
from audit.services import record_event
from reports import gaps, plans, services
from reports.api import job_filename
from reports.contexts import GapReportContext, radar_svg
from reports.forms import ExportForm, HeatmapForm, PlanActionForm, ReportRequestForm
from reports.models import DevelopmentPlan, Export, Language, PlanAction, PlanTarget, ReportJob

# A page with unfinished work reloads itself this often, so progress shows without JavaScript.
REFRESH_SECONDS = 3
RECENT_JOBS = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"nav": nav_for(_user(request)), **context})


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _page_language() -> str:
    return Language.ENGLISH if (get_language() or "").startswith("en") else Language.CHINESE


def _require_overview(user: User) -> None:
    if not permissions.can_see_gap_overview(user):
        raise PermissionDenied(_("Only HR sees the gap overview."))


# PDFs ---------------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The user's recent PDFs and a form to ask for another."""
    user = _user(request)
    jobs = ReportJob.objects.visible_to(user).select_related("employee", "cycle")[:RECENT_JOBS]
    form = ReportRequestForm(user=user, initial={"language": services.language_for(user)})
    return _page(request, "reports/index.html", {"jobs": jobs, "form": form})


@login_required
@require_POST
def request_report(request: HttpRequest) -> HttpResponse:
    """Queue a PDF and go to its page, which shows it being made."""
    user = _user(request)
    form = ReportRequestForm(request.POST, user=user)
    if not form.is_valid():
        # Someone else's employee id is simply not among the choices: the same as not existing.
        if "employee" in form.errors:
            raise Http404
        return _page(request, "reports/index.html", {"jobs": [], "form": form})
    try:
        job = services.request_report(
            requested_by=user,
            employee=form.cleaned_data["employee"],
            cycle=form.cleaned_data["cycle"],
            kind=form.cleaned_data["kind"],
            language=form.cleaned_data["language"],
        )
    except ValidationError as error:
        _errors(request, error)
        back = request.POST.get("next", "")
        is_ours = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return redirect(back if back and is_ours else reverse("reports:index"))
    return redirect("reports:job", pk=job.pk)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One PDF's progress; reloads until it is done or has failed."""
    job = get_object_or_404(ReportJob.objects.visible_to(_user(request)).select_related("employee", "cycle"), pk=pk)
    return _page(request, "reports/job.html", {"job": job, "refresh": None if job.is_finished else REFRESH_SECONDS})


def _record_job_download(request: HttpRequest, job: ReportJob) -> None:
    record_event(
        actor=_user(request),
        action=AuditEvent.Action.REPORT_DOWNLOADED,
        subject=f"{job.get_kind_display()} · {job.employee.name} · {job.cycle_id}",
        employee=job.employee,
    )


@login_required
def job_file(request: HttpRequest, pk: int) -> FileResponse:
    """The PDF, once done, to those who may see its employee."""
    job = get_object_or_404(ReportJob.objects.visible_to(_user(request)).select_related("employee"), pk=pk)
    if not job.is_downloadable:
        raise Http404
    _record_job_download(request, job)
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job_filename(job), content_type="application/pdf"
    )


@login_required
def gap_page(request: HttpRequest, cycle_pk: int, employee_pk: int) -> HttpResponse:
    """An employee's gap report as a page, in the reader's language, with a button for the PDF."""
    user = _user(request)
    employee = get_object_or_404(Employee.objects.visible_to(user), pk=employee_pk)
    cycle = get_object_or_404(Cycle.objects.filter(participants=employee), pk=cycle_pk)
    report = GapReportContext.from_gaps(
        gaps.employee_gaps(cycle=cycle, employee=employee), language=_page_language(), today=timezone.localdate()
    )
    plan = DevelopmentPlan.objects.visible_to(user).filter(cycle=cycle, employee=employee).first()
    # Codes, as on the results page: a card beside the table has no room for full names, and the table names them.
    radar = radar_svg(report.rows, report.labels, by_code=True)
    return _page(
        request,
        "reports/gap.html",
        {"report": report, "radar": radar, "cycle": cycle, "employee": employee, "plan": plan},
    )


# Development plans --------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans the user may see."""
    plan_rows = (
        DevelopmentPlan.objects.visible_to(_user(request))
        .select_related("employee", "cycle")
        .annotate(target_count=Count("targets", distinct=True), action_count=Count("targets__actions"))
    )
    return _page(request, "reports/plan_list.html", {"plans": plan_rows})


def _visible_plan(request: HttpRequest, pk: int) -> DevelopmentPlan:
    return get_object_or_404(
        DevelopmentPlan.objects.visible_to(_user(request)).select_related("employee__manager"), pk=pk
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's targets and actions, forms to change them for the two who agree it, and its history."""
    user = _user(request)
    plan = get_object_or_404(plans.plan_with_targets(DevelopmentPlan.objects.visible_to(user)), pk=pk)
    events = plan.events.select_related("actor__employee", "target__indicator")
    return _page(
        request,
        "reports/plan_detail.html",
        {
            "plan": plan,
            "events": events,
            "can_edit": permissions.can_edit_plan(user, plan),
            "new_action_form": PlanActionForm(),
            "owners": PlanAction.Owner.choices,
            "statuses": PlanAction.Status.choices,
        },
    )


def _back_to(plan: DevelopmentPlan) -> HttpResponseRedirect:
    return redirect("reports:plan", pk=plan.pk)


@login_required
@require_POST
def plan_action_add(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    target = get_object_or_404(PlanTarget.objects.select_related("plan"), pk=target_pk, plan=plan)
    form = PlanActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The action was not added: say what will be done."))
        return _back_to(plan)
    try:
        plans.add_plan_action(target=target, user=_user(request), **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
    return _back_to(plan)


def _visible_action(request: HttpRequest, pk: int, action_pk: int) -> tuple[DevelopmentPlan, PlanAction]:
    plan = _visible_plan(request, pk)
    action = get_object_or_404(PlanAction.objects.select_related("target__plan"), pk=action_pk, target__plan=plan)
    return plan, action


@login_required
@require_POST
def plan_action_edit(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    plan, action = _visible_action(request, pk, action_pk)
    form = PlanActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The action was not changed: check its fields."))
        return _back_to(plan)
    try:
        plans.change_plan_action(action=action, user=_user(request), fields=form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
    return _back_to(plan)


@login_required
@require_POST
def plan_action_remove(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    plan, action = _visible_action(request, pk, action_pk)
    plans.remove_plan_action(action=action, user=_user(request))
    return _back_to(plan)


@login_required
@require_POST
def plan_agree(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    try:
        plan = plans.agree_to_plan(plan=plan, user=_user(request))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The plan is agreed.") if plan.is_agreed else _("Your agreement is recorded."))
    return _back_to(plan)


# Exports ------------------------------------------------------------------------------------------


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """HR's exports and a form for a new one."""
    user = _user(request)
    if not permissions.can_export(user):
        raise PermissionDenied(_("Only HR can export reports."))
    form = ExportForm(request.POST or None, initial={"language": services.language_for(user), "include_plans": True})
    if request.method == "POST" and form.is_valid():
        try:
            export = services.start_export(requested_by=user, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            return redirect("reports:export", pk=export.pk)
    exports = Export.objects.visible_to(user).select_related("cycle", "department", "manager")[:RECENT_JOBS]
    return _page(request, "reports/export_list.html", {"exports": exports, "form": form})


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """n of N, the failures with their reasons, and the archive once built; reloads while running."""
    export = get_object_or_404(
        Export.objects.visible_to(_user(request)).select_related("cycle", "department", "manager"), pk=pk
    )
    failures = export.jobs.filter(status=ReportJob.Status.FAILED).select_related("employee").order_by("pk")
    return _page(
        request,
        "reports/export_detail.html",
        {
            "export": export,
            "failures": failures,
            "refresh": None if export.is_finished else REFRESH_SECONDS,
            "can_resume": export.is_finished and (export.failed_count or export.status == Export.Status.FAILED),
        },
    )


@login_required
def export_file(request: HttpRequest, pk: int) -> FileResponse:
    export = get_object_or_404(Export.objects.visible_to(_user(request)), pk=pk)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404
    record_event(actor=_user(request), action=AuditEvent.Action.EXPORT_DOWNLOADED, subject=f"export {export.pk}")
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=f"export-{export.pk}.zip", content_type="application/zip"
    )


@login_required
@require_POST
def export_resume(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(Export.objects.visible_to(_user(request)), pk=pk)
    try:
        services.resume_export(export=export, resumed_by=_user(request))
    except ValidationError as error:
        _errors(request, error)
    return redirect("reports:export", pk=export.pk)


# HR overview --------------------------------------------------------------------------------------


def _managers_in(cycle: Cycle) -> QuerySet[Employee]:
    return Employee.objects.filter(reports__cycles=cycle).distinct().order_by("name")


def _heatmap_form(request: HttpRequest) -> HeatmapForm:
    """The heatmap's form, offering only the teams of the chosen department.

    A list of every manager would be a thousand options at company size; HR reaches a team from its
    department's rows instead, and a link to a team keeps working because the field stays, hidden.
    """
    form = HeatmapForm(request.GET or None)
    managers = form.fields["manager"]
    assert isinstance(managers, forms.ModelChoiceField)  # declared in HeatmapForm
    department = request.GET.get("department", "")
    if department.isdigit():
        in_department = Employee.objects.filter(manager=OuterRef("pk"), department_id=int(department))
        managers.queryset = managers.queryset.filter(Exists(in_department))  # type: ignore[union-attr]
    else:
        managers.widget = forms.HiddenInput()
    return form


@login_required
def heatmap(request: HttpRequest) -> HttpResponse:
    """Competencies across a cycle by department, a department by team, or a team by person; HR drills down."""
    user = _user(request)
    _require_overview(user)
    form = _heatmap_form(request)
    group = None
    if form.is_valid():
        cycle, department, manager = (form.cleaned_data[k] for k in ("cycle", "department", "manager"))
        if manager is not None:
            group = gaps.team_gaps(cycle=cycle, manager=manager, department=department)
        elif department is not None:
            group = gaps.department_gaps(cycle=cycle, department=department)
        else:
            group = gaps.cycle_gaps(cycle=cycle)
    return _page(
        request,
        "reports/heatmap.html",
        {
            "form": form,
            "group": group,
            "rows": group.rows if group else (),
            "totals": group.totals() if group else (),
        },
    )


@login_required
def cycle_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """How far a cycle has got and where its participants fall short, competency by competency."""
    _require_overview(_user(request))
    cycle = get_object_or_404(Cycle, pk=pk)
    group = gaps.cycle_gaps(cycle=cycle)
    return _page(
        request,
        "reports/cycle_summary.html",
        {
            "cycle": cycle,
            "counts": group.status_counts(),
            "summary": group.summary(),
            "departments": [(row.key, row.label) for row in group.rows],
            "managers": _managers_in(cycle),
        },
    )
