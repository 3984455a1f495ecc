"""Keep freed memory in the process, so training steps reuse warm pages (Linux, glibc).

A training step allocates and frees the same big arrays every time: activations, gradients,
im2col columns, masks. glibc serves big blocks with mmap and hands free memory at the top of
its heap back to the operating system past a small threshold; it raises both thresholds as it
sees big blocks freed, but on a step of many differently-sized temporaries it keeps giving
memory back. The next step then touches fresh pages and pays a page fault (and the zeroing of
a page) for every 4 KiB of them: about 2,000 faults and 40 % of the time of the LeNet-like
benchmark step (benchmarks/README.md).

numpy allocates through malloc and gives Python no hook for a memory pool, so when `autodiff`
is imported glassgrad sets the two thresholds itself, to the values glibc's own heuristic ends
at after a 32 MiB block: blocks under 32 MiB come from the heap, and up to 64 MiB of free heap
is kept. Bigger blocks still come from (and go back to) mmap. The cost is bounded: the process
may hold up to 64 MiB of freed memory for reuse.

Set the environment variable `GLASSGRAD_KEEP_FREED_MEMORY=0` before importing autodiff to
leave glibc's adaptive thresholds alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
ENV_VAR = "GLASSGRAD_KEEP_FREED_MEMORY"


def keep_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 64 << 20) -> bool:
    """Serve blocks under `mmap_threshold` bytes from the heap, and keep up to
    `trim_threshold` bytes of free heap in the process (glibc's M_MMAP_THRESHOLD and
    M_TRIM_THRESHOLD). Returns True when glibc accepted both, False (changing nothing) off
    glibc. Once set, glibc stops adapting the thresholds by itself."""
    for name, value in (("mmap_threshold", mmap_threshold), ("trim_threshold", trim_threshold)):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"keep_freed_memory: {name} must be an int >= 0, got {value!r}")
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(
        mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    )


_set_at_import = False  # whether importing autodiff set the thresholds


def _apply_default() -> None:
    """Called once when autodiff is imported, unless the environment opts out."""
    global _set_at_import
    if os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off"):
        _set_at_import = keep_freed_memory()
