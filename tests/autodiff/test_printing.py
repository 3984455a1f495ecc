"""How tensors print (autodiff/printing.py): PyTorch's digits and layout.

Literal expectations first (no torch needed), then random tensors and print options compared
with torch's own repr where torch is installed."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
from autodiff import printing

FEW = settings(max_examples=60, deadline=None)


@pytest.fixture(autouse=True)
def _restore_options():
    """Each test starts from the default options and leaves them so (they are per process)."""
    before = dataclasses.replace(printing.OPTIONS)
    ad.set_printoptions(profile="default")
    torch = _torch_or_none()
    if torch is not None:
        torch.set_printoptions(profile="default")
    yield
    for field in dataclasses.fields(before):
        setattr(printing.OPTIONS, field.name, getattr(before, field.name))
    if torch is not None:
        torch.set_printoptions(profile="default")


def _torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


# --------------------------------------------------------------------------- literal cases
@pytest.mark.parametrize(
    "make, text",
    [
        (lambda: ad.tensor(3.5), "tensor(3.5000)"),
        (lambda: ad.tensor([1.5, 2.0]), "tensor([1.5000, 2.0000])"),
        (lambda: ad.tensor([1.0, 2.0]), "tensor([1., 2.])"),
        (lambda: ad.zeros(2), "tensor([0., 0.])"),
        (lambda: ad.tensor([-0.0, 2.0]), "tensor([-0., 2.])"),
        (lambda: ad.tensor([np.nan, 0.0, np.inf]), "tensor([nan, 0., inf])"),
        (lambda: ad.tensor([np.nan, 0.5, -np.inf]), "tensor([   nan, 0.5000,   -inf])"),
        (lambda: ad.tensor([1e-8, 1.0, 1e8]), "tensor([1.0000e-08, 1.0000e+00, 1.0000e+08])"),
        (lambda: ad.tensor([1.0, 1e9]), "tensor([1.0000e+00, 1.0000e+09])"),
        (lambda: ad.arange(5), "tensor([0, 1, 2, 3, 4])"),
        (lambda: ad.tensor([True, False]), "tensor([ True, False])"),
        (lambda: ad.tensor([1e-5, 1.0], dtype=ad.float64),
         "tensor([1.0000e-05, 1.0000e+00], dtype=autodiff.float64)"),
        (lambda: ad.tensor([1, 2], dtype=ad.int32), "tensor([1, 2], dtype=autodiff.int32)"),
        (lambda: ad.zeros(0), "tensor([])"),
        (lambda: ad.zeros(2, 0, dtype=ad.int32), "tensor([], size=(2, 0), dtype=autodiff.int32)"),
        (lambda: ad.zeros(0, dtype=ad.int64), "tensor([], dtype=autodiff.int64)"),
        (lambda: ad.tensor(2.0, requires_grad=True), "tensor(2., requires_grad=True)"),
        (lambda: ad.tensor([[1.0, 2.0], [3.0, 4.5]]),
         "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]])"),
        (lambda: ad.tensor([2.0], requires_grad=True) * 2, "tensor([4.], grad_fn=<MulBackward>)"),
    ],
)  # fmt: skip
def test_prints_as_pytorch_does(make, text):
    x = make()
    assert repr(x) == text == str(x)
    if x.dim():  # a 0-d tensor formats as its item, in torch too
        assert f"{x}" == text


def test_a_parameter_and_a_named_tensor():
    assert (
        repr(nn.Parameter(ad.ones(2)))
        == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    )
    assert repr(ad.tensor([1.0], name="w")) == "tensor([1.], name='w')"


def test_a_large_tensor_prints_its_edges():
    text = repr(ad.arange(2000.0).reshape(2, 1000))
    assert text == (
        "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9700e+02, 9.9800e+02,\n"
        "         9.9900e+02],\n"
        "        [1.0000e+03, 1.0010e+03, 1.0020e+03,  ..., 1.9970e+03, 1.9980e+03,\n"
        "         1.9990e+03]])"
    )
    assert repr(ad.arange(3000)) == "tensor([   0,    1,    2,  ..., 2997, 2998, 2999])"


def test_set_printoptions():
    ad.set_printoptions(precision=2)
    assert repr(ad.tensor([1.5, 2.0])) == "tensor([1.50, 2.00])"
    ad.set_printoptions(sci_mode=True)
    assert repr(ad.tensor([1.5, 2.0])) == "tensor([1.50e+00, 2.00e+00])"
    ad.set_printoptions(precision=3)  # sci_mode is reset by any call that does not give it
    assert repr(ad.tensor([1.5, 2.0])) == "tensor([1.500, 2.000])"
    ad.set_printoptions(profile="default", linewidth=20)
    assert repr(ad.arange(7.0)) == "tensor([0., 1., 2.,\n        3., 4., 5.,\n        6.])"
    ad.set_printoptions(profile="default", threshold=4, edgeitems=1)
    assert repr(ad.arange(6)) == "tensor([0,  ..., 5])"
    ad.set_printoptions(profile="short")
    assert repr(ad.tensor([1.0 / 3])) == "tensor([0.33])"
    ad.set_printoptions(edgeitems=0)
    assert repr(ad.tensor(2.0)) == "tensor(2., size=())"
    ad.set_printoptions(profile="full")
    assert "..." not in repr(ad.arange(5000))
    with pytest.raises(ValueError, match="set_printoptions: profile must be one of"):
        ad.set_printoptions(profile="long")


def test_numpy_print_options_are_left_alone():
    before = np.get_printoptions()
    ad.set_printoptions(precision=1, threshold=3, linewidth=40, sci_mode=True)
    repr(ad.arange(100.0))
    assert np.get_printoptions() == before


# --------------------------------------------------------------------- against torch
def _values(draw, shape, dtype):
    size = int(np.prod(shape))
    if dtype == "bool":
        seed = draw(st.integers(0, 2**32 - 1))
        return np.random.default_rng(seed).integers(0, 2, size).astype(bool).reshape(shape)
    if dtype == "int64":
        high = draw(st.sampled_from([9, 1000, 10**12]))
        seed = draw(st.integers(0, 2**32 - 1))
        return np.random.default_rng(seed).integers(-high, high, size).reshape(shape)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = 10.0 ** draw(st.integers(-9, 10))
    values = rng.standard_normal(size) * scale
    if draw(st.booleans()):
        values = np.round(values)  # whole numbers
    if size and draw(st.booleans()):  # some zeros, nan and inf among them
        special = rng.integers(0, size, max(1, size // 5))
        values[special] = rng.choice([0.0, -0.0, np.nan, np.inf, -np.inf], len(special))
    return values.astype(dtype).reshape(shape)


@st.composite
def printed_tensors(draw):
    ndim = draw(st.integers(0, 4))
    big = draw(st.booleans())  # shapes past the threshold too (summarized)
    sizes = st.integers(0, 12) if big else st.integers(0, 5)
    shape = tuple(draw(st.lists(sizes, min_size=ndim, max_size=ndim)))
    if big and ndim:
        shape = (*shape[:-1], draw(st.sampled_from([400, 1001, 2500])))
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "bool"]))
    return _values(draw, shape, dtype), draw(st.booleans())


@FEW
@given(printed_tensors())
def test_random_tensors_print_as_torch(case):
    torch = _torch()
    array, grad = case
    grad = grad and array.dtype.kind == "f"
    # float64 as the default dtype in both: no dtype suffix, whose module name differs
    default = ad.float64 if array.dtype == np.float64 else ad.float32
    previous = ad.get_default_dtype(), torch.get_default_dtype()
    ad.set_default_dtype(default)
    torch.set_default_dtype(torch.float64 if default == ad.float64 else torch.float32)
    try:
        ours = repr(ad.tensor(array, requires_grad=grad))
        theirs = repr(torch.tensor(array, requires_grad=grad))
    finally:
        ad.set_default_dtype(previous[0])
        torch.set_default_dtype(previous[1])
    assert _unwrapped(ours) == _unwrapped(theirs.replace("dtype=torch.", "dtype=autodiff."))


@FEW
@given(
    printed_tensors(),
    st.integers(0, 8),
    st.sampled_from([4, 50, 1000, 10**9]),
    st.integers(0, 4),
    st.integers(10, 120),
    st.sampled_from([None, True, False]),
)
def test_print_options_as_torch(case, precision, threshold, edgeitems, linewidth, sci_mode):
    torch = _torch()
    array = case[0].astype(np.float32) if case[0].dtype == np.float64 else case[0]
    options = dict(precision=precision, threshold=threshold, edgeitems=edgeitems)
    ad.set_printoptions(**options, linewidth=linewidth, sci_mode=sci_mode)
    torch.set_printoptions(**options, linewidth=linewidth, sci_mode=sci_mode)
    theirs = repr(torch.tensor(array)).replace("dtype=torch.", "dtype=autodiff.")
    assert _unwrapped(repr(ad.tensor(array))) == _unwrapped(theirs)


def _unwrapped(text: str) -> str:
    """The repr with its suffixes on the last line: `dtype=autodiff.int32` is longer than
    PyTorch's `dtype=torch.int32`, so a suffix can wrap in one and not the other."""
    return re.sub(r",\n *(size=|dtype=|requires_grad=|grad_fn=)", r", \1", text)
