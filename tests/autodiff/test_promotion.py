"""PyTorch's type promotion in arithmetic (autodiff/promotion.py): the result dtype of `+ - * /`,
`**`, maximum, minimum and where over dimensioned tensors, 0-d tensors and Python numbers, its
values (numpy's, computed in that dtype), and each input's gradient in its own dtype."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS

import autodiff as ad
from autodiff import Tensor
from autodiff.promotion import result_dtype

DTYPES = ["bool", "int32", "int64", "float16", "float32", "float64"]
KINDS = ["dim", "zero", "scalar"]

# name -> (glassgrad op, numpy op on the promoted operands)
OPS = {
    "add": (operator.add, np.add),
    "sub": (operator.sub, np.subtract),
    "mul": (operator.mul, np.multiply),
    "div": (operator.truediv, np.true_divide),
    "pow": (operator.pow, np.power),
    "ad.add": (lambda a, b: ad.add(a, b), np.add),
    "ad.sub": (lambda a, b: ad.sub(a, b), np.subtract),
    "ad.mul": (lambda a, b: ad.mul(a, b), np.multiply),
    "ad.div": (lambda a, b: ad.div(a, b), np.true_divide),
    "ad.true_divide": (lambda a, b: ad.true_divide(a, b), np.true_divide),
    "maximum": (lambda a, b: ad.maximum(a, b), np.maximum),
    "minimum": (lambda a, b: ad.minimum(a, b), np.minimum),
    "where": (
        lambda a, b: ad.where(np.array([True, False, True]), a, b),
        lambda a, b: np.where(np.array([True, False, True]), a, b),
    ),
}
TORCH_OPS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
}


try:  # compared with torch where it is installed; the table below holds without it
    import torch
except ImportError:
    torch = None


@st.composite
def operands(draw):
    """(kind, dtype, values): values in 1..3, so that no op divides by zero or overflows."""
    kind = draw(st.sampled_from(KINDS))
    dtype = draw(st.sampled_from(DTYPES[:3] + ["float64"] if kind == "scalar" else DTYPES))
    if dtype == "bool":
        values = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    elif dtype.startswith("int"):
        values = draw(st.lists(st.integers(1, 3), min_size=3, max_size=3))
    else:
        values = draw(st.lists(st.sampled_from([0.5, 1.25, 2.0, 3.0]), min_size=3, max_size=3))
    return kind, dtype, values


def _make(kind, dtype, values, requires_grad=False):
    """A glassgrad operand: a (3,) tensor, a 0-d tensor or a Python number."""
    if kind == "scalar":
        return {"bool": bool, "int64": int, "int32": int, "float64": float}[dtype](values[0])
    data = np.array(values if kind == "dim" else values[0], dtype=dtype)
    return Tensor(data, requires_grad=requires_grad and data.dtype.kind == "f")


def _torch_operand(x):
    if isinstance(x, Tensor):
        return torch.from_numpy(x.data.copy())
    return x


def _numpy_operand(x, dtype):
    return x.data.astype(dtype) if isinstance(x, Tensor) else x


def _expected_values(name, a, b, dtype):
    numpy_op = OPS[name][1]
    with np.errstate(all="ignore"):
        return np.asarray(numpy_op(_numpy_operand(a, dtype), _numpy_operand(b, dtype)))


@SETTINGS
@given(a=operands(), b=operands(), name=st.sampled_from(sorted(OPS)))
def test_result_dtype_values_and_gradient_dtypes(a, b, name):
    x, y = _make(*a, requires_grad=True), _make(*b, requires_grad=True)
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        return  # two Python numbers: no tensor op
    rdt = result_dtype(*(v.data if isinstance(v, Tensor) else v for v in (x, y)))
    is_div = name in ("div", "ad.div", "ad.true_divide")
    if name.endswith("sub") and "bool" in (a[1], b[1]):
        # PyTorch refuses any bool operand of a subtraction; two bool arrays numpy refuses
        # itself, in its words (also pointing to xor)
        with pytest.raises(TypeError, match="bool"):
            OPS[name][0](x, y)
        return
    if rdt == np.bool_ and name == "pow":
        return  # PyTorch has no bool power
    if name in ("pow", "maximum", "minimum") and not isinstance(x, Tensor):
        return  # a Python base: Tensor.__rpow__ (the table below); torch.maximum(1, t) raises
    with np.errstate(all="ignore"):  # (a False divisor: 0 / 0, which numpy warns of)
        out = OPS[name][0](x, y)
    expected_dtype = ad.get_default_dtype() if is_div and rdt.kind in "biu" else rdt
    assert out.dtype == expected_dtype, (a, b, name)
    np.testing.assert_array_equal(out.data, _expected_values(name, x, y, expected_dtype))
    if out.requires_grad:
        with np.errstate(all="ignore"):  # the same False divisor: g / 0 in Div's backward
            out.sum().backward()
        for v in (x, y):
            if isinstance(v, Tensor) and v.requires_grad:
                assert v.grad.dtype == v.dtype and v.grad.shape == v.shape
    if torch is None:
        return
    tx, ty = _torch_operand(x), _torch_operand(y)
    want = torch.result_type(tx, ty)
    if is_div and not want.is_floating_point:
        want = torch.get_default_dtype()
    if name in TORCH_OPS:  # the op itself too
        assert TORCH_OPS[name](tx, ty).dtype == want
    assert str(out.dtype) == str(want).removeprefix("torch."), (a, b, name, want)


i = np.array([1, 2, 3])
f = np.array([1.0, 2.0, 3.0], dtype=np.float32)
TABLE = [
    ("i / 2", lambda: Tensor(i) / 2, np.float32),
    ("i / i", lambda: Tensor(i) / Tensor(i), np.float32),
    ("i * f", lambda: Tensor(i) * Tensor(f), np.float32),
    ("f * i", lambda: Tensor(f) * Tensor(i), np.float32),
    ("i + 1.5", lambda: Tensor(i) + 1.5, np.float32),
    ("b + 1.5", lambda: Tensor(i > 1) + 1.5, np.float32),
    ("b + 1", lambda: Tensor(i > 1) + 1, np.int64),
    ("f + 0-d int64", lambda: Tensor(f) + Tensor(np.array(1)), np.float32),
    ("f * 0-d float64", lambda: Tensor(f) * Tensor(np.array(2.0)), np.float32),
    ("f * 1-d float64", lambda: Tensor(f) * Tensor(np.array([2.0])), np.float64),
    ("i * 0-d float64", lambda: Tensor(i) * Tensor(np.array(2.0)), np.float64),
    ("int32 + 0-d int64", lambda: Tensor(i.astype(np.int32)) + Tensor(np.array(1)), np.int32),
    ("i * float16", lambda: Tensor(i) * Tensor(f.astype(np.float16)), np.float16),
    ("i ** 2.5", lambda: Tensor(i) ** 2.5, np.float32),
    ("i ** 2", lambda: Tensor(i) ** 2, np.int64),
    ("2 ** i", lambda: 2 ** Tensor(i), np.int64),
    ("2.5 ** i", lambda: 2.5 ** Tensor(i), np.float32),
    ("f ** 0-d float64", lambda: Tensor(f) ** Tensor(np.array(2.0)), np.float32),
    ("maximum(i, f)", lambda: ad.maximum(Tensor(i), Tensor(f)), np.float32),
    ("where(c, i, 1.5)", lambda: ad.where(i > 1, Tensor(i), 1.5), np.float32),
    ("0-d float64 + 1.5", lambda: Tensor(np.array(2.0)) + 1.5, np.float64),
    ("f / np.float64", lambda: Tensor(f) / np.float64(2.0), np.float32),
]


@pytest.mark.parametrize("case, make, dtype", TABLE, ids=[c[0] for c in TABLE])
def test_table_of_result_dtypes(case, make, dtype):
    assert make().dtype == dtype


def test_gradient_of_a_0d_float64_factor_is_float64_also_under_create_graph():
    x = Tensor(f, requires_grad=True)
    s = Tensor(np.array(2.0), requires_grad=True)
    out = x * s
    assert out.dtype == np.float32
    (gx,) = ad.autograd.grad(out.sum(), [x], create_graph=True)
    assert gx.dtype == np.float32
    # d(sum of gx)/ds = sum of ones: the saved float32 cast of s is s in the recorded graph
    (gs,) = ad.autograd.grad(gx.sum(), [s])
    assert gs.dtype == np.float64 and gs.item() == 3.0
    (x * s).sum().backward()
    assert s.grad.dtype == np.float64 and s.grad.item() == 6.0


def test_inplace_change_of_a_cast_input_is_caught():
    x = Tensor(f, requires_grad=True)
    s = Tensor(np.array(2.0))  # saved by the product as its float32 cast
    out = (x * s).sum()
    s.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_scalar_path_still_serves_0d_float64():
    s = Tensor(np.array(2.0), requires_grad=True)
    out = s * 1.5 + s
    assert out.dtype == np.float64 and out.grad_fn.kwargs is ad.scalar.SCALAR_NODE
