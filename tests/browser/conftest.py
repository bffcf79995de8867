"""Chromium through Playwright against the live test server, with a screenshot of every failure."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from assessments import demo, services
from assessments.models import Cycle, Employee, User
from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from competency.models import Track

# Playwright's synchronous API runs an event loop in the test's thread, which makes Django refuse
# ORM calls there; the calls stay synchronous, so telling Django so is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    # Keep each phase's report on the test, so the page fixture knows at teardown whether it failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def media_url_for_the_live_server() -> Iterator[None]:
    with override_settings(MEDIA_URL="/test-media-never-linked/"):
        yield


@pytest.fixture(scope="session")
def live_server(media_url_for_the_live_server: None, live_server: LiveServer) -> Iterator[LiveServer]:
    """pytest-django's live server, with a media URL the test server's file handler can parse.

    The settings keep MEDIA_URL unset so private documents never get a public URL, but Django's
    live server wraps its handler in a media file handler that cannot start without one. The URL
    is never linked to, so nothing is served from it.
    """
    yield live_server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (one per person); screenshots each one if the test fails."""
    contexts: list[BrowserContext] = []

    def opener(*, locale: str = "zh-CN", width: int = 1280) -> Page:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield opener
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for number, context in enumerate(contexts):
            for page_number, page in enumerate(context.pages):
                page.screenshot(path=str(RESULTS / f"{name}-{number}-{page_number}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def model(transactional_db: None) -> Track:
    """The shipped model; a transactional test starts after the previous one flushed it."""
    call_command("loaddata", "key_account_sales", verbosity=0)
    return Track.objects.get(code="key-account-sales")


@pytest.fixture
def people(model: Track) -> dict[str, Employee]:
    """The demo organisation: HR, manager1 with employee1-4, manager2 with employee5-8."""
    return demo.seed_people(demo.seed_positions(model))


@pytest.fixture
def open_cycle(model: Track, people: dict[str, Employee]) -> Cycle:
    """An open cycle in which employee1 (manager1's report) and employee5 (manager2's) take part."""
    hr = User.objects.get(username="hr")
    today = timezone.localdate()
    cycle = services.create_cycle(
        name="Browser cycle",
        track=model,
        self_assessment_opens_on=today - timedelta(days=1),
        self_assessment_due_on=today + timedelta(days=7),
        manager_assessment_opens_on=today - timedelta(days=1),
        manager_assessment_due_on=today + timedelta(days=14),
        created_by=hr,
        employees=[people["employee1"], people["employee5"]],
    )
    return services.open_cycle(cycle=cycle, opened_by=hr)
