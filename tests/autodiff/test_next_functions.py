"""Walking the graph PyTorch's way: `grad_fn.next_functions`, `AccumulateGrad`, `name()`.
Asserted on their own, and the shape of the walk compared with torch's where torch is
installed."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F
from autodiff.function import AccumulateGrad


def test_next_functions_lead_back_to_the_leaves():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    w = ad.tensor([3.0, 4.0], requires_grad=True)
    c = ad.tensor([5.0, 6.0])
    y = (x * w).exp() + c
    add = y.grad_fn
    assert add.name() == "AddBackward" and repr(add) == "<AddBackward>"
    (exp, _), (none, _) = add.next_functions
    assert exp.name() == "ExpBackward" and none is None  # c needs no gradient
    ((mul, index),) = exp.next_functions
    assert index == 0 and mul.name() == "MulBackward"
    (acc_x, _), (acc_w, _) = mul.next_functions
    assert isinstance(acc_x, AccumulateGrad) and acc_x.variable is x and acc_w.variable is w
    assert acc_x.next_functions == () and acc_x.name() == "AccumulateGrad"
    assert repr(acc_x) == "<AccumulateGrad>"


def test_constant_operands_have_no_edge():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    assert len((x * 2).grad_fn.next_functions) == 1
    assert len((2 - x).grad_fn.next_functions) == 1
    labels = ad.tensor([0, 1])
    loss = F.cross_entropy(ad.stack([x, x]), labels)
    assert all(node is not None for node, _ in loss.grad_fn.next_functions)


def test_a_leafs_accumulate_grad_is_one_node_while_held():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    held = (x * 2).grad_fn.next_functions[0][0]
    assert (x + 1).grad_fn.next_functions[0][0] is held
    assert (x * x).grad_fn.next_functions[1][0] is held
    del held
    gc.collect()
    assert len(AccumulateGrad._held) == 0 or all(
        n.variable is not x for n in AccumulateGrad._held.values()
    )


def test_the_walk_outlives_backward():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    ((mul, _),) = loss.grad_fn.next_functions
    assert [node.variable for node, _ in mul.next_functions] == [x, x]


def test_the_blitz_walk_from_a_loss_to_its_layers():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    loss = F.mse_loss(net(ad.randn(2, 3)), ad.zeros(2, 1))
    seen, stack = set(), [loss.grad_fn]
    leaves = []
    while stack:  # every parameter is reached, and nothing else requires grad
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for nxt, _ in node.next_functions:
            if isinstance(nxt, AccumulateGrad):
                leaves.append(nxt.variable)
            elif nxt is not None:
                stack.append(nxt)
    assert {id(p) for p in leaves} == {id(p) for p in net.parameters()}


def _shape_of_walk(root, is_acc, leaf_names, depth=6):
    """The walk as nested tuples: 'leaf:<name>', None, or (node, [children])."""

    def walk(node, depth):
        if node is None:
            return None
        if is_acc(node):
            return "leaf:" + leaf_names[id(node.variable)]
        if depth == 0:
            return "..."
        return tuple(walk(n, depth - 1) for n, _ in node.next_functions)

    return walk(root, depth)


@pytest.mark.parametrize(
    "build",
    [
        lambda t, F, x, w, c: (x * c).sum(),
        lambda t, F, x, w, c: (x @ w).exp().mean(),
        lambda t, F, x, w, c: t.cat([x, c, x]).sum(),
        lambda t, F, x, w, c: F.relu(x * w.sum()).sum(),
        lambda t, F, x, w, c: x.reshape(6)[1:].sum() * w.t().sum(),
    ],
)
def test_the_walk_matches_torchs(build):
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    import torch.nn.functional as TF

    rng = np.random.default_rng(0)
    arrays = rng.standard_normal((2, 3)), rng.standard_normal((3, 2)), rng.standard_normal((2, 3))

    def run(lib, functional, acc_type):
        x = lib.tensor(arrays[0], requires_grad=True)
        w = lib.tensor(arrays[1], requires_grad=True)
        c = lib.tensor(arrays[2])
        names = {id(x): "x", id(w): "w"}
        root = build(lib, functional, x, w, c).grad_fn
        return _shape_of_walk(root, lambda n: type(n).__name__ == acc_type, names)

    assert run(ad, F, "AccumulateGrad") == run(torch, TF, "AccumulateGrad")
