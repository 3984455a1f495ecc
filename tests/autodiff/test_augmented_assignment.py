"""`x += y`, `-=`, `*=`, `/=`, `**=` are in place, as in PyTorch.

The same tensor object afterwards (it stays the leaf that requires grad), its version bumped,
its dtype and shape kept; PyTorch's errors for a leaf that requires grad outside no_grad(), for
a result that does not fit the dtype and for an operand that would change the shape; and a
clear error, never a lost gradient, where PyTorch records an in-place op and glassgrad does
not. Compared with torch where it is installed.
"""

from __future__ import annotations

import importlib.util
import math
import re

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor

HAVE_TORCH = importlib.util.find_spec("torch") is not None
LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation"

AUGMENTED = {
    "+=": lambda x, v: x.__iadd__(v),
    "-=": lambda x, v: x.__isub__(v),
    "*=": lambda x, v: x.__imul__(v),
    "/=": lambda x, v: x.__itruediv__(v),
    "**=": lambda x, v: x.__ipow__(v),
}
EXPECTED = {
    "+=": np.add,
    "-=": np.subtract,
    "*=": np.multiply,
    "/=": np.true_divide,
    "**=": np.power,
}


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


@pytest.mark.parametrize("op", sorted(AUGMENTED))
def test_augmented_assignment_is_in_place_under_no_grad(op):
    w = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    view = w.detach()  # shares the memory
    memory, version = w.data, w.version
    with ad.no_grad():
        result = AUGMENTED[op](w, ad.tensor([2.0, 2.0, 2.0]))
    assert result is w and w.data is memory
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w.version > version
    expected = EXPECTED[op](np.array([1.0, 2.0, 3.0], np.float32), np.float32(2.0))
    np.testing.assert_allclose(w.data, expected, rtol=1e-6)
    np.testing.assert_allclose(view.data, expected, rtol=1e-6)


def test_statements_rebind_nothing():
    x = ad.tensor([1.0, 2.0])
    alias = x
    x += 1
    x -= ad.tensor([0.5, 0.5])
    x *= 4
    x /= 2
    x **= 2
    assert x is alias
    np.testing.assert_allclose(alias.data, [9.0, 25.0])
    if HAVE_TORCH:
        import torch

        t = torch.tensor([1.0, 2.0])
        t += 1
        t -= torch.tensor([0.5, 0.5])
        t *= 4
        t /= 2
        t **= 2
        np.testing.assert_allclose(alias.data, t.numpy())


def test_dtype_is_kept_as_in_torch():
    x = ad.tensor([1.0, 2.0], dtype=np.float32)
    x += np.array([0.1, 0.2], dtype=np.float64)
    x *= ad.tensor([3.0, 3.0], dtype=np.float64)
    assert x.dtype == np.float32
    i = ad.tensor(np.array([1, 2]))
    i *= 3
    assert i.dtype == np.int64 and i.tolist() == [3, 6]
    with pytest.raises(TypeError, match=r"/=: the result type float64 can't be cast"):
        i /= 2
    with pytest.raises(TypeError, match=r"\+=: the result type float64 can't be cast"):
        i += 0.5
    assert i.tolist() == [3, 6]  # nothing changed
    if HAVE_TORCH:
        torch = _torch()
        t = torch.tensor([1.0, 2.0], dtype=torch.float32)
        t += torch.tensor([0.1, 0.2], dtype=torch.float64)
        t *= torch.tensor([3.0, 3.0], dtype=torch.float64)
        assert t.dtype == torch.float32
        np.testing.assert_allclose(x.data, t.numpy(), rtol=1e-6)
        ti = torch.tensor([1, 2])
        for bad in (lambda: ti.__itruediv__(2), lambda: ti.__iadd__(0.5)):
            with pytest.raises(RuntimeError, match="can't be cast"):
                bad()


def _copied(lib):
    """copy_ of floats into integers, of integers into bool, of bool into floats."""
    i = lib.tensor([[1, -2, 3], [4, 5, -6]])
    i.copy_(lib.tensor([2.7, -2.7, 0.5], dtype=lib.float64))  # broadcast, truncated
    b = lib.tensor([True, False, True]).copy_(lib.tensor([0, 5, -1]))
    f = lib.zeros(3, dtype=lib.float32).copy_(lib.tensor([True, False, True]))
    return i.tolist(), b.tolist(), f.tolist(), str(i.dtype).removeprefix("torch.")


def test_copy_converts_to_the_tensors_dtype_as_torch():
    """PyTorch's copy_ converts any dtype (floats into integers truncated toward zero); the
    copy raised numpy's TypeError ("Cannot cast ... according to the rule 'same_kind'")."""
    ours = _copied(ad)
    assert ours == ([[2, -2, 0], [2, -2, 0]], [False, True, True], [1.0, 0.0, 1.0], "int64")
    if HAVE_TORCH:
        assert ours == _copied(_torch())


def test_the_shape_cannot_change_by_broadcasting():
    x = ad.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"\+=: an operand of shape \(2, 3\) does not broadcast"):
        x += np.ones((2, 3))
    x += np.ones((1, 3))[0]  # broadcasting *to* x's shape is fine
    x *= 2.0
    np.testing.assert_allclose(x.data, [4.0, 6.0, 8.0])
    if HAVE_TORCH:
        torch = _torch()
        t = torch.ones(3)
        with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
            t += torch.ones(2, 3)


@pytest.mark.parametrize("op", sorted(AUGMENTED))
def test_a_leaf_that_requires_grad_raises_pytorchs_error_outside_no_grad(op):
    w = ad.tensor([1.0, 2.0], requires_grad=True)
    before = w.data.copy()
    with pytest.raises(RuntimeError, match=LEAF_MESSAGE):
        AUGMENTED[op](w, 2.0)
    np.testing.assert_array_equal(w.data, before)  # refused before anything changed
    assert w.version == 0
    if HAVE_TORCH:
        torch = _torch()
        tw = torch.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match=LEAF_MESSAGE):
            AUGMENTED[op](tw, 2.0)


@pytest.mark.parametrize("op", sorted(AUGMENTED))
def test_a_non_leaf_that_requires_grad_raises_a_clear_error(op):
    # PyTorch records `h += 1` on an intermediate result; glassgrad cannot record an in-place
    # op without giving the ops that already used `h` a wrong gradient, so it refuses, naming
    # the operator and the way out.
    w = ad.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    with pytest.raises(RuntimeError, match=rf"{re.escape(op)}: .*MulBackward.*out-of-place"):
        AUGMENTED[op](h, 2.0)
    h.sum().backward()  # the graph is intact
    assert w.grad.tolist() == [2.0, 2.0]


def test_an_operand_that_requires_grad_is_never_silently_dropped():
    w = ad.tensor([1.0, 2.0], requires_grad=True)
    acc = ad.zeros(2)
    for update in (
        lambda: acc.__iadd__(w),
        lambda: acc.add_(w),
        lambda: acc.mul_(w),
        lambda: acc.copy_(w),
        lambda: acc.__setitem__(0, w[0]),
    ):
        with pytest.raises(RuntimeError, match="operand requires grad"):
            update()
    assert acc.tolist() == [0.0, 0.0] and not acc.requires_grad
    with ad.no_grad():  # no gradient wanted: fine, as in PyTorch
        acc += w
    assert acc.tolist() == [1.0, 2.0]


def test_views_see_the_change():
    x = ad.tensor([[1.0, 2.0], [3.0, 4.0]])
    row = x[0]
    row += 10
    x[1] *= 2
    np.testing.assert_allclose(x.data, [[11.0, 12.0], [6.0, 8.0]])


READ_ONLY_WRITES = {
    "+=": lambda t: t.__iadd__(1.0),
    "add_": lambda t: t.add_(1.0),
    "fill_": lambda t: t.fill_(2.0),
    "copy_": lambda t: t.copy_(np.zeros(t.shape)),
    "__setitem__": lambda t: t.__setitem__(0, 5.0),
}


@pytest.mark.parametrize("op", sorted(READ_ONLY_WRITES))
def test_a_write_into_read_only_memory_raises_naming_the_op_and_changes_nothing(op):
    # an expand/broadcast_to view (its rows share memory, as PyTorch refuses to write into),
    # and a tensor wrapping a read-only array (MNIST's cached arrays are)
    frozen = np.ones(3)
    frozen.flags.writeable = False
    row, wrapped = ad.tensor([[1.0, 2.0, 3.0]]), ad.Tensor(frozen)
    for base, tensor in ((row, row.expand(2, 3)), (wrapped, wrapped)):
        before = (base.data.copy(), base._version)
        with pytest.raises(RuntimeError, match=rf"{re.escape(op)}: .*read-only.*clone\(\)"):
            READ_ONLY_WRITES[op](tensor)
        np.testing.assert_array_equal(base.data, before[0])
        assert base._version == before[1]
    if HAVE_TORCH:
        torch = _torch()
        expanded = torch.ones(1, 3, dtype=torch.float64).expand(2, 3)
        with pytest.raises(RuntimeError, match="single memory location"):
            expanded.add_(1.0)


def test_matmul_assignment_rebinds_as_in_torch():
    # PyTorch has no in-place matmul: `a @= b` is `a = a @ b`, a new tensor. So here too.
    a = ad.tensor(np.eye(2) * 2)
    alias = a
    a @= ad.tensor(np.ones((2, 2)))
    assert a is not alias and a.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    if HAVE_TORCH:
        torch = _torch()
        ta = torch.eye(2) * 2
        talias = ta
        ta @= torch.ones(2, 2)
        assert ta is not talias


def _tutorial_fit(lib, steps):
    """PyTorch's tutorial: y = sin(x) by a cubic, raw autograd, updates under no_grad."""
    dtype = lib.float64
    x = lib.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = lib.sin(x)
    start = np.random.default_rng(0).standard_normal(4)
    a, b, c, d = (lib.tensor(v, dtype=dtype, requires_grad=True) for v in start)
    learning_rate = 1e-6
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = ((y_pred - y) ** 2).sum()  # the tutorial spells it .pow(2)
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    assert all(t.requires_grad and t.is_leaf for t in (a, b, c, d))
    return np.array(losses), np.array([t.item() for t in (a, b, c, d)])


def test_the_pytorch_tutorial_update_loop():
    losses, coefficients = _tutorial_fit(ad, 300)
    assert losses[-1] < losses[0] / 10  # it learns
    if HAVE_TORCH:
        torch = _torch()
        their_losses, theirs = _tutorial_fit(torch, 300)
        np.testing.assert_allclose(losses, their_losses, rtol=1e-9)
        np.testing.assert_allclose(coefficients, theirs, rtol=1e-9, atol=1e-12)


def test_parameter_updates_keep_parameters():
    import nn

    layer = nn.Linear(3, 2)
    weight = layer.weight
    layer(Tensor(np.ones((4, 3), np.float32))).sum().backward()
    with ad.no_grad():
        for p in layer.parameters():
            p -= 0.1 * p.grad
    assert layer.weight is weight and weight.requires_grad
    assert any(p is weight for p in layer.parameters())
