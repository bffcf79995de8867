"""The reports API: PDF jobs, HR exports and development plans. Each view fetches through `visible_to`,
validates, calls one service and translates the result."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.api import errors
from assessments.models import Cycle, Department, Employee, User
from audit.models import AuditEvent
from audit.services import record_event
from reports import plans, services
from reports.models import DevelopmentPlan, Export, Language, PlanAction, PlanEvent, PlanTarget, ReportJob, ReportKind
from reports.serializers import (
    DevelopmentPlanDetailSerializer,
    DevelopmentPlanSerializer,
    ExportDetailSerializer,
    ExportSerializer,
    PlanActionSerializer,
    PlanEventSerializer,
    ReportJobSerializer,
    choice_field,
)


def _user(request: Request) -> User:
    """The caller; every view here requires a signed-in user (IsAuthenticated by default)."""
    return cast(User, request.user)


def pdf_response(file: Any, filename: str) -> FileResponse:
    """A stored file as a download; the storage path never reaches the client."""
    return FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")


def job_filename(job: ReportJob) -> str:
    return f"{job.employee.employee_number}-{job.employee.name}-{job.kind.replace('_', '-')}.pdf"


# Report jobs --------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: ReportJobSerializer(many=True), **errors(400, 401, 404)}))
class ReportJobListCreateApi(ListAPIView):  # type: ignore[type-arg]
    """GET: the PDF jobs the user may see, newest first. POST: queue one (202)."""

    serializer_class = ReportJobSerializer

    @extend_schema_serializer(component_name="ReportRequestInput")
    class InputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        employee = serializers.IntegerField()
        cycle = serializers.IntegerField()
        kind = choice_field(ReportKind)
        language = serializers.ChoiceField(choices=Language.choices, required=False)

    def get_queryset(self) -> QuerySet[ReportJob]:
        return ReportJob.objects.visible_to(self.request.user).select_related("employee")

    @extend_schema(request=InputSerializer, responses={202: ReportJobSerializer, **errors(400, 401, 404)})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        employee = get_object_or_404(Employee.objects.visible_to(_user(request)), pk=data.validated_data["employee"])
        cycle = get_object_or_404(
            permissions.visible_cycles(Cycle.objects.all(), request.user), pk=data.validated_data["cycle"]
        )
        job = services.request_report(
            requested_by=_user(request),
            employee=employee,
            cycle=cycle,
            kind=data.validated_data["kind"],
            language=data.validated_data.get("language") or services.language_for(_user(request)),
        )
        return Response(ReportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ReportJobDetailApi(APIView):
    """One PDF job: its status, error, deliveries and timings."""

    @extend_schema(responses={200: ReportJobSerializer, **errors(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("employee"), pk=pk)
        return Response(ReportJobSerializer(job).data)


class ReportJobFileApi(APIView):
    """The PDF of a done job; 404 until it is done."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="The PDF"), **errors(401, 404)})
    def get(self, request: Request, pk: int) -> FileResponse:
        job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("employee"), pk=pk)
        if not job.is_downloadable:
            raise Http404("The PDF is not ready.")
        record_event(
            actor=_user(request),
            action=AuditEvent.Action.REPORT_DOWNLOADED,
            subject=f"{job.get_kind_display()} · {job.employee.name} · {job.cycle_id}",
            employee=job.employee,
        )
        return pdf_response(job.file, job_filename(job))


# Exports ------------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: ExportSerializer(many=True), **errors(400, 401, 404)}))
class ExportListCreateApi(ListAPIView):  # type: ignore[type-arg]
    """GET: HR's exports. POST: export a cycle, a department or a manager's team (202)."""

    serializer_class = ExportSerializer

    @extend_schema_serializer(component_name="ExportRequestInput")
    class InputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        cycle = serializers.IntegerField()
        department = serializers.IntegerField(required=False, allow_null=True)
        manager = serializers.IntegerField(required=False, allow_null=True)
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        include_plans = serializers.BooleanField(default=True)

    def get_queryset(self) -> QuerySet[Export]:
        return Export.objects.visible_to(self.request.user)

    @extend_schema(request=InputSerializer, responses={202: ExportSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request) -> Response:
        if not permissions.can_export(request.user):
            raise exceptions.PermissionDenied()
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        department = get_object_or_404(Department, pk=values["department"]) if values.get("department") else None
        manager = get_object_or_404(Employee, pk=values["manager"]) if values.get("manager") else None
        export = services.start_export(
            requested_by=_user(request),
            cycle=get_object_or_404(Cycle, pk=values["cycle"]),  # HR sees every cycle
            department=department,
            manager=manager,
            language=values.get("language") or services.language_for(_user(request)),
            include_plans=values["include_plans"],
        )
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    """One export's progress: n of N, and every failure with its reason."""

    @extend_schema(responses={200: ExportDetailSerializer, **errors(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        export = get_object_or_404(Export.objects.visible_to(request.user), pk=pk)
        return Response(ExportDetailSerializer(export).data)


class ExportFileApi(APIView):
    """The export's ZIP; 404 until it is built."""

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(description="The archive"), **errors(401, 404)})
    def get(self, request: Request, pk: int) -> FileResponse:
        export = get_object_or_404(Export.objects.visible_to(request.user), pk=pk)
        if export.status != Export.Status.DONE or not export.file:
            raise Http404("The archive is not ready.")
        record_event(actor=_user(request), action=AuditEvent.Action.EXPORT_DOWNLOADED, subject=f"export {export.pk}")
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=f"export-{export.pk}.zip",
            content_type="application/zip",
        )


class ExportResumeApi(APIView):
    """Send an export's failed and unfinished jobs again (202)."""

    @extend_schema(request=None, responses={202: ExportSerializer, **errors(400, 401, 404)})
    def post(self, request: Request, pk: int) -> Response:
        export = get_object_or_404(Export.objects.visible_to(request.user), pk=pk)
        export = services.resume_export(export=export, resumed_by=_user(request))
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)


# Development plans --------------------------------------------------------------------------------


def visible_plans(request: Request) -> QuerySet[DevelopmentPlan]:
    return DevelopmentPlan.objects.visible_to(request.user)


@extend_schema_view(get=extend_schema(responses={200: DevelopmentPlanSerializer(many=True), **errors(400, 401, 404)}))
class PlanListApi(ListAPIView):  # type: ignore[type-arg]
    """The plans the user may see: their own, their reports', or all for HR."""

    serializer_class = DevelopmentPlanSerializer

    def get_queryset(self) -> QuerySet[DevelopmentPlan]:
        return visible_plans(self.request).select_related("employee")


class PlanDetailApi(APIView):
    """A plan with its targets and their actions."""

    @extend_schema(responses={200: DevelopmentPlanDetailSerializer, **errors(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        plan = get_object_or_404(plans.plan_with_targets(visible_plans(request)), pk=pk)
        return Response(DevelopmentPlanDetailSerializer(plan).data)


@extend_schema_view(get=extend_schema(responses={200: PlanEventSerializer(many=True), **errors(400, 401, 404)}))
class PlanHistoryApi(ListAPIView):  # type: ignore[type-arg]
    """Who changed what in the plan, and when, newest first."""

    serializer_class = PlanEventSerializer

    def get_queryset(self) -> QuerySet[PlanEvent]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator calls this without a plan
            return PlanEvent.objects.none()
        plan = get_object_or_404(visible_plans(self.request), pk=self.kwargs["pk"])
        return plan.events.select_related("actor__employee", "target__indicator")


class PlanAgreeApi(APIView):
    """The employee or the manager agrees to the plan."""

    @extend_schema(request=None, responses={200: DevelopmentPlanSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request, pk: int) -> Response:
        plan = get_object_or_404(visible_plans(request).select_related("employee__manager"), pk=pk)
        plan = plans.agree_to_plan(plan=plan, user=_user(request))
        return Response(DevelopmentPlanSerializer(plan).data)


@extend_schema_serializer(component_name="PlanActionInput")
class ActionInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    what = serializers.CharField(max_length=2000)
    support = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    owner = serializers.ChoiceField(choices=PlanAction.Owner.choices, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)
    status = choice_field(PlanAction.Status, required=False)


class PlanActionCreateApi(APIView):
    """Add an action to one target of the plan (201)."""

    @extend_schema(request=ActionInputSerializer, responses={201: PlanActionSerializer, **errors(400, 401, 403, 404)})
    def post(self, request: Request, pk: int, target_pk: int) -> Response:
        plan = get_object_or_404(visible_plans(request), pk=pk)
        target = get_object_or_404(PlanTarget.objects.select_related("plan"), pk=target_pk, plan=plan)
        data = ActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = plans.add_plan_action(target=target, user=_user(request), **data.validated_data)
        return Response(PlanActionSerializer(action).data, status=status.HTTP_201_CREATED)


class PlanActionApi(APIView):
    """PATCH: change some fields of an action. DELETE: remove it."""

    def _action(self, request: Request, pk: int, action_pk: int) -> PlanAction:
        plan = get_object_or_404(visible_plans(request), pk=pk)
        return get_object_or_404(PlanAction.objects.select_related("target__plan"), pk=action_pk, target__plan=plan)

    @extend_schema(
        request=ActionInputSerializer(partial=True), responses={200: PlanActionSerializer, **errors(400, 401, 403, 404)}
    )
    def patch(self, request: Request, pk: int, action_pk: int) -> Response:
        action = self._action(request, pk, action_pk)
        data = ActionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        action = plans.change_plan_action(action=action, user=_user(request), fields=data.validated_data)
        return Response(PlanActionSerializer(action).data)

    @extend_schema(responses={204: None, **errors(401, 403, 404)})
    def delete(self, request: Request, pk: int, action_pk: int) -> Response:
        plans.remove_plan_action(action=self._action(request, pk, action_pk), user=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
