"""Cycles: HR creates, opens, closes and fills them; others see the cycles they or their reports take part in."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Cycle
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/cycles/"


def new_cycle(**changes):
    today = timezone.localdate()
    body = {
        "name": "2027 review",
        "track": "key-account-sales",
        "self_assessment_opens_on": str(today),
        "self_assessment_due_on": str(today + timedelta(days=7)),
        "manager_assessment_opens_on": str(today),
        "manager_assessment_due_on": str(today + timedelta(days=14)),
    }
    body.update(changes)
    return body


@pytest.fixture
def draft_cycle(track, hr, employee):
    """A draft cycle in which only Alice takes part."""
    today = timezone.localdate()
    return services.create_cycle(
        name="Alice only",
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=hr,
        employees=[employee],
    )


def cycle_names(response):
    return sorted(row["name"] for row in response.json()["results"])


def test_hr_lists_every_cycle(as_hr, cycle, draft_cycle):
    assert cycle_names(as_hr.get(LIST_URL)) == ["Alice only", "Test cycle"]


def test_participant_lists_the_cycles_they_take_part_in(as_bob, cycle, draft_cycle):
    assert cycle_names(as_bob.get(LIST_URL)) == ["Test cycle"]


def test_manager_lists_the_cycles_their_reports_take_part_in(as_mallory, cycle, draft_cycle):
    assert cycle_names(as_mallory.get(LIST_URL)) == ["Alice only", "Test cycle"]


def test_manager_sees_a_cycle_once_however_many_reports_take_part(as_mallory, hr, manager, draft_cycle):
    services.add_participants(cycle=draft_cycle, employees=[factories.EmployeeFactory(manager=manager)], added_by=hr)
    assert cycle_names(as_mallory.get(LIST_URL)) == ["Alice only"]


def test_cycles_filter_by_status(as_hr, cycle, draft_cycle):
    assert cycle_names(as_hr.get(LIST_URL, {"status": "draft"})) == ["Alice only"]


def test_cycle_of_strangers_is_404(as_oscar, draft_cycle):
    assert as_oscar.get(f"{LIST_URL}{draft_cycle.pk}/").status_code == 404


def test_cycle_detail_shows_only_the_participants_the_reader_may_see(as_mallory, cycle, employee):
    body = as_mallory.get(f"{LIST_URL}{cycle.pk}/").json()
    assert body["participant_count"] == 2
    assert [p["name"] for p in body["participants"]] == ["Alice"]


def test_hr_creates_a_draft_cycle_with_participants_by_department(as_hr, employee, other_employee, track):
    body = new_cycle(departments=[employee.department_id])
    response = as_hr.post(LIST_URL, body, format="json")
    assert response.status_code == 201
    cycle = Cycle.objects.get(pk=response.json()["id"])
    assert cycle.status == Cycle.Status.DRAFT
    # The fixtures put everyone in one department.
    assert cycle.participants.count() == 4


def test_hr_creates_a_cycle_with_people_named_one_by_one(as_hr, employee, other_employee):
    response = as_hr.post(LIST_URL, new_cycle(employees=[employee.pk]), format="json")
    assert [p["name"] for p in response.json()["participants"]] == ["Alice"]


def test_a_deadline_before_its_window_opens_is_a_400_on_that_field(as_hr, track):
    today = timezone.localdate()
    body = new_cycle(self_assessment_due_on=str(today - timedelta(days=1)))
    response = as_hr.post(LIST_URL, body, format="json")
    assert response.status_code == 400
    assert "self_assessment_due_on" in response.json()


def test_an_unknown_track_is_a_400(as_hr):
    response = as_hr.post(LIST_URL, new_cycle(track="no-such-track"), format="json")
    assert response.status_code == 400
    assert "track" in response.json()


def test_manager_cannot_create_a_cycle(as_mallory, track):
    assert as_mallory.post(LIST_URL, new_cycle(), format="json").status_code == 403


def test_opening_a_cycle_starts_both_assessments_of_every_participant(as_hr, draft_cycle, employee):
    response = as_hr.post(f"{LIST_URL}{draft_cycle.pk}/open/")
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    kinds = sorted(Assessment.objects.filter(cycle=draft_cycle, employee=employee).values_list("kind", flat=True))
    assert kinds == ["manager", "self"]


def test_opening_an_open_cycle_is_a_400(as_hr, cycle):
    response = as_hr.post(f"{LIST_URL}{cycle.pk}/open/")
    assert response.status_code == 400
    assert "status" in response.json()


def test_opening_a_cycle_without_participants_is_a_400(as_hr, draft_cycle):
    draft_cycle.participants.clear()
    response = as_hr.post(f"{LIST_URL}{draft_cycle.pk}/open/")
    assert response.status_code == 400
    assert "participants" in response.json()


def test_participant_cannot_open_their_cycle(as_alice, draft_cycle):
    assert as_alice.post(f"{LIST_URL}{draft_cycle.pk}/open/").status_code == 403


def test_hr_closes_an_open_cycle(as_hr, cycle):
    response = as_hr.post(f"{LIST_URL}{cycle.pk}/close/")
    assert response.status_code == 200
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED


def test_closing_a_draft_cycle_is_a_400(as_hr, draft_cycle):
    assert as_hr.post(f"{LIST_URL}{draft_cycle.pk}/close/").status_code == 400


def test_adding_a_participant_to_an_open_cycle_starts_their_assessments(as_hr, cycle, manager):
    response = as_hr.post(f"{LIST_URL}{cycle.pk}/participants/", {"employees": [manager.pk]}, format="json")
    assert response.status_code == 200
    assert response.json()["participant_count"] == 3
    assert Assessment.objects.filter(cycle=cycle, employee=manager).count() == 2


def test_adding_participants_by_position(as_hr, draft_cycle, other_employee, position):
    response = as_hr.post(f"{LIST_URL}{draft_cycle.pk}/participants/", {"positions": [position.pk]}, format="json")
    assert response.status_code == 200
    assert draft_cycle.participants.filter(pk=other_employee.pk).exists()


def test_adding_an_unknown_employee_is_a_400(as_hr, draft_cycle):
    response = as_hr.post(f"{LIST_URL}{draft_cycle.pk}/participants/", {"employees": [999999]}, format="json")
    assert response.status_code == 400
    assert "employees" in response.json()


def test_a_closed_cycle_takes_no_new_participants(as_hr, cycle, manager):
    services.close_cycle(cycle=cycle, closed_by=cycle.created_by)
    response = as_hr.post(f"{LIST_URL}{cycle.pk}/participants/", {"employees": [manager.pk]}, format="json")
    assert response.status_code == 400


def test_manager_cannot_add_participants(as_mallory, draft_cycle, manager):
    response = as_mallory.post(f"{LIST_URL}{draft_cycle.pk}/participants/", {"employees": [manager.pk]}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("count", [2, 10])
def test_cycle_list_costs_two_queries_whatever_its_length(
    as_mallory, hr, track, employee, count, django_assert_num_queries
):
    today = timezone.localdate()
    for number in range(count):
        services.create_cycle(
            name=f"Cycle {number}",
            track=track,
            self_assessment_opens_on=today,
            self_assessment_due_on=today,
            manager_assessment_opens_on=today,
            manager_assessment_due_on=today,
            created_by=hr,
            employees=[employee, factories.EmployeeFactory(manager=employee.manager)],
        )
    # The count and the page, with the track joined and the participants counted in SQL.
    with django_assert_num_queries(2):
        response = as_mallory.get(LIST_URL)
    assert response.json()["count"] == count
