"""The permission policy: who sees which assessment, and who may rate, submit, sign off and reopen.

Alice reports to Mallory and Bob to Oscar; Mallory must never see Bob's assessments, nor Bob Alice's.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from assessments import permissions
from assessments.models import Assessment, Cycle, User
from tests import factories

pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:
    return set(Assessment.objects.visible_to(user).values_list("pk", flat=True))


@pytest.fixture
def submitted_self(self_assessment, employee) -> Assessment:
    return factories.rate_all(self_assessment, employee.user, submit=True)


@pytest.fixture
def submitted_manager(manager_assessment, manager) -> Assessment:
    return factories.rate_all(manager_assessment, manager.user, submit=True)


@pytest.fixture
def bobs(cycle, other_employee) -> set[int]:
    return set(Assessment.objects.filter(employee=other_employee).values_list("pk", flat=True))


# Seeing --------------------------------------------------------------------------------------


def test_employee_sees_their_own_draft_self_assessment(self_assessment, employee):
    assert self_assessment.pk in visible(employee.user)


def test_employee_does_not_see_their_manager_draft_assessment(manager_assessment, employee):
    assert manager_assessment.pk not in visible(employee.user)


def test_employee_sees_their_manager_assessment_once_submitted(submitted_manager, employee):
    assert submitted_manager.pk in visible(employee.user)


def test_manager_sees_the_draft_manager_assessment_of_a_report(manager_assessment, manager):
    assert manager_assessment.pk in visible(manager.user)


def test_manager_does_not_see_a_report_draft_self_assessment(self_assessment, manager):
    assert self_assessment.pk not in visible(manager.user)


def test_manager_sees_a_report_self_assessment_once_submitted(submitted_self, manager):
    assert submitted_self.pk in visible(manager.user)


def test_manager_sees_nothing_of_another_team(cycle, manager, bobs):
    assert not visible(manager.user) & bobs


def test_colleague_sees_nothing_of_someone_else(self_assessment, submitted_manager, other_employee):
    assert not visible(other_employee.user) & {self_assessment.pk, submitted_manager.pk}


def test_manager_of_a_manager_does_not_see_the_report_of_a_report(cycle, manager, employee, position):
    director = factories.EmployeeFactory(position=position)
    manager.manager = director
    manager.save()
    assert not visible(director.user) & set(Assessment.objects.filter(employee=employee).values_list("pk", flat=True))


def test_hr_sees_every_assessment(cycle, hr):
    assert visible(hr) == set(Assessment.objects.values_list("pk", flat=True))


def test_superuser_is_treated_as_hr(cycle):
    admin = factories.UserFactory(is_superuser=True)
    assert visible(admin) == set(Assessment.objects.values_list("pk", flat=True))


def test_someone_signed_out_sees_nothing(cycle):
    assert visible(AnonymousUser()) == set()


def test_listing_visible_assessments_takes_one_query(cycle, manager, django_assert_num_queries):
    # The policy is a single filter, whatever the role, so a list never costs a query per row.
    with django_assert_num_queries(1):
        list(Assessment.objects.visible_to(manager.user))


# Rating and submitting -----------------------------------------------------------------------


def test_employee_may_rate_their_own_draft_self_assessment(self_assessment, employee):
    assert permissions.can_rate(employee.user, self_assessment)


def test_employee_may_not_rate_the_manager_assessment(manager_assessment, employee):
    assert not permissions.can_rate(employee.user, manager_assessment)


def test_manager_may_rate_the_manager_assessment_of_a_report(manager_assessment, manager):
    assert permissions.can_rate(manager.user, manager_assessment)


def test_manager_may_not_rate_a_report_self_assessment(self_assessment, manager):
    assert not permissions.can_rate(manager.user, self_assessment)


def test_another_manager_may_not_rate(manager_assessment, other_manager):
    assert not permissions.can_rate(other_manager.user, manager_assessment)


def test_hr_may_not_rate_for_someone(manager_assessment, hr):
    assert not permissions.can_rate(hr, manager_assessment)


def test_nobody_may_rate_a_submitted_assessment(submitted_self, employee):
    assert not permissions.can_rate(employee.user, submitted_self)


def test_nobody_may_rate_in_a_closed_cycle(self_assessment, employee):
    Cycle.objects.filter(pk=self_assessment.cycle_id).update(status=Cycle.Status.CLOSED)
    self_assessment = Assessment.objects.select_related("cycle").get(pk=self_assessment.pk)
    assert not permissions.can_rate(employee.user, self_assessment)


def test_whoever_may_rate_may_submit(self_assessment, manager_assessment, employee, manager):
    pairs = [(u, a) for u in (employee.user, manager.user) for a in (self_assessment, manager_assessment)]
    assert [permissions.can_submit(u, a) for u, a in pairs] == [permissions.can_rate(u, a) for u, a in pairs]


# Signing off ---------------------------------------------------------------------------------


def test_manager_may_sign_off_their_submitted_assessment(submitted_manager, manager):
    assert permissions.can_sign_off(manager.user, submitted_manager)


def test_employee_may_acknowledge_their_submitted_manager_assessment(submitted_manager, employee):
    assert permissions.can_sign_off(employee.user, submitted_manager)


def test_colleague_may_not_sign_off(submitted_manager, other_employee):
    assert not permissions.can_sign_off(other_employee.user, submitted_manager)


def test_hr_may_not_sign_off(submitted_manager, hr):
    assert not permissions.can_sign_off(hr, submitted_manager)


def test_nobody_may_sign_off_a_draft(manager_assessment, manager):
    assert not permissions.can_sign_off(manager.user, manager_assessment)


def test_someone_signed_out_may_not_sign_off(submitted_manager):
    assert not permissions.can_sign_off(AnonymousUser(), submitted_manager)


# Reopening and managing ----------------------------------------------------------------------


def test_hr_may_reopen_a_submitted_assessment(submitted_self, hr):
    assert permissions.can_reopen(hr, submitted_self)


def test_hr_may_not_reopen_a_draft(self_assessment, hr):
    assert not permissions.can_reopen(hr, self_assessment)


def test_manager_may_not_reopen(submitted_manager, manager):
    assert not permissions.can_reopen(manager.user, submitted_manager)


def test_only_hr_may_manage_cycles(hr, manager):
    assert (permissions.can_manage_cycles(hr), permissions.can_manage_cycles(manager.user)) == (True, False)


def test_someone_signed_out_may_not_manage_cycles():
    assert not permissions.can_manage_cycles(AnonymousUser())


# Seeing people -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("employee", True), ("manager", True), ("other_manager", False), ("other_employee", False)],
)
def test_who_may_see_alice(request, employee, viewer, expected):
    user: User = request.getfixturevalue(viewer).user
    assert permissions.can_see_employee(user, employee) is expected


def test_hr_may_see_anyone(hr, employee):
    assert permissions.can_see_employee(hr, employee)
