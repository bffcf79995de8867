"""Reading produced PDFs back: their text, their fonts and their page size."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """Every page's text, joined; whitespace collapsed so wrapped lines still match."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_fonts(content: bytes) -> set[str]:
    """The base names of every font embedded in the document, e.g. "ABCDEF+Noto-Sans-CJK-SC"."""
    reader = PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/"))
    return names


def page_sizes(content: bytes) -> set[tuple[int, int]]:
    reader = PdfReader(io.BytesIO(content))
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}


def is_subset_of(family: str, name: str) -> bool:
    """A subset font carries a six-letter tag before a plus sign, then its PostScript family name."""
    tag, _, base = name.partition("+")
    return len(tag) == 6 and tag.isupper() and base.startswith(family.replace(" ", "-"))


def is_cjk_subset(name: str) -> bool:
    """The report font, or all of Noto Sans CJK SC where the report font has not been built."""
    return is_subset_of("Portal Sans SC", name) or is_subset_of("Noto Sans CJK SC", name)
