"""InstanceNorm1d/2d and F.instance_norm, PyTorch's: gradients against central differences in
float64 over random (N, C, *) shapes, values, gradients and running statistics against torch
in both modes, unbatched input, errors and warning as torch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff import DtypeError, Tensor
from autodiff.testing import assert_gradients_match, tensors


@st.composite
def instance_cases(draw):
    """(x, weight or None, bias or None): x (N, C, *) with 1 or 2 spatial dims, > 1 position."""
    c = draw(st.integers(1, 3))
    spatial = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    if int(np.prod(spatial)) == 1:
        spatial[0] = 2
    x = draw(tensors((draw(st.integers(1, 3)), c, *spatial)))
    return x, draw(st.none() | tensors((c,))), draw(st.none() | tensors((c,)))


def _call(weight, bias, **kwargs):
    def f(x, *params):
        params = iter(params)
        w = next(params) if weight is not None else None
        b = next(params) if bias is not None else None
        return F.instance_norm(x, weight=w, bias=b, **kwargs)

    return f


@settings(max_examples=25, deadline=None)
@given(instance_cases())
def test_gradients_match_central_differences(case):
    x, weight, bias = case
    inputs = [t for t in (x, weight, bias) if t is not None]
    assert_gradients_match(_call(weight, bias), *inputs)


@settings(max_examples=10, deadline=None)
@given(instance_cases())
def test_gradients_with_running_statistics_match_central_differences(case):
    x, weight, bias = case
    c = x.shape[1]
    stats = np.linspace(-0.5, 0.5, c), np.linspace(0.5, 2.0, c)
    inputs = [t for t in (x, weight, bias) if t is not None]
    f = _call(weight, bias, running_mean=stats[0], running_var=stats[1], use_input_stats=False)
    assert_gradients_match(f, *inputs)


def test_second_order():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    w = Tensor(np.random.default_rng(1).standard_normal(3), requires_grad=True)
    assert autodiff.gradgradcheck(lambda x, w: F.instance_norm(x, weight=w), x, w)


@pytest.mark.parametrize("layer", ["InstanceNorm1d", "InstanceNorm2d"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"affine": True},
        {"affine": True, "bias": False, "eps": 1e-3},
        {"track_running_stats": True, "momentum": 0.3},
        {"affine": True, "track_running_stats": True, "momentum": None},
    ],
)
def test_layers_match_torch_in_both_modes(layer, kwargs):
    torch = pytest.importorskip("torch")
    shape = (3, 4, 5) if layer == "InstanceNorm1d" else (2, 4, 3, 5)
    rng = np.random.default_rng(0)
    ours = getattr(nn, layer)(4, dtype=np.float64, **kwargs)
    theirs = getattr(torch.nn, layer)(4, dtype=torch.float64, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if ours.weight is not None:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(rng.standard_normal(4)))
        ours.weight.data[...] = theirs.weight.detach().numpy()
    for mode in ("train", "train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        data = rng.standard_normal(shape) * 2 + 1
        for unbatched in (False, True):
            x_data = data[0] if unbatched else data
            x = Tensor(x_data, requires_grad=True)
            tx = torch.tensor(x_data, requires_grad=True)
            y, ty = ours(x), theirs(tx)
            np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-9, atol=1e-9)
            v = rng.standard_normal(y.shape)
            (y * Tensor(v)).sum().backward()
            (ty * torch.tensor(v)).sum().backward()
            np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-9)
            if ours.weight is not None:
                np.testing.assert_allclose(
                    ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-9
                )
                ours.zero_grad()
                theirs.zero_grad()
            if ours.running_mean is not None:
                np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy())
                np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy())


def test_functional_matches_torch_with_running_statistics():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 2, 4, 2)).astype(np.float32)
    mean, var = np.array([0.5, -1.0], np.float32), np.array([2.0, 0.5], np.float32)
    ours_stats, theirs_stats = (mean.copy(), var.copy()), (torch.tensor(mean), torch.tensor(var))
    y = F.instance_norm(Tensor(x), *ours_stats, momentum=0.2)
    ty = torch.nn.functional.instance_norm(torch.tensor(x), *theirs_stats, momentum=0.2)
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-5, atol=1e-6)
    for ours_s, theirs_s in zip(ours_stats, theirs_stats, strict=True):
        np.testing.assert_allclose(ours_s, theirs_s.numpy(), rtol=1e-6)
    # the running statistics in another dtype: PyTorch takes them, the output keeps input's
    stats64 = mean.astype(np.float64), var.astype(np.float64)
    y = F.instance_norm(Tensor(x), *stats64, use_input_stats=False)
    ty = torch.nn.functional.instance_norm(
        torch.tensor(x), *map(torch.tensor, stats64), use_input_stats=False
    )
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-5, atol=1e-6)


def test_errors_and_warning_as_torch():
    with pytest.raises(ValueError, match="expected more than 1 spatial element"):
        F.instance_norm(autodiff.ones((2, 3, 1)))
    with pytest.raises(ValueError, match="expected more than 1 spatial element"):
        F.instance_norm(autodiff.ones((2, 3)))
    with pytest.raises(ValueError, match="must be given"):
        F.instance_norm(autodiff.ones((2, 3, 4)), use_input_stats=False)
    with pytest.raises(DtypeError, match="instance_norm: expected input and weight"):
        F.instance_norm(autodiff.ones((2, 3, 4)), weight=autodiff.ones(3, dtype=np.float64))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(autodiff.ones((3, 4)))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.InstanceNorm1d(3)(autodiff.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"size at dim=1 to match num_features \(3\), but got: 4"):
        nn.InstanceNorm1d(3, affine=True)(autodiff.ones((2, 4, 5)))
    with pytest.warns(UserWarning, match="size at dim=0 does not match num_features"):
        nn.InstanceNorm1d(3)(autodiff.ones((4, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(4)(autodiff.ones((4, 5)))
