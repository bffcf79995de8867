"""What keeps a worker's PDFs fast and small: one font face and configuration, one collection, no export chunk lost."""

from __future__ import annotations

import gc
import threading
import weakref
from dataclasses import replace
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from reports import services, tasks
from reports.contexts import GapReportContext
from reports.gaps import employee_gaps
from reports.models import Export, ReportJob
from reports.pdf import font_configuration, garbage_collected_once, html_to_pdf, render_html, render_pdf
from tests.reports.pdfs import is_cjk_subset, pdf_fonts, pdf_text


def gap_report(cycle, employee, language: str) -> GapReportContext:
    return GapReportContext.from_gaps(
        employee_gaps(cycle=cycle, employee=employee), language=language, today=timezone.localdate()
    )


def test_a_gap_report_embeds_a_single_font_face(assessed, cycle, employee):
    """Headings and table heads are coloured, not bold: a bold face would be a second CJK subset per PDF."""
    with translation.override("zh-hans"):
        fonts = pdf_fonts(render_pdf("reports/pdf/gap_report.html", {"report": gap_report(cycle, employee, "both")}))
    assert len(fonts) == 1
    assert all(is_cjk_subset(name) and "Bold" not in name for name in fonts)


def test_the_final_html_carries_its_styles_so_it_renders_alone(assessed, cycle, employee):
    with translation.override("en"):
        html = render_html("reports/pdf/gap_report.html", {"report": gap_report(cycle, employee, "en")})
    assert "@page" in html
    assert "Page 1 / " in pdf_text(html_to_pdf(html))


def test_a_thread_keeps_one_font_configuration_for_every_render():
    assert font_configuration() is font_configuration()


def test_each_thread_has_its_own_font_configuration():
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(font_configuration()))
    thread.start()
    thread.join(5)
    assert other and other[0] is not font_configuration()


@pytest.fixture
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_the_garbage_collector_is_off_during_a_render_and_on_after_it(collector_on):
    with garbage_collected_once():
        during = gc.isenabled()
    assert (during, gc.isenabled()) == (False, True)


def test_a_render_that_fails_turns_the_garbage_collector_back_on(collector_on):
    with pytest.raises(RuntimeError), garbage_collected_once():
        raise RuntimeError("a template error")
    assert gc.isenabled()


def test_a_render_leaves_the_garbage_collector_off_when_its_caller_had_turned_it_off(collector_on):
    gc.disable()
    with garbage_collected_once():
        pass
    assert not gc.isenabled()


def test_the_garbage_collector_stays_off_until_the_last_of_overlapping_renders_ends(collector_on):
    first_started, second_started, first_may_end = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with garbage_collected_once():
            first_started.set()
            first_may_end.wait(5)

    def second() -> None:
        first_started.wait(5)
        with garbage_collected_once():
            second_started.set()
            first_thread.join(5)
            seen["second, after the first ended"] = gc.isenabled()

    first_thread = threading.Thread(target=first)
    second_thread = threading.Thread(target=second)
    first_thread.start()
    second_thread.start()
    second_started.wait(5)
    first_may_end.set()
    second_thread.join(5)
    assert seen == {"second, after the first ended": False}
    assert gc.isenabled()


@pytest.fixture
def english_report_html(assessed, cycle, employee) -> str:
    with translation.override("en"):
        return render_html("reports/pdf/gap_report.html", {"report": gap_report(cycle, employee, "en")})


def test_a_render_frees_its_reference_cycles_before_it_returns(english_report_html, collector_on):
    html_to_pdf(english_report_html)
    assert gc.collect() == 0


class Saved:
    """Stands for a saved job whose file refers back to it: a reference cycle."""


def test_a_render_frees_a_cycle_left_behind_through_an_object_older_than_the_last_render(
    english_report_html, collector_on
):
    older = Saved()
    html_to_pdf(english_report_html)  # older outlives this render's collection
    older.file = {"instance": older}
    left_behind = weakref.ref(older)
    del older
    html_to_pdf(english_report_html)
    assert left_behind() is None


@pytest.mark.parametrize("language", ["zh-hans", "en", "both"])
def test_a_drafted_indicator_is_marked_in_every_language(assessed, cycle, employee, language):
    context = gap_report(cycle, employee, language)
    # The fixture's strengths are all sourced; the model decides what is drafted, the PDF has to show it.
    strength = replace(context.strengths[0], is_drafted=True)
    context = replace(context, strengths=(strength, *context.strengths[1:]))
    with translation.override(context.languages[0]):
        text = pdf_text(render_pdf("reports/pdf/gap_report.html", {"report": context}))
    assert text.count(context.labels["drafted"]) >= 2  # the mark on the row, and the legend under the tables


def test_a_lost_export_chunk_is_sent_again_by_requeue_report_jobs(
    assessed, cycle, hr, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_CHUNK_SIZE = 1
    send = tasks.enqueue_export_chunk.apply_async
    sent: list[tuple] = []

    def first_chunk_only(*args, **kwargs):
        """The first chunk runs; the message for the next one never reaches a worker."""
        sent.append(args)
        return send(*args, **kwargs) if len(sent) == 1 else None

    with (
        mock.patch.object(tasks.enqueue_export_chunk, "apply_async", side_effect=first_chunk_only),
        django_capture_on_commit_callbacks(execute=True),
    ):
        export = services.start_export(requested_by=hr, cycle=cycle, language="en", include_plans=False)
    export.refresh_from_db()
    assert (export.status, export.done_count, export.total) == ("running", 1, 2)
    # A minute later nothing of the export is running or in the queue.
    earlier = timezone.now() - timedelta(minutes=2)
    Export.objects.filter(pk=export.pk).update(created_at=earlier)
    ReportJob.objects.filter(export=export).update(created_at=earlier)
    ReportJob.objects.filter(export=export, status="done").update(enqueued_at=earlier, finished_at=earlier)
    call_command("requeue_report_jobs", stdout=mock.MagicMock())
    export.refresh_from_db()
    assert (export.status, export.done_count, export.failed_count) == ("done", 2, 0)


def test_an_export_job_the_broker_lost_is_sent_again_by_requeue_report_jobs(
    assessed, cycle, hr, django_capture_on_commit_callbacks
):
    # The chunk sends both jobs; the broker loses every message.
    with (
        mock.patch.object(tasks.render_report, "apply_async"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        export = services.start_export(requested_by=hr, cycle=cycle, language="en", include_plans=False)
    assert set(ReportJob.objects.filter(export=export).values_list("status", flat=True)) == {"queued"}
    ReportJob.objects.filter(export=export).update(enqueued_at=timezone.now() - timedelta(hours=2))
    call_command("requeue_report_jobs", stdout=mock.MagicMock())
    export.refresh_from_db()
    assert (export.status, export.done_count, export.failed_count) == ("done", 2, 0)
