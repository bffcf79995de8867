"""The benchmark's organisation generator, run at a small size so it stays correct."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from assessments import results, services
from assessments.models import Assessment, CompetencyResult, Cycle, CycleIndicator, Employee, Rating, User
from bench import generate_org
from competency.models import BehavioralIndicator
from notifications.models import Notification
from tests.bench.conftest import SIZE


def generated_employees() -> list[Employee]:
    return list(Employee.objects.filter(employee_number__startswith=generate_org.NUMBER_PREFIX))


def test_the_organisation_has_exactly_one_head(org):
    assert [e.employee_number for e in generated_employees() if e.manager_id is None] == ["B00000"]


def test_everyone_reaches_the_head_through_their_managers(org):
    managers = {e.pk: e.manager_id for e in generated_employees()}
    head = next(pk for pk, manager in managers.items() if manager is None)
    for start in managers:
        seen: set[int] = set()
        current: int | None = start
        while current is not None and managers[current] is not None:
            assert current not in seen
            seen.add(current)
            current = managers[current]
        assert current == head


def test_no_manager_has_more_than_ten_direct_reports(org):
    sizes: dict[int, int] = {}
    for employee in generated_employees():
        if employee.manager_id is not None:
            sizes[employee.manager_id] = sizes.get(employee.manager_id, 0) + 1
    assert max(sizes.values()) <= generate_org.TEAM_SIZE[1]


def test_managers_hold_the_senior_position(org):
    managers = {e.manager_id for e in generated_employees() if e.manager_id is not None}
    positions = set(Employee.objects.filter(pk__in=managers).values_list("position__code", flat=True))
    assert positions == {"senior-account-manager"}


def test_every_subtree_below_a_division_head_is_one_department(org):
    employees = {e.pk: e for e in generated_employees()}

    def depth(pk: int) -> int:
        manager = employees[pk].manager_id
        return 0 if manager is None else depth(manager) + 1

    for employee in employees.values():
        if employee.manager_id is not None and depth(employee.manager_id) >= 2:
            assert employee.department_id == employees[employee.manager_id].department_id


def test_a_company_sized_tree_is_five_levels_below_its_head_with_one_manager_in_eight():
    people = generate_org.org_tree(10_000, random.Random(1))
    managers = sum(p.has_reports for p in people)
    assert max(p.depth for p in people) == 5
    assert 10_000 / 10 <= managers <= 10_000 / 6


def test_every_participant_has_a_self_and_a_manager_assessment(org):
    assert Assessment.objects.filter(cycle_id=org.cycle_id).count() == SIZE * 2


def test_every_assessment_has_a_rating_of_every_indicator(org):
    indicators = BehavioralIndicator.objects.active().count()
    assert Rating.objects.filter(assessment__cycle_id=org.cycle_id).count() == SIZE * 2 * indicators == org.ratings


def test_the_cycle_is_open_with_the_model_pinned(org):
    cycle = Cycle.objects.get(pk=org.cycle_id)
    assert cycle.status == Cycle.Status.OPEN
    assert CycleIndicator.objects.filter(cycle=cycle).count() == BehavioralIndicator.objects.active().count()


def test_most_assessments_are_submitted_and_some_are_drafts(org):
    statuses = list(Assessment.objects.filter(cycle_id=org.cycle_id).values_list("status", flat=True))
    drafts = statuses.count(Assessment.Status.DRAFT)
    assert 0 < drafts < len(statuses) / 2


def test_submitted_assessments_have_every_indicator_scored(org):
    submitted = Assessment.objects.filter(cycle_id=org.cycle_id, status=Assessment.Status.SUBMITTED)
    assert not Rating.objects.filter(assessment__in=submitted, score__isnull=True).exists()


def test_submitted_assessments_have_the_levels_the_rule_gives_stored(org):
    submitted = Assessment.objects.filter(cycle_id=org.cycle_id, status__in=results.RESULT_STATES)
    stored = {
        (r.assessment_id, r.competency_id): r.level
        for r in CompetencyResult.objects.filter(assessment__cycle_id=org.cycle_id)
    }
    assert len(stored) == submitted.count() * 7
    sample = submitted.order_by("pk")[:5]
    for assessment in sample:
        for level in services.assessment_levels(assessment=assessment):
            assert stored[(assessment.pk, level.competency.pk)] == level.level


def test_drafts_have_no_stored_levels(org):
    assert not CompetencyResult.objects.filter(
        assessment__cycle_id=org.cycle_id, assessment__status=Assessment.Status.DRAFT
    ).exists()


def test_a_signed_off_manager_assessment_carries_both_signatures(org):
    signed = Assessment.objects.filter(
        cycle_id=org.cycle_id, kind=Assessment.Kind.MANAGER, status=Assessment.Status.SIGNED_OFF
    ).first()
    assert signed is not None
    assert signed.manager_signed_off_at is not None
    assert signed.employee_acknowledged_at is not None


def test_levels_compute_for_a_generated_manager_assessment(org):
    submitted = Assessment.objects.filter(status=Assessment.Status.SUBMITTED, kind=Assessment.Kind.MANAGER)
    assessment = submitted.filter(cycle_id=org.cycle_id).select_related("cycle", "employee__position")[0]
    levels = services.assessment_levels(assessment=assessment)
    assert len(levels) == 7
    assert all(0 <= level.level <= 3 and level.required is not None for level in levels)


def test_a_generated_draft_can_be_saved_by_its_rater_through_the_service(org):
    draft = (
        Assessment.objects.filter(cycle_id=org.cycle_id, kind=Assessment.Kind.SELF, status=Assessment.Status.DRAFT)
        .select_related("cycle", "employee__user", "employee__manager")
        .order_by("pk")[0]
    )
    saved = services.save_ratings(
        assessment=draft,
        rater=draft.employee.user,
        ratings={"COMM-01": services.RatingInput(score=3)},
        expected_version=draft.version,
    )
    assert saved.version == 2


def test_generated_people_sign_in_with_the_known_password(org):
    user = User.objects.get(username=generate_org.username(SIZE - 1))
    assert user.check_password(generate_org.PASSWORD)


def test_hr_users_are_flagged_as_hr(org):
    assert all(User.objects.get(username=name).is_hr for name in org.hr_usernames)


def test_every_participant_has_the_cycle_opened_notice(org):
    assert Notification.objects.filter(kind=Notification.Kind.CYCLE_OPENED).count() == SIZE


def test_opening_another_cycle_after_generating_notifies_its_participants_again(
    org, track, django_capture_on_commit_callbacks
):
    hr = User.objects.get(username=org.hr_usernames[0])
    person = Employee.objects.get(employee_number="B00001")
    today = timezone.localdate()
    cycle = services.create_cycle(
        name="After the benchmark",
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today,
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today,
        created_by=hr,
        employees=[person],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.open_cycle(cycle=cycle, opened_by=hr)
    assert Notification.objects.filter(recipient=person.user, kind=Notification.Kind.CYCLE_OPENED).count() == 2


def test_copied_text_keeps_tabs_and_line_breaks(db):
    user = User.objects.create(username="note-writer")
    generate_org.copy_into(
        connection,
        Notification,
        ["recipient", "kind", "title", "body", "link", "items", "created_at", "email_state", "email_error"],
        generate_org.rows_as_lines(
            [(user.pk, "reminder", "a\ttab", "two\nlines \\ back", "", "[]", "2026-01-01T00:00:00+00:00", "sent", "")]
        ),
    )
    notification = Notification.objects.get(recipient=user)
    assert (notification.title, notification.body) == ("a\ttab", "two\nlines \\ back")


def test_the_reference_check_catches_a_rating_of_a_missing_indicator(org):
    assessment = Assessment.objects.filter(cycle_id=org.cycle_id).order_by("pk")[0]
    with generate_org.row_triggers_skipped(connection) as skipped:
        generate_org.copy_into(
            connection,
            Rating,
            ["assessment", "indicator", "score", "note", "updated_at"],
            [f"{assessment.pk}\t999999999\t1\t\t2026-01-01T00:00:00+00:00\n"],
        )
    assert skipped
    with pytest.raises(RuntimeError, match="1 ratings point at a missing"):
        generate_org.check_rating_references(connection)


def test_foreign_keys_are_enforced_again_after_generating(org):
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def test_departments_of_a_company_sized_tree_are_of_comparable_size():
    people = generate_org.org_tree(10_000, random.Random(1))
    sizes = Counter(p.department for p in people if p.depth >= 2)
    average = sum(sizes.values()) / len(sizes)
    assert max(sizes.values()) < 2 * average
