"""Grad mode and name scopes are per thread, as in PyTorch; anomaly mode is process-wide, as in
PyTorch.

Real threads, with the interpreter switching threads every microsecond (instead of every 5 ms)
so that they interleave inside the engine: a thread evaluating under no_grad() while another
trains, two threads training separate models, concurrent `with no_grad()` blocks, backward
running next to a thread that records, name scopes entered by two threads at once.
"""

from __future__ import annotations

import importlib.util
import sys
import threading

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor

HAVE_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(autouse=True)
def fast_switching():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_threads(*targets):
    """Run each target in its own thread, started together; re-raise the first error."""
    errors = []
    start = threading.Barrier(len(targets))

    def wrap(target):
        def run():
            try:
                start.wait()
                target()
            except BaseException as err:  # noqa: BLE001 (reported to the test below)
                errors.append(err)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def train(seed, steps, lr=0.05):
    """A small linear regression trained by hand; returns the weights and the losses."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((16, 3)))
    y = Tensor(x.data @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(16))
    w = Tensor(np.zeros(3), requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        assert w.grad is not None
        losses.append(loss.item())
        with ad.no_grad():
            w -= lr * w.grad
        w.grad = None
    return w.data.copy(), losses


def test_evaluating_under_no_grad_does_not_stop_another_thread_training():
    expected_w, expected_losses = train(0, 200)
    result = {}
    done = threading.Event()

    def trainer():
        try:
            result["w"], result["losses"] = train(0, 200)
        finally:
            done.set()

    def evaluator():
        x = Tensor(np.ones((4, 3)))
        w = Tensor(np.ones(3), requires_grad=True)
        evaluations = 0
        while not done.is_set() or evaluations < 50:
            with ad.no_grad():
                out = (x @ w).tanh()
                assert not out.requires_grad and not ad.is_grad_enabled()
            evaluations += 1
        assert ad.is_grad_enabled()

    run_threads(trainer, evaluator)
    np.testing.assert_array_equal(result["w"], expected_w)
    assert result["losses"] == expected_losses


def test_two_threads_train_separate_models():
    expected = {seed: train(seed, 150) for seed in (1, 2)}
    results = {}

    def trainer(seed):
        return lambda: results.__setitem__(seed, train(seed, 150))

    run_threads(trainer(1), trainer(2))
    for seed in (1, 2):
        np.testing.assert_array_equal(results[seed][0], expected[seed][0])
        assert results[seed][1] == expected[seed][1]


def test_concurrent_no_grad_blocks_leave_every_thread_as_it_was():
    shared = ad.no_grad()  # one instance entered by every thread at once
    final = {}

    def worker(name, start_enabled):
        def run():
            ad.set_grad_enabled(start_enabled)
            for i in range(300):
                with shared:
                    assert not ad.is_grad_enabled()
                    with ad.enable_grad():
                        assert ad.is_grad_enabled()
                    with ad.no_grad():
                        assert not ad.is_grad_enabled()
                    assert not ad.is_grad_enabled()
                assert ad.is_grad_enabled() == start_enabled
                with ad.set_grad_enabled(i % 2 == 0):
                    assert ad.is_grad_enabled() == (i % 2 == 0)
                assert ad.is_grad_enabled() == start_enabled
            final[name] = ad.is_grad_enabled()

        return run

    before = ad.is_grad_enabled()
    run_threads(worker("a", True), worker("b", False), worker("c", True), worker("d", False))
    assert final == {"a": True, "b": False, "c": True, "d": False}
    assert ad.is_grad_enabled() == before  # the main thread's mode is untouched


def test_backward_does_not_switch_recording_off_for_other_threads():
    done = threading.Event()

    def backpropagates():
        try:
            w = Tensor(np.ones(50), requires_grad=True)
            for _ in range(300):
                (w * w).tanh().sum().backward()
        finally:
            done.set()

    def records():
        x = Tensor(np.ones(3), requires_grad=True)
        while not done.is_set():
            assert ad.is_grad_enabled()
            assert (x * 2).requires_grad

    run_threads(backpropagates, records)


def new_thread_modes(lib):
    """(grad mode, anomaly mode) that a new thread sees after the parent switched both."""
    seen = []
    with lib.autograd.set_grad_enabled(False):
        lib.autograd.set_detect_anomaly(True)
        try:
            thread = threading.Thread(
                target=lambda: seen.append((lib.is_grad_enabled(), lib.is_anomaly_enabled()))
            )
            thread.start()
            thread.join()
            assert not lib.is_grad_enabled()  # the parent's own mode is unchanged
        finally:
            lib.autograd.set_detect_anomaly(False)
    return seen[0]


def test_a_new_thread_starts_with_grad_enabled_and_sees_anomaly_mode():
    # Grad mode is per thread and starts enabled; anomaly mode is process-wide. Both as torch.
    assert new_thread_modes(ad) == (True, True)
    if HAVE_TORCH:
        import torch

        assert new_thread_modes(torch) == (True, True)


def test_name_scopes_are_per_thread():
    nodes = {}

    def worker(name):
        def run():
            x = Tensor(np.ones(2), requires_grad=True)
            made = []
            for i in range(200):
                with ad.name_scope(name):
                    with ad.name_scope(f"{name}{i % 3}"):
                        made.append((x * 2).grad_fn)
                    assert ad.current_scope() == (name,)
            assert ad.current_scope() == ()
            nodes[name] = made

        return run

    run_threads(worker("left"), worker("right"))
    for name, made in nodes.items():
        assert {node.scope[0] for node in made} == {name}
        assert {node.scope[1][: len(name)] for node in made} == {name}
    assert ad.current_scope() == ()


def grad_mode_inside_backward(lib):
    """is_grad_enabled() as seen by a tensor hook and by a custom Function's backward."""
    seen = []

    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            seen.append(("function", lib.is_grad_enabled()))
            return grad_output * 2

    w = lib.tensor([1.0, 2.0], requires_grad=True)
    h = Double.apply(w)
    h.register_hook(lambda g: seen.append(("hook", lib.is_grad_enabled())))
    h.sum().backward()
    assert lib.is_grad_enabled()
    return seen


def test_user_code_run_by_backward_sees_grad_mode_off():
    ours = grad_mode_inside_backward(ad)
    assert ours == [("hook", False), ("function", False)]
    if HAVE_TORCH:
        import torch

        assert grad_mode_inside_backward(torch) == ours
