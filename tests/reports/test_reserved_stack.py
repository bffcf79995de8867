"""A render starts from a frame large enough to bring its own chunk of Python's frame stack (reports.pdf)."""

from __future__ import annotations

import sys

from reports.pdf import in_reserved_stack


def test_the_work_is_called_from_a_frame_of_over_128_kb():
    callers: list[int] = []

    def work() -> bytes:
        callers.append(sys._getframe(1).f_code.co_nlocals)
        return b""

    in_reserved_stack(work)
    assert callers[0] * 8 > 128 * 1024


def test_the_reserved_stack_returns_what_the_work_returns():
    assert in_reserved_stack(lambda: b"%PDF-1.7") == b"%PDF-1.7"
