"""What the navigation bar knows about the person signed in: their name and which menus they get."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from assessments import permissions
from assessments.models import Employee, User


@dataclass(frozen=True)
class Nav:
    """What the navigation needs to know about the person signed in."""

    name: str
    is_manager: bool
    is_hr: bool


def nav_for(user: User) -> Nav:
    """The signed-in person's name and roles, in one query."""
    row = (
        Employee.objects.filter(user=user)
        .annotate(has_reports=Exists(Employee.objects.filter(manager=OuterRef("pk"))))
        .values("name", "has_reports")
        .first()
    )
    name = row["name"] if row else (user.get_full_name() or user.username)
    return Nav(name=name, is_manager=bool(row and row["has_reports"]), is_hr=permissions.is_hr(user))


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav` for every page; a view that already knows the answer passes its own and this costs nothing."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"nav": SimpleLazyObject(lambda: nav_for(user))}
