"""HR reads the audit log, filtered by action, person and date."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date

from assessments import permissions
from audit.models import AuditEvent

PAGE_SIZE = 50


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The newest events first, fifty a page."""
    if not permissions.is_hr(request.user):
        raise PermissionDenied
    events = AuditEvent.objects.select_related("employee")
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    who = request.GET.get("who", "").strip()
    if who:
        events = events.filter(actor_name__iexact=who)
    about = request.GET.get("about", "").strip()
    if about:
        events = events.filter(employee__employee_number__iexact=about)
    since = parse_date(request.GET.get("since", "") or "")
    if since:
        events = events.filter(at__date__gte=since)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "actions": AuditEvent.Action.choices,
            "filters": {"action": action, "who": who, "about": about, "since": since or ""},
            "query": query.urlencode(),
        },
    )
