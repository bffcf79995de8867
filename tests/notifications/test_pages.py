"""The inbox, the home-page partial, reminder preferences and HR's record of reminders."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Notification, ReminderLog
from tests import factories
from tests.notifications.conftest import make_cycle


def _notify(user, title="Q3 is open", link="/"):
    return Notification.objects.create(recipient=user, kind=Notification.Kind.CYCLE_OPENED, title=title, link=link)


@pytest.fixture
def alice(employee):
    return employee.user


@pytest.fixture
def bob(other_employee):
    return other_employee.user


def test_the_inbox_lists_my_notifications(client, alice):
    _notify(alice, title="Your cycle is open")
    client.force_login(alice)
    assert "Your cycle is open" in client.get(reverse("notifications:inbox")).content.decode()


def test_the_inbox_does_not_show_someone_elses_notifications(client, alice, bob):
    _notify(bob, title="Bob's secret")
    client.force_login(alice)
    assert "Bob's secret" not in client.get(reverse("notifications:inbox")).content.decode()


@pytest.mark.parametrize("count", [1, 40])
def test_the_inbox_costs_the_same_queries_for_many_notifications(client, alice, count, django_assert_num_queries):
    for number in range(count):
        _notify(alice, title=f"Item {number}")
    client.force_login(alice)
    # Session, user, the navigation, the total and unread counts together, the page.
    with django_assert_num_queries(5):
        client.get(reverse("notifications:inbox"))


def test_the_inbox_asks_a_visitor_to_sign_in(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, alice):
    notification = _notify(alice, link="/notifications/preferences/")
    client.force_login(alice)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    notification.refresh_from_db()
    assert response["Location"] == "/notifications/preferences/"
    assert notification.read_at is not None


def test_someone_elses_notification_is_not_found(client, alice, bob):
    notification = _notify(bob)
    client.force_login(alice)
    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404


def test_marking_someone_elses_notification_read_is_not_found(client, alice, bob):
    notification = _notify(bob)
    client.force_login(alice)
    assert client.post(reverse("notifications:read", args=[notification.pk])).status_code == 404


def test_marking_one_notification_read(client, alice):
    notification = _notify(alice)
    client.force_login(alice)
    client.post(reverse("notifications:read", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.is_read


def test_marking_all_read_leaves_other_peoples_unread(client, alice, bob):
    _notify(alice)
    _notify(alice)
    theirs = _notify(bob)
    client.force_login(alice)
    client.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert (Notification.objects.filter(recipient=alice).unread().count(), theirs.is_read) == (0, False)


def test_marking_read_returns_only_to_this_site(client, alice):
    notification = _notify(alice)
    client.force_login(alice)
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:inbox")


def test_recent_for_gives_the_newest_first_up_to_the_limit(alice):
    for number in range(7):
        _notify(alice, title=f"Item {number}")
    assert [n.title for n in services.recent_for(alice)] == [f"Item {n}" for n in range(6, 1, -1)]


def test_the_home_page_partial_shows_the_notifications_it_is_given(alice, rf):
    _notify(alice, title="Manager rated you")
    request = rf.get("/")
    request.user = alice
    html = render_to_string("notifications/_inbox.html", {"notifications": services.recent_for(alice)}, request=request)
    assert "Manager rated you" in html


def test_turning_reminder_emails_off(client, alice):
    client.force_login(alice)
    client.post(reverse("notifications:preferences"), {})
    alice.refresh_from_db()
    assert alice.receives_reminders is False


def test_turning_reminder_emails_back_on(client, alice):
    alice.receives_reminders = False
    alice.save()
    client.force_login(alice)
    client.post(reverse("notifications:preferences"), {"receives_reminders": "on"})
    alice.refresh_from_db()
    assert alice.receives_reminders is True


def test_the_preferences_page_shows_the_current_choice(client, alice):
    client.force_login(alice)
    assert "checked" in client.get(reverse("notifications:preferences")).content.decode()


@pytest.fixture
def reminder_logs(track, hr, employee, other_employee):
    cycle = make_cycle(track=track, hr=hr, employees=[employee, other_employee], self_due_in=2, manager_due_in=7)
    services.send_reminders()
    return cycle


def test_the_reminders_page_is_forbidden_to_everyone_but_hr(client, alice, reminder_logs):
    client.force_login(alice)
    assert client.get(reverse("notifications:reminders")).status_code == 403


def test_hr_sees_who_was_reminded(client, hr, reminder_logs):
    client.force_login(hr)
    html = client.get(reverse("notifications:reminders")).content.decode()
    assert "alice" in html
    assert "mallory" in html


def test_hr_filters_the_reminders_by_cycle(client, hr, track, employee, reminder_logs):
    other = make_cycle(track=track, hr=hr, employees=[employee], self_due_in=7, manager_due_in=30, name="Other")
    ReminderLog.objects.create(
        recipient=employee.user,
        item_key="x",
        on_date=timezone.localdate(),
        kind=ReminderLog.Kind.BEFORE_DEADLINE,
        cycle=other,
        assessment=other.assessments.first(),
        days=7,
    )
    client.force_login(hr)
    response = client.get(reverse("notifications:reminders"), {"cycle": reminder_logs.pk})
    assert {log.cycle_id for log in response.context["logs"]} == {reminder_logs.pk}


def test_the_reminders_page_costs_the_same_queries_for_many_rows(
    client, hr, track, position, reminder_logs, django_assert_num_queries
):
    more = [factories.EmployeeFactory(position=position) for _ in range(6)]
    make_cycle(track=track, hr=hr, employees=more, self_due_in=7, manager_due_in=30, name="Many")
    services.send_reminders()
    client.force_login(hr)
    # Session, user, the navigation's profile look-up (HR has none, so no reports check), the page of
    # logs with everything it names, its count, and the cycle choices of the filter.
    with django_assert_num_queries(6):
        client.get(reverse("notifications:reminders"))


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True, is_hr=True)


def test_the_admin_lists_reminders_sent_by_kind(client, admin_user, reminder_logs):
    client.force_login(admin_user)
    response = client.get("/admin/notifications/reminderlog/", {"kind__exact": "before"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == ReminderLog.objects.filter(kind="before").count() > 0


def test_nobody_edits_a_reminder_sent_in_the_admin(client, admin_user, reminder_logs):
    client.force_login(admin_user)
    log = ReminderLog.objects.first()
    response = client.post(f"/admin/notifications/reminderlog/{log.pk}/change/", {"days": 99})
    assert response.status_code == 403
    assert ReminderLog.objects.get(pk=log.pk).days == log.days
