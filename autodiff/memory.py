"""An allocator knob for training loops: keep freed memory in the process (Linux, glibc).

glibc hands large freed blocks back to the operating system, so a training step that frees its
big temporaries (activations, im2col columns, gradients) touches fresh pages on the next step
and pays a page fault per 4 KiB — measured at a third of a conv-net step here (see
benchmarks/README.md). `keep_freed_memory()` raises glibc's mmap and trim thresholds so those
blocks stay in the process and are reused warm. It changes an allocator setting for the whole
process, so it is opt-in; memory above the thresholds is still returned.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold: int = 64 << 20, trim_threshold: int = 256 << 20) -> bool:
    """Ask glibc to serve blocks below `mmap_threshold` bytes from the heap and to keep up to
    `trim_threshold` bytes of freed heap. Returns False (and changes nothing) off glibc."""
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
