"""The report font: Noto Sans CJK SC cut to what reports need, with the whole Noto font behind it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from fontTools.ttLib import TTFont

from reports import fonts
from reports.contexts import GapReportContext
from reports.gaps import employee_gaps
from reports.pdf import STATIC_ORIGIN, html_to_pdf, render_html, static_path
from tests.reports.pdfs import is_subset_of, pdf_fonts, pdf_text

T = TypeVar("T")
GAP_REPORT = "reports/pdf/gap_report.html"


@pytest.fixture(scope="module")
def built_font(tmp_path_factory: pytest.TempPathFactory) -> fonts.BuiltFont:
    return fonts.build_report_font(tmp_path_factory.mktemp("fonts") / fonts.FILE_NAME)


@pytest.fixture
def font_dir(settings, built_font: fonts.BuiltFont) -> Path:
    settings.REPORT_FONT_DIR = built_font.path.parent
    return built_font.path.parent


@pytest.fixture
def no_font_dir(settings, tmp_path: Path) -> Path:
    settings.REPORT_FONT_DIR = tmp_path
    return tmp_path


def in_new_thread(work: Callable[[], T]) -> T:
    """Run `work` on a thread of its own, so that it starts from a font configuration no render has touched."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if errors:
        raise errors[0]
    return results[0]


def gap_report_html(cycle, employee, language: str) -> str:
    context = GapReportContext.from_gaps(
        employee_gaps(cycle=cycle, employee=employee), language=language, today=timezone.localdate()
    )
    with translation.override(context.languages[0]):
        return render_html(GAP_REPORT, {"report": context})


def gap_report_pdf(cycle, employee, language: str) -> bytes:
    html = gap_report_html(cycle, employee, language)
    return in_new_thread(lambda: html_to_pdf(html))


def test_the_report_font_covers_everyday_chinese(built_font):
    cmap = TTFont(built_font.path).getBestCmap()
    assert all(code in cmap for code in fonts.gb2312_characters())


def test_the_report_font_covers_every_text_the_portal_ships(built_font):
    source_path, index = fonts.source_font()
    source = TTFont(source_path, fontNumber=index).getBestCmap()
    cmap = TTFont(built_font.path).getBestCmap()
    shipped = {ord(character) for text in fonts.shipped_texts() for character in text if character.isprintable()}
    assert shipped & source.keys() <= cmap.keys()


def test_the_report_font_has_a_small_part_of_its_sources_glyphs(built_font):
    source_path, index = fonts.source_font()
    source_glyphs = len(TTFont(source_path, fontNumber=index).getGlyphOrder())
    assert built_font.glyphs < source_glyphs / 5


def test_the_report_font_does_not_pass_for_noto(built_font):
    names = {record.toUnicode() for record in TTFont(built_font.path)["name"].names}
    assert "Portal Sans SC" in names
    assert not any("Noto Sans CJK" in name or "NotoSansCJK" in name for name in names)


def test_the_stylesheet_loads_the_report_font_when_it_is_built(font_dir, assessed, cycle, employee):
    html = gap_report_html(cycle, employee, "en")
    assert f'src: url("{STATIC_ORIGIN}{fonts.URL_PATH}")' in html
    assert 'font-family: "Portal Sans SC", "Noto Sans CJK SC", sans-serif' in html


def test_the_stylesheet_leaves_the_font_face_out_when_the_font_is_not_built(no_font_dir, assessed, cycle, employee):
    assert "@font-face" not in gap_report_html(cycle, employee, "en")


def test_a_report_is_set_in_the_report_font_alone(font_dir, assessed, cycle, employee):
    fonts_used = pdf_fonts(gap_report_pdf(cycle, employee, "both"))
    assert len(fonts_used) == 1
    assert all(is_subset_of("Portal Sans SC", name) for name in fonts_used)


def test_a_character_the_report_font_lacks_prints_from_noto(font_dir, assessed, cycle, employee):
    employee.name = "王堃"  # U+5803 is outside GB 2312
    employee.save(update_fields=["name"])
    pdf = gap_report_pdf(cycle, employee, "zh-hans")
    fonts_used = pdf_fonts(pdf)
    assert any(is_subset_of("Portal Sans SC", name) for name in fonts_used)
    assert any(is_subset_of("Noto Sans CJK SC", name) for name in fonts_used)
    assert "王堃" in pdf_text(pdf)


def test_without_the_report_font_reports_are_set_in_noto(no_font_dir, assessed, cycle, employee):
    fonts_used = pdf_fonts(gap_report_pdf(cycle, employee, "zh-hans"))
    assert fonts_used and all(is_subset_of("Noto Sans CJK SC", name) for name in fonts_used)


def test_a_chinese_report_is_smaller_in_the_report_font(settings, built_font, tmp_path, assessed, cycle, employee):
    settings.REPORT_FONT_DIR = built_font.path.parent
    cut = gap_report_pdf(cycle, employee, "zh-hans")
    settings.REPORT_FONT_DIR = tmp_path
    whole = gap_report_pdf(cycle, employee, "zh-hans")
    assert len(cut) < len(whole) * 0.8


def test_the_font_url_names_the_built_font(font_dir):
    assert static_path(STATIC_ORIGIN + fonts.URL_PATH) == font_dir / fonts.FILE_NAME


def test_the_font_url_names_nothing_when_the_font_is_not_built(no_font_dir):
    assert static_path(STATIC_ORIGIN + fonts.URL_PATH) is None


def test_no_other_file_is_served_beside_the_font(font_dir):
    (font_dir / "secret.txt").write_text("not for documents")
    assert static_path(STATIC_ORIGIN + "/report-fonts/secret.txt") is None
    assert static_path(STATIC_ORIGIN + "/report-fonts/../" + fonts.FILE_NAME) is None


def test_the_command_leaves_a_built_font_alone(font_dir, capsys):
    built = font_dir / fonts.FILE_NAME
    before = built.stat().st_mtime_ns
    call_command("build_report_font")
    assert "already built" in capsys.readouterr().out
    assert built.stat().st_mtime_ns == before


def test_a_missing_source_font_is_named_with_its_package():
    with pytest.raises(fonts.FontUnavailable, match="fonts-noto-cjk"):
        fonts.source_font("No Such Family Anywhere")
