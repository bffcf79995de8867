"""Each event notifies exactly the right people, in their language, by email and in their inbox."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from assessments import services
from assessments.models import Assessment
from notifications.models import Notification
from tests import factories
from tests.notifications.conftest import (
    assessment_of,
    html_of,
    links_in,
    mails_to,
    only_mail_to,
    sign_in_through,
)


def _draft_cycle(track, hr, employees):
    today = timezone.localdate()
    return services.create_cycle(
        name="Annual review",
        track=track,
        self_assessment_opens_on=today,
        self_assessment_due_on=today + timedelta(days=10),
        manager_assessment_opens_on=today,
        manager_assessment_due_on=today + timedelta(days=20),
        created_by=hr,
        employees=employees,
    )


def test_opening_a_cycle_emails_each_participant_and_nobody_else(
    track, hr, employee, other_employee, django_capture_on_commit_callbacks
):
    cycle = _draft_cycle(track, hr, [employee, other_employee])
    with django_capture_on_commit_callbacks(execute=True):
        services.open_cycle(cycle=cycle, opened_by=hr)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.user.email, other_employee.user.email])


def test_cycle_opened_email_gives_the_deadline_in_english_to_an_english_reader(
    track, hr, employee, english, django_capture_on_commit_callbacks
):
    cycle = _draft_cycle(track, hr, [employee])
    with django_capture_on_commit_callbacks(execute=True):
        services.open_cycle(cycle=cycle, opened_by=hr)
    message = only_mail_to(english)
    due = cycle.self_assessment_due_on
    assert message.extra_headers["Content-Language"] == "en"
    assert f"{due.day}, {due.year}" in message.body
    assert "Please complete your self-assessment" in message.body


def test_cycle_opened_email_gives_the_deadline_in_chinese_by_default(
    track, hr, employee, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    cycle = _draft_cycle(track, hr, [employee])
    with django_capture_on_commit_callbacks(execute=True):
        services.open_cycle(cycle=cycle, opened_by=hr)
    message = only_mail_to(employee.user)
    due = cycle.self_assessment_due_on
    assert message.extra_headers["Content-Language"] == "zh-hans"
    assert f"{due.year}年{due.month}月{due.day}日" in message.body


def test_cycle_opened_email_is_sent_as_text_and_html(track, hr, employee, django_capture_on_commit_callbacks, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    cycle = _draft_cycle(track, hr, [employee])
    with django_capture_on_commit_callbacks(execute=True):
        services.open_cycle(cycle=cycle, opened_by=hr)
    message = only_mail_to(employee.user)
    assert "Annual review" in html_of(message)
    assert '<html lang="zh-hans">' in html_of(message)


def test_cycle_opened_link_lands_on_the_self_assessment_after_sign_in(
    track, hr, employee, django_capture_on_commit_callbacks
):
    cycle = _draft_cycle(track, hr, [employee])
    with django_capture_on_commit_callbacks(execute=True):
        services.open_cycle(cycle=cycle, opened_by=hr)
    notification = Notification.objects.get(recipient=employee.user)
    response = sign_in_through(links_in(only_mail_to(employee.user))[0], employee.user)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == notification.link


def test_emails_wait_for_the_transaction_to_commit(track, hr, employee, django_capture_on_commit_callbacks):
    cycle = _draft_cycle(track, hr, [employee])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.open_cycle(cycle=cycle, opened_by=hr)
    assert mail.outbox == []
    assert callbacks


def test_self_submission_notifies_only_the_manager(
    employee, manager, self_assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.rate_all(self_assessment, employee.user, submit=True)
    assert [m.to for m in mail.outbox] == [[manager.user.email]]
    assert "Alice" in mail.outbox[0].subject


def test_self_submission_link_takes_the_manager_to_their_rating_form(
    employee, manager, self_assessment, manager_assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.rate_all(self_assessment, employee.user, submit=True)
    response = sign_in_through(links_in(only_mail_to(manager.user))[0], manager.user)
    assert response.status_code == 200
    notification = Notification.objects.get(recipient=manager.user)
    assert response.redirect_chain[0][0] == notification.link


def test_manager_submission_notifies_only_the_employee(
    employee, manager, manager_assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.rate_all(manager_assessment, manager.user, submit=True)
    assert [m.to for m in mail.outbox] == [[employee.user.email]]


def test_manager_submission_link_lets_the_employee_open_the_ratings(
    employee, manager, manager_assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.rate_all(manager_assessment, manager.user, submit=True)
    response = sign_in_through(links_in(only_mail_to(employee.user))[0], employee.user)
    assert response.status_code == 200


def test_manager_signature_alone_notifies_nobody(
    employee, manager, manager_assessment, django_capture_on_commit_callbacks
):
    factories.rate_all(manager_assessment, manager.user, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_assessment(assessment=manager_assessment, user=manager.user)
    assert mail.outbox == []


def test_completed_sign_off_notifies_employee_and_manager(
    employee, manager, manager_assessment, django_capture_on_commit_callbacks
):
    factories.rate_all(manager_assessment, manager.user, submit=True)
    services.sign_off_assessment(assessment=manager_assessment, user=manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_assessment(assessment=manager_assessment, user=employee.user)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.user.email, manager.user.email])


def test_completed_sign_off_links_both_to_a_page_they_can_open(
    employee, manager, manager_assessment, django_capture_on_commit_callbacks
):
    factories.rate_all(manager_assessment, manager.user, submit=True)
    services.sign_off_assessment(assessment=manager_assessment, user=manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_assessment(assessment=manager_assessment, user=employee.user)
    for person in (employee.user, manager.user):
        assert sign_in_through(links_in(only_mail_to(person))[0], person).status_code == 200


def test_reopening_notifies_employee_and_manager_with_the_reason(
    hr, employee, manager, self_assessment, django_capture_on_commit_callbacks
):
    submitted = factories.rate_all(self_assessment, employee.user, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Rated the wrong person")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([employee.user.email, manager.user.email])
    assert all("Rated the wrong person" in m.body for m in mail.outbox)


def test_reopened_self_assessment_link_takes_the_employee_back_to_the_form(
    hr, employee, self_assessment, django_capture_on_commit_callbacks
):
    submitted = factories.rate_all(self_assessment, employee.user, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen_assessment(assessment=submitted, reopened_by=hr, reason="Missing evidence")
    response = sign_in_through(links_in(only_mail_to(employee.user))[0], employee.user)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == Notification.objects.get(recipient=employee.user).link


def test_an_employee_without_a_manager_notifies_nobody_on_submission(
    track, hr, position, django_capture_on_commit_callbacks
):
    loner = factories.EmployeeFactory(user__username="lone", name="Lone", position=position)
    cycle = _draft_cycle(track, hr, [loner])
    services.open_cycle(cycle=cycle, opened_by=hr)
    assessment = assessment_of(cycle, loner, Assessment.Kind.SELF)
    with django_capture_on_commit_callbacks(execute=True):
        factories.rate_all(assessment, loner.user, submit=True)
    assert mail.outbox == []


def test_events_reach_people_who_turned_reminders_off(
    employee, manager, self_assessment, django_capture_on_commit_callbacks
):
    manager.user.receives_reminders = False
    manager.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        factories.rate_all(self_assessment, employee.user, submit=True)
    assert len(mails_to(manager.user)) == 1


def test_an_event_lands_in_the_recipients_inbox(employee, manager, self_assessment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.rate_all(self_assessment, employee.user, submit=True)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (manager.user, Notification.Kind.SELF_SUBMITTED)
    assert notification.read_at is None
    assert notification.email_state == Notification.EmailState.SENT
