"""GroupNorm and F.group_norm, PyTorch's: gradients against central differences in float64 over
random (N, C, *) shapes and groups, values and gradients against torch, errors as torch's."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff import ShapeError, Tensor
from autodiff.testing import assert_gradients_match, tensors


@st.composite
def group_cases(draw):
    """(x, num_groups, weight or None, bias or None): x (N, C, *) with 0 to 2 spatial dims."""
    groups, per_group = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    c = groups * per_group
    spatial = draw(st.lists(st.integers(1, 3), max_size=2))
    if per_group == 1 and all(s == 1 for s in spatial):  # one value per group: var 0, and
        spatial = [2, *spatial[1:]]  # the gradient of 1/sqrt(0 + eps) dwarfs the differences
    x = draw(tensors((draw(st.integers(1, 3)), c, *spatial)))
    weight = draw(st.none() | tensors((c,)))
    bias = draw(st.none() | tensors((c,)))
    return x, groups, weight, bias


@settings(max_examples=30, deadline=None)
@given(group_cases())
def test_group_norm_gradients_match_central_differences(case):
    x, groups, weight, bias = case
    inputs = [t for t in (x, weight, bias) if t is not None]

    def f(*args):
        args = iter(args)
        x_ = next(args)
        w = next(args) if weight is not None else None
        b = next(args) if bias is not None else None
        return F.group_norm(x_, groups, w, b)

    assert_gradients_match(f, *inputs)


def test_group_norm_second_order():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 4, 3)), requires_grad=True)
    w = Tensor(np.random.default_rng(1).standard_normal(4), requires_grad=True)
    assert autodiff.gradgradcheck(lambda x, w: F.group_norm(x, 2, w), x, w)


@pytest.mark.parametrize(
    ("shape", "groups"),
    [((2, 6), 3), ((3, 6, 5), 2), ((2, 4, 3, 5), 4), ((1, 6, 2, 3, 2), 1), ((2, 3, 4, 4), 3)],
)
def test_values_and_gradients_match_torch(shape, groups):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(shape) + groups)
    x, w, b = (rng.standard_normal(s) for s in (shape, shape[1], shape[1]))
    upstream = rng.standard_normal(shape)
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.group_norm(ours[0], groups, ours[1], ours[2], 1e-3)
    y.backward(Tensor(upstream))
    expected = torch.nn.functional.group_norm(theirs[0], groups, theirs[1], theirs[2], 1e-3)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(got.grad.data, want.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_layer_matches_torch_in_repr_state_dict_and_output():
    torch = pytest.importorskip("torch")
    cases = [((2, 6), {}), ((3, 6), {"affine": False}), ((1, 4, 1e-3), {"bias": False})]
    for args, kwargs in cases:
        ours, theirs = nn.GroupNorm(*args, **kwargs), torch.nn.GroupNorm(*args, **kwargs)
        assert repr(ours) == repr(theirs)
        assert {k: tuple(np.shape(v)) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
    ours, theirs = nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)
    rng = np.random.default_rng(3)
    state = {"weight": rng.standard_normal(4), "bias": rng.standard_normal(4)}
    ours.load_state_dict({k: v.astype(np.float32) for k, v in state.items()})
    theirs.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in state.items()})
    x = rng.standard_normal((3, 4, 5, 2)).astype(np.float32)
    y = ours(Tensor(x))
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y.data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-5)
    assert nn.GroupNorm(2, 4, dtype=np.float64).weight.dtype == np.float64


def test_empty_batch_and_constant_groups():
    assert F.group_norm(autodiff.ones(0, 6, 3), 2).shape == (0, 6, 3)
    # A constant group normalises to zeros (its variance is 0, eps keeps it finite)
    np.testing.assert_array_equal(F.group_norm(autodiff.ones(2, 4, 3), 2).data, np.zeros((2, 4, 3)))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.group_norm(autodiff.ones(2, 6, 3), 4), ShapeError,
         "group_norm: expected the number of channels of input (2, 6, 3) (6) to be divisible by "
         "num_groups=4"),
        (lambda: F.group_norm(autodiff.ones(6), 2), ShapeError,
         "group_norm: expected an input (N, C, *) of at least 2 dims, got shape (6,)"),
        (lambda: F.group_norm(autodiff.ones(2, 6), 2, autodiff.ones(3)), ShapeError,
         "group_norm: weight must have shape (6,) for input (2, 6), got (3,)"),
        (lambda: F.group_norm(autodiff.ones(2, 6), 0), ShapeError, "num_groups=0"),
        (lambda: nn.GroupNorm(4, 6), ValueError,
         "GroupNorm: num_channels=6 must be divisible by num_groups=4"),
        (lambda: nn.GroupNorm(2, 4)(autodiff.ones(2, 6, 3)), RuntimeError,
         "group_norm: weight must have shape (6,) for input (2, 6, 3), got (4,)"),
    ],
)  # fmt: skip
def test_errors_are_pytorchs_types(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
