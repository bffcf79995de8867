"""Development plans: drafted on the manager's signature, edited by both, agreed by both, with history."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services as assessment_services
from reports import plans
from reports.models import DevelopmentPlan, PlanAction, PlanEvent, PlanTarget
from tests.reports.conftest import codes, rate


def target_codes(plan: DevelopmentPlan) -> list[str]:
    return list(plan.targets.order_by("order").values_list("indicator__code", flat=True))


def add_action(plan: DevelopmentPlan, user, target: PlanTarget | None = None, **fields) -> PlanAction:
    fields.setdefault("what", "Shadow a senior colleague in two market reviews")
    return plans.add_plan_action(target=target or plan.targets.first(), user=user, **fields)


def with_actions_everywhere(plan: DevelopmentPlan, user) -> None:
    for target in plan.targets.all():
        add_action(plan, user, target)


def test_the_managers_signature_drafts_a_plan(plan):
    assert (plan.status, plan.manager_agreed_at, plan.employee_agreed_at) == ("draft", None, None)


def test_the_employees_acknowledgement_alone_drafts_no_plan(assessed, employee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.sign_off_assessment(assessment=assessed, user=employee.user)
    assert not DevelopmentPlan.objects.exists()


def test_acknowledging_after_the_signature_keeps_the_one_plan(
    plan, assessed, employee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.sign_off_assessment(assessment=assessed, user=employee.user)
    assert DevelopmentPlan.objects.get() == plan


def test_targets_are_the_unmet_indicators_of_competencies_below_their_requirement(plan, assessed):
    assert target_codes(plan) == codes(assessed, "COMM-") + codes(assessed, "MKT-2-")
    assert set(plan.targets.values_list("reason", flat=True)) == {"below_required"}


def test_a_target_remembers_the_managers_rating(plan):
    mkt = plan.targets.get(indicator__code__startswith="MKT-2-", order=11)
    assert mkt.current_score == 0


def test_a_blocker_at_a_lower_level_becomes_a_target_too(
    self_assessment, manager_assessment, employee, manager, django_capture_on_commit_callbacks
):
    rate(self_assessment, employee.user, default=2)
    rate(manager_assessment, manager.user, default=2, scores={c: 0 for c in codes(manager_assessment, "MKT-1-")})
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.sign_off_assessment(assessment=manager_assessment, user=manager.user)
    assert target_codes(DevelopmentPlan.objects.get()) == codes(manager_assessment, "MKT-1-")


def test_someone_at_their_target_works_towards_the_next_level(
    self_assessment, manager_assessment, employee, manager, django_capture_on_commit_callbacks
):
    rate(self_assessment, employee.user, default=2)
    rate(manager_assessment, manager.user, default=2, scores={c: 1 for c in codes(manager_assessment, "MKT-3-")})
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.sign_off_assessment(assessment=manager_assessment, user=manager.user)
    plan = DevelopmentPlan.objects.get()
    assert target_codes(plan) == codes(manager_assessment, "MKT-3-")
    assert set(plan.targets.values_list("reason", flat=True)) == {"next_level"}


def test_drafting_is_recorded_in_the_history(plan, manager):
    event = plan.events.get()
    assert (event.action, event.actor) == ("created", manager.user)


def test_employee_adds_an_action_with_owner_due_date_and_support(plan, employee):
    action = add_action(plan, employee.user, support="Time with a mentor", owner="manager", due_on=date(2026, 6, 30))
    assert (action.support, action.owner, action.due_on, action.status) == (
        "Time with a mentor",
        "manager",
        date(2026, 6, 30),
        "planned",
    )


def test_adding_an_action_is_recorded_with_who_and_what(plan, employee):
    add_action(plan, employee.user)
    event = plan.events.filter(action="action_added").get()
    assert event.actor == employee.user
    assert event.changes["what"] == [None, "Shadow a senior colleague in two market reviews"]


def test_changing_an_action_records_the_old_and_new_value(plan, employee, manager):
    action = add_action(plan, employee.user)
    plans.change_plan_action(action=action, user=manager.user, fields={"due_on": date(2026, 9, 1)})
    event = plan.events.filter(action="action_changed").get()
    assert (event.actor, event.changes) == (manager.user, {"due_on": [None, "2026-09-01"]})


def test_removing_an_action_keeps_what_it_said_in_the_history(plan, employee):
    action = add_action(plan, employee.user)
    plans.remove_plan_action(action=action, user=employee.user)
    event = plan.events.filter(action="action_removed").get()
    assert event.changes["what"] == ["Shadow a senior colleague in two market reviews", None]
    assert not PlanAction.objects.exists()


def test_an_action_needs_a_what(plan, employee):
    with pytest.raises(ValidationError):
        add_action(plan, employee.user, what="   ")


def test_the_plan_is_agreed_when_both_have_agreed(plan, employee, manager):
    with_actions_everywhere(plan, employee.user)
    plans.agree_to_plan(plan=plan, user=employee.user)
    agreed = plans.agree_to_plan(plan=plan, user=manager.user)
    assert agreed.status == "agreed"
    assert agreed.agreed_at is not None


def test_one_agreement_leaves_the_plan_a_draft(plan, employee):
    with_actions_everywhere(plan, employee.user)
    assert plans.agree_to_plan(plan=plan, user=employee.user).status == "draft"


def test_a_plan_cannot_be_agreed_while_a_target_has_no_action(plan, employee):
    add_action(plan, employee.user)
    with pytest.raises(ValidationError):
        plans.agree_to_plan(plan=plan, user=employee.user)


def test_changing_what_was_agreed_withdraws_the_agreement(plan, employee, manager):
    with_actions_everywhere(plan, employee.user)
    plans.agree_to_plan(plan=plan, user=employee.user)
    plans.agree_to_plan(plan=plan, user=manager.user)
    plans.change_plan_action(action=PlanAction.objects.first(), user=manager.user, fields={"what": "Lead a review"})
    plan.refresh_from_db()
    assert (plan.status, plan.employee_agreed_at) == ("draft", None)
    assert plan.events.filter(action=PlanEvent.Action.AGREEMENT_RESET).exists()


def test_reporting_progress_keeps_the_agreement(plan, employee, manager):
    with_actions_everywhere(plan, employee.user)
    plans.agree_to_plan(plan=plan, user=employee.user)
    plans.agree_to_plan(plan=plan, user=manager.user)
    plans.change_plan_action(action=PlanAction.objects.first(), user=employee.user, fields={"status": "in_progress"})
    plan.refresh_from_db()
    assert plan.status == "agreed"


def test_hr_reads_but_cannot_edit_a_plan(plan, hr):
    with pytest.raises(PermissionDenied):
        add_action(plan, hr)


def test_another_manager_cannot_edit_a_plan(plan, other_manager):
    with pytest.raises(PermissionDenied):
        add_action(plan, other_manager.user)


def test_another_manager_cannot_agree_to_a_plan(plan, other_manager):
    with pytest.raises(PermissionDenied):
        plans.agree_to_plan(plan=plan, user=other_manager.user)


def test_a_field_that_is_not_editable_is_refused(plan, employee):
    action = add_action(plan, employee.user)
    with pytest.raises(ValidationError):
        plans.change_plan_action(action=action, user=employee.user, fields={"created_by": None})
