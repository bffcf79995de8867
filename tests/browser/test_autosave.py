"""Saving as you go survives the things browsers do: another tab, a lost connection, a keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assessments.demo import DEMO_PASSWORD
from assessments.models import Assessment, Rating

pytestmark = pytest.mark.browser


def open_form(page: Page, base: str, assessment: Assessment) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", assessment.employee.user.username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.card button[type=submit]")
    page.goto(f"{base}/assessments/{assessment.pk}/")


def score_of(assessment: Assessment, code: str) -> int | None:
    rating = Rating.objects.filter(assessment=assessment, indicator__code=code).first()
    return None if rating is None else rating.score


@pytest.fixture
def self_assessment(open_cycle) -> Assessment:
    return Assessment.objects.select_related("employee__user").get(
        cycle=open_cycle, employee__employee_number="E001", kind="self"
    )


def test_a_stale_write_shows_the_message_and_keeps_the_input(live_server, open_page, self_assessment):
    first, second = open_page(locale="en-US"), open_page(locale="en-US")
    open_form(first, live_server.url, self_assessment)
    open_form(second, live_server.url, self_assessment)
    first.check("#ind-COMM-01 input[value='3']", force=True)
    expect(first.locator("#save-status")).to_have_class("save-status ok")

    second.check("#ind-COMM-02 input[value='1']", force=True)
    expect(second.locator("#conflict")).to_be_visible()
    expect(second.locator("#conflict-message")).to_contain_text("changed elsewhere")
    expect(second.locator("#ind-COMM-02 input[value='1']")).to_be_checked()
    assert score_of(self_assessment, "COMM-02") is None


def test_after_a_stale_write_a_reload_brings_the_input_back_to_review_and_save(live_server, open_page, self_assessment):
    first, second = open_page(locale="en-US"), open_page(locale="en-US")
    open_form(first, live_server.url, self_assessment)
    open_form(second, live_server.url, self_assessment)
    first.check("#ind-COMM-01 input[value='3']", force=True)
    expect(first.locator("#save-status")).to_have_class("save-status ok")
    second.check("#ind-COMM-02 input[value='1']", force=True)
    expect(second.locator("#conflict")).to_be_visible()

    second.click("#reload-button")
    expect(second.locator("#ind-COMM-01 input[value='3']")).to_be_checked()
    expect(second.locator("#ind-COMM-02 input[value='1']")).to_be_checked()
    second.click("#save-button")
    expect(second.locator("#save-status")).to_have_class("save-status ok")
    assert (score_of(self_assessment, "COMM-01"), score_of(self_assessment, "COMM-02")) == (3, 1)


def test_ratings_made_offline_are_sent_when_the_connection_returns(live_server, open_page, self_assessment):
    page = open_page(locale="en-US")
    open_form(page, live_server.url, self_assessment)
    page.context.set_offline(True)
    page.check("#ind-COMM-03 input[value='2']", force=True)
    expect(page.locator("#save-status")).to_have_class("save-status warning")
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_class("save-status ok", timeout=10_000)
    assert score_of(self_assessment, "COMM-03") == 2


def test_an_indicator_can_be_rated_with_the_keyboard_alone(live_server, open_page, self_assessment):
    page = open_page(locale="en-US")
    open_form(page, live_server.url, self_assessment)
    page.focus("#ind-COMM-04 input[value='0']")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#save-status")).to_have_class("save-status ok")
    assert score_of(self_assessment, "COMM-04") == 2
