"""The whole round in a real browser: self-assessment, manager rating, sign-off, completion and results."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assessments.demo import DEMO_PASSWORD
from assessments.models import Assessment, Cycle, CycleIndicator, Rating

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = {
    "en": {"locale": "en-US", "competency": "Market information analysis"},
    "zh-hans": {"locale": "zh-CN", "competency": "市场信息分析"},
}


def sign_in(page: Page, base: str, username: str, language: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(f"{base}/")
    page.click(f".language-switch button[value='{language}']")
    expect(page.locator("html")).to_have_attribute("lang", language)


def rate(page: Page, codes: list[str], score: int) -> None:
    # Forced: the radio is the transparent layer over its label, so the visibility and stability
    # checks only cost time here; the checked count below proves every click landed.
    for code in codes:
        page.check(f"#ind-{code} input[value='{score}']", force=True)


def checked(page: Page, score: int) -> int:
    return int(page.locator(f".scale input[value='{score}']:checked").count())


def wait_until_saved(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_class("save-status ok")


def completion(page: Page, base: str, cycle: Cycle) -> str:
    page.goto(f"{base}/cycles/{cycle.pk}/")
    return page.inner_text("#completion-figures [data-figure=self]")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_full_round_from_self_assessment_to_acknowledged_results(live_server, open_page, open_cycle, language):
    base = live_server.url
    words = LANGUAGES[language]
    self_assessment = Assessment.objects.get(cycle=open_cycle, employee__employee_number="E001", kind="self")
    manager_assessment = Assessment.objects.get(cycle=open_cycle, employee__employee_number="E001", kind="manager")
    codes = list(CycleIndicator.objects.filter(cycle=open_cycle).order_by("position").values_list("code", flat=True))

    hr = open_page(locale=words["locale"])
    sign_in(hr, base, "hr", language)
    assert completion(hr, base, open_cycle) == "0%"

    # The employee rates half, reloads at once and finds every rating kept.
    employee = open_page(locale=words["locale"])
    sign_in(employee, base, "employee1", language)
    employee.click(f"a[href='/assessments/{self_assessment.pk}/']")
    expect(employee.locator(".competency-section").nth(3)).to_contain_text(words["competency"])
    rate(employee, codes[:61], 2)
    employee.reload()
    assert checked(employee, 2) == 61
    wait_until_saved(employee)
    assert Rating.objects.filter(assessment=self_assessment, score=2).count() == 61

    rate(employee, codes[61:], 2)
    wait_until_saved(employee)
    expect(employee.locator("#progress .progress-label")).to_contain_text("122 / 122")
    employee.click("#submit-button")
    employee.click("#confirm-submit")
    expect(employee.locator("#rating-form")).to_have_count(0)
    assert Assessment.objects.get(pk=self_assessment.pk).status == Assessment.Status.SUBMITTED

    # The manager rates beside the employee's own ratings, submits and signs off.
    manager = open_page(locale=words["locale"])
    sign_in(manager, base, "manager1", language)
    manager.click(f"#team-row-{manager_assessment.pk} a.btn")
    expect(manager.locator("#ind-COMM-01 .beside .value")).to_contain_text("2")
    rate(manager, codes, 1)
    wait_until_saved(manager)
    expect(manager.locator("[data-level-row=MKT] [data-level]")).to_have_text("0")
    manager.click("#submit-button")
    manager.click("#confirm-submit")
    manager.click("#sign-off-button")
    expect(manager).to_have_url(f"{base}/cycles/{open_cycle.pk}/people/{self_assessment.employee_id}/")

    # The employee reads the results, with the gap and the chart, and acknowledges them.
    employee.goto(f"{base}/")
    employee.click(f"a[href='/cycles/{open_cycle.pk}/people/{self_assessment.employee_id}/']")
    expect(employee.locator("[data-competency=MKT] [data-gap] .gap-pos")).to_be_visible()
    expect(employee.locator("svg.radar polygon.series")).to_have_count(3)
    employee.click("#sign-off-button")
    assert Assessment.objects.get(pk=manager_assessment.pk).status == Assessment.Status.SIGNED_OFF

    assert completion(hr, base, open_cycle) == "50%"


def test_another_manager_cannot_open_the_employees_pages(live_server, open_page, open_cycle):
    base = live_server.url
    self_assessment = Assessment.objects.get(cycle=open_cycle, employee__employee_number="E001", kind="self")
    manager_assessment = Assessment.objects.get(cycle=open_cycle, employee__employee_number="E001", kind="manager")
    stranger = open_page()
    sign_in(stranger, base, "manager2", "zh-hans")
    for path in (
        f"/assessments/{self_assessment.pk}/",
        f"/assessments/{manager_assessment.pk}/",
        f"/cycles/{open_cycle.pk}/people/{self_assessment.employee_id}/",
    ):
        assert stranger.goto(base + path).status == 404
