"""autodiff.threads: set_num_threads / get_num_threads, the pool, and its split kernels."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from unittest import mock

import numpy as np
import pytest
from fork_support import in_forked_child

import autodiff
from autodiff import threads


@pytest.fixture
def two_threads():
    """Two glassgrad threads, every kernel split however small (restored afterwards)."""
    autodiff.set_num_threads(2)
    try:
        with (
            mock.patch.object(threads, "MIN_WORK_PER_THREAD", 1),
            mock.patch.object(threads, "MIN_ELEMENTS_PER_THREAD", 1),
        ):
            yield
    finally:
        autodiff.set_num_threads(1)


def _blas_threads() -> list[int]:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def test_one_thread_by_default_and_no_pool():
    assert autodiff.get_num_threads() == 1
    assert threads._pool is None


@pytest.mark.parametrize(
    "bad, message",
    [
        (0, "expects a positive integer"),
        (-1, "expects a positive integer"),
        (1.5, "expects an int, but got float"),
        ("2", "expects an int, but got str"),
        (True, "expects an int, but got bool"),
        (None, "expects an int, but got NoneType"),
    ],
)
def test_set_num_threads_refuses_what_is_not_a_positive_int_as_torch_does(bad, message):
    # torch 2.13: RuntimeError("set_num_threads expects a positive integer") and
    # RuntimeError("set_num_threads expects an int, but got float"), and so on
    with pytest.raises(RuntimeError, match=f"set_num_threads {message}"):
        autodiff.set_num_threads(bad)
    assert autodiff.get_num_threads() == 1


def test_blas_keeps_its_threads_except_while_parts_run(two_threads):
    before = _blas_threads()
    assert before, "numpy's BLAS should be visible to threadpoolctl"
    assert _blas_threads() == before  # set_num_threads(2) itself changes nothing
    seen = threads.run(lambda piece: _blas_threads(), [slice(0, 1), slice(1, 2)])
    assert seen == [[1] * len(before)] * 2  # both parts ran with BLAS at one thread
    assert _blas_threads() == before  # and it got its setting back
    with pytest.raises(ZeroDivisionError):  # also when a part fails
        threads.run(lambda piece: 1 / 0, [slice(0, 1), slice(1, 2)])
    assert _blas_threads() == before


def test_a_part_that_runs_parts_runs_them_itself(two_threads):
    def inner(piece):
        return threading.get_ident()

    def outer(piece):
        idents = threads.run(inner, [slice(0, 1), slice(1, 2)])
        return len(set(idents)) == 1 and idents[0] == threading.get_ident()

    assert threads.run(outer, [slice(0, 1), slice(1, 2)]) == [True, True]


def test_runs_from_several_threads_at_once_give_blas_back_once_all_are_done(two_threads):
    before = _blas_threads()
    barrier = threading.Barrier(3)
    results = []

    def task(piece):
        time.sleep(0.02)
        return _blas_threads()

    def caller():
        barrier.wait()
        results.append(threads.run(task, [slice(0, 1), slice(1, 2)]))

    callers = [threading.Thread(target=caller) for _ in range(3)]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join()
    assert all(seen == [[1] * len(before)] * 2 for seen in results) and len(results) == 3, results
    assert _blas_threads() == before
    assert threads._holding == 0


def test_parts_cover_the_range_once_and_respect_the_minimum_work():
    autodiff.set_num_threads(3)
    try:
        pieces = threads.parts(10, work=10 * threads.MIN_WORK_PER_THREAD)
        assert [(p.start, p.stop) for p in pieces] == [(0, 3), (3, 6), (6, 10)]
        assert threads.parts(10, work=threads.MIN_WORK_PER_THREAD) == [slice(0, 10)]
        assert len(threads.parts(2, work=10**12)) == 2  # never more parts than items
    finally:
        autodiff.set_num_threads(1)


def test_run_uses_other_threads_and_keeps_the_order(two_threads):
    seen = []

    def task(piece):
        seen.append(threading.get_ident())
        return piece.start

    assert threads.run(task, threads.parts(8, work=8)) == [0, 4]
    assert len(set(seen)) == 2


def test_an_error_in_a_piece_is_raised_after_every_piece_finished(two_threads):
    finished = []

    def task(piece):
        if piece.start == 0:
            raise KeyError("first piece")
        time.sleep(0.05)
        finished.append(piece.start)

    with pytest.raises(KeyError, match="first piece"):
        threads.run(task, [slice(0, 1), slice(1, 2)])
    assert finished == [1]

    def other_fails(piece):
        if piece.start == 1:
            raise ValueError("second piece")

    with pytest.raises(ValueError, match="second piece"):
        threads.run(other_fails, [slice(0, 1), slice(1, 2)])


def test_pieces_run_under_the_callers_numpy_error_settings(two_threads):
    # np.errstate is per thread: a worker must not ignore what the caller asked for.
    x = np.ones((4, 1000))
    zeros = np.zeros((4, 1000))
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        threads.ufunc(np.divide, x, zeros)
    with np.errstate(divide="ignore"):
        assert np.isinf(threads.ufunc(np.divide, x, zeros)).all()


@pytest.mark.parametrize("shape", [(7, 5, 3), (5, 7, 3), (1, 9, 9), (9, 1, 9), (9, 9, 1)])
def test_matmul_matches_numpy(two_threads, shape):
    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    got = threads.matmul(a, b)
    np.testing.assert_allclose(got, a @ b, rtol=1e-13, atol=1e-13)
    got32 = threads.matmul(a.astype(np.float32), b.T.astype(np.float32).T)  # F-ordered b
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, (a @ b).astype(np.float32), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "function, operands",
    [
        (np.maximum, lambda x: (x, np.zeros_like(x))),
        (np.greater, lambda x: (x, 0)),
        (np.multiply, lambda x: (x, x > 0)),
    ],
)
def test_ufunc_gives_the_plain_calls_bits(two_threads, function, operands):
    x = np.random.default_rng(1).standard_normal((6, 5, 4)).astype(np.float32)
    x[0, 0, :3] = [np.nan, np.inf, -0.0]
    args = operands(x)
    got, want = threads.ufunc(function, *args), function(*args)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert threads.ufunc(function, *operands(np.float32(2.0))) == function(*operands(2.0))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() of a threaded process
def test_a_child_forked_while_a_run_is_under_way_gets_a_working_pool(two_threads):
    """A child forked (multiprocessing's default on Linux) while another thread is inside
    `run` — its parts on the pool's threads, BLAS held — and the module's lock is held has
    none of those threads: its own runs must still finish, and BLAS get its setting back."""
    before = _blas_threads()
    started, release = threading.Barrier(3), threading.Event()

    def waiting_part(piece):
        started.wait(timeout=10)
        release.wait(timeout=10)
        return piece.start

    caller = threading.Thread(target=threads.run, args=(waiting_part, [slice(0, 1), slice(1, 2)]))
    caller.start()
    try:
        started.wait(timeout=10)  # both parts are running: BLAS is held at one thread
        assert threads._holding == 1 and _blas_threads() == [1] * len(before)

        def child() -> bool:
            got = threads.run(lambda piece: threading.get_ident(), [slice(0, 1), slice(1, 2)])
            return len(set(got)) == 2 and _blas_threads() == before and threads._holding == 0

        assert in_forked_child(child, held=threads._lock) == 0
    finally:
        release.set()
        caller.join()
    assert _blas_threads() == before and threads._holding == 0


def test_a_run_in_an_atexit_handler_runs_its_parts_itself():
    # Once the interpreter is shutting down, the pool refuses new work: a kernel split in an
    # atexit handler (saving or evaluating a model on the way out) runs every part itself.
    script = """
import atexit, threading
import autodiff
from autodiff import threads

autodiff.set_num_threads(2)

def at_exit():
    got = threads.run(lambda p: (p.start, threading.get_ident()), threads.parts(3, 10**12))
    print([start for start, _ in got], {ident for _, ident in got} == {threading.get_ident()})

atexit.register(at_exit)
"""
    command = [sys.executable, "-c", script]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    assert proc.stdout.strip() == "[0, 1] True"


def test_a_run_on_a_pool_shut_down_meanwhile_runs_its_parts_itself(two_threads):
    # What a run on another thread sees when set_num_threads replaces the pool under it (the
    # docs ask not to, but the run must still finish, and right): the old pool refuses work.
    pool = threads._pool
    pool.shutdown(wait=True)
    try:
        got = threads.run(lambda p: (p.start, threading.get_ident()), [slice(0, 1), slice(1, 2)])
        assert got == [(0, threading.get_ident()), (1, threading.get_ident())]
        assert threads._holding == 0
    finally:
        autodiff.set_num_threads(2)  # a working pool again for the fixture to close
