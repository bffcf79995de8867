from django.db import migrations
from django.utils import timezone

TASK_NAME = "Send queued report jobs again"
TASK = "reports.tasks.requeue_report_jobs"


def create_schedule(apps, schema_editor):
    """Every minute: PDFs requested while the broker was down are sent once it is back."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "interval": every_minute,
            "description": "Report jobs the broker never received (reports app, see manage.py requeue_report_jobs).",
        },
    )
    _schedule_changed(PeriodicTasks)


def _schedule_changed(PeriodicTasks):
    # A running scheduler reloads its entries only when this marker changes; the historical models
    # used here skip the signal that would bump it.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()
    _schedule_changed(apps.get_model("django_celery_beat", "PeriodicTasks"))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_add_report_jobs_exports_and_plans"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
