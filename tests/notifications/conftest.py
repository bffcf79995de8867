"""Fixtures for notifications: people who read English or Chinese, cycles with chosen deadlines, and
a way to follow an emailed link the way a person does (sign in on the page it opens)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Cycle, Employee, Position, User
from competency.models import Track
from config.celery import app as celery_app
from tests import factories

PASSWORD = "correct-horse-battery"


@pytest.fixture
def english(employee: Employee) -> User:
    """Alice, who reads the portal in English; everyone else keeps the Chinese default."""
    employee.user.language = "en"
    employee.user.save(update_fields=["language"])
    return employee.user


@pytest.fixture
def teammate(manager: Employee, position: Position) -> Employee:
    """Carol, Alice's colleague: Mallory manages both."""
    return factories.EmployeeFactory(user__username="carol", name="Carol", manager=manager, position=position)


def make_cycle(
    *, track: Track, hr: User, employees: Iterable[Employee], self_due_in: int, manager_due_in: int, name: str = "Q3"
) -> Cycle:
    """An open cycle whose deadlines are the given number of days from today."""
    today = timezone.localdate()
    cycle = services.create_cycle(
        name=name,
        track=track,
        self_assessment_opens_on=today - timedelta(days=10),
        self_assessment_due_on=today + timedelta(days=self_due_in),
        manager_assessment_opens_on=today - timedelta(days=10),
        manager_assessment_due_on=today + timedelta(days=manager_due_in),
        created_by=hr,
        employees=list(employees),
    )
    return services.open_cycle(cycle=cycle, opened_by=hr)


def assessment_of(cycle: Cycle, employee: Employee, kind: str) -> Assessment:
    return Assessment.objects.get(cycle=cycle, employee=employee, kind=kind)


def mails_to(user: User) -> list[mail.EmailMultiAlternatives]:
    return [m for m in mail.outbox if m.to == [user.email]]


def only_mail_to(user: User) -> mail.EmailMultiAlternatives:
    mails = mails_to(user)
    assert len(mails) == 1, [m.subject for m in mail.outbox]
    return mails[0]


def links_in(message: mail.EmailMultiAlternatives) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def html_of(message: mail.EmailMultiAlternatives) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def sign_in_through(link: str, user: User) -> HttpResponse:
    """Open an emailed link, sign in on the page it opens, and return the page the person lands on."""
    assert link.startswith(settings.SITE_URL + "/accounts/login/?next=")
    response = Client().post(
        link.removeprefix(settings.SITE_URL), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain, "signing in must redirect to the linked page"
    return response


class FlakyBackend(BaseEmailBackend):
    """An SMTP server that drops the connection a set number of times, then delivers to the outbox."""

    failures_left = 0
    attempts = 0

    def send_messages(self, email_messages: list[mail.EmailMessage]) -> int:  # type: ignore[override]
        FlakyBackend.attempts += 1
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def flaky_smtp(settings: pytest.FixtureRequest) -> Iterator[type[FlakyBackend]]:
    """The flaky server, with inline tasks retried as a worker would retry them.

    Celery runs an inline retry only when inline failures are not re-raised at once, so that
    setting is lifted for these tests.
    """
    settings.EMAIL_BACKEND = "tests.notifications.conftest.FlakyBackend"  # type: ignore[attr-defined]
    FlakyBackend.failures_left = 0
    FlakyBackend.attempts = 0
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield FlakyBackend
    celery_app.conf.task_eager_propagates = propagates
