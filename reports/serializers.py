"""Output shapes of report jobs, exports and plans; each API view keeps its own input serializer."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports.models import DevelopmentPlan, Export, PlanAction, PlanEvent, PlanTarget, ReportJob, ReportKind


def choice_field(choices: type[models.TextChoices], **kwargs: Any) -> serializers.ChoiceField:
    """A choice whose values the schema lists in words, not as an enum.

    The schema turns every enum into a component named after its field; our "kind" and "status" choices
    appear in several components beside other apps' own, and that collision would need settings we do not own.
    """
    values = ", ".join(f"`{value}`" for value in choices.values)

    @extend_schema_field({"type": "string", "description": f"One of {values}."})
    class DescribedChoiceField(serializers.ChoiceField):
        pass

    return DescribedChoiceField(choices=choices.choices, **kwargs)


class ReportJobSerializer(serializers.ModelSerializer[ReportJob]):
    kind = choice_field(ReportKind, read_only=True)
    status = choice_field(ReportJob.Status, read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    file_url = serializers.SerializerMethodField()
    is_record = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "employee",
            "employee_name",
            "cycle",
            "kind",
            "language",
            "status",
            "error",
            "deliveries",
            "is_record",
            "created_at",
            "enqueued_at",
            "started_at",
            "finished_at",
            "render_ms",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, job: ReportJob) -> str | None:
        return reverse("api-report-file", args=[job.pk]) if job.is_downloadable else None

    def get_is_record(self, job: ReportJob) -> bool:
        return job.record_id is not None


class ExportSerializer(serializers.ModelSerializer[Export]):
    status = choice_field(Export.Status, read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "cycle",
            "scope",
            "department",
            "manager",
            "language",
            "include_plans",
            "status",
            "total",
            "done_count",
            "failed_count",
            "error",
            "created_at",
            "finished_at",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, export: Export) -> str | None:
        return (
            reverse("api-export-file", args=[export.pk])
            if export.status == Export.Status.DONE and export.file
            else None
        )


class ExportFailureSerializer(serializers.ModelSerializer[ReportJob]):
    kind = choice_field(ReportKind, read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = ReportJob
        fields = ["id", "employee", "employee_name", "kind", "error", "deliveries"]
        read_only_fields = fields


class ExportDetailSerializer(ExportSerializer):
    failures = serializers.SerializerMethodField()

    class Meta(ExportSerializer.Meta):
        fields = [*ExportSerializer.Meta.fields, "failures"]
        read_only_fields = fields

    def get_failures(self, export: Export) -> list[dict[str, Any]]:
        failed = export.jobs.filter(status=ReportJob.Status.FAILED).select_related("employee").order_by("pk")
        return list(ExportFailureSerializer(failed, many=True).data)


class PlanActionSerializer(serializers.ModelSerializer[PlanAction]):
    status = choice_field(PlanAction.Status, read_only=True)

    class Meta:
        model = PlanAction
        fields = ["id", "what", "support", "owner", "due_on", "status", "created_at", "updated_at"]
        read_only_fields = fields


class PlanTargetSerializer(serializers.ModelSerializer[PlanTarget]):
    competency_code = serializers.CharField(source="competency.code", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    indicator_text = serializers.CharField(source="indicator.text", read_only=True)
    is_drafted = serializers.BooleanField(source="indicator.is_drafted", read_only=True)
    level_number = serializers.IntegerField(source="indicator.level_number", read_only=True, allow_null=True)
    actions = PlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = PlanTarget
        fields = [
            "id",
            "competency_code",
            "indicator_code",
            "indicator_text",
            "is_drafted",
            "level_number",
            "reason",
            "current_score",
            "actions",
        ]
        read_only_fields = fields


class DevelopmentPlanSerializer(serializers.ModelSerializer[DevelopmentPlan]):
    status = choice_field(DevelopmentPlan.Status, read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = DevelopmentPlan
        fields = [
            "id",
            "cycle",
            "employee",
            "employee_name",
            "status",
            "manager_agreed_at",
            "employee_agreed_at",
            "agreed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DevelopmentPlanDetailSerializer(DevelopmentPlanSerializer):
    targets = PlanTargetSerializer(many=True, read_only=True)

    class Meta(DevelopmentPlanSerializer.Meta):
        fields = [*DevelopmentPlanSerializer.Meta.fields, "targets"]
        read_only_fields = fields


class PlanEventSerializer(serializers.ModelSerializer[PlanEvent]):
    action = choice_field(PlanEvent.Action, read_only=True)
    actor_name = serializers.SerializerMethodField()
    # Events about the whole plan (created, agreed) have no target, so no indicator.
    indicator_code = serializers.CharField(
        source="target.indicator.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = PlanEvent
        fields = ["id", "at", "actor", "actor_name", "action", "indicator_code", "changes"]
        read_only_fields = fields

    def get_actor_name(self, event: PlanEvent) -> str:
        return event.actor.display_name if event.actor else ""
