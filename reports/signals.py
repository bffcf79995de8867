"""The signal this app sends, and what it does when an assessment is signed off or a worker starts."""

from __future__ import annotations

import gc
from typing import Any

from celery.signals import worker_init, worker_process_init
from django.dispatch import Signal, receiver

from assessments.models import Assessment, User
from assessments.signals import assessment_signed_off

# export: Export, sent once its archive is stored (status done).
export_finished = Signal()


@receiver(assessment_signed_off, dispatch_uid="reports.draft_development_plan")
def draft_plan_on_manager_signature(sender: Any, assessment: Assessment, by: User, **kwargs: Any) -> None:
    """Draft the development plan as soon as the manager has signed, whether or not the employee has yet."""
    from reports.plans import draft_development_plan

    if assessment.manager_signed_off_at is not None:
        draft_development_plan(assessment=assessment, by=by)


def refuse_to_start_without_subsetter(**kwargs: Any) -> None:
    """Stop a starting worker, in one line, when it could not subset CJK fonts in reasonable time."""
    from reports.pdf import require_harfbuzz_subset

    require_harfbuzz_subset()


worker_init.connect(refuse_to_start_without_subsetter, dispatch_uid="reports.require_harfbuzz_subset")


def freeze_startup_objects(**kwargs: Any) -> None:
    """Keep what a worker child holds from start-up (modules, settings, Django's registries) out of the collector's
    sight, so the full collection that ends every render (`reports.pdf.garbage_collected_once`) walks only what was
    made since."""
    gc.freeze()


worker_process_init.connect(freeze_startup_objects, dispatch_uid="reports.freeze_startup_objects")
