"""How many threads glassgrad's kernels run on: `set_num_threads`, and the pool that runs them.

PyTorch's `torch.set_num_threads(n)` spreads each large kernel over n threads. Ours does the
same for the kernels that carry a network's work (GEMMs of matmul, linear and conv2d, im2col and
col2im, pooling, ReLU): each cuts its batch into n parts and runs them at once, numpy releasing
the GIL inside its loops. The default is one thread — then nothing here runs, and numpy's BLAS
threads its GEMMs as it always does.

Why glassgrad takes BLAS's threads over when n > 1: OpenBLAS's worker threads keep spinning on
their core for a while after each threaded GEMM (about 0.1 s), so the numpy kernels that follow
a GEMM get no second core; and a GEMM threaded by BLAS inside one of our parts would ask for
cores our other parts are using. So with n > 1 BLAS runs one thread per caller (through
threadpoolctl, which knows OpenBLAS, MKL and BLIS), and glassgrad splits its GEMMs itself.
That is a process-wide change, made only by this explicit call, as `torch.set_num_threads`
changes its own process-wide settings; numpy products in your own code then run on one thread,
and `set_num_threads(1)` gives BLAS its own setting back. (Figures: benchmarks/README.md.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

_lock = threading.Lock()
_num_threads = 1
_pool: ThreadPoolExecutor | None = None
_blas_limit: Any = None  # threadpoolctl's limiter while BLAS is held at one thread

# A part with less work than this is not worth a thread: handing one over and waiting for it
# costs tens of microseconds, so a part should take a few hundred. Work is counted in
# multiply-adds for products, in elements for the memory-bound kernels (pooling, ReLU).
# (Measured on W2 and W3, whose small convolutions got slower when split finer: README.)
MIN_WORK_PER_THREAD = 1 << 21
MIN_ELEMENTS_PER_THREAD = 1 << 18


def get_num_threads() -> int:
    """The number of threads glassgrad's kernels use (1 unless `set_num_threads` said more)."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Run glassgrad's large kernels on `n` threads (PyTorch's `torch.set_num_threads`).

    With n > 1, BLAS is held at one thread per caller while glassgrad splits the GEMMs (see
    the module docstring); `set_num_threads(1)` restores BLAS's own setting. Process-wide.
    """
    global _num_threads, _pool, _blas_limit
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    n = int(n)
    with _lock:
        if n > 1 and _blas_limit is None:
            _blas_limit = _hold_blas_at_one_thread()
        if n == 1 and _blas_limit is not None:
            _blas_limit.restore_original_limits()
            _blas_limit = None
        if _pool is not None:
            _pool.shutdown(wait=True)
            _pool = None
        if n > 1:
            _pool = ThreadPoolExecutor(n - 1, thread_name_prefix="glassgrad")
        _num_threads = n


def _hold_blas_at_one_thread() -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError as error:  # a dependency of glassgrad: only a broken install lacks it
        raise RuntimeError(
            "set_num_threads: threadpoolctl is needed to keep BLAS's threads from competing "
            "with glassgrad's (pip install threadpoolctl)"
        ) from error
    return threadpool_limits(limits=1, user_api="blas")


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
    hand back)."""
    pool = _pool
    if len(pieces) == 1 or pool is None:
        return [task(p) for p in pieces]
    errors = np.geterr()

    def in_callers_errstate(piece: slice) -> T:
        with np.errstate(**errors):
            return task(piece)

    futures = [pool.submit(in_callers_errstate, p) for p in pieces[1:]]
    try:
        first = task(pieces[0])
    finally:
        others = [_outcome(f) for f in futures]
    for outcome in others:
        if isinstance(outcome, BaseException):
            raise outcome
    return [first, *others]


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
