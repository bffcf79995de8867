"""Development plans: drafted from a signed assessment, then edited and agreed by employee and manager.

A plan is drafted as soon as the manager signs off (not when the employee has acknowledged too): the manager's
ratings are final from then on, and the conversation about development should not wait for the acknowledgement.
Targets come from the manager's ratings: for each competency below its requirement, the unmet indicators from the
first level not attained up to the required one (generic competencies: indicators rated below "demonstrated");
someone with no gap works towards the next level instead.

Every change is written to the plan's history. A change to what was agreed withdraws the agreement,
so both sign again; reporting progress (an action's status) does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import permissions
from assessments.models import Assessment, User
from assessments.services import rule_for
from reports.gaps import CompetencyGap, EmployeeGaps, employee_gaps
from reports.models import DevelopmentPlan, PlanAction, PlanEvent, PlanTarget

EDITABLE_FIELDS = ("what", "support", "owner", "due_on", "status")
# Reporting progress is not a change of what was agreed.
PROGRESS_FIELDS = frozenset({"status"})


def plan_with_targets(queryset: QuerySet[DevelopmentPlan]) -> QuerySet[DevelopmentPlan]:
    """Plans with their people, targets and actions, in a fixed number of queries."""
    return queryset.select_related(
        "cycle", "employee__user", "employee__manager__user", "employee__position", "employee__department"
    ).prefetch_related(
        Prefetch(
            "targets",
            queryset=PlanTarget.objects.select_related("indicator", "competency").prefetch_related("actions"),
        )
    )


def _target_codes(gap: CompetencyGap, gaps: EmployeeGaps, *, below: bool) -> list[str]:
    """The indicators to work on in one competency, as the manager rated them."""
    result = gap.manager_result
    if result is None:
        return []
    if gap.is_generic:
        demonstrated_at = rule_for(gaps.cycle).demonstrated_at
        return [
            i.code
            for i in gaps.indicators
            if i.competency_code == gap.code and (i.manager_score is None or i.manager_score < demonstrated_at)
        ]
    # Below the requirement: everything unmet from the first level not attained up to the required one,
    # so a blocker at a lower level is never left out. At the requirement: the next level's.
    last = gap.required if below and gap.required is not None else result.level + 1
    levels = range(result.level + 1, last + 1)
    return [code for check in result.checks if check.number in levels for code in check.missing]


def target_codes(gaps: EmployeeGaps) -> list[tuple[str, str]]:
    """(indicator code, reason) of every target a new plan starts with, in form order."""
    below = [g for g in gaps.competencies if g.is_below_required]
    if below:
        chosen, reason = below, PlanTarget.Reason.BELOW_REQUIRED
    else:
        chosen, reason = [g for g in gaps.competencies if g.manager_result is not None], PlanTarget.Reason.NEXT_LEVEL
    codes = {code for gap in chosen for code in _target_codes(gap, gaps, below=bool(below))}
    return [(i.code, reason) for i in gaps.indicators if i.code in codes]


@transaction.atomic
def draft_development_plan(*, assessment: Assessment, by: User | None = None) -> DevelopmentPlan | None:
    """A draft plan from a manager assessment the manager has signed; the existing plan if there is one."""
    if assessment.kind != Assessment.Kind.MANAGER or assessment.manager_signed_off_at is None:
        return None
    existing = DevelopmentPlan.objects.filter(cycle_id=assessment.cycle_id, employee_id=assessment.employee_id).first()
    if existing is not None:
        return existing
    gaps = employee_gaps(cycle=assessment.cycle, employee=assessment.employee)
    plan = DevelopmentPlan.objects.create(
        cycle_id=assessment.cycle_id, employee_id=assessment.employee_id, assessment=assessment
    )
    chosen = target_codes(gaps)
    by_code = {i.code: i for i in gaps.indicators}
    competency_ids = {g.code: g.competency_id for g in gaps.competencies}
    targets = [
        PlanTarget(
            plan=plan,
            competency_id=competency_ids[by_code[code].competency_code],
            indicator_id=by_code[code].indicator_id,
            reason=reason,
            current_score=by_code[code].manager_score,
            order=order,
        )
        for order, (code, reason) in enumerate(chosen, start=1)
    ]
    PlanTarget.objects.bulk_create(targets)
    PlanEvent.objects.create(
        plan=plan,
        actor=by,
        action=PlanEvent.Action.CREATED,
        changes={"targets": [None, [code for code, _reason in chosen]]},
    )
    return plan


def _locked(plan: DevelopmentPlan) -> DevelopmentPlan:
    return DevelopmentPlan.objects.select_for_update(of=("self",)).select_related("employee__manager").get(pk=plan.pk)


def _require_editor(user: User, plan: DevelopmentPlan) -> None:
    if not permissions.can_edit_plan(user, plan):
        raise PermissionDenied(_("Only the employee and their manager can change this plan."))


def _reset_agreement(plan: DevelopmentPlan, user: User) -> None:
    if plan.manager_agreed_at is None and plan.employee_agreed_at is None:
        return
    changes = {"status": [plan.status, DevelopmentPlan.Status.DRAFT.value]}
    plan.manager_agreed_at = plan.employee_agreed_at = plan.agreed_at = None
    plan.status = DevelopmentPlan.Status.DRAFT
    plan.save(update_fields=["manager_agreed_at", "employee_agreed_at", "agreed_at", "status", "updated_at"])
    PlanEvent.objects.create(plan=plan, actor=user, action=PlanEvent.Action.AGREEMENT_RESET, changes=changes)


def _plain(value: Any) -> Any:
    """A value as the history stores it (JSON)."""
    return value.isoformat() if isinstance(value, date) else value


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    cleaned = dict(fields)
    errors: dict[str, str] = {}
    if "what" in cleaned:
        cleaned["what"] = str(cleaned["what"]).strip()
        if not cleaned["what"]:
            errors["what"] = _("Say what will be done.")
    if "support" in cleaned:
        cleaned["support"] = str(cleaned["support"] or "").strip()
    if "owner" in cleaned and cleaned["owner"] not in PlanAction.Owner.values:
        errors["owner"] = _("Choose the employee or the manager.")
    if "status" in cleaned and cleaned["status"] not in PlanAction.Status.values:
        errors["status"] = _("Choose a valid status.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def add_plan_action(
    *,
    target: PlanTarget,
    user: User,
    what: str,
    support: str = "",
    owner: str = PlanAction.Owner.EMPLOYEE,
    due_on: date | None = None,
    status: str = PlanAction.Status.PLANNED,
) -> PlanAction:
    """Add an action to a target of the plan; an agreed plan goes back to draft."""
    plan = _locked(target.plan)
    _require_editor(user, plan)
    fields = _clean({"what": what, "support": support, "owner": owner, "due_on": due_on, "status": status})
    action = PlanAction.objects.create(target=target, created_by=user, **fields)
    PlanEvent.objects.create(
        plan=plan,
        actor=user,
        action=PlanEvent.Action.ACTION_ADDED,
        target=target,
        changes={name: [None, _plain(value)] for name, value in fields.items()},
    )
    _reset_agreement(plan, user)
    return action


@transaction.atomic
def change_plan_action(*, action: PlanAction, user: User, fields: Mapping[str, Any]) -> PlanAction:
    """Change some fields of an action and record each old and new value."""
    plan = _locked(action.target.plan)
    _require_editor(user, plan)
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    cleaned = _clean(fields)
    changes = {
        name: [_plain(getattr(action, name)), _plain(value)]
        for name, value in cleaned.items()
        if getattr(action, name) != value
    }
    if not changes:
        return action
    for name in changes:
        setattr(action, name, cleaned[name])
    action.save(update_fields=[*changes, "updated_at"])
    PlanEvent.objects.create(
        plan=plan, actor=user, action=PlanEvent.Action.ACTION_CHANGED, target_id=action.target_id, changes=changes
    )
    if set(changes) - PROGRESS_FIELDS:
        _reset_agreement(plan, user)
    return action


@transaction.atomic
def remove_plan_action(*, action: PlanAction, user: User) -> None:
    """Remove an action; the history keeps what it said."""
    plan = _locked(action.target.plan)
    _require_editor(user, plan)
    PlanEvent.objects.create(
        plan=plan,
        actor=user,
        action=PlanEvent.Action.ACTION_REMOVED,
        target_id=action.target_id,
        changes={name: [_plain(getattr(action, name)), None] for name in EDITABLE_FIELDS},
    )
    action.delete()
    _reset_agreement(plan, user)


@transaction.atomic
def agree_to_plan(*, plan: DevelopmentPlan, user: User) -> DevelopmentPlan:
    """The employee or the manager agrees; when both have, the plan is agreed."""
    plan = _locked(plan)
    if not permissions.can_agree_to_plan(user, plan):
        raise PermissionDenied(_("Only the employee and their manager can agree to this plan."))
    without_actions = list(plan.targets.filter(actions__isnull=True).values_list("indicator__code", flat=True))
    if without_actions:
        raise ValidationError(
            {
                "targets": _("Add at least one action to every target first: %(codes)s")
                % {"codes": ", ".join(without_actions)}
            }
        )
    now = timezone.now()
    is_employee = plan.employee.user_id == user.pk
    field = "employee_agreed_at" if is_employee else "manager_agreed_at"
    if getattr(plan, field) is not None:
        return plan
    setattr(plan, field, now)
    if plan.manager_agreed_at is not None and plan.employee_agreed_at is not None:
        plan.status = DevelopmentPlan.Status.AGREED
        plan.agreed_at = now
    plan.save(update_fields=[field, "status", "agreed_at", "updated_at"])
    PlanEvent.objects.create(
        plan=plan,
        actor=user,
        action=PlanEvent.Action.AGREED,
        changes={"agreed_by": [None, "employee" if is_employee else "manager"]},
    )
    return plan
