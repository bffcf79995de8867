"""HR's pages: cycles with their completion, creating, opening and closing a cycle, and reopening."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services, views
from assessments.models import Assessment, Cycle
from tests import factories
from tests.pages.conftest import add_report, fresh

pytestmark = pytest.mark.django_db


def detail_url(cycle: Cycle) -> str:
    return reverse("cycle_detail", args=[cycle.pk])


# Cycle list ----------------------------------------------------------------------------------


def test_hr_sees_every_cycle_with_its_completion(as_hr, cycle, submitted_self):
    page = as_hr.get(reverse("cycle_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page.split(f'data-cycle="{cycle.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Participants">2</td>' in row
    assert "1 (50%)" in row


def test_someone_who_is_not_hr_is_refused_the_cycle_list(as_mallory, cycle):
    assert as_mallory.get(reverse("cycle_list")).status_code == 403


def test_the_cycle_list_links_to_the_admin_for_the_model(as_hr, cycle):
    assert reverse("admin:app_list", args=["competency"]) in as_hr.get(reverse("cycle_list")).content.decode()


# Session, user, nav, cycles with completion.
CYCLE_LIST_QUERIES = 4


def test_the_cycle_list_costs_the_same_queries_for_one_cycle(as_hr, cycle, django_assert_num_queries):
    with django_assert_num_queries(CYCLE_LIST_QUERIES):
        as_hr.get(reverse("cycle_list"))


def test_the_cycle_list_costs_the_same_queries_for_many_cycles(
    as_hr, cycle, track, hr, employee, django_assert_num_queries
):
    for n in range(3):
        created = new_cycle(track, hr, [employee], name=f"Cycle {n}")
        services.open_cycle(cycle=created, opened_by=hr)
    with django_assert_num_queries(CYCLE_LIST_QUERIES):
        as_hr.get(reverse("cycle_list"))


# Creating, opening and closing --------------------------------------------------------------


def new_cycle(track, hr, employees, *, name: str) -> Cycle:
    today = timezone.localdate()
    return services.create_cycle(
        name=name,
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=hr,
        employees=employees,
    )


def cycle_form(track, **changes) -> dict:
    today = timezone.localdate()
    data = {
        "name": "Spring review",
        "track": track.pk,
        "self_assessment_opens_on": today.isoformat(),
        "self_assessment_due_on": (today + timedelta(days=7)).isoformat(),
        "manager_assessment_opens_on": today.isoformat(),
        "manager_assessment_due_on": (today + timedelta(days=14)).isoformat(),
    }
    data.update(changes)
    return data


def test_hr_creates_a_draft_cycle_for_a_department(as_hr, track, employee, other_employee):
    response = as_hr.post(reverse("cycle_create"), cycle_form(track, departments=[employee.department_id]))
    created = Cycle.objects.get(name="Spring review")
    assert response.url == detail_url(created)
    # Alice, Bob and both their managers work in the one department.
    assert (created.status, created.participants.count()) == (Cycle.Status.DRAFT, 4)


def test_hr_creates_a_cycle_for_people_chosen_one_by_one(as_hr, track, employee, other_employee):
    as_hr.post(reverse("cycle_create"), cycle_form(track, employees=[employee.pk]))
    assert list(Cycle.objects.get(name="Spring review").participants.all()) == [employee]


def test_a_cycle_without_participants_is_refused_with_a_message(as_hr, track, employee):
    response = as_hr.post(reverse("cycle_create"), cycle_form(track))
    assert response.status_code == 200
    assert "Choose the participants" in response.content.decode()


def test_a_deadline_before_its_window_is_shown_next_to_that_field(as_hr, track, employee):
    today = timezone.localdate()
    data = cycle_form(
        track,
        employees=[employee.pk],
        self_assessment_due_on=(today - timedelta(days=1)).isoformat(),
    )
    page = as_hr.post(reverse("cycle_create"), data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    field = page.split('for="id_self_assessment_due_on"', 1)[1].split("</div>", 1)[0]
    assert 'class="errorlist"' in field


def test_someone_who_is_not_hr_cannot_create_a_cycle(as_mallory, track, employee):
    assert as_mallory.post(reverse("cycle_create"), cycle_form(track, employees=[employee.pk])).status_code == 403


def test_hr_opens_a_draft_cycle(as_hr, track, hr, employee):
    draft = new_cycle(track, hr, [employee], name="Draft")
    as_hr.post(reverse("cycle_open", args=[draft.pk]))
    assert fresh_cycle(draft).status == Cycle.Status.OPEN


def test_opening_creates_everyones_assessments(as_hr, track, hr, employee):
    draft = new_cycle(track, hr, [employee], name="Draft")
    as_hr.post(reverse("cycle_open", args=[draft.pk]))
    assert Assessment.objects.filter(cycle=draft).count() == 2


def test_hr_closes_an_open_cycle(as_hr, cycle):
    as_hr.post(reverse("cycle_close", args=[cycle.pk]))
    assert fresh_cycle(cycle).status == Cycle.Status.CLOSED


def test_closing_a_closed_cycle_is_explained_on_the_page(as_hr, cycle, hr):
    services.close_cycle(cycle=cycle, closed_by=hr)
    response = as_hr.post(reverse("cycle_close", args=[cycle.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Only an open cycle can be closed." in response.content.decode()


def test_someone_who_is_not_hr_cannot_close_a_cycle(as_mallory, cycle):
    assert as_mallory.post(reverse("cycle_close", args=[cycle.pk])).status_code == 403


def fresh_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.get(pk=cycle.pk)


# Completion by department and by manager ----------------------------------------------------


def test_completion_is_shown_by_department(as_hr, cycle, submitted_self, other_employee):
    other_employee.department = factories.DepartmentFactory(name="Channel Sales")
    other_employee.save()
    page = as_hr.get(detail_url(cycle)).content.decode()
    table = page.split('id="by-department"', 1)[1].split("</table>", 1)[0]
    key_accounts = table.split("Key Accounts", 1)[1].split("</tr>", 1)[0]
    channel = table.split("Channel Sales", 1)[1].split("</tr>", 1)[0]
    assert "1 (100%)" in key_accounts
    assert "0 (0%)" in channel


def test_completion_is_shown_by_manager(as_hr, cycle, submitted_self):
    page = as_hr.get(detail_url(cycle)).content.decode()
    table = page.split('id="by-manager"', 1)[1].split("</table>", 1)[0]
    assert "1 (100%)" in table.split("Mallory", 1)[1].split("</tr>", 1)[0]
    assert "0 (0%)" in table.split("Oscar", 1)[1].split("</tr>", 1)[0]


def test_at_company_size_the_teams_furthest_behind_are_shown_first(as_hr, cycle, submitted_self, monkeypatch):
    monkeypatch.setattr(views, "TEAMS_SHOWN", 1)
    page = as_hr.get(detail_url(cycle)).content.decode()
    table = page.split('id="by-manager"', 1)[1].split("</table>", 1)[0]
    # Neither team has its manager ratings in; Alice has submitted her self-assessment, Oscar's report has not.
    assert "Oscar" in table and "Mallory" not in table
    assert "The 1 teams furthest behind of 2" in page


def test_every_team_is_one_link_away(as_hr, cycle, submitted_self, monkeypatch):
    monkeypatch.setattr(views, "TEAMS_SHOWN", 1)
    page = as_hr.get(detail_url(cycle)).content.decode()
    assert 'href="?teams=all#by-manager-heading">Show all 2 teams</a>' in page
    everyone = as_hr.get(detail_url(cycle), {"teams": "all"}).content.decode()
    table = everyone.split('id="by-manager"', 1)[1].split("</table>", 1)[0]
    assert table.index("Mallory") < table.index("Oscar")
    assert "Show only the teams furthest behind" in everyone


def test_someone_who_is_not_hr_is_refused_the_completion_page(as_mallory, cycle):
    assert as_mallory.get(detail_url(cycle)).status_code == 403


# Session, user, nav, the cycle with completion, both groupings, the count of matching participants,
# the page of them, their assessments, and the departments to filter by.
CYCLE_DETAIL_QUERIES = 10


def test_the_completion_page_costs_the_same_queries_for_few_participants(as_hr, cycle, django_assert_num_queries):
    with django_assert_num_queries(CYCLE_DETAIL_QUERIES):
        as_hr.get(detail_url(cycle))


def test_the_completion_page_costs_the_same_queries_for_many_participants(
    as_hr, cycle, manager, hr, django_assert_num_queries
):
    for n in range(5):
        add_report(cycle, manager, hr, name=f"Report {n}")
    with django_assert_num_queries(CYCLE_DETAIL_QUERIES):
        as_hr.get(detail_url(cycle))


def test_the_completion_page_costs_the_same_queries_with_more_than_a_page_of_participants(
    as_hr, cycle, manager, hr, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(views, "PARTICIPANTS_PAGE_SIZE", 2)
    for n in range(5):
        add_report(cycle, manager, hr, name=f"Report {n}")
    with django_assert_num_queries(CYCLE_DETAIL_QUERIES):
        as_hr.get(detail_url(cycle) + "?page=2&status=self_draft")


def participant_names(page: str) -> list[str]:
    table = page.split('id="participants"', 1)[1].split("</tbody>", 1)[0]
    rows = [row for row in table.split("<tr>")[2:] if "<td>" in row]
    return [row.split("<td>", 1)[1].split("<br>", 1)[0] for row in rows]


def test_participants_are_shown_a_page_at_a_time_in_employee_number_order(as_hr, cycle, manager, hr, monkeypatch):
    monkeypatch.setattr(views, "PARTICIPANTS_PAGE_SIZE", 2)
    for n in range(3):
        add_report(cycle, manager, hr, name=f"Report {n}")
    first = as_hr.get(detail_url(cycle)).content.decode()
    last = as_hr.get(detail_url(cycle) + "?page=3").content.decode()
    assert participant_names(first) == ["Alice", "Bob"]
    assert participant_names(last) == ["Report 2"]
    assert "5 participants match" in first
    assert "page=2" in first


def test_completion_figures_cover_the_whole_cycle_whatever_the_page(as_hr, cycle, submitted_self, monkeypatch):
    monkeypatch.setattr(views, "PARTICIPANTS_PAGE_SIZE", 1)
    page = as_hr.get(detail_url(cycle) + "?page=2").content.decode()
    assert participant_names(page) == ["Bob"]
    assert '<strong data-figure="self">50%</strong>' in page


def test_participants_can_be_found_by_progress(as_hr, cycle, submitted_self):
    page = as_hr.get(detail_url(cycle) + "?status=self_draft").content.decode()
    assert participant_names(page) == ["Bob"]


def test_participants_can_be_found_by_department(as_hr, cycle, other_employee):
    channel = factories.DepartmentFactory(name="Channel Sales")
    other_employee.department = channel
    other_employee.save()
    page = as_hr.get(detail_url(cycle) + f"?department={channel.pk}").content.decode()
    assert participant_names(page) == ["Bob"]


def test_participants_can_be_found_by_name_or_number(as_hr, cycle, employee):
    assert participant_names(as_hr.get(detail_url(cycle) + "?q=ali").content.decode()) == ["Alice"]
    by_number = as_hr.get(detail_url(cycle) + f"?q={employee.employee_number}").content.decode()
    assert participant_names(by_number) == ["Alice"]


def test_a_filter_nobody_matches_says_so(as_hr, cycle):
    page = as_hr.get(detail_url(cycle) + "?q=nobody-by-this-name", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert participant_names(page) == []
    assert "Nobody matches these filters." in page


def test_a_draft_cycle_lists_its_participants_before_anything_starts(as_hr, track, hr, employee):
    today = timezone.localdate()
    draft = services.create_cycle(
        name="Next year",
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=hr,
        employees=[employee],
    )
    page = as_hr.get(detail_url(draft), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert participant_names(page) == ["Alice"]
    assert "Starts when the cycle opens" in page


# Reopening -----------------------------------------------------------------------------------


def reopen_url(assessment: Assessment) -> str:
    return reverse("assessment_reopen", args=[assessment.pk])


def test_hr_reopens_a_submitted_assessment_with_a_reason(as_hr, submitted_self):
    as_hr.post(reopen_url(submitted_self), {"reason": "Rated the wrong period"})
    reopened = fresh(submitted_self)
    assert (reopened.status, reopened.reopen_reason) == (Assessment.Status.DRAFT, "Rated the wrong period")


def test_reopening_without_a_reason_is_refused_next_to_the_field(as_hr, submitted_self):
    page = as_hr.post(reopen_url(submitted_self), {"reason": ""}).content.decode()
    assert 'id="id_reason_error"' in page
    assert fresh(submitted_self).status == Assessment.Status.SUBMITTED


def test_the_reason_is_shown_to_the_rater_on_the_form(as_hr, as_alice, submitted_self):
    as_hr.post(reopen_url(submitted_self), {"reason": "Rated the wrong period"})
    assert "Rated the wrong period" in as_alice.get(reverse("assessment", args=[submitted_self.pk])).content.decode()


def test_a_manager_cannot_reopen_a_reports_assessment(as_mallory, submitted_manager):
    assert as_mallory.post(reopen_url(submitted_manager), {"reason": "x"}).status_code == 403


def test_reopening_someone_elses_assessment_outside_your_view_is_not_found(as_oscar, submitted_self):
    assert as_oscar.post(reopen_url(submitted_self), {"reason": "x"}).status_code == 404
