"""Reminder digests: one email per person, once a day, open cycles only, opt-outs respected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment
from notifications import services
from notifications.models import Notification, ReminderLog, ReminderPolicy
from tests import factories
from tests.notifications.conftest import (
    assessment_of,
    html_of,
    links_in,
    mails_to,
    make_cycle,
    only_mail_to,
    sign_in_through,
)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def team_cycle(track, hr, employee, teammate, other_employee):
    """Self-assessments due in 2 days, manager ratings in 7: Mallory rates Alice and Carol, Oscar rates Bob."""
    return make_cycle(
        track=track, hr=hr, employees=[employee, teammate, other_employee], self_due_in=2, manager_due_in=7
    )


def run_reminders(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return services.send_reminders(**kwargs)


def test_a_manager_gets_one_digest_listing_every_report_due(team_cycle, manager, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks)
    message = only_mail_to(manager.user)
    assert "Alice" in message.body
    assert "Carol" in message.body


def test_each_person_with_something_due_gets_exactly_one_email(
    team_cycle, employee, teammate, other_employee, manager, other_manager, django_capture_on_commit_callbacks
):
    run_reminders(django_capture_on_commit_callbacks)
    people = [employee, teammate, other_employee, manager, other_manager]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in people)


def test_the_digest_lists_its_items_in_the_html_part_too(team_cycle, manager, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks)
    html = html_of(only_mail_to(manager.user))
    assert html.count("<li") == 2


def test_running_the_reminders_twice_on_one_day_sends_once(team_cycle, django_capture_on_commit_callbacks):
    first = run_reminders(django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    second = run_reminders(django_capture_on_commit_callbacks)
    assert sent == 5
    assert len(mail.outbox) == sent
    assert (second.digests, second.already_sent) == ([], first.items_sent)


def test_the_next_reminder_day_reminds_again(team_cycle, employee, today, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks, today=today - timedelta(days=5))
    run_reminders(django_capture_on_commit_callbacks, today=today)
    assert len(mails_to(employee.user)) == 2


def test_a_day_outside_the_policy_sends_nothing(team_cycle, today, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks, today=today - timedelta(days=1))
    assert mail.outbox == []


def test_a_closed_cycle_stays_silent(team_cycle, hr, today, django_capture_on_commit_callbacks):
    assessment_services.close_cycle(cycle=team_cycle, closed_by=hr)
    run_reminders(django_capture_on_commit_callbacks, today=today)
    run_reminders(django_capture_on_commit_callbacks, today=today + timedelta(days=3))
    assert mail.outbox == []


def test_a_submitted_assessment_is_not_reminded(track, hr, employee, django_capture_on_commit_callbacks):
    cycle = make_cycle(track=track, hr=hr, employees=[employee], self_due_in=2, manager_due_in=30)
    factories.rate_all(assessment_of(cycle, employee, Assessment.Kind.SELF), employee.user, submit=True)
    run_reminders(django_capture_on_commit_callbacks)
    assert mails_to(employee.user) == []


def test_a_person_who_turned_reminders_off_gets_none(team_cycle, manager, django_capture_on_commit_callbacks):
    manager.user.receives_reminders = False
    manager.user.save()
    run_reminders(django_capture_on_commit_callbacks)
    assert mails_to(manager.user) == []
    assert not ReminderLog.objects.filter(recipient=manager.user).exists()


def test_turning_reminders_off_leaves_other_people_reminded(
    team_cycle, manager, employee, django_capture_on_commit_callbacks
):
    manager.user.receives_reminders = False
    manager.user.save()
    run_reminders(django_capture_on_commit_callbacks)
    assert len(mails_to(employee.user)) == 1


def test_a_late_self_assessment_is_escalated_to_the_manager(
    track, hr, employee, manager, today, django_capture_on_commit_callbacks
):
    cycle = make_cycle(track=track, hr=hr, employees=[employee], self_due_in=-1, manager_due_in=20)
    run_reminders(django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mail.outbox] == [manager.user.email]
    log = ReminderLog.objects.get()
    assert (log.kind, log.days, log.cycle) == (ReminderLog.Kind.ESCALATION, -1, cycle)


def test_a_late_manager_rating_is_escalated_to_hr(track, hr, employee, manager, django_capture_on_commit_callbacks):
    make_cycle(track=track, hr=hr, employees=[employee], self_due_in=-8, manager_due_in=-1)
    run_reminders(django_capture_on_commit_callbacks)
    message = only_mail_to(hr)
    assert "Mallory" in message.body
    assert "Alice" in message.body


def test_an_escalation_reaches_a_manager_who_turned_reminders_off(
    track, hr, employee, manager, django_capture_on_commit_callbacks
):
    manager.user.receives_reminders = False
    manager.user.save()
    make_cycle(track=track, hr=hr, employees=[employee], self_due_in=-1, manager_due_in=20)
    run_reminders(django_capture_on_commit_callbacks)
    assert len(mails_to(manager.user)) == 1


def test_the_reminder_days_come_from_the_policy(track, hr, employee, django_capture_on_commit_callbacks):
    ReminderPolicy.objects.update_or_create(pk=1, defaults={"days_before": "3"})
    make_cycle(track=track, hr=hr, employees=[employee], self_due_in=3, manager_due_in=30)
    run_reminders(django_capture_on_commit_callbacks)
    assert len(mails_to(employee.user)) == 1


def test_a_window_not_yet_open_is_not_reminded(track, hr, employee, manager, today, django_capture_on_commit_callbacks):
    cycle = assessment_services.create_cycle(
        name="Later",
        track=track,
        self_assessment_opens_on=today - timedelta(days=3),
        self_assessment_due_on=today + timedelta(days=1),
        manager_assessment_opens_on=today + timedelta(days=1),
        manager_assessment_due_on=today + timedelta(days=2),
        created_by=hr,
        employees=[employee],
    )
    assessment_services.open_cycle(cycle=cycle, opened_by=hr)
    run_reminders(django_capture_on_commit_callbacks)
    assert mails_to(manager.user) == []


def test_the_reminder_is_in_the_recipients_language(
    team_cycle, english, manager, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    run_reminders(django_capture_on_commit_callbacks)
    assert only_mail_to(english).extra_headers["Content-Language"] == "en"
    assert only_mail_to(manager.user).extra_headers["Content-Language"] == "zh-hans"


def test_the_english_digest_says_how_many_days_are_left(team_cycle, english, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks)
    assert "in 2 days" in only_mail_to(english).body


def test_a_digest_link_lands_on_the_assessment_after_sign_in(team_cycle, manager, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks)
    digest = Notification.objects.get(recipient=manager.user)
    response = sign_in_through(links_in(only_mail_to(manager.user))[0], manager.user)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == digest.items[0]["link"]


def test_the_digest_offers_a_way_to_stop_reminders(team_cycle, employee, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks)
    response = sign_in_through(links_in(only_mail_to(employee.user))[-1], employee.user)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == "/notifications/preferences/"


def test_each_reminded_item_is_logged_with_its_digest(team_cycle, manager, django_capture_on_commit_callbacks):
    run_reminders(django_capture_on_commit_callbacks)
    digest = Notification.objects.get(recipient=manager.user)
    assert ReminderLog.objects.filter(recipient=manager.user, notification=digest).count() == 2


def test_the_command_sends_todays_reminders(team_cycle, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
    assert "5 digest(s) with 6 item(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 5


def test_the_command_can_pretend_another_day(team_cycle, today, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--date", (today + timedelta(days=1)).isoformat())
    assert "0 digest(s)" in capsys.readouterr().out


def test_a_negative_reminder_day_is_refused():
    with pytest.raises(ValidationError):
        ReminderPolicy(days_before="7,-2").full_clean()


def test_an_escalation_link_takes_the_manager_to_their_team(
    track, hr, employee, manager, django_capture_on_commit_callbacks
):
    make_cycle(track=track, hr=hr, employees=[employee], self_due_in=-1, manager_due_in=20)
    run_reminders(django_capture_on_commit_callbacks)
    response = sign_in_through(links_in(only_mail_to(manager.user))[0], manager.user)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == "/team/"


def test_an_escalation_link_takes_hr_to_the_cycle(track, hr, employee, manager, django_capture_on_commit_callbacks):
    cycle = make_cycle(track=track, hr=hr, employees=[employee], self_due_in=-8, manager_due_in=-1)
    run_reminders(django_capture_on_commit_callbacks)
    response = sign_in_through(links_in(only_mail_to(hr))[0], hr)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == f"/cycles/{cycle.pk}/"
