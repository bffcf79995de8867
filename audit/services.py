"""Write to the audit log. Called by the services that change or hand out people's data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.models import AuditEvent

if TYPE_CHECKING:
    from assessments.models import Employee, User


def record_event(
    *,
    actor: User | None,
    action: AuditEvent.Action,
    subject: str,
    employee: Employee | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one event to the audit log."""
    name = actor.get_username() if actor is not None else "system"
    return AuditEvent.objects.create(
        actor=actor, actor_name=name, action=action, employee=employee, subject=subject[:300], detail=detail
    )
