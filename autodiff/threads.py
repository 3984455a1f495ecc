"""How many threads glassgrad's kernels run on: `set_num_threads`, and the pool that runs them.

PyTorch's `torch.set_num_threads(n)` spreads each large kernel over n threads. Ours does the
same for the kernels that carry a network's work (GEMMs of matmul, linear and conv2d, im2col and
col2im, pooling, ReLU): each cuts its batch into n parts and runs them at once, numpy releasing
the GIL inside its loops. The default is one thread — then nothing here runs, and numpy's BLAS
threads its GEMMs as it always does.

While a kernel's parts run, BLAS is held at one thread (through threadpoolctl, which knows
OpenBLAS, MKL and BLIS) and given its setting back as soon as they are done: a GEMM in a part
must not ask BLAS's threads for the cores the other parts are using. Everything else — a
product too small to split, numpy in your own code — keeps BLAS's own threads. Handing a part
to another thread costs tens of microseconds here, so only work of a few hundred microseconds
a part is split (MIN_WORK_PER_THREAD). (Figures: benchmarks/README.md, "Threads".)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

_lock = threading.Lock()
_num_threads = 1
_pool: ThreadPoolExecutor | None = None
_blas: list[Any] = []  # (get, set) of each loaded BLAS library's thread count
_holding = 0  # how many `run`s are holding BLAS at one thread (calls from several threads)
_blas_threads: list[int] = []  # what BLAS had before the first of them
_in_part = threading.local()  # set on a pool thread while it runs a part

# A part with less work than this is not worth a thread: handing one over and waiting for it
# costs 50-80 us on this project's machine, so a part should take a few hundred. Work is
# counted in multiply-adds for products (a 16 M part takes ~0.3 ms), in elements for the
# memory-bound kernels (pooling, ReLU). (Measured on W1-W3: benchmarks/README.md, "Threads".)
MIN_WORK_PER_THREAD = 1 << 24
MIN_ELEMENTS_PER_THREAD = 1 << 19


def get_num_threads() -> int:
    """The number of threads glassgrad's kernels use (1 unless `set_num_threads` said more)."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Run glassgrad's large kernels on `n` threads (PyTorch's `torch.set_num_threads`).

    Process-wide, like PyTorch's: call it before training, not while other threads run
    glassgrad ops. BLAS keeps its own setting (see the module docstring).
    """
    global _num_threads, _pool
    # PyTorch's errors: a RuntimeError for a non-int (bool included) and for n < 1
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    n = int(n)
    with _lock:
        if n > 1 and not _blas:
            _blas.extend(_blas_controllers())
        if _pool is not None:
            _pool.shutdown(wait=True)
            _pool = None
        if n > 1:
            _pool = ThreadPoolExecutor(n - 1, thread_name_prefix="glassgrad")
        _num_threads = n


def _after_fork_in_child() -> None:
    """Make the pool usable again in a child process forked from this one.

    Only the forking thread lives on in the child: the pool's threads are gone (a part
    submitted to the old executor would wait for them for ever), a lock that another thread
    held at the fork stays held, and a `run` that was under way in another thread left BLAS
    held at one thread with nobody to give it back. So the child gets a fresh lock, BLAS its
    setting back, and a new executor (which starts its threads at the first split kernel).
    """
    global _lock, _pool, _holding
    _lock = threading.Lock()
    if _holding:
        for (_, set_threads), threads in zip(_blas, _blas_threads):
            set_threads(threads)
        _holding = 0
    if _pool is not None:
        _pool = ThreadPoolExecutor(_num_threads - 1, thread_name_prefix="glassgrad")


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _blas_controllers() -> list[Any]:
    """A (get_num_threads, set_num_threads) pair for each BLAS library numpy has loaded."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError as error:  # a dependency of glassgrad: only a broken install lacks it
        raise RuntimeError(
            "set_num_threads: threadpoolctl is needed to keep BLAS's threads from competing "
            "with glassgrad's (pip install threadpoolctl)"
        ) from error
    controls = []
    for lib in ThreadpoolController().select(user_api="blas").lib_controllers:
        setter = lib.set_num_threads
        if lib.internal_api == "openblas" and getattr(lib, "threading_layer", "") != "openmp":
            # threadpoolctl lets only the first thread that set OpenBLAS's (process-wide)
            # count set it again, silently; glassgrad's kernels run on any thread
            setter = _openblas_setter(lib.filepath) or setter
        controls.append((lib.get_num_threads, setter))
    return controls


def _openblas_setter(path: str) -> Callable[[int], None] | None:
    import ctypes

    library = ctypes.CDLL(path)
    for prefix in ("", "scipy_"):
        for suffix in ("", "64_", "_64"):
            setter = getattr(library, f"{prefix}openblas_set_num_threads{suffix}", None)
            if setter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                return setter
    return None


def _hold_blas() -> None:
    """BLAS at one thread, until the matching `_release_blas` (nested and concurrent calls
    count: the last one out restores what the first one in found)."""
    global _holding
    with _lock:
        if _holding == 0:
            _blas_threads[:] = [get() for get, _ in _blas]
            for _, set_threads in _blas:
                set_threads(1)
        _holding += 1


def _release_blas() -> None:
    global _holding
    with _lock:
        _holding -= 1
        if _holding == 0:
            for (_, set_threads), threads in zip(_blas, _blas_threads):
                set_threads(threads)


def parts(n: int, work: int, minimum: int | None = None) -> list[slice]:
    """Consecutive slices of range(n), one per thread that gets at least `minimum` of the
    `work` (MIN_WORK_PER_THREAD multiply-adds by default); a single slice when one thread is
    set, or the work is small."""
    minimum = MIN_WORK_PER_THREAD if minimum is None else minimum
    count = min(_num_threads, n, max(1, work // max(1, minimum)))
    if count <= 1:
        return [slice(0, n)]
    bounds = [n * i // count for i in range(count + 1)]
    return [slice(bounds[i], bounds[i + 1]) for i in range(count)]


def run(task: Callable[[slice], T], pieces: Sequence[slice]) -> list[T]:
    """[task(p) for p in pieces], the pieces after the first on the pool's threads at once.

    The calling thread runs the first piece itself; the others run under its numpy error
    settings (`np.errstate` is per thread). An exception in any piece is raised here, after
    every piece has finished (no piece is left writing into an array the caller is about to
    hand back). BLAS runs one thread meanwhile. A part that calls `run` runs its pieces
    itself (the pool's threads are busy with their own parts), and so does a `run` the pool
    refuses: once the interpreter is shutting down (an `atexit` handler), it starts no
    threads."""
    pool = _pool
    if len(pieces) == 1 or pool is None or getattr(_in_part, "active", False):
        return [task(p) for p in pieces]
    errors = np.geterr()

    def in_callers_errstate(piece: slice) -> T:
        _in_part.active = True
        try:
            with np.errstate(**errors):
                return task(piece)
        finally:
            _in_part.active = False

    _hold_blas()
    try:
        futures = []
        for piece in pieces[1:]:
            try:
                futures.append(pool.submit(in_callers_errstate, piece))
            except RuntimeError:  # shut down (atexit, or set_num_threads meanwhile): refused
                break
        mine = [pieces[0], *pieces[1 + len(futures) :]]  # the first, and any refused
        try:
            _in_part.active = True
            first, *refused = (task(p) for p in mine)
        finally:
            _in_part.active = False
            others = [_outcome(f) for f in futures]
    finally:
        _release_blas()
    for outcome in others:
        if isinstance(outcome, BaseException):
            raise outcome
    return [first, *others, *refused]


def _outcome(future) -> Any:
    try:
        return future.result()
    except BaseException as error:  # re-raised by `run`, once every piece has finished
        return error


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """np.matmul(a, b) for 2-d arrays, its rows (or, for a short a, b's columns) split over the
    threads. The same products summed in the same order per element as one GEMM on one thread;
    BLAS's blocking may differ, so bits can differ from np.matmul in the last place."""
    m, k = a.shape
    n = b.shape[1]
    if out is None:
        out = np.empty((m, n), dtype=np.result_type(a, b))
    work = m * k * n
    if _num_threads == 1 or work < 2 * MIN_WORK_PER_THREAD:
        return np.matmul(a, b, out=out)
    if m >= n:
        pieces = parts(m, work)
        run(lambda p: np.matmul(a[p], b, out=out[p]), pieces)
    else:
        pieces = parts(n, work)
        run(lambda p: np.matmul(a, b[:, p], out=out[:, p]), pieces)
    return out


def ufunc(function: np.ufunc, *operands: Any) -> np.ndarray:
    """function(*operands) for arrays of one shape (and scalars), split along the first axis
    over the threads: the same bits as the plain call, which it is on one thread or a small
    array."""
    arrays = [type(o) is np.ndarray for o in operands]
    first = operands[arrays.index(True)] if any(arrays) else None
    if (
        _num_threads == 1
        or first is None
        or first.ndim == 0
        or first.size < 2 * MIN_ELEMENTS_PER_THREAD
        or any(a and o.shape != first.shape for o, a in zip(operands, arrays))
    ):
        return function(*operands)
    signature = tuple(o.dtype if a else type(o) for o, a in zip(operands, arrays))
    out = np.empty(first.shape, dtype=function.resolve_dtypes((*signature, None))[-1])

    def part(rows: slice) -> None:
        function(*(o[rows] if a else o for o, a in zip(operands, arrays)), out=out[rows])

    run(part, parts(len(first), first.size, MIN_ELEMENTS_PER_THREAD))
    return out
