"""The report font: the part of Noto Sans CJK SC that reports need, cut out once per installation.

WeasyPrint subsets the document's font for every PDF it writes, and keeps each glyph's number, so its work and the
subset's size follow the font it starts from. Noto Sans CJK SC has 65,535 glyphs; the characters of GB 2312 (the 6,763
hanzi of everyday Simplified Chinese), Latin, punctuation and every character of the shipped model and translations
need fewer than 8,000. Cut to those, renumbered and renamed "Portal Sans SC", a report renders in about 15% fewer
instructions and its PDF is 40-60% smaller. Any character outside it (a rare character in a name, a Traditional one
in a note) still prints: the stylesheet names Noto Sans CJK SC next, and the text layout takes the glyph from there.
See docs/decisions/0004-pdf-pipeline.md.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

REPORT_FONT_FAMILY = "Portal Sans SC"
SOURCE_FONT_FAMILY = "Noto Sans CJK SC"
FILE_NAME = "PortalSansSC-Regular.otf"
# The path of the font under the documents' static origin (reports.pdf.STATIC_ORIGIN).
URL_PATH = "/report-fonts/" + FILE_NAME
# Every family a report's text and chart ask for, best first.
FONT_FAMILIES = (REPORT_FONT_FAMILY, SOURCE_FONT_FAMILY, "sans-serif")
# The same list as a CSS font-family value.
CSS_FONT_FAMILIES = ", ".join(f'"{name}"' if " " in name else name for name in FONT_FAMILIES)

# Latin with its accents, general punctuation, letter-like symbols, arrows, the mathematical signs a score may use,
# circled numbers, box and geometric shapes, CJK punctuation and full-width forms.
_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x2000, 0x206F),
    (0x20A0, 0x20BF),
    (0x2100, 0x21FF),
    (0x2200, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x25FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
)
# What a Chinese text is shaped with: the source's other features would pull in its Japanese, Korean, Traditional and
# vertical forms, and double the glyphs.
_LAYOUT_FEATURES = ["ccmp", "kern", "liga", "calt", "clig", "mark", "mkmk"]
_PO_STRING = re.compile(r'^(?:msgid|msgstr(?:\[\d+\])?|msgid_plural)?\s*"(.*)"\s*$')


class FontUnavailable(RuntimeError):
    """The source font is not installed, or could not be read."""


@dataclass(frozen=True)
class BuiltFont:
    path: Path
    characters: int
    glyphs: int
    size: int
    seconds: float


def report_font_path() -> Path:
    return Path(settings.REPORT_FONT_DIR) / FILE_NAME


def report_font_available() -> bool:
    return report_font_path().is_file()


def font_face_rule(origin: str) -> str:
    """The @font-face rule that gives documents the report font, or nothing when it has not been built."""
    if not report_font_available():
        return ""
    return f'@font-face {{ font-family: "{REPORT_FONT_FAMILY}"; src: url("{origin}{URL_PATH}"); }}'


def gb2312_characters() -> Iterator[int]:
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                yield ord(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue


def shipped_texts() -> Iterator[str]:
    """Every string of the fixtures and of the translations: the model, the labels and the report's own words."""
    for directory in settings.FIXTURE_DIRS:
        for path in sorted(Path(directory).glob("*.json")):
            yield from _strings(json.loads(path.read_text(encoding="utf-8")))
    for directory in settings.LOCALE_PATHS:
        for path in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if match := _PO_STRING.match(line):
                    yield match.group(1)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def covered_characters() -> set[int]:
    characters = {code for start, end in _RANGES for code in range(start, end + 1)}
    characters.update(gb2312_characters())
    for text in shipped_texts():
        characters.update(ord(character) for character in text if character.isprintable())
    return characters


def source_font(family: str = SOURCE_FONT_FAMILY) -> tuple[Path, int]:
    """The file and face number fontconfig has for the source family's regular face."""
    try:
        found = subprocess.run(  # noqa: S603 - fontconfig's own tool, asked for a family name, no shell
            ["fc-match", "--format=%{family}\t%{file}\t%{index}", f"{family}:style=Regular"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise FontUnavailable(f"fontconfig could not be asked for {family}: {error}") from error
    families, _, rest = found.partition("\t")
    path, _, index = rest.partition("\t")
    # fontconfig always answers with something; only the family asked for will do.
    if family not in families.split(",") or not path:
        raise FontUnavailable(f"{family} is not installed (Debian: apt-get install fonts-noto-cjk)")
    return Path(path), int(index or 0)


def build_report_font(target: Path | None = None) -> BuiltFont:
    """Cut the report font out of the installed source font and write it, whole or not at all, to `target`."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    started = time.perf_counter()
    # The subsetter reports every table and thousands of glyph names at INFO.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    target = target or report_font_path()
    path, index = source_font()
    characters = covered_characters()
    options = subset.Options()
    options.layout_features = _LAYOUT_FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    # Subroutines would be expanded for every PDF anyway; expanding them here saves each PDF that work.
    options.desubroutinize = True
    font = TTFont(path, fontNumber=index, lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    _rename(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and moved into place, so a worker never opens half a font.
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".otf")
    os.close(handle)
    try:
        font.save(partial)
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return BuiltFont(
        path=target,
        characters=len(characters),
        glyphs=len(font.getGlyphOrder()),
        size=target.stat().st_size,
        seconds=round(time.perf_counter() - started, 1),
    )


def _rename(font: TTFont) -> None:
    """A cut font must not pass for its source (the SIL Open Font License asks the same of modified versions)."""
    postscript = SOURCE_FONT_FAMILY.replace(" ", "")
    new_postscript = REPORT_FONT_FAMILY.replace(" ", "")
    for record in font["name"].names:
        text = record.toUnicode()
        renamed = text.replace(SOURCE_FONT_FAMILY, REPORT_FONT_FAMILY).replace(postscript, new_postscript)
        # Noto's PostScript names spell the region in lower case (NotoSansCJKsc-Regular).
        renamed = re.sub(r"NotoSansCJK[a-z]{2}", new_postscript, renamed)
        if renamed != text:
            record.string = renamed
