"""nn.DataParallel: a batch split over worker processes gives what the module gives on the whole
batch, values and gradients (float64, to summation-order noise); training in it follows training
without it; and what it cannot do fails at the line, naming DataParallel."""

from __future__ import annotations

import copy
import gc
import threading

import numpy as np
import pytest
from parallel_support import BreaksInWorker, Dropper, FailsOnLarge, Normed, TwoHeads, small_cnn

import autodiff
import nn
from autodiff import Tensor

TOL = dict(rtol=1e-10, atol=1e-12)


def batch(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 1, 8, 8))


def grads(module: nn.Module) -> list:
    return [None if p.grad is None else p.grad.data for p in module.parameters()]


@pytest.fixture(scope="module")
def cnn_pair():
    """A small CNN in two processes, and a copy of it that runs alone."""
    net = small_cnn()
    alone = copy.deepcopy(net)
    with nn.DataParallel(net, processes=2) as parallel:
        yield parallel, net, alone


@pytest.mark.parametrize("n", [64, 5, 2, 1])
def test_values_and_gradients_match_the_module_alone(cnn_pair, n):
    parallel, net, alone = cnn_pair
    x = batch(n, seed=n)
    targets = np.arange(n) % 5
    net.zero_grad(), alone.zero_grad()
    x_parallel, x_alone = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    out = parallel(x_parallel)
    loss = nn.CrossEntropyLoss()(out, targets)
    loss.backward()
    want = alone(x_alone)
    nn.CrossEntropyLoss()(want, targets).backward()
    assert out.shape == want.shape == (n, 5)
    np.testing.assert_allclose(out.data, want.data, **TOL)
    for got, expected in zip(grads(net), grads(alone), strict=True):
        np.testing.assert_allclose(got, expected, **TOL)
    np.testing.assert_allclose(x_parallel.grad.data, x_alone.grad.data, **TOL)


def test_the_graph_shows_the_workers_part(cnn_pair):
    parallel, _, _ = cnn_pair
    out = parallel(Tensor(batch(6)))
    ops = {node.op_name() for node in autodiff.topological_order([out.grad_fn])}
    assert {"to_workers", "from_workers", "conv2d"} <= ops


def test_training_steps_follow_training_alone():
    net = small_cnn()
    alone = copy.deepcopy(net)
    x, t = batch(32, seed=1), np.arange(32) % 5
    with nn.DataParallel(net, processes=2) as parallel:
        for model, params in ((parallel, net.parameters()), (alone, alone.parameters())):
            optimizer = nn.optim.Adam(params, lr=1e-2)
            for _ in range(4):
                optimizer.zero_grad()
                nn.CrossEntropyLoss()(model(Tensor(x)), t).backward()
                optimizer.step()  # in place, in the shared block: the worker sees it
        for p, q in zip(net.parameters(), alone.parameters(), strict=True):
            np.testing.assert_allclose(p.data, q.data, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(parallel(Tensor(x)).data, alone(Tensor(x)).data, **TOL)


def test_new_parameter_values_reach_the_workers(cnn_pair):
    parallel, net, alone = cnn_pair
    x = Tensor(batch(8, seed=2))
    fresh = small_cnn()
    for p in fresh.parameters():
        p.data = p.data * 1.5
    net.load_state_dict(fresh.state_dict())
    alone.load_state_dict(fresh.state_dict())
    np.testing.assert_allclose(parallel(x).data, alone(x).data, **TOL)
    first = next(net.parameters())
    first.data = np.zeros_like(first.data)  # a new array: copied into the shared block
    next(alone.parameters()).data = np.zeros_like(first.data)
    np.testing.assert_allclose(parallel(x).data, alone(x).data, **TOL)


def test_frozen_parameters_get_no_gradient(cnn_pair):
    parallel, net, _ = cnn_pair
    first = next(net.parameters())
    first.requires_grad = False
    try:
        net.zero_grad()
        parallel(Tensor(batch(6))).sum().backward()
        assert first.grad is None
        assert all(p.grad is not None for p in list(net.parameters())[1:])
    finally:
        first.requires_grad = True


def test_no_grad_and_eval(cnn_pair):
    parallel, _, alone = cnn_pair
    x = Tensor(batch(7, seed=3))
    with autodiff.no_grad():
        out = parallel(x)
    assert not out.requires_grad
    np.testing.assert_allclose(out.data, alone(x).data, **TOL)


def test_the_workers_drop_graphs_that_are_gone(cnn_pair):
    parallel, _, _ = cnn_pair
    for _ in range(5):
        out = parallel(Tensor(batch(4)))
        out.sum().backward()
    kept = out.grad_fn  # the last step's graph is alive
    del out
    gc.collect()
    parallel(Tensor(batch(4))).sum()  # carries the finished steps to the worker
    (held,) = parallel._workers.held()
    assert len(held) <= 2, held  # this forward's graph and `kept`'s step at most
    del kept


def test_threads_sharing_one_dataparallel_get_their_own_gradients(cnn_pair):
    parallel, net, alone = cnn_pair
    params, alone_params = list(net.parameters()), list(alone.parameters())
    failures = []

    def work(seed: int) -> None:
        try:
            for step in range(4):
                x = batch(6 + seed, seed=10 * seed + step)
                got = autodiff.gradients(parallel(Tensor(x)).sum(), params)
                want = autodiff.gradients(alone(Tensor(x)).sum(), alone_params)
                for g, w in zip(got, want, strict=True):
                    np.testing.assert_allclose(g.data, w.data, **TOL)
        except Exception as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not failures, failures


def test_keyword_and_structured_inputs_and_outputs():
    module = TwoHeads()
    alone = copy.deepcopy(module)
    x = np.random.default_rng(4).standard_normal((6, 3))
    shift = np.random.default_rng(5).standard_normal((6, 4))
    with nn.DataParallel(module, processes=2) as parallel:
        out, extra = parallel(Tensor(x), shift=Tensor(shift), scale=0.5)
        want, want_extra = alone(Tensor(x), shift=Tensor(shift), scale=0.5)
        assert extra["label"] == "two-heads"
        np.testing.assert_allclose(out.data, want.data, **TOL)
        np.testing.assert_allclose(extra["hidden"].data, want_extra["hidden"].data, **TOL)
        (out.sum() + extra["hidden"].pow(2).sum()).backward()
        (want.sum() + want_extra["hidden"].pow(2).sum()).backward()
        for got, expected in zip(grads(module), grads(alone), strict=True):
            np.testing.assert_allclose(got, expected, **TOL)


def test_a_hook_on_a_parameter_sees_the_summed_gradient(cnn_pair):
    parallel, net, alone = cnn_pair
    seen = []
    last = list(net.parameters())[-1]
    handle = last.register_hook(lambda g: seen.append(g.data.copy()))
    try:
        net.zero_grad(), alone.zero_grad()
        x = batch(10, seed=6)
        parallel(Tensor(x)).sum().backward()
        alone(Tensor(x)).sum().backward()
    finally:
        handle.remove()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], list(alone.parameters())[-1].grad.data, **TOL)


def test_buffers_go_to_the_workers_and_their_changes_stay_there():
    module = Normed()
    x = np.random.default_rng(8).standard_normal((8, 3))
    first_half = copy.deepcopy(module)
    with nn.DataParallel(module, processes=2) as parallel:
        out = parallel(Tensor(x))
        first_half(Tensor(x[:4]))  # PyTorch's rule: the caller's replica's statistics
        np.testing.assert_allclose(module.bn.running_mean.data, first_half.bn.running_mean.data)
        # Each chunk is normalised with its own batch statistics, as in PyTorch
        second_half = copy.deepcopy(first_half)
        np.testing.assert_allclose(out.data[4:], second_half(Tensor(x[4:])).data, **TOL)
        module.eval(), first_half.eval()
        np.testing.assert_allclose(parallel(Tensor(x)).data, first_half(Tensor(x)).data, **TOL)


def test_workers_draw_their_own_random_numbers():
    with nn.DataParallel(Dropper(), processes=2) as parallel:
        out = parallel(Tensor(np.ones((2, 4000))))
    here, there = out.data[0] != 0, out.data[1] != 0
    assert 0.45 < here.mean() < 0.55 and 0.45 < there.mean() < 0.55
    assert (here != there).mean() > 0.4  # copies of one generator would give the same mask


def test_a_worker_error_is_raised_here_with_its_type_and_traceback():
    with nn.DataParallel(FailsOnLarge(), processes=2) as parallel:
        x = np.zeros((4, 2))
        x[3] = 1000  # in the worker's chunk
        with pytest.raises(ValueError, match=r"Caught ValueError in DataParallel worker 1"):
            parallel(Tensor(x))
        out = parallel(Tensor(np.zeros((4, 2))))  # the worker goes on serving
        assert out.shape == (4, 2)


def test_a_worker_that_cannot_start_fails_the_constructor():
    module = BreaksInWorker()
    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataParallel worker 1 .ready"):
        nn.DataParallel(module, processes=2)
    assert all(p.data.flags.owndata for p in module.parameters())


def test_a_dead_worker_is_reported():
    parallel = nn.DataParallel(small_cnn(), processes=2)
    try:
        parallel(Tensor(batch(4)))
        process = parallel._workers.processes[0]
        process.kill()
        process.join()
        with pytest.raises(RuntimeError, match=r"DataParallel: worker process 1 .* has exited"):
            parallel(Tensor(batch(4)))
    finally:
        parallel.close()


def test_close_gives_the_parameters_their_own_arrays_back():
    net = small_cnn()
    values = [p.data.copy() for p in net.parameters()]
    parallel = nn.DataParallel(net, processes=2)
    assert all(not p.data.flags.owndata for p in net.parameters())  # views of the block
    parallel.close()
    for p, v in zip(net.parameters(), values, strict=True):
        assert p.data.flags.owndata
        np.testing.assert_array_equal(p.data, v)
    assert parallel(Tensor(batch(3))).shape == (3, 5)  # now runs in this process only


def test_what_is_not_supported_fails_at_the_line(cnn_pair):
    parallel, net, _ = cnn_pair
    with pytest.raises(TypeError, match="DataParallel: got a numpy array"):
        parallel(batch(4))
    with pytest.raises(ValueError, match="pass processes=N"):
        nn.DataParallel(net, device_ids=[0, 1])
    with pytest.raises(ValueError, match="processes must be an int >= 1"):
        nn.DataParallel(net, processes=0)
    x = Tensor(batch(4), requires_grad=True)
    (g,) = autodiff.gradients(parallel(x).sum(), x, create_graph=False)
    with pytest.raises(RuntimeError, match="does not support create_graph"):
        autodiff.gradients(parallel(x).sum(), x, create_graph=True)
    unpicklable = small_cnn()
    unpicklable.note = lambda: None
    with pytest.raises(TypeError, match="cannot be sent to the worker processes"):
        nn.DataParallel(unpicklable, processes=2)
    assert all(p.data.flags.owndata for p in unpicklable.parameters())


def test_it_cannot_be_copied_but_its_module_can(cnn_pair):
    parallel, net, _ = cnn_pair
    with pytest.raises(TypeError, match="DataParallel cannot be copied or pickled"):
        copy.deepcopy(parallel)
    twin = copy.deepcopy(net)
    x = Tensor(batch(3))
    np.testing.assert_array_equal(twin(x).data, net(x).data)


def test_a_changed_module_must_be_wrapped_again():
    net = small_cnn()
    with nn.DataParallel(net, processes=2) as parallel:
        net.append(nn.Linear(5, 2).double())
        with pytest.raises(RuntimeError, match="build a new DataParallel"):
            parallel(Tensor(batch(4)))


def test_one_process_runs_the_module_here():
    net = small_cnn()
    parallel = nn.DataParallel(net, processes=1)
    x = Tensor(batch(4))
    np.testing.assert_array_equal(parallel(x).data, net(x).data)
    assert parallel.state_dict().keys() == {f"module.{k}" for k in net.state_dict()}
