"""Admin: notifications, the reminder policy HR edits, and the read-only record of reminders sent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, ReminderLog, ReminderPolicy


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "email_state"]
    list_filter = ["kind", "email_state", "created_at"]
    search_fields = ["recipient__username", "recipient__email", "title"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "emailed_at", "email_error"]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "days_before", "escalate_days_after", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One policy is in force; the reminder run creates it with the defaults when missing.
        return not ReminderPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["on_date", "created_at", "recipient", "kind", "cycle", "assessment", "days", "email_state"]
    list_filter = ["kind", "on_date", "cycle"]
    search_fields = ["recipient__username", "recipient__email", "assessment__employee__name"]
    date_hierarchy = "on_date"
    list_select_related = ["recipient", "cycle", "assessment__employee", "assessment__cycle", "notification"]

    @admin.display(description=_("email"))
    def email_state(self, obj: ReminderLog) -> str:
        return obj.notification.get_email_state_display() if obj.notification else "-"

    # The log is evidence of what was sent: nobody edits it by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
