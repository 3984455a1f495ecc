"""`import autodiff` changes no process-wide setting; `keep_freed_memory()` is the explicit one.

Each check runs in a fresh interpreter (`python -c`), since this test process has long since
imported autodiff and may have called `keep_freed_memory()` (the Trainer does).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

import autodiff as ad

_SNAPSHOT = """
import faulthandler, gc, json, os, signal, sys, threading, warnings
import numpy as np

def snapshot():
    return {
        "gc enabled": gc.isenabled(),
        "gc thresholds": gc.get_threshold(),
        "gc frozen": gc.get_freeze_count(),
        "recursion limit": sys.getrecursionlimit(),
        "switch interval": sys.getswitchinterval(),
        "trace/profile": repr((sys.gettrace(), sys.getprofile())),
        "numpy errors": np.geterr(),
        "numpy print options": repr(np.get_printoptions()),
        "numpy global random state": np.random.get_state()[1][:8].tolist(),
        "warning filters": [repr(f) for f in warnings.filters],
        "signal handlers": [repr(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM)],
        "threads": threading.active_count(),
        "environment": dict(os.environ),
        "faulthandler": faulthandler.is_enabled(),
    }

before = snapshot()
import autodiff
x = autodiff.Tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()  # one backward too: it must leave nothing switched either
print(json.dumps([before, snapshot()]))
"""


def test_importing_autodiff_and_a_backward_change_no_interpreter_or_numpy_setting():
    run = subprocess.run([sys.executable, "-c", _SNAPSHOT], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    before, after = json.loads(run.stdout)
    changed = sorted(key for key in before if before[key] != after[key])
    assert not changed, f"changed by `import autodiff`: {changed}"


# How the allocator behaves, read from glibc itself: is a 16 MiB block served by mmap (glibc's
# default; 1 new mmapped block), and how much of eight freed 5 MiB blocks stays resident.
_ALLOCATOR = """
import ctypes, sys
import numpy as np
if sys.argv[1] != "numpy only":
    import autodiff
if sys.argv[1] == "keep_freed_memory()":
    assert autodiff.memory.keep_freed_memory()

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2

def rss_mib():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024

mmapped = libc.mallinfo2().hblks
block = np.ones(2 << 20)  # 16 MiB
mmapped = libc.mallinfo2().hblks - mmapped
del block
start = rss_mib()
blocks = [np.ones(5 << 20, np.uint8) for _ in range(8)]
del blocks
print(mmapped, rss_mib() - start)
"""


def _allocator(setup: str) -> tuple[int, float]:
    run = subprocess.run([sys.executable, "-c", _ALLOCATOR, setup], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    mmapped, kept = run.stdout.split()
    return int(mmapped), float(kept)


def _has_mallinfo2() -> bool:
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallinfo2  # noqa: B018  (glibc >= 2.33)
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _has_mallinfo2(),
    reason="reads glibc's allocator state (mallinfo2, glibc >= 2.33)",
)
def test_importing_autodiff_leaves_the_allocator_alone_and_keep_freed_memory_changes_it():
    numpy_only = _allocator("numpy only")
    imported = _allocator("import autodiff")
    kept = _allocator("keep_freed_memory()")
    # glibc's defaults: a 16 MiB block is mmapped, and of 40 MiB of freed 5 MiB blocks about
    # one block's worth stays resident (glibc raised its thresholds to 5 MiB on the first free).
    assert numpy_only[0] == imported[0] == 1
    assert numpy_only[1] < 12 and imported[1] < 12
    # keep_freed_memory(): the 16 MiB block comes from the heap, and the freed 5 MiB blocks stay
    # for reuse (24 MiB here: three of them fit in the heap space the 16 MiB block left).
    assert kept[0] == 0 and kept[1] > 18


def test_keep_freed_memory_reports_whether_glibc_took_it_and_checks_its_arguments():
    with pytest.raises(ValueError, match="keep_freed_memory: trim_threshold must be an int >= 0"):
        ad.keep_freed_memory(trim_threshold=-1)
    with pytest.raises(ValueError, match="keep_freed_memory: mmap_threshold must be an int >= 0"):
        ad.memory.keep_freed_memory(mmap_threshold=1.5)
    run = subprocess.run(
        [sys.executable, "-c", "import autodiff; print(autodiff.keep_freed_memory())"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(sys.platform.startswith("linux"))


def test_backward_leaves_the_garbage_collector_alone_even_while_it_runs():
    # gc.disable() is process-wide: another thread allocating during our backward would run
    # without its collector. (Measured without the switch: benchmarks/README.md.)
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    seen = []
    y = x * 3
    y.register_hook(lambda g: seen.append(gc.isenabled()))
    y.sum().backward()
    assert seen == [True]
