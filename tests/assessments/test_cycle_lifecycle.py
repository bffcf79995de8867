"""A cycle is drafted, opened (pinning the model) and closed, by HR only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Cycle, CycleIndicator, Employee, User
from competency.models import BehavioralIndicator, CareerStage, Track
from tests import factories

pytestmark = pytest.mark.django_db


def draft_cycle(track: Track, by: User, employees: list[Employee]) -> Cycle:
    today = timezone.localdate()
    return services.create_cycle(
        name="Draft cycle",
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=by,
        employees=employees,
    )


@pytest.fixture
def draft(track, hr, employee) -> Cycle:
    return draft_cycle(track, hr, [employee])


# Creating ------------------------------------------------------------------------------------


def test_hr_creates_a_draft_cycle_with_its_participants(draft, employee):
    assert (draft.status, list(draft.participants.all())) == (Cycle.Status.DRAFT, [employee])


def test_someone_who_is_not_hr_cannot_create_a_cycle(track, manager, employee):
    with pytest.raises(PermissionDenied):
        draft_cycle(track, manager.user, [employee])


def test_participants_can_be_chosen_by_department(track, hr, employee, other_employee):
    cycle = services.create_cycle(
        name="By department",
        track=track,
        self_assessment_opens_on=timezone.localdate(),
        self_assessment_due_on=timezone.localdate(),
        manager_assessment_opens_on=timezone.localdate(),
        manager_assessment_due_on=timezone.localdate(),
        created_by=hr,
        departments=[employee.department],
    )
    assert set(cycle.participants.all()) == set(Employee.objects.filter(department=employee.department))


def test_manager_deadline_before_the_self_deadline_is_refused(track, hr, employee):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.create_cycle(
            name="Bad windows",
            track=track,
            self_assessment_opens_on=today,
            self_assessment_due_on=today + timedelta(days=10),
            manager_assessment_opens_on=today,
            manager_assessment_due_on=today + timedelta(days=5),
            created_by=hr,
            employees=[employee],
        )


# Opening -------------------------------------------------------------------------------------


def test_opening_pins_every_active_indicator_of_the_track(draft, hr, track):
    services.open_cycle(cycle=draft, opened_by=hr)
    assert draft.indicators.count() == BehavioralIndicator.objects.active().filter(competency__track=track).count()


def test_opening_pins_the_shipped_model_of_122_indicators(draft, hr):
    services.open_cycle(cycle=draft, opened_by=hr)
    assert draft.indicators.count() == 122


def test_opening_pins_the_drafted_marks(draft, hr):
    services.open_cycle(cycle=draft, opened_by=hr)
    assert draft.indicators.filter(is_drafted=True).count() == 7


def test_opening_pins_the_career_stages_each_level_stands_for(draft, hr):
    services.open_cycle(cycle=draft, opened_by=hr)
    copy = draft.indicators.get(code="CRM-3-01")
    assert (copy.stages_zh, copy.stages_en) == ("团队贡献 + 团队愿景", "Team contribution + Team vision")


def test_generic_indicators_are_pinned_without_career_stages(draft, hr):
    services.open_cycle(cycle=draft, opened_by=hr)
    copy = draft.indicators.get(code="COMM-01")
    assert (copy.stages_zh, copy.stages_en) == ("", "")


def test_opening_creates_a_self_and_a_manager_assessment_per_participant(draft, hr, employee):
    services.open_cycle(cycle=draft, opened_by=hr)
    kinds = set(Assessment.objects.filter(cycle=draft, employee=employee).values_list("kind", "status"))
    assert kinds == {
        (Assessment.Kind.SELF, Assessment.Status.DRAFT),
        (Assessment.Kind.MANAGER, Assessment.Status.DRAFT),
    }


def test_opening_marks_the_cycle_open(draft, hr):
    cycle = services.open_cycle(cycle=draft, opened_by=hr)
    assert cycle.status == Cycle.Status.OPEN and cycle.opened_at is not None


def test_editing_an_indicator_after_opening_leaves_the_cycle_text_alone(cycle):
    indicator = BehavioralIndicator.objects.get(code="MKT-2-03")
    pinned = (indicator.text_zh, indicator.text_en)
    indicator.text_zh, indicator.text_en = "改写", "Rewritten"
    indicator.save()
    copy = CycleIndicator.objects.get(cycle=cycle, code="MKT-2-03")
    assert (copy.text_zh, copy.text_en) == pinned


def test_renaming_a_career_stage_after_opening_leaves_the_cycle_alone(cycle):
    CareerStage.objects.filter(track=cycle.track, number=1).update(name_zh="入门", name_en="Starting out")
    copy = CycleIndicator.objects.get(cycle=cycle, code="MKT-1-01")
    assert (copy.stages_zh, copy.stages_en) == ("学习发展", "Learning and development")


def test_retiring_an_indicator_after_opening_keeps_it_in_the_cycle(cycle):
    BehavioralIndicator.objects.filter(code="MKT-2-03").update(is_active=False)
    assert CycleIndicator.objects.filter(cycle=cycle).count() == 122


def test_cycle_opened_after_retiring_an_indicator_leaves_it_out(track, hr, employee):
    BehavioralIndicator.objects.filter(code="MKT-2-03").update(is_active=False)
    cycle = services.open_cycle(cycle=draft_cycle(track, hr, [employee]), opened_by=hr)
    assert not cycle.indicators.filter(code="MKT-2-03").exists()


def test_deleting_an_indicator_a_cycle_uses_is_refused(cycle):
    with pytest.raises(ProtectedError):
        BehavioralIndicator.objects.get(code="MKT-2-03").delete()


def test_opening_a_cycle_without_participants_is_refused(track, hr):
    with pytest.raises(ValidationError):
        services.open_cycle(cycle=draft_cycle(track, hr, []), opened_by=hr)


def test_opening_an_open_cycle_again_is_refused(cycle, hr):
    with pytest.raises(ValidationError):
        services.open_cycle(cycle=cycle, opened_by=hr)


def test_someone_who_is_not_hr_cannot_open_a_cycle(draft, manager):
    with pytest.raises(PermissionDenied):
        services.open_cycle(cycle=draft, opened_by=manager.user)


def test_participant_added_to_an_open_cycle_gets_assessments_at_once(cycle, hr, position):
    newcomer = factories.EmployeeFactory(position=position)
    services.add_participants(cycle=cycle, employees=[newcomer], added_by=hr)
    assert Assessment.objects.filter(cycle=cycle, employee=newcomer).count() == 2


# Closing -------------------------------------------------------------------------------------


def test_hr_closes_an_open_cycle(cycle, hr):
    closed = services.close_cycle(cycle=cycle, closed_by=hr)
    assert closed.status == Cycle.Status.CLOSED and closed.closed_at is not None


def test_closing_a_draft_cycle_is_refused(draft, hr):
    with pytest.raises(ValidationError):
        services.close_cycle(cycle=draft, closed_by=hr)


def test_someone_who_is_not_hr_cannot_close_a_cycle(cycle, manager):
    with pytest.raises(PermissionDenied):
        services.close_cycle(cycle=cycle, closed_by=manager.user)


def test_nothing_can_be_rated_in_a_closed_cycle(cycle, hr, self_assessment, employee):
    services.close_cycle(cycle=cycle, closed_by=hr)
    self_assessment.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.save_ratings(
            assessment=self_assessment,
            rater=employee.user,
            ratings={"MKT-1-01": services.RatingInput(score=2)},
            expected_version=self_assessment.version,
        )


def test_closed_cycle_takes_no_new_participants(cycle, hr, position):
    services.close_cycle(cycle=cycle, closed_by=hr)
    with pytest.raises(ValidationError):
        services.add_participants(cycle=cycle, employees=[factories.EmployeeFactory()], added_by=hr)


# Thresholds ----------------------------------------------------------------------------------


def test_levels_follow_the_thresholds_stored_on_the_cycle(cycle, employee, self_assessment):
    factories.rate_all(self_assessment, employee.user, score=2)
    before = {row.competency.code: row.level for row in services.assessment_levels(assessment=self_assessment)}
    Cycle.objects.filter(pk=cycle.pk).update(demonstrated_at=3)
    self_assessment.refresh_from_db()
    after = {row.competency.code: row.level for row in services.assessment_levels(assessment=self_assessment)}
    assert (before["MKT"], after["MKT"]) == (3, 0)
