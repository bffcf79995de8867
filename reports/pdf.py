"""The one place that calls WeasyPrint: a Django template in, PDF bytes out.

Text is set in the report font, cut once from "Noto Sans CJK SC" (fonts-noto-cjk) by reports.fonts, with
the whole Noto font behind it for any character the cut leaves out; WeasyPrint subsets and embeds what
a document uses, so Chinese text is real, copyable text. The only URLs a document may load are our own
static files and the report font; the network and the file system are refused.
See docs/decisions/0004-pdf-pipeline.md.
"""

from __future__ import annotations

import ctypes.util
import functools
import gc
import logging
import mimetypes
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

from reports import fonts

# WeasyPrint logs every layout step at INFO, even while importing its own stylesheets, which would
# bury every command's and the worker's own lines; so this comes before the import.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

# A host that can never resolve (RFC 2606), so a relative URL in a template can only mean our static files.
STATIC_ORIGIN = "https://static.portal.invalid"
SUBSET_LIBRARY = "harfbuzz-subset"


class RefusedURL(ValueError):
    """A document asked for something other than one of our static files."""


class StaticFilesFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves /static/... from the project's static files, the report font, and refuses everything else."""

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        path = static_path(url)
        if path is None:
            raise RefusedURL(f"only our own static files may be loaded, not {url}")
        mime_type, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, path.read_bytes(), headers={"Content-Type": mime_type or "application/octet-stream"}
        )


def static_path(url: str) -> Path | None:
    """The file a URL under our static origin names (a static file or the report font), or None for any other URL."""
    parts = urlsplit(url)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if f"{parts.scheme}://{parts.netloc}" != STATIC_ORIGIN:
        return None
    if parts.path == fonts.URL_PATH:
        return fonts.report_font_path() if fonts.report_font_available() else None
    if not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    if not isinstance(found, str):
        return None
    return Path(found)


def render_html(template_name: str, context: Mapping[str, Any]) -> str:
    """The complete document WeasyPrint is given: styles inline, every URL under our static origin."""
    return render_to_string(template_name, dict(context))


class _CollectorPause:
    """Keeps Python's cyclic collector off while any render runs; it is one per process, renders may overlap."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._renders = 0
        self._was_enabled = False

    def begin(self) -> None:
        with self._lock:
            if self._renders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._renders += 1

    def end(self) -> None:
        with self._lock:
            self._renders -= 1
            if self._renders == 0 and self._was_enabled:
                gc.enable()


_collector_pause = _CollectorPause()


_thread = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's fontconfig set-up and Pango font map, made once and kept for every later render.

    Left to itself, WeasyPrint makes a new one for every document, and about 230 KB of it is never given back: a
    worker child grew by 11 MB every 50 reports until it was recycled. Kept, memory stays flat and the font is not
    opened and measured again for each document. Per thread, because a Pango font map must not be shared between
    threads.
    """
    config: FontConfiguration | None = getattr(_thread, "font_config", None)
    if config is None:
        config = _thread.font_config = FontConfiguration()
    return config


@contextmanager
def garbage_collected_once() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a render, then collect once when it ends.

    A render builds tens of thousands of objects (styles, boxes, text layouts) that live until it ends, most of them
    in reference cycles. With the collector on, they keep crossing its thresholds, are walked again and again, and
    set off full collections over the whole heap: measured here, two renders in three ran at least one, and a report
    took a quarter to a third longer. One full collection at the end frees the render's cycles, and those a previous
    task left behind; it is cheap in a worker, whose objects from start-up are frozen out of the collector's sight
    (`reports.signals.freeze_startup_objects`). See docs/decisions/0004-pdf-pipeline.md.
    """
    _collector_pause.begin()
    try:
        yield
    finally:
        _collector_pause.end()
        gc.collect()


# Locals of the frame a render starts from: 16,400 of 8 bytes is just over 128 KB (see in_reserved_stack).
RESERVED_STACK_LOCALS = 16_400


@functools.cache
def _reserved_stack_runner() -> Callable[[Callable[[], bytes]], bytes]:
    """A function whose frame holds RESERVED_STACK_LOCALS locals and calls the work it is given."""
    names = " = ".join(f"_{number}" for number in range(RESERVED_STACK_LOCALS))
    source = f"def run(work, reserve=False):\n    if reserve:\n        {names} = None\n    return work()\n"
    namespace: dict[str, Any] = {}
    # Safe: the source is built from the constant above, never from input.
    exec(compile(source, "<reports.pdf reserved stack>", "exec"), namespace)  # noqa: S102
    runner: Callable[[Callable[[], bytes]], bytes] = namespace["run"]
    return runner


def in_reserved_stack(work: Callable[[], bytes]) -> bytes:
    """Run a render from a frame that brings its own 256 KB of Python's frame stack.

    CPython 3.11 keeps frames in 16 KB chunks, maps a new chunk when a call does not fit in the current one and
    unmaps it when that call returns. WeasyPrint's layout recurses deeply, and wherever its hot calls straddle a
    chunk boundary every call maps and unmaps a chunk: about 2,000 times a report, measured with strace. A frame of
    over 128 KB is given a 256 KB chunk of its own, and the render started from it runs in the 125 KB left after it,
    crossing no boundary. See docs/decisions/0004-pdf-pipeline.md.
    """
    return _reserved_stack_runner()(work)


def html_to_pdf(html: str) -> bytes:
    """Lay a complete document out on A4 and write it as PDF."""
    with garbage_collected_once():
        # One expression, so that the document is garbage by the time the collection at the end runs.
        pdf = in_reserved_stack(
            lambda: HTML(string=html, base_url=STATIC_ORIGIN + "/", url_fetcher=StaticFilesFetcher()).write_pdf(
                font_config=font_configuration()
            )
        )
    return pdf


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a template to an A4 PDF; the template's CSS sets the page, fonts and tables."""
    return html_to_pdf(render_html(template_name, context))


def require_harfbuzz_subset(library: str = SUBSET_LIBRARY) -> None:
    """Stop the worker when HarfBuzz's subsetter is missing: the fallback takes far too long on CJK fonts."""
    if ctypes.util.find_library(library) is None:
        raise SystemExit(
            f"error: the PDF worker needs lib{library} (Debian: apt-get install libharfbuzz-subset0) "
            "to embed font subsets; it is not installed"
        )
