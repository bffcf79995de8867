"""Admin: report jobs, stored records and exports to inspect; plans with their targets and history."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reports.models import DevelopmentPlan, Export, PlanAction, PlanEvent, PlanTarget, ReportJob, ReportRecord


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The worker writes these rows; editing them by hand would break the job's bookkeeping."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "employee", "cycle", "kind", "language", "status", "deliveries", "render_ms"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["employee__name", "employee__employee_number"]
    list_select_related = ["employee", "cycle"]
    date_hierarchy = "created_at"


@admin.register(ReportRecord)
class ReportRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "assessment", "kind", "language", "signed_off_at"]
    list_select_related = ["assessment__employee", "assessment__cycle"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A stored record is what was signed off; it outlives any request to delete it here.
        return False


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "cycle", "scope", "status", "total", "done_count", "failed_count"]
    list_filter = ["status", "scope"]
    list_select_related = ["cycle"]


class PlanTargetInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlanTarget
    fields = ("indicator", "reason", "current_score")
    readonly_fields = ("indicator", "reason", "current_score")
    extra = 0
    can_delete = False


class PlanEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlanEvent
    fields = ("at", "actor", "action", "target", "changes")
    readonly_fields = ("at", "actor", "action", "target", "changes")
    extra = 0
    can_delete = False


@admin.register(DevelopmentPlan)
class DevelopmentPlanAdmin(ReadOnlyAdmin):
    list_display = ["employee", "cycle", "status", "agreed_at", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["employee", "cycle"]
    inlines = [PlanTargetInline, PlanEventInline]


@admin.register(PlanAction)
class PlanActionAdmin(ReadOnlyAdmin):
    list_display = ["what", "owner", "due_on", "status", "updated_at"]
    list_filter = ["status", "owner"]
