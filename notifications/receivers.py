"""Turn the events other apps send into notifications. Connected in NotificationsConfig.ready()."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from typing import Any

from assessments import signals
from notifications import services

logger = logging.getLogger(__name__)


def _guarded(receiver: Callable[..., Any]) -> Callable[..., None]:
    def run(sender: Any, **kwargs: Any) -> None:
        # Events arrive after the sender's transaction has committed: a failure to notify must not
        # turn the person's completed action into an error page. A stored notification whose
        # email could not be enqueued is enqueued again by the daily reminder run.
        try:
            receiver(**kwargs)
        except Exception:
            logger.exception("could not notify about %s", receiver.__name__)

    run.__name__ = receiver.__name__
    return run


def on_cycle_opened(*, cycle: Any, **_: Any) -> None:
    services.notify_cycle_opened(cycle=cycle)


def on_assessment_submitted(*, assessment: Any, **_: Any) -> None:
    services.notify_assessment_submitted(assessment=assessment)


def on_assessment_signed_off(*, assessment: Any, is_complete: bool, **_: Any) -> None:
    services.notify_assessment_signed_off(assessment=assessment, is_complete=is_complete)


def on_assessment_reopened(*, assessment: Any, reason: str, **_: Any) -> None:
    services.notify_assessment_reopened(assessment=assessment, reason=reason)


def on_export_finished(*, export: Any, **_: Any) -> None:
    services.notify_export_finished(export=export)


def connect() -> None:
    """Listen to the assessment events, and to finished exports when the reports app sends them."""
    for signal, receiver in (
        (signals.cycle_opened, on_cycle_opened),
        (signals.assessment_submitted, on_assessment_submitted),
        (signals.assessment_signed_off, on_assessment_signed_off),
        (signals.assessment_reopened, on_assessment_reopened),
    ):
        signal.connect(_guarded(receiver), weak=False, dispatch_uid=f"notifications.{receiver.__name__}")
    # The reports app may be deployed without bulk exports; a missing module is not an error,
    # but a broken one still fails loudly on import.
    if importlib.util.find_spec("reports.signals") is None:
        return
    report_signals = importlib.import_module("reports.signals")
    export_finished = getattr(report_signals, "export_finished", None)
    if export_finished is not None:
        export_finished.connect(
            _guarded(on_export_finished), weak=False, dispatch_uid="notifications.on_export_finished"
        )
