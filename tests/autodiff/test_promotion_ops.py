"""PyTorch's dtypes beyond arithmetic (test_promotion.py has `+ - * / **`): atan2, hypot, fmod,
remainder, xlogy, clamp and the comparisons promote as `torch.result_type`; matrix products,
lerp, heaviside and isclose refuse two dtypes, and mean/var/std integer tensors, as PyTorch
does (a RuntimeError: glassgrad's DtypeError is one); division, log, sqrt, exp give inf and NaN
without numpy's warnings; `parameter.data = tensor` takes the tensor's values."""

from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_support import SETTINGS

import autodiff as ad
import nn
import nn.functional as F
from autodiff import DtypeError, Tensor

DTYPES = ["bool", "int32", "int64", "float16", "float32", "float64"]

# name -> (glassgrad's op, the torch op's name or a callable of the torch module, whether
# the second operand may be a Python number in PyTorch)
OPS = {
    "atan2": (ad.atan2, "atan2", False),
    "hypot": (ad.hypot, "hypot", False),
    "fmod": (ad.fmod, "fmod", True),
    "remainder": (ad.remainder, "remainder", True),
    "xlogy": (ad.xlogy, "xlogy", True),
    "clamp_min": (lambda a, b: ad.clamp(a, min=b), lambda t, a, b: t.clamp(a, min=b), True),
    "clamp_max": (lambda a, b: ad.clamp(a, max=b), lambda t, a, b: t.clamp(a, max=b), True),
    "eq": (operator.eq, lambda t, a, b: a == b, True),
    "ne": (operator.ne, lambda t, a, b: a != b, True),
    "lt": (operator.lt, lambda t, a, b: a < b, True),
    "ge": (operator.ge, lambda t, a, b: a >= b, True),
    "ad.le": (lambda a, b: ad.le(a, b), "le", True),
    "ad.gt": (lambda a, b: ad.gt(a, b), "gt", True),
}


@st.composite
def operand(draw, number_allowed):
    """(kind, dtype, values): a (3,) tensor, a 0-d tensor, or a Python number; values in 1..3
    (no division by zero, and logs of positive numbers)."""
    kind = draw(st.sampled_from(["dim", "zero", "number"] if number_allowed else ["dim", "zero"]))
    dtype = draw(st.sampled_from(["bool", "int64", "float64"] if kind == "number" else DTYPES))
    if dtype == "bool":
        values = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    elif dtype.startswith("int"):
        values = draw(st.lists(st.integers(1, 3), min_size=3, max_size=3))
    else:
        values = draw(st.lists(st.sampled_from([0.5, 1.25, 2.0, 3.0]), min_size=3, max_size=3))
    return kind, dtype, values


def _make(engine, kind, dtype, values):
    if kind == "number":
        return {"bool": bool, "int64": int, "float64": float}[dtype](values[0])
    data = np.array(values if kind == "dim" else values[0], dtype=dtype)
    if engine is ad:
        return Tensor(data, requires_grad=data.dtype.kind == "f")
    import torch

    return torch.tensor(data, requires_grad=data.dtype.kind == "f")


def _run(engine, name, a, b):
    """The op's result and the gradient of each tensor input, or the exception it raised."""
    x, y = _make(engine, *a), _make(engine, *b)
    op = OPS[name][0] if engine is ad else OPS[name][1]
    if isinstance(op, str):
        op = getattr(engine, op)
    elif engine is not ad:
        op = _bound(op, engine)
    try:
        out = op(x, y)
    except Exception as e:  # noqa: BLE001 - compared with what the other engine did
        return e
    grads: list | Exception = []
    if out.requires_grad:
        try:
            out.sum().backward()
            grads = [v.grad for v in (x, y) if getattr(v, "requires_grad", False)]
        except RuntimeError as e:  # PyTorch's atan2 backward negates a bool input, and fails
            grads = e
    return out, grads


def _bound(op, engine):
    return lambda a, b: op(engine, a, b)


def _array(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t.data, dtype=np.float64)


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(OPS)))
def test_dtypes_values_and_gradients_match_torch(data, name):
    torch = pytest.importorskip("torch")
    a = data.draw(operand(False), "a")
    b = data.draw(operand(OPS[name][2]), "b")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning where PyTorch gives none
        ours = _run(ad, name, a, b)
    theirs = _run(torch, name, a, b)
    if isinstance(theirs, TypeError):  # a signature PyTorch does not take (a bool number, ...)
        return
    if isinstance(theirs, Exception):
        # PyTorch refuses it (NotImplementedError, RuntimeError): glassgrad raises a
        # RuntimeError too (DtypeError and NotImplementedError are ones)
        assert isinstance(ours, RuntimeError), (name, a, b, theirs, ours)
        return
    assert not isinstance(ours, Exception), (name, a, b, ours)
    (out, grads), (want, want_grads) = ours, theirs
    assert str(out.dtype) == str(want.dtype).removeprefix("torch."), (name, a, b)
    rtol = {"float16": 2e-3, "float32": 1e-5}.get(str(out.dtype), 1e-10)
    np.testing.assert_allclose(_array(out), _array(want), rtol=rtol)
    if isinstance(want_grads, Exception):
        return
    assert len(grads) == len(want_grads)
    for g, w in zip(grads, want_grads, strict=True):  # each in its input's own dtype
        assert str(g.dtype) == str(w.dtype).removeprefix("torch."), (name, a, b)
        np.testing.assert_allclose(_array(g), _array(w), rtol=rtol, atol=1e-12)


i = np.array([1, 2, 3])
f = np.array([1.0, 2.0, 3.0], dtype=np.float32)
h = f.astype(np.float16)
d0 = np.array(2.0)  # a 0-d float64
TABLE = [
    ("atan2(i, i)", lambda: ad.atan2(Tensor(i), Tensor(i)), np.float32),
    ("atan2(i, h)", lambda: ad.atan2(Tensor(i), Tensor(h)), np.float16),
    ("atan2(f, 0-d float64)", lambda: ad.atan2(Tensor(f), Tensor(d0)), np.float32),
    ("hypot(f, i)", lambda: ad.hypot(Tensor(f), Tensor(i)), np.float32),
    ("hypot(h, 0-d float64)", lambda: ad.hypot(Tensor(h), Tensor(d0)), np.float16),
    ("fmod(i, 1.5)", lambda: ad.fmod(Tensor(i), 1.5), np.float32),
    (
        "fmod(int32, 0-d int64)",
        lambda: ad.fmod(Tensor(i.astype(np.int32)), Tensor(np.array(2))),
        np.int32,
    ),
    ("fmod(f, i)", lambda: ad.fmod(Tensor(f), Tensor(i)), np.float32),
    ("xlogy(h, i)", lambda: ad.xlogy(Tensor(h), Tensor(i)), np.float16),
    ("xlogy(i, 2)", lambda: ad.xlogy(Tensor(i), 2), np.float32),
    ("xlogy(0-d float64, i)", lambda: ad.xlogy(Tensor(d0), Tensor(i)), np.float64),
    ("clamp(i, max=1.5)", lambda: Tensor(i).clamp(max=1.5), np.float32),
    ("clamp(i, 0, 2)", lambda: Tensor(i).clamp(0, 2), np.int64),
    ("clamp(i, min=f)", lambda: Tensor(i).clamp(min=Tensor(f)), np.float32),
    ("clamp(f, min=0-d float64)", lambda: Tensor(f).clamp(min=Tensor(d0)), np.float32),
    (
        "clamp(f, min=1-d float64, max=i)",
        lambda: Tensor(f).clamp(Tensor(d0[None]), Tensor(i)),
        np.float64,
    ),
    ("i == f", lambda: Tensor(i) == Tensor(f), np.bool_),
]


@pytest.mark.parametrize("case, make, dtype", TABLE, ids=[c[0] for c in TABLE])
def test_table_of_result_dtypes(case, make, dtype):
    assert make().dtype == dtype


def test_comparisons_compare_in_the_promoted_dtype():
    # 16777217 is no float32: int64 with float32 compares in float32, as PyTorch's (numpy
    # compared in float64)
    big = Tensor(np.array([16777217]))
    assert (big == Tensor(np.array([16777216.0], dtype=np.float32))).item()
    assert (big == 16777216.0).item()  # a Python float: the default float dtype
    # a 0-d float64 does not decide the dtype: 0.1 compared in float32
    assert (Tensor(np.array([0.1], dtype=np.float32)) == Tensor(np.array(0.1))).item()
    assert not (Tensor(np.array([0.1], dtype=np.float32)) == Tensor(np.array([0.1]))).item()


x32 = Tensor(np.ones((2, 3), dtype=np.float32))
x64 = Tensor(np.ones((2, 3)))
ints = Tensor(np.array([1, 2]))
REFUSED = [
    ("float32 @ float64", lambda: x32 @ x64.T, DtypeError),
    ("matmul(float64, float32)", lambda: ad.matmul(x64, x32.T), DtypeError),
    ("int64 @ float32", lambda: ints @ Tensor(f[:2]), DtypeError),
    ("bool @ bool", lambda: Tensor(i > 1) @ Tensor(i > 1), NotImplementedError),
    ("mm", lambda: ad.mm(x32, x64.T), DtypeError),
    ("bmm", lambda: ad.bmm(x32[None], x64.T[None]), DtypeError),
    ("dot", lambda: ad.dot(x32[0], x64[0]), DtypeError),
    ("mv", lambda: ad.mv(x32, x64[0]), DtypeError),
    ("addmm", lambda: ad.addmm(x64[:, :2], x32, x32.T), DtypeError),
    ("einsum", lambda: ad.einsum("ij,ij->i", x32, x64), DtypeError),
    ("linear input", lambda: F.linear(x32, x64), DtypeError),
    ("linear bias", lambda: F.linear(x32, x32, Tensor(np.zeros(2))), DtypeError),
    ("Linear layer", lambda: nn.Linear(3, 2)(x64), DtypeError),
    ("lerp end", lambda: ad.lerp(x32, x64, 0.5), DtypeError),
    ("lerp weight", lambda: ad.lerp(x32, x32, x64), DtypeError),
    ("lerp integers", lambda: ad.lerp(ints, ints, 0.5), NotImplementedError),
    ("heaviside", lambda: ad.heaviside(x64, Tensor(np.array(0.5, dtype=np.float32))), DtypeError),
    ("isclose", lambda: ad.isclose(x32, x64), DtypeError),
    ("allclose", lambda: ad.allclose(ints, Tensor(f[:2])), DtypeError),
    ("hypot of integers", lambda: ad.hypot(ints, ints), NotImplementedError),
    ("int mean", lambda: ints.mean(), DtypeError),
    ("bool mean", lambda: Tensor(i > 1).mean(dim=0), DtypeError),
    ("int var", lambda: ints.var(), DtypeError),
    ("int std", lambda: ad.std(ints), DtypeError),
]


@pytest.mark.parametrize("case, make, error", REFUSED, ids=[c[0] for c in REFUSED])
def test_what_pytorch_refuses_raises_a_runtime_error(case, make, error):
    with pytest.raises(error) as caught:
        make()
    assert isinstance(caught.value, RuntimeError)  # PyTorch's type: `except RuntimeError`
    words = str(caught.value)
    assert "dtype" in words or "not implemented" in words


def test_what_pytorch_accepts_still_runs():
    assert ad.lerp(x32, x32, Tensor(np.array(0.5))).dtype == np.float32  # a 0-d weight
    assert ints.mean(dtype=ad.float32).dtype == np.float32
    assert ints.float().var().dtype == np.float32
    assert np.dot(x32, np.ones(3)).dtype == np.float64  # numpy's own function: numpy's rules
    assert (ints @ ints).dtype == np.int64


SILENT = [
    ("x / 0", lambda x: x / 0),
    ("x / zeros", lambda x: x / (x * 0)),
    ("0 / 0", lambda x: (x * 0) / 0.0),
    ("x / 1e-40", lambda x: x / 1e-40),
    ("x / 1e300", lambda x: x / 1e300),
    ("log(0)", lambda x: (x * 0).log()),
    ("log(-1)", lambda x: (-x).log()),
    ("log1p(-1)", lambda x: (-x).log1p()),
    ("log2(0)", lambda x: ad.log2(x * 0)),
    ("sqrt(-1)", lambda x: (-x).sqrt()),
    ("rsqrt(0)", lambda x: ad.rsqrt(x * 0)),
    ("reciprocal(0)", lambda x: ad.reciprocal(x * 0)),
    ("exp(1000)", lambda x: (x * 1000).exp()),
    ("expm1(1000)", lambda x: (x * 1000).expm1()),
    ("sin(inf)", lambda x: (x * np.inf).sin()),
    ("cos(inf)", lambda x: (x * np.inf).cos()),
    ("tan(inf)", lambda x: (x * np.inf).tan()),
    ("erf backward at 1e30", lambda x: ad.erf(x * 1e30)),
    ("fmod by 1e-40", lambda x: ad.fmod(x, 1e-40)),
    ("atan2(inf, inf)", lambda x: ad.atan2(x * np.inf, x * np.inf)),
    ("var of inf", lambda x: (x * np.inf).var(unbiased=False)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case, make", SILENT, ids=[c[0] for c in SILENT])
def test_inf_and_nan_without_numpys_warnings(case, make, dtype):
    """PyTorch gives inf, NaN (and overflows to inf, underflows to 0) silently; so does
    glassgrad, forward and backward (the backward chains start at a leaf: a `*` of an infinite
    gradient by 0 would still warn, see docs/pytorch_comparison.md)."""
    x = Tensor(np.ones(3, dtype=dtype), requires_grad=True)
    leaf = Tensor(np.ones(()), requires_grad=True)  # the 0-d float64 scalar path too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for v in (x, leaf):
            make(v)
        for f in (ad.log, ad.sqrt, ad.reciprocal, lambda t: 1.0 / t, lambda t: t / 0.0):
            z = Tensor(np.zeros(3, dtype=dtype), requires_grad=True)
            f(z).sum().backward()  # inf and NaN gradients, unwarned


def test_a_users_errstate_raise_still_raises():
    x = Tensor(np.ones(3), requires_grad=True)
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        x / 0
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        (-x).log()
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        (x * 1000).exp()
    assert np.isinf((x / 0).data).all()  # and quiet again after


def test_threads_keep_their_own_errstate_through_quiet():
    # quiet() caches the quieted version of one settings object; threads under different
    # settings must never get one another's (a "raise" lost in a thread would be silent)
    import threading

    wrong = []

    def run(mode: str) -> None:
        zero = Tensor(np.zeros(1))
        for _ in range(300):
            with np.errstate(all=mode):
                try:
                    zero.log()
                    raised = False
                except FloatingPointError:
                    raised = True
            if raised != (mode == "raise"):
                wrong.append(mode)

    workers = [threading.Thread(target=run, args=(m,)) for m in ("raise", "ignore", "warn") * 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert wrong == []


def test_parameter_data_takes_a_tensors_values():
    layer = nn.Linear(3, 2)
    w = layer.weight
    new = ad.randn(4, 3)
    w.data = new  # PyTorch's: the values (shape may change), not the Tensor object
    assert type(w.data) is np.ndarray and w.data is new.data and w.shape == (4, 3)
    assert "Parameter containing" in repr(w)
    w.data = np.zeros((2, 3), dtype=np.float32)  # an array as it is
    assert layer(ad.ones(1, 3)).shape == (1, 2)
    w.data = w.data - 0.1 * ad.ones(2, 3)  # the ndarray - Tensor of a manual SGD step: a Tensor
    assert type(w.data) is np.ndarray
    np.testing.assert_allclose(w.data, -0.1, rtol=1e-6)
    with pytest.raises(TypeError, match="list"):
        w.data = [1.0, 2.0]
