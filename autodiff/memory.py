"""Keep freed memory in the process, so training steps reuse warm pages (Linux, glibc).

A training step allocates and frees the same big arrays every time: activations, gradients,
im2col columns, masks. glibc serves big blocks with mmap and hands free memory at the top of
its heap back to the operating system past a small threshold; it raises both thresholds as it
sees big blocks freed, but on a step of many differently-sized temporaries it keeps giving
memory back. The next step then touches fresh pages and pays a page fault (and the zeroing of a
page) for each 4 KiB of them, a large part of a conv-net step (benchmarks/README.md has the
figures).

numpy allocates through malloc and gives Python no hook for a memory pool, so the remedy is a
setting of the C library, and that belongs to the whole process: importing autodiff changes
nothing. `keep_freed_memory()` is the explicit switch. `nn.train.Trainer` turns it on when
training starts (its `keep_freed_memory` option, on by default); a loop of your own calls it
once:

    autodiff.memory.keep_freed_memory()

It sets glibc's two thresholds to the values glibc's own heuristic ends at after a 32 MiB
block: blocks under 32 MiB come from the heap, and up to 64 MiB of free heap is kept. Bigger
blocks still come from (and go back to) mmap. The cost is bounded: the process may hold up to
64 MiB of freed memory for reuse. glibc has no call that restores its adaptive thresholds, so
the setting stays for the life of the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 64 << 20) -> bool:
    """Serve blocks under `mmap_threshold` bytes from the heap, and keep up to
    `trim_threshold` bytes of free heap in the process (glibc's M_MMAP_THRESHOLD and
    M_TRIM_THRESHOLD). Returns True when glibc accepted both, False (changing nothing) off
    glibc. Process-wide and permanent: once set, glibc stops adapting the thresholds by itself.
    """
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
