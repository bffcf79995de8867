"""The report pages for Alice, Bob, Mallory, Oscar and HR, and what they show."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Assessment
from reports.models import DevelopmentPlan, PlanAction, ReportJob
from tests import factories
from tests.reports.conftest import rate


def page(user, url: str, method: str = "get", data: dict | None = None):
    # In English, so the assertions can read the page's words.
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_job_page(who, expected, person, done_job):
    assert page(person[who], reverse("reports:job", args=[done_job.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_job_download(who, expected, person, done_job):
    assert page(person[who], reverse("reports:job_file", args=[done_job.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_gap_page(who, expected, person, assessed, cycle, employee):
    assert page(person[who], reverse("reports:gaps", args=[cycle.pk, employee.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 302), ("bob", 404), ("mallory", 302), ("oscar", 404), ("hr", 302)]
)
def test_requesting_a_pdf_page(who, expected, person, assessed, cycle, employee):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"}
    assert page(person[who], reverse("reports:request"), "post", data).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 200), ("bob", 404), ("mallory", 200), ("oscar", 404), ("hr", 200)]
)
def test_plan_page(who, expected, person, plan):
    assert page(person[who], reverse("reports:plan", args=[plan.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 302), ("bob", 404), ("mallory", 302), ("oscar", 404), ("hr", 403)]
)
def test_agreeing_on_the_plan_page(who, expected, person, plan_with_actions):
    url = reverse("reports:plan_agree", args=[plan_with_actions.pk])
    assert page(person[who], url, "post").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 302), ("bob", 404), ("mallory", 302), ("oscar", 404), ("hr", 403)]
)
def test_adding_an_action_on_the_plan_page(who, expected, person, plan):
    url = reverse("reports:plan_action_add", args=[plan.pk, plan.targets.first().pk])
    data = {"what": "Read", "owner": "employee", "status": "planned"}
    assert page(person[who], url, "post", data).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 302), ("bob", 404), ("mallory", 302), ("oscar", 404), ("hr", 403)]
)
def test_changing_an_action_on_the_plan_page(who, expected, person, plan_with_actions):
    action = PlanAction.objects.first()
    url = reverse("reports:plan_action_edit", args=[plan_with_actions.pk, action.pk])
    data = {"what": "Read more", "owner": "employee", "status": "planned"}
    assert page(person[who], url, "post", data).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 302), ("bob", 404), ("mallory", 302), ("oscar", 404), ("hr", 403)]
)
def test_removing_an_action_on_the_plan_page(who, expected, person, plan_with_actions):
    url = reverse("reports:plan_action_remove", args=[plan_with_actions.pk, PlanAction.objects.first().pk])
    assert page(person[who], url, "post").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 403), ("bob", 403), ("mallory", 403), ("oscar", 403), ("hr", 200)]
)
def test_exports_page(who, expected, person, done_export):
    assert page(person[who], reverse("reports:exports")).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 404), ("bob", 404), ("mallory", 404), ("oscar", 404), ("hr", 200)]
)
def test_export_page(who, expected, person, done_export):
    assert page(person[who], reverse("reports:export", args=[done_export.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 404), ("bob", 404), ("mallory", 404), ("oscar", 404), ("hr", 200)]
)
def test_export_download(who, expected, person, done_export):
    assert page(person[who], reverse("reports:export_file", args=[done_export.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 404), ("bob", 404), ("mallory", 404), ("oscar", 404), ("hr", 302)]
)
def test_resuming_an_export_page(who, expected, person, done_export, employee, cycle):
    ReportJob.objects.create(
        employee=employee, cycle=cycle, kind="gap_report", language="en", export=done_export, status="failed"
    )
    assert page(person[who], reverse("reports:export_resume", args=[done_export.pk]), "post").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 403), ("bob", 403), ("mallory", 403), ("oscar", 403), ("hr", 200)]
)
def test_heatmap_page(who, expected, person, assessed, cycle):
    assert page(person[who], reverse("reports:heatmap") + f"?cycle={cycle.pk}").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("alice", 403), ("bob", 403), ("mallory", 403), ("oscar", 403), ("hr", 200)]
)
def test_cycle_summary_page(who, expected, person, assessed, cycle):
    assert page(person[who], reverse("reports:cycle_summary", args=[cycle.pk])).status_code == expected


@pytest.mark.parametrize("url_name", ["reports:index", "reports:plans", "reports:exports", "reports:heatmap"])
def test_anonymous_visitors_are_sent_to_sign_in(url_name):
    response = Client().get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_index_lists_only_jobs_about_people_the_reader_may_see(done_job, other_employee, cycle, other_manager):
    ReportJob.objects.create(employee=other_employee, cycle=cycle, kind="gap_report", language="en")
    content = page(other_manager.user, reverse("reports:index")).content.decode()
    assert "Bob" in content
    assert "Alice" not in content


def test_index_reads_in_a_fixed_number_of_queries(done_job, employee, cycle, hr, django_assert_num_queries):
    for _ in range(5):
        ReportJob.objects.create(employee=employee, cycle=cycle, kind="gap_report", language="en")
    client = Client()
    client.force_login(hr)
    # session, user, nav, jobs, the form's employee and cycle choices
    with django_assert_num_queries(6):
        client.get(reverse("reports:index"))


def test_a_queued_job_page_refreshes_itself(assessed, cycle, employee, manager):
    job = ReportJob.objects.create(employee=employee, cycle=cycle, kind="gap_report", language="en")
    assert '<meta http-equiv="refresh"' in page(manager.user, reverse("reports:job", args=[job.pk])).content.decode()


def test_a_done_job_page_stops_refreshing_and_offers_the_download(done_job, manager):
    content = page(manager.user, reverse("reports:job", args=[done_job.pk])).content.decode()
    assert '<meta http-equiv="refresh"' not in content
    assert reverse("reports:job_file", args=[done_job.pk]) in content


def test_requesting_a_pdf_leads_to_its_page(assessed, cycle, employee, manager):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "gap_report", "language": "en"}
    response = page(manager.user, reverse("reports:request"), "post", data)
    assert response["Location"] == reverse("reports:job", args=[ReportJob.objects.get().pk])


def test_export_page_shows_progress_and_failures(done_export, employee, cycle, hr):
    ReportJob.objects.create(
        employee=employee,
        cycle=cycle,
        kind="gap_report",
        language="en",
        export=done_export,
        status="failed",
        error="Alice has no assessments",
    )
    done_export.failed_count, done_export.done_count, done_export.total = 1, 1, 2
    done_export.save()
    content = page(hr, reverse("reports:export", args=[done_export.pk])).content.decode()
    assert "2 of 2" in content
    assert "Alice has no assessments" in content


def test_a_running_export_page_refreshes_itself(done_export, hr):
    done_export.status = "running"
    done_export.save()
    assert '<meta http-equiv="refresh"' in page(hr, reverse("reports:export", args=[done_export.pk])).content.decode()


def test_starting_an_export_on_the_page_leads_to_its_progress(assessed, cycle, hr):
    data = {"cycle": cycle.pk, "language": "en", "include_plans": "on"}
    response = page(hr, reverse("reports:exports"), "post", data)
    assert response["Location"].startswith("/reports/exports/")


def test_heatmap_shows_a_cell_per_employee_and_competency(assessed, cycle, manager, hr):
    content = page(hr, reverse("reports:heatmap") + f"?cycle={cycle.pk}&manager={manager.pk}").content.decode()
    assert content.count('class="cell gap-1"') == 2  # MKT and COMM fall one level short
    assert "Bob" not in content


# session, user, nav, the cycle of the form, the group's six, the form's cycle and department lists;
# the list of managers is only offered, one query more, once a department is chosen.
HEATMAP_QUERIES = 12


def test_heatmap_reads_in_a_fixed_number_of_queries(assessed, cycle, hr, django_assert_num_queries):
    client = Client()
    client.force_login(hr)
    with django_assert_num_queries(HEATMAP_QUERIES):
        client.get(reverse("reports:heatmap") + f"?cycle={cycle.pk}")


def test_heatmap_of_a_cycle_reads_in_the_same_queries_with_more_departments(
    assessed, cycle, hr, manager, position, django_assert_num_queries
):
    newcomers = [
        factories.EmployeeFactory(manager=manager, position=position, department=factories.DepartmentFactory())
        for _ in range(3)
    ]
    services.add_participants(cycle=cycle, employees=newcomers, added_by=hr)
    for newcomer in newcomers:
        rate(Assessment.objects.get(cycle=cycle, employee=newcomer, kind="self"), newcomer.user, default=2)
    client = Client()
    client.force_login(hr)
    with django_assert_num_queries(HEATMAP_QUERIES):
        client.get(reverse("reports:heatmap") + f"?cycle={cycle.pk}")


def test_heatmap_of_a_cycle_has_a_row_per_department_linking_to_its_teams(assessed, cycle, hr):
    department = assessed.employee.department
    content = page(hr, reverse("reports:heatmap") + f"?cycle={cycle.pk}").content.decode()
    assert f"department={department.pk}" in content
    assert "Alice" not in content
    # MKT: Alice, the only one assessed, is one level short of the 2 her position requires; she reached 1.
    assert "1 of 1" in content
    assert "1.0 / 2" in content


def test_heatmap_of_a_department_has_a_row_per_team_linking_to_its_people(assessed, cycle, hr, manager):
    department = assessed.employee.department
    url = reverse("reports:heatmap") + f"?cycle={cycle.pk}&department={department.pk}"
    content = page(hr, url).content.decode()
    assert f"department={department.pk}&amp;manager={manager.pk}" in content
    assert "Mallory" in content
    assert "Alice" not in content


def test_heatmap_of_a_team_in_a_department_lists_its_people(assessed, cycle, hr, manager):
    department = assessed.employee.department
    url = reverse("reports:heatmap") + f"?cycle={cycle.pk}&department={department.pk}&manager={manager.pk}"
    content = page(hr, url).content.decode()
    assert content.count('class="cell gap-1"') == 2
    assert reverse("reports:gaps", args=[cycle.pk, assessed.employee.pk]) in content


def test_heatmap_offers_the_managers_of_the_chosen_department_only(assessed, cycle, hr, manager, other_employee):
    other_employee.department = factories.DepartmentFactory(name="Elsewhere")
    other_employee.save()
    department = assessed.employee.department
    content = page(hr, reverse("reports:heatmap") + f"?cycle={cycle.pk}&department={department.pk}").content
    options = content.decode().split('name="manager"', 1)[1].split("</select>", 1)[0]
    assert "Mallory" in options
    assert "Oscar" not in options


def test_a_reopened_assessment_leaves_the_heatmap(assessed, cycle, hr, manager):
    services.reopen_assessment(assessment=assessed, reopened_by=hr, reason="Rated the wrong period")
    content = page(hr, reverse("reports:heatmap") + f"?cycle={cycle.pk}&manager={manager.pk}").content.decode()
    assert 'class="cell gap-1"' not in content


def test_cycle_summary_counts_participants(assessed, cycle, hr):
    content = page(hr, reverse("reports:cycle_summary", args=[cycle.pk])).content.decode()
    assert "<strong>2</strong><span>Participants" in content


def test_cycle_summary_shows_the_required_level_beside_the_means(assessed, cycle, hr):
    content = page(hr, reverse("reports:cycle_summary", args=[cycle.pk])).content.decode()
    mkt = content.split('<span class="code">MKT</span>', 1)[1].split("</tr>", 1)[0]
    assert [cell.split("<", 1)[0] for cell in mkt.split('<td class="num">')[1:]] == ["1", "2", "1", "3.0", "1.0", "1.0"]


# session, user, nav, the cycle, the group's six, the managers to link to
CYCLE_SUMMARY_QUERIES = 11


def test_cycle_summary_reads_in_a_fixed_number_of_queries(assessed, cycle, hr, django_assert_num_queries):
    client = Client()
    client.force_login(hr)
    with django_assert_num_queries(CYCLE_SUMMARY_QUERIES):
        client.get(reverse("reports:cycle_summary", args=[cycle.pk]))


def test_plan_page_shows_targets_with_drafted_marks_and_history(plan, employee):
    content = page(employee.user, reverse("reports:plan", args=[plan.pk])).content.decode()
    assert plan.targets.first().indicator.code in content
    assert "Plan drafted" in content


def test_plan_list_reads_in_a_fixed_number_of_queries(plan, hr, django_assert_num_queries):
    client = Client()
    client.force_login(hr)
    # session, user, nav, plans with counts
    with django_assert_num_queries(4):
        client.get(reverse("reports:plans"))


def test_both_agreeing_on_the_page_agrees_the_plan(plan_with_actions, employee, manager):
    page(employee.user, reverse("reports:plan_agree", args=[plan_with_actions.pk]), "post")
    page(manager.user, reverse("reports:plan_agree", args=[plan_with_actions.pk]), "post")
    assert DevelopmentPlan.objects.get().status == "agreed"


def test_a_refused_request_goes_back_to_the_page_it_came_from(assessed, cycle, employee, manager):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "development_plan", "language": "en", "next": "/team/"}
    assert page(manager.user, reverse("reports:request"), "post", data)["Location"] == "/team/"


def test_a_refused_request_never_goes_back_to_another_site(assessed, cycle, employee, manager):
    data = {"employee": employee.pk, "cycle": cycle.pk, "kind": "development_plan", "next": "https://evil.example/"}
    data["language"] = "en"
    assert page(manager.user, reverse("reports:request"), "post", data)["Location"] == reverse("reports:index")
