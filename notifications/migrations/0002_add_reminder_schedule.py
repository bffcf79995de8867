from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK_NAME = "Deadline reminders"
TASK = "notifications.tasks.send_reminders"


def create_schedule(apps, schema_editor):
    """Every morning at 09:00 office time; HR can change the time or pause it in the admin."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="9",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "queue": "default",
            "description": "Deadline reminder digests and escalations (notifications app).",
        },
    )
    _schedule_changed(PeriodicTasks)


def _schedule_changed(PeriodicTasks):
    # A running scheduler reloads its entries only when this marker changes; saving through the
    # historical models skips the signal that would normally bump it.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()
    _schedule_changed(apps.get_model("django_celery_beat", "PeriodicTasks"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_add_notifications_and_reminder_log"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
