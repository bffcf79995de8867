"""Who is told what, in which language, and when: events, reminder digests and the emails for both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment, Cycle, Employee, User
from notifications import links
from notifications.models import Notification, ReminderLog, ReminderPolicy

if TYPE_CHECKING:
    from reports.models import Export

# A pending email older than this was lost on its way to the broker; younger ones may still be retrying.
REQUEUE_AFTER = timedelta(hours=1)
REQUEUE_WITHIN = timedelta(days=2)


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def _date(value: date) -> str:
    """A date as the active language writes it."""
    return str(formats.date_format(value, "DATE_FORMAT"))


def _enqueue_email(notification: Notification) -> None:
    from notifications.tasks import send_notification_email

    send_notification_email.delay_on_commit(notification.pk)


@transaction.atomic
def notify(
    *, recipient: User, kind: str, title: str, body: str, link: str, items: Sequence[dict[str, str]] = ()
) -> Notification:
    """One notification in a person's inbox, emailed to them by a task once the transaction commits."""
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title, body=body, link=link, items=list(items)
    )
    _enqueue_email(notification)
    return notification


# Events ---------------------------------------------------------------------------------------


@transaction.atomic
def notify_cycle_opened(*, cycle: Cycle) -> list[Notification]:
    """Every participant: the cycle is open, here is your self-assessment and its deadline."""
    self_assessments = {a.employee_id: a for a in Assessment.objects.filter(cycle=cycle, kind=Assessment.Kind.SELF)}
    sent = []
    for employee in cycle.participants.select_related("user").filter(user__is_active=True):
        assessment = self_assessments.get(employee.pk)
        if assessment is None:
            continue
        recipient = employee.user
        with translation.override(language_of(recipient)):
            title = _("The assessment cycle “%(cycle)s” is open") % {"cycle": cycle.name}
            body = _("Please complete your self-assessment by %(date)s.") % {
                "date": _date(cycle.self_assessment_due_on)
            }
        sent.append(
            notify(
                recipient=recipient,
                kind=Notification.Kind.CYCLE_OPENED,
                title=title,
                body=body,
                link=links.assessment_form(assessment),
            )
        )
    return sent


def _manager_user(employee: Employee) -> User | None:
    manager = employee.manager
    if manager is None or not manager.user.is_active:
        return None
    return manager.user


def _load(assessment: Assessment) -> Assessment:
    """The assessment with everyone a notification about it names, in one query."""
    return Assessment.objects.select_related("cycle", "employee__user", "employee__manager__user").get(pk=assessment.pk)


@transaction.atomic
def notify_assessment_submitted(*, assessment: Assessment) -> list[Notification]:
    """A self-assessment tells the manager; a manager assessment tells the employee, who can now acknowledge it."""
    assessment = _load(assessment)
    cycle, employee = assessment.cycle, assessment.employee
    if assessment.kind == Assessment.Kind.SELF:
        manager = _manager_user(employee)
        if manager is None:
            return []
        rating = Assessment.objects.filter(cycle=cycle, employee=employee, kind=Assessment.Kind.MANAGER).first()
        with translation.override(language_of(manager)):
            title = _("%(name)s submitted their self-assessment") % {"name": employee.name}
            body = _(
                "You can now see %(name)s's self-ratings beside your own in “%(cycle)s”. "
                "Your ratings are due by %(date)s."
            ) % {"name": employee.name, "cycle": cycle.name, "date": _date(cycle.manager_assessment_due_on)}
        link = links.assessment_form(rating) if rating is not None else links.home()
        return [notify(recipient=manager, kind=Notification.Kind.SELF_SUBMITTED, title=title, body=body, link=link)]
    recipient = employee.user
    with translation.override(language_of(recipient)):
        title = _("Your manager has submitted their assessment of you")
        body = _("Read your manager's ratings in “%(cycle)s” and acknowledge them.") % {"cycle": cycle.name}
    return [
        notify(
            recipient=recipient,
            kind=Notification.Kind.MANAGER_SUBMITTED,
            title=title,
            body=body,
            link=links.assessment_form(assessment),
        )
    ]


@transaction.atomic
def notify_assessment_signed_off(*, assessment: Assessment, is_complete: bool) -> list[Notification]:
    """Once manager and employee have both signed, both are told where the results and the report are."""
    if not is_complete:
        return []
    assessment = _load(assessment)
    cycle, employee = assessment.cycle, assessment.employee
    sent = []
    for recipient, is_employee in ((employee.user, True), (_manager_user(employee), False)):
        if recipient is None:
            continue
        with translation.override(language_of(recipient)):
            if is_employee:
                title = _("Your assessment in “%(cycle)s” is signed off") % {"cycle": cycle.name}
            else:
                title = _("Your assessment of %(name)s in “%(cycle)s” is signed off") % {
                    "name": employee.name,
                    "cycle": cycle.name,
                }
            body = _("Both of you have signed. The results and the report PDF are on the results page.")
        sent.append(
            notify(
                recipient=recipient,
                kind=Notification.Kind.SIGNED_OFF,
                title=title,
                body=body,
                link=links.results(assessment),
            )
        )
    return sent


@transaction.atomic
def notify_assessment_reopened(*, assessment: Assessment, reason: str) -> list[Notification]:
    """The employee and the manager, with HR's reason; the rater's link opens the form again."""
    assessment = _load(assessment)
    cycle, employee = assessment.cycle, assessment.employee
    rater_is_employee = assessment.kind == Assessment.Kind.SELF
    sent = []
    for recipient, is_rater in ((employee.user, rater_is_employee), (_manager_user(employee), not rater_is_employee)):
        if recipient is None:
            continue
        with translation.override(language_of(recipient)):
            title = _("HR reopened the %(kind)s of %(name)s") % {
                "kind": str(assessment.get_kind_display()).lower(),
                "name": employee.name,
            }
            body = _("Cycle: %(cycle)s. Reason: %(reason)s") % {"cycle": cycle.name, "reason": reason}
        sent.append(
            notify(
                recipient=recipient,
                kind=Notification.Kind.REOPENED,
                title=title,
                body=body,
                # The other party cannot open a draft that is not theirs, so they land on their home page.
                link=links.assessment_form(assessment) if is_rater else links.home(),
            )
        )
    return sent


@transaction.atomic
def notify_export_finished(*, export: Export) -> list[Notification]:
    """The HR user who asked for a bulk export: it is ready to download."""
    recipient = export.requested_by
    if recipient is None or not recipient.is_active:
        return []
    with translation.override(language_of(recipient)):
        title = _("Your export of “%(cycle)s” is ready") % {"cycle": export.cycle.name}
        body = _("%(done)d of %(total)d documents are in the archive; %(failed)d failed.") % {
            "done": export.done_count,
            "total": export.total,
            "failed": export.failed_count,
        }
    return [
        notify(
            recipient=recipient,
            kind=Notification.Kind.EXPORT_FINISHED,
            title=title,
            body=body,
            link=links.export(export),
        )
    ]


# Inbox ----------------------------------------------------------------------------------------


def recent_for(user: User, limit: int = 5) -> list[Notification]:
    """The person's latest notifications, newest first, for the home page."""
    return list(Notification.objects.visible_to(user)[:limit])


def mark_read(*, notification: Notification, at: datetime | None = None) -> Notification:
    """Mark one notification read; reading it again keeps the first time."""
    if notification.read_at is None:
        notification.read_at = at or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the person read; returns how many there were."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


def set_receives_reminders(*, user: User, receives_reminders: bool) -> User:
    """Turn a person's deadline reminder emails on or off."""
    user.receives_reminders = receives_reminders
    user.save(update_fields=["receives_reminders"])
    return user


# Reminders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderItem:
    """One thing one person is reminded of today."""

    recipient: User
    assessment: Assessment
    kind: str
    days: int  # to the deadline; negative once it has passed

    @property
    def key(self) -> str:
        return f"assessment:{self.assessment.pk}:{self.kind}"

    @property
    def deadline(self) -> date:
        return self.assessment.cycle.deadline_for(self.assessment.kind)


@dataclass
class ReminderRun:
    """What one run of the reminders did: a digest per person, and what was already sent today."""

    on_date: date
    digests: list[Notification] = field(default_factory=list)
    already_sent: int = 0

    @property
    def items_sent(self) -> int:
        return sum(len(d.items) for d in self.digests)


def _hr_recipients() -> list[User]:
    return list(User.objects.filter(Q(is_hr=True) | Q(is_superuser=True), is_active=True).order_by("pk"))


def due_reminders(*, today: date, policy: ReminderPolicy) -> list[ReminderItem]:
    """Everything to remind anyone of today, in open cycles only, before opt-outs are applied."""
    before = {today + timedelta(days=d): d for d in policy.before}
    after = {today - timedelta(days=d): -d for d in policy.after}
    dates = list(before) + list(after)
    drafts = (
        Assessment.objects.filter(cycle__status=Cycle.Status.OPEN, status=Assessment.Status.DRAFT)
        .filter(
            Q(kind=Assessment.Kind.SELF, cycle__self_assessment_due_on__in=dates)
            | Q(kind=Assessment.Kind.MANAGER, cycle__manager_assessment_due_on__in=dates)
        )
        .select_related("cycle", "employee__user", "employee__manager__user")
        .order_by("cycle_id", "employee__employee_number", "kind")
    )
    hr_users: list[User] | None = None
    items: list[ReminderItem] = []
    for assessment in drafts:
        cycle, employee = assessment.cycle, assessment.employee
        deadline = cycle.deadline_for(assessment.kind)
        is_self = assessment.kind == Assessment.Kind.SELF
        manager = _manager_user(employee)
        if deadline in before:
            opens_on = cycle.self_assessment_opens_on if is_self else cycle.manager_assessment_opens_on
            rater = employee.user if is_self else manager
            # A window that has not opened yet cannot be acted on, so it is not worth a reminder.
            if opens_on <= today and rater is not None and rater.is_active:
                items.append(ReminderItem(rater, assessment, ReminderLog.Kind.BEFORE_DEADLINE, before[deadline]))
        if deadline in after:
            if hr_users is None:
                hr_users = _hr_recipients()
            # Late self-assessments go to the manager; HR chases managers, and anyone without one.
            escalate_to = [manager] if is_self and manager is not None else hr_users
            items.extend(ReminderItem(u, assessment, ReminderLog.Kind.ESCALATION, after[deadline]) for u in escalate_to)
    return items


def _item_text(item: ReminderItem) -> dict[str, str]:
    """Title, detail and link of one digest entry, in the active language."""
    assessment = item.assessment
    cycle, employee = assessment.cycle, assessment.employee
    names = {"cycle": cycle.name, "name": employee.name, "date": _date(item.deadline)}
    if item.kind == ReminderLog.Kind.BEFORE_DEADLINE:
        if assessment.kind == Assessment.Kind.SELF:
            title = _("Your self-assessment in “%(cycle)s”") % names
        else:
            title = _("Your assessment of %(name)s in “%(cycle)s”") % names
        detail = ngettext("Due on %(date)s, in %(days)d day.", "Due on %(date)s, in %(days)d days.", item.days) % {
            **names,
            "days": item.days,
        }
        return {"title": title, "detail": detail, "link": links.assessment_form(assessment)}
    late = -item.days
    manager = employee.manager
    is_managers_own = manager is not None and manager.user_id == item.recipient.pk
    # The manager follows up from their team list; HR from the cycle's progress page.
    link = links.team() if is_managers_own else links.cycle_progress(cycle)
    if assessment.kind == Assessment.Kind.SELF:
        title = _("%(name)s has not submitted their self-assessment in “%(cycle)s”") % names
    elif manager is None:
        title = _("%(name)s has no manager to rate them in “%(cycle)s”") % names
    else:
        title = _("%(manager)s has not submitted their assessment of %(name)s in “%(cycle)s”") % {
            **names,
            "manager": manager.name,
        }
    detail = ngettext(
        "It was due on %(date)s, %(days)d day ago.", "It was due on %(date)s, %(days)d days ago.", late
    ) % {**names, "days": late}
    return {"title": title, "detail": detail, "link": link}


def _claim(item: ReminderItem, today: date) -> ReminderLog | None:
    """Insert the item's log row; None when someone already reminded this person of it today."""
    try:
        with transaction.atomic():
            return ReminderLog.objects.create(
                recipient=item.recipient,
                item_key=item.key,
                on_date=today,
                kind=item.kind,
                cycle_id=item.assessment.cycle_id,
                assessment=item.assessment,
                days=item.days,
            )
    except IntegrityError:
        return None


@transaction.atomic
def send_digest(*, recipient: User, items: Iterable[ReminderItem], today: date) -> Notification | None:
    """One reminder email listing everything the person has not yet been reminded of today."""
    # Claim in a fixed order so two runs reminding the same person wait for each other, never deadlock.
    claimed = [(item, log) for item in sorted(items, key=lambda i: i.key) if (log := _claim(item, today)) is not None]
    if not claimed:
        return None
    with translation.override(language_of(recipient)):
        entries = [_item_text(item) for item, _log in claimed]
        title = ngettext(
            "Reminder: %(count)d assessment needs your attention",
            "Reminder: %(count)d assessments need your attention",
            len(entries),
        ) % {"count": len(entries)}
        body = _("Here is what is due soon or overdue in your open assessment cycles.")
    notification = notify(
        recipient=recipient, kind=Notification.Kind.REMINDER, title=title, body=body, link=links.home(), items=entries
    )
    ReminderLog.objects.filter(pk__in=[log.pk for _item, log in claimed]).update(notification=notification)
    return notification


def send_reminders(*, today: date | None = None) -> ReminderRun:
    """Send today's reminder digests: one per person, each thing at most once a day, opt-outs respected."""
    today = today or timezone.localdate()
    run = ReminderRun(on_date=today)
    by_recipient: dict[int, list[ReminderItem]] = defaultdict(list)
    recipients: dict[int, User] = {}
    for item in due_reminders(today=today, policy=ReminderPolicy.current()):
        # Escalations are HR's process for late work and are always sent; the opt-out covers
        # reminders of a person's own deadlines.
        if item.kind == ReminderLog.Kind.BEFORE_DEADLINE and not item.recipient.receives_reminders:
            continue
        by_recipient[item.recipient.pk].append(item)
        recipients[item.recipient.pk] = item.recipient
    for pk, items in by_recipient.items():
        digest = send_digest(recipient=recipients[pk], items=items, today=today)
        if digest is None:
            run.already_sent += len(items)
            continue
        run.digests.append(digest)
        run.already_sent += len(items) - len(digest.items)
    return run


# Emails ---------------------------------------------------------------------------------------


def email_for(notification: Notification) -> EmailMultiAlternatives:
    """The notification as a plain-text and HTML email in its recipient's language."""
    recipient = notification.recipient
    language = language_of(recipient)
    with translation.override(language):
        context = {
            "notification": notification,
            "recipient": recipient,
            "action_url": links.after_sign_in(notification.link or links.home()),
            "items": [{**item, "url": links.after_sign_in(item["link"])} for item in notification.items],
            "inbox_url": links.after_sign_in(links.inbox()),
            "preferences_url": links.after_sign_in(links.preferences()),
            "is_reminder": notification.kind == Notification.Kind.REMINDER,
            "site_url": settings.SITE_URL,
        }
        template = "reminder_digest" if context["is_reminder"] else "notification"
        subject = render_to_string("notifications/email/subject.txt", context)
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def deliver_email(*, notification_id: int) -> Notification.EmailState:
    """Send the notification's email unless it has been sent (or skipped) already."""
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.email_state != Notification.EmailState.PENDING:
        return Notification.EmailState(notification.email_state)
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        state = Notification.EmailState.SKIPPED
    else:
        email_for(notification).send()
        state = Notification.EmailState.SENT
    Notification.objects.filter(pk=notification.pk).update(email_state=state, emailed_at=timezone.now())
    return state


def mark_email_failed(*, notification_id: int, error: str) -> None:
    """Record that the email could not be sent after every retry."""
    Notification.objects.filter(pk=notification_id, email_state=Notification.EmailState.PENDING).update(
        email_state=Notification.EmailState.FAILED, email_error=error[:2000]
    )


def requeue_unsent_emails(*, now: datetime | None = None) -> int:
    """Enqueue again the emails that never reached the broker; returns how many."""
    now = now or timezone.now()
    pending = Notification.objects.filter(
        email_state=Notification.EmailState.PENDING,
        created_at__lt=now - REQUEUE_AFTER,
        created_at__gte=now - REQUEUE_WITHIN,
    )
    count = 0
    for notification in pending.only("pk"):
        _enqueue_email(notification)
        count += 1
    return count
