"""The inbox, reminder preferences and HR's record of reminders sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import permissions
from notifications import links, services
from notifications.forms import PreferencesForm, ReminderLogFilter
from notifications.models import Notification, ReminderLog

INBOX_PAGE_SIZE = 25
REMINDERS_PAGE_SIZE = 50


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = links.inbox()
    return HttpResponseRedirect(target)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Every notification of the signed-in person, newest first."""
    notifications = Notification.objects.visible_to(request.user)  # type: ignore[arg-type]
    counts = notifications.counts()
    paginator = Paginator(notifications, INBOX_PAGE_SIZE)
    # The total came with the unread count, so the paginator need not count again.
    paginator.count = counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "notifications": page.object_list,
            "unread_count": counts["unread"],
            "is_hr": permissions.is_hr(request.user),
        },
    )


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go where it points."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    services.mark_read(notification=notification)
    return redirect(notification.link or links.inbox())


@require_POST
@login_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    services.mark_read(notification=notification)
    return _back(request)


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)  # type: ignore[arg-type]
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return _back(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Turn reminder emails on or off."""
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.set_receives_reminders(user=user, receives_reminders=form.cleaned_data["receives_reminders"])  # type: ignore[arg-type]
            messages.success(request, _("Your preferences are saved."))
            return redirect("notifications:preferences")
    else:
        form = PreferencesForm(initial={"receives_reminders": user.receives_reminders})  # type: ignore[union-attr]
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
def reminders(request: HttpRequest) -> HttpResponse:
    """HR: who was reminded of what, and when."""
    if not permissions.is_hr(request.user):
        raise PermissionDenied(_("Only HR can see the reminders sent."))
    logs = ReminderLog.objects.select_related(
        "recipient__employee", "cycle", "assessment__employee", "notification"
    ).order_by("-on_date", "-created_at", "-pk")
    filters = ReminderLogFilter(request.GET, queryset=logs)
    page = Paginator(filters.qs, REMINDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/reminders.html",
        {"filters": filters, "page": page, "logs": page.object_list, "query": query.urlencode()},
    )
