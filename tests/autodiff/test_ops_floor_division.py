"""Floor division and remainder (`//`, `%`, `floor_divide`, `remainder`, `//=`, `%=`): values,
signs (of zeros too), dtypes, errors and gradients, compared with PyTorch where installed.

They were missing: `x // 2` and `x % 2` raised "unsupported operand type(s)".
"""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import Tensor

A = np.array([-7.5, -5.0, -0.0, 0.0, 5.0, 7.5, np.inf, -3.0, 3.0, 2.0])
B = np.array([2.0, 2.5, 3.0, -3.0, -2.5, -2.0, 2.0, np.inf, -np.inf, 0.0])
I = np.array([-7, -6, 0, 5, 7, 7])  # noqa: E741
J = np.array([2, -3, 3, -3, 3, -2])


def test_python_rounding_rules():
    """Rounded down, the remainder with the divisor's sign: Python's rule (and PyTorch's)."""
    i, j = Tensor(I), Tensor(J)
    assert (i // j).tolist() == [a // b for a, b in zip(I.tolist(), J.tolist(), strict=True)]
    assert (i % j).tolist() == [a % b for a, b in zip(I.tolist(), J.tolist(), strict=True)]
    assert (i // j).dtype == np.int64 and (i % 3).dtype == np.int64
    assert (-7 // j).tolist() == [-4, 2, -3, 2, -3, 3] and (-7 % j).tolist() == [
        1,
        -1,
        2,
        -1,
        2,
        -1,
    ]
    assert ad.floor_divide(i, 2).tolist() == i.floor_divide(2).tolist() == [-4, -3, 0, 2, 3, 3]
    assert ad.remainder(i, -4).tolist() == i.remainder(-4).tolist() == [-3, -2, 0, -3, -1, -1]
    x = Tensor(A[:6])
    np.testing.assert_array_equal((x % 2.5).numpy(), np.zeros(6))
    # a zero remainder keeps the sign of fmod's, the dividend's (numpy's takes the divisor's)
    assert np.signbit((x % 2.5).numpy()).tolist() == [True, True, True, False, False, False]


def _results(lib):
    """Values (with their signs and dtypes) of float and integer floor division and remainder,
    and the gradients of the remainder."""
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=True)
    out = []
    for y in (a.detach() // b.detach(), a % b, a % 2.5, a.float() % -1.5, 3.0 % b.detach()):
        out.append(
            (str(y.dtype), y.detach().numpy().tolist(), np.signbit(y.detach().numpy()).tolist())
        )
    for y in (lib.tensor(I) // lib.tensor(J), lib.tensor(I) % lib.tensor(J), lib.tensor(I) % -4):
        out.append((str(y.dtype), y.tolist()))
    (ga, gb) = lib.autograd.grad((a % b * lib.tensor(np.linspace(1, 2, 10))).sum(), (a, b))
    out.append((ga.tolist(), gb.tolist()))
    return [repr(o).replace("torch.", "") for o in out]


def test_values_signs_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    assert _results(ad) == _results(torch)


def _errors(lib):
    """The type of what each raises: integers by zero, bool by bool, a backward through //."""
    raised = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    for f in (
        lambda: lib.tensor([1, 2]) // lib.tensor([0, 1]),
        lambda: lib.tensor([1, 2]) % 0,
        lambda: lib.tensor([True]) // lib.tensor([True]),
        lambda: (x // 2).sum().backward(),
    ):
        with pytest.raises(Exception) as info:
            f()
        raised.append(type(info.value).__name__)
    return raised


def test_errors_as_torch():
    ours = _errors(ad)
    assert ours == ["RuntimeError", "RuntimeError", "NotImplementedError", "RuntimeError"]
    torch = pytest.importorskip("torch")
    assert ours == _errors(torch)


def test_augmented_assignment_is_in_place():
    x = Tensor(np.array([-7, 7, 5]))
    view = x[:2]
    x //= 2
    assert view.tolist() == [-4, 3]  # the same memory, as PyTorch's floor_divide_
    x %= 3
    assert x.tolist() == [2, 0, 2] and x.dtype == np.int64
    with pytest.raises(TypeError, match="can't be cast"):
        x //= 2.5  # a float result into an integer tensor (PyTorch: RuntimeError)
    w = Tensor(np.array([3.0, -3.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w %= 2.0
    with ad.no_grad():
        w %= 2.0
    assert w.tolist() == [1.0, 1.0] and w.requires_grad
