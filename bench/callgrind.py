"""Counting the instructions of a stretch of work under callgrind, for the scripts that compare code changes.

Time on a shared machine swings by a third from one run to the next; callgrind counts instructions, which do not
depend on what else the machine is doing, so a change of a few percent shows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

CALLGRIND_CONTROL = shutil.which("callgrind_control")


def under_callgrind() -> bool:
    return "vgpreload" in Path("/proc/self/maps").read_text()


def counting() -> bool:
    """Whether this process runs under callgrind with its control program at hand."""
    return under_callgrind() and CALLGRIND_CONTROL is not None


def callgrind_total(out_file_pattern: str, label: str) -> int | None:
    """The instruction total of the dump named `label`, from callgrind's output files."""
    for _attempt in range(50):
        for path in Path(out_file_pattern).parent.glob(Path(out_file_pattern).name + "*"):
            text = path.read_text(errors="replace")
            if f"desc: Trigger: dump {label}\n" in text and (match := re.search(r"^summary: (\d+)$", text, re.M)):
                return int(match.group(1))
        time.sleep(0.2)
    return None


def instructions(work: Callable[[], None], *, label: str, out_file_pattern: str) -> int:
    """Zero callgrind's counters, do the work, dump them under `label` and return the instructions it took."""
    assert CALLGRIND_CONTROL is not None
    subprocess.run([CALLGRIND_CONTROL, "-z", str(os.getpid())], check=True, capture_output=True)
    work()
    subprocess.run([CALLGRIND_CONTROL, "-d", label, str(os.getpid())], check=True, capture_output=True)
    total = callgrind_total(f"{out_file_pattern}.{os.getpid()}", label)
    if total is None:
        # Otherwise a mismatched prefix would print 0 instructions as if it were a measurement.
        raise SystemExit(
            f"no callgrind dump {label!r} found as {out_file_pattern}.{os.getpid()}*: give the script an output prefix "
            "(--out) that matches valgrind's --callgrind-out-file"
        )
    return total
