"""The one WeasyPrint call: A4, embedded CJK subsets, copyable text, and a fetcher that serves only our static files."""

from __future__ import annotations

import gc

import pytest
from celery.signals import worker_init, worker_process_init
from django.utils import timezone, translation
from weasyprint.urls import URLFetcherResponse

from reports.contexts import GapReportContext
from reports.gaps import employee_gaps
from reports.pdf import STATIC_ORIGIN, RefusedURL, StaticFilesFetcher, render_pdf, require_harfbuzz_subset
from tests.reports.pdfs import is_cjk_subset, page_sizes, pdf_fonts, pdf_text

A4_POINTS = (595, 842)


@pytest.fixture
def gap_report_pdf(assessed, cycle, employee) -> tuple[bytes, GapReportContext]:
    gaps = employee_gaps(cycle=cycle, employee=employee)
    context = GapReportContext.from_gaps(gaps, language="both", today=timezone.localdate())
    with translation.override("zh-hans"):
        return render_pdf("reports/pdf/gap_report.html", {"report": context}), context


def test_fetcher_serves_our_static_files():
    response = StaticFilesFetcher().fetch(f"{STATIC_ORIGIN}/static/css/portal.css")
    assert isinstance(response, URLFetcherResponse)
    assert b"--accent" in response.read()


def test_fetcher_refuses_the_file_system():
    with pytest.raises(RefusedURL):
        StaticFilesFetcher().fetch("file:///etc/passwd")


def test_fetcher_refuses_the_network():
    with pytest.raises(RefusedURL):
        StaticFilesFetcher().fetch("http://example.com/static/css/portal.css")


def test_fetcher_refuses_to_climb_out_of_the_static_folders():
    with pytest.raises(RefusedURL):
        StaticFilesFetcher().fetch(f"{STATIC_ORIGIN}/static/../config/settings.py")


def test_gap_report_is_a4(gap_report_pdf):
    assert page_sizes(gap_report_pdf[0]) == {A4_POINTS}


def test_gap_report_text_has_chinese_and_english_competency_names(gap_report_pdf):
    pdf, context = gap_report_pdf
    text = pdf_text(pdf)
    for row in context.rows:
        name_zh, name_en = row.name
        assert name_zh in text
        assert name_en.split()[0] in text


def test_gap_report_text_has_the_employees_figures(gap_report_pdf):
    text = pdf_text(gap_report_pdf[0])
    assert "Alice (" in text
    assert "level 1 attained; level 2 blocked by MKT-2-01" in text


def test_gap_report_embeds_a_cjk_font_subset(gap_report_pdf):
    assert any(is_cjk_subset(name) for name in pdf_fonts(gap_report_pdf[0]))


def test_gap_report_numbers_its_pages(gap_report_pdf):
    text = pdf_text(gap_report_pdf[0])
    assert "Page 1 / " in text


def test_worker_check_names_the_missing_library_in_one_line():
    with pytest.raises(SystemExit) as stopped:
        require_harfbuzz_subset("no-such-library-for-sure")
    message = str(stopped.value.code)
    assert "\n" not in message
    assert message.startswith("error: the PDF worker needs libno-such-library-for-sure")


def test_worker_check_passes_where_the_subsetter_is_installed():
    assert require_harfbuzz_subset() is None


def test_every_worker_child_freezes_its_start_up_objects():
    uids = [lookup_key[0] for lookup_key, _receiver in worker_process_init.receivers]
    assert "reports.freeze_startup_objects" in uids


def test_freezing_start_up_objects_takes_them_out_of_the_collectors_sight():
    from reports.signals import freeze_startup_objects

    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_every_worker_checks_for_the_subsetter_when_it_starts():
    uids = [lookup_key[0] for lookup_key, _receiver in worker_init.receivers]
    assert "reports.require_harfbuzz_subset" in uids
