"""The layers a PyTorch user reaches for next — Embedding, GELU, SiLU, LayerNorm — and PyTorch's
spellings around modules: nn.utils.clip_grad_norm_, Module.to(device/dtype), BatchNorm's
num_batches_tracked, TensorDataset. Gradients against central differences; values against
torch where it is installed."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn
import nn.functional as F
from autodiff import Tensor
from autodiff.ops.special import erf_values as erf
from autodiff.testing import assert_gradients_match, shapes, tensors
from nn.data import DataLoader, TensorDataset

SETTINGS = settings(max_examples=25, deadline=None)


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


# ----------------------------------------------------------------------------------- erf
def test_erf_matches_math_erf_to_float64_precision():
    x = np.concatenate(
        [np.linspace(-7, 7, 20001), [0.0, -0.0, 1e-300, 1.9999999, 2.0, 2.0000001, 40.0, -40.0]]
    )
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), expected, rtol=4e-15, atol=4e-16)
    assert erf(np.array([np.inf, -np.inf])).tolist() == [1.0, -1.0]
    assert np.isnan(erf(np.array([np.nan])))[0]
    assert erf(np.array([0.5], dtype=np.float32)).dtype == np.float32


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@SETTINGS
@given(x=tensors(shapes(max_side=3), low=-4.0, high=4.0))
def test_gelu_gradient(x, approximate):
    assert_gradients_match(lambda t: F.gelu(t, approximate), x)


@SETTINGS
@given(x=tensors(shapes(max_side=3), low=-6.0, high=6.0))
def test_silu_gradient_and_second_order(x):
    assert_gradients_match(F.silu, x)
    assert ad.gradgradcheck(F.silu, x)


@SETTINGS
@given(data=st.data())
def test_layer_norm_gradient(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    k = data.draw(st.integers(1, len(shape)))
    x = data.draw(tensors(shape))
    w = data.draw(tensors(shape[-k:]))
    b = data.draw(tensors(shape[-k:]))
    assert_gradients_match(lambda x, w, b: F.layer_norm(x, shape[-k:], w, b), x, w, b)


@SETTINGS
@given(data=st.data())
def test_embedding_gradient_with_repeats_and_padding(data):
    n = data.draw(st.integers(2, 6))
    weight = data.draw(tensors((n, 3)))
    idx = np.asarray(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8)))
    padding = data.draw(st.none() | st.integers(0, n - 1))

    def f(w):
        return F.embedding(idx, w, padding_idx=padding)

    out = f(weight)
    np.testing.assert_array_equal(out.data, weight.data[idx])
    (out * out).sum().backward()
    expected = np.zeros_like(weight.data)
    np.add.at(expected, idx, 2 * weight.data[idx])
    if padding is not None:
        expected[padding] = 0
    np.testing.assert_allclose(weight.grad.data, expected)


def test_edge_cases():
    zero_d = Tensor(np.float64(0.7), requires_grad=True)
    assert_gradients_match(F.gelu, zero_d)
    assert_gradients_match(F.silu, zero_d)
    empty = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert F.gelu(empty).shape == (0, 3) and F.silu(empty).shape == (0, 3)
    assert F.embedding(np.zeros((0,), dtype=np.int64), ad.ones(4, 2)).shape == (0, 2)
    with pytest.raises(TypeError, match="integer indices"):
        F.embedding(np.array([0.5]), ad.ones(4, 2))
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        F.embedding(np.array([4]), ad.ones(4, 2))
    with pytest.raises(NotImplementedError, match="scale_grad_by_freq"):
        F.embedding(np.array([1]), ad.ones(4, 2), scale_grad_by_freq=True)
    with pytest.raises(ad.ShapeError, match="layer_norm"):
        F.layer_norm(ad.ones(2, 3), (2,))
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(ad.ones(2), "erf")
    with pytest.raises(TypeError, match="gelu"):
        F.gelu(ad.tensor([1, 2]))
    x = ad.tensor(np.linspace(-3, 3, 7), requires_grad=True)
    assert ad.gradgradcheck(F.gelu, x)  # built from erf: differentiable to any order


# ----------------------------------------------------------------------- against torch
def _same(ours, theirs, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "name, ours, theirs",
    [
        ("gelu", lambda t: F.gelu(t), lambda t, TF: TF.gelu(t)),
        ("gelu_tanh", lambda t: F.gelu(t, "tanh"), lambda t, TF: TF.gelu(t, approximate="tanh")),
        ("silu", F.silu, lambda t, TF: TF.silu(t)),
        ("layer_norm", lambda t: F.layer_norm(t, (4,)), lambda t, TF: TF.layer_norm(t, (4,))),
        ("layer_norm2", lambda t: F.layer_norm(t, (3, 4)), lambda t, TF: TF.layer_norm(t, (3, 4))),
    ],
)
def test_functions_match_torch_with_gradients(name, ours, theirs):
    torch = _torch()
    a = np.random.default_rng(0).normal(0, 3, (2, 3, 4))
    a[0, 0, :] = [-40.0, 40.0, 0.0, 1e-8]  # far tails and zero
    v = np.random.default_rng(1).standard_normal((2, 3, 4))
    x = ad.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = ours(x), theirs(tx, torch.nn.functional)
    _same(y, ty, rtol=1e-10)
    (y * ad.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    _same(x.grad, tx.grad, rtol=1e-9, atol=1e-12)


def test_layers_match_torch_from_the_same_weights():
    torch = _torch()
    rng = np.random.default_rng(0)
    ours = nn.Sequential(
        nn.Embedding(10, 6, padding_idx=2),
        nn.LayerNorm(6),
        nn.Linear(6, 8),
        nn.GELU(),
        nn.Linear(8, 8),
        nn.SiLU(),
        nn.LayerNorm(8, bias=False),
    ).double()
    theirs = torch.nn.Sequential(
        torch.nn.Embedding(10, 6, padding_idx=2),
        torch.nn.LayerNorm(6),
        torch.nn.Linear(6, 8),
        torch.nn.GELU(),
        torch.nn.Linear(8, 8),
        torch.nn.SiLU(),
        torch.nn.LayerNorm(8, bias=False),
    ).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    state = {k: rng.normal(0, 1, v.shape) for k, v in ours.state_dict().items()}
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    idx = rng.integers(0, 10, (4, 5))
    idx[0, :2] = 2  # the padding row
    y, ty = ours(idx), theirs(torch.tensor(idx))
    _same(y, ty, rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        _same(p.grad, tp.grad, rtol=1e-8, atol=1e-10)
    assert ours[0].weight.grad.data[2].tolist() == [0.0] * 6
    for a, b in zip(ours, theirs):
        assert repr(a) == repr(b)


def test_embedding_layer_details():
    nn.init.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=-1)
    assert emb.padding_idx == 4 and emb.weight.data[4].tolist() == [0.0] * 3
    assert abs(emb.weight.data[:4].std() - 1) < 0.7  # N(0, 1)
    table = np.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    assert frozen(ad.tensor([2, 0])).tolist() == [[4, 5], [0, 1]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    # F.embedding checks it too (PyTorch asserts): out of range it would cut no row's gradient.
    for weight in (ad.tensor(table), ad.tensor(table, requires_grad=True)):
        for padding_idx in (3, -4):
            with pytest.raises(ValueError, match=r"padding_idx must be within \[-3, 3\)"):
                F.embedding(ad.tensor([0, 2]), weight, padding_idx=padding_idx)
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Embedding(3, 2, device="cuda")


# ------------------------------------------------------------------------------ modules
def test_clip_grad_norm_under_pytorch_path():
    from nn.optim import clip_grad_norm_

    assert nn.utils.clip_grad_norm_ is clip_grad_norm_
    model = nn.Linear(3, 2)
    model(ad.ones(4, 3)).sum().backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.1)
    assert total.item() > 0.1
    norm = math.sqrt(sum(float((p.grad.data**2).sum()) for p in model.parameters()))
    assert norm == pytest.approx(0.1, rel=1e-4)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(ad.zeros(8), model.parameters())
    assert all(np.all(p.data == 0) for p in model.parameters())
    with pytest.raises(ValueError, match="6 elements, the parameters 8"):
        nn.utils.vector_to_parameters(ad.zeros(6), model.parameters())


def test_module_to_cpu_dtype_and_cuda_errors():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(ad.device("cpu")) is model
    assert model.to(ad.float64) is model and model[0].weight.dtype == np.float64
    model.to("cpu", ad.float32)
    assert model[0].weight.dtype == np.float32
    model.to(device="cpu", dtype=ad.float64)
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype
    model.to(ad.zeros(1, dtype=ad.float32))  # a tensor's dtype
    assert model[0].bias.dtype == np.float32
    for call in (lambda: model.to("cuda"), lambda: model.to("cuda:0"), model.cuda,
                 lambda: model.to(device="mps")):  # fmt: skip
        with pytest.raises(RuntimeError, match="glassgrad runs on the CPU only"):
            call()
    with pytest.raises(TypeError, match="floating-point"):
        model.to(ad.int64)
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.to(devices="cpu")


def test_batchnorm_counts_batches_like_torch():
    torch = _torch()
    rng = np.random.default_rng(0)
    for momentum in (0.1, None):
        ours = nn.BatchNorm1d(3, momentum=momentum).double()
        theirs = torch.nn.BatchNorm1d(3, momentum=momentum).double()
        for _ in range(3):
            x = rng.normal(2, 3, (5, 3))
            ours(ad.tensor(x))
            theirs(torch.tensor(x))
        assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 3
        for name in ("running_mean", "running_var"):
            _same(getattr(ours, name), getattr(theirs, name))
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
    ours.eval()
    ours(ad.tensor(rng.normal(size=(2, 3))))
    assert ours.num_batches_tracked.item() == 3  # evaluation counts nothing
    no_bias = nn.BatchNorm2d(3, bias=False)
    assert no_bias.bias is None and repr(no_bias) == repr(torch.nn.BatchNorm2d(3, bias=False))
    # A state dict from before num_batches_tracked still loads.
    state = ours.state_dict()
    del state["num_batches_tracked"]
    assert nn.BatchNorm1d(3).double().load_state_dict(state).missing_keys == []


def _positional(fn) -> list[str]:
    """The names a call can pass by position (without self and the input)."""
    import inspect

    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in inspect.signature(fn).parameters.values() if p.kind in kinds]
    return names[1:]


# PyTorch 2.13's positional arguments, after self or the input (torch.nn.functional's conv2d and
# pooling functions are builtins without a signature to read, so they are written out here).
TORCH_POSITIONAL = {
    "Conv2d": ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
               "groups", "bias", "padding_mode", "device", "dtype"],
    "Conv1d": ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
               "groups", "bias", "padding_mode", "device", "dtype"],
    "ConvTranspose2d": ["in_channels", "out_channels", "kernel_size", "stride", "padding",
                        "output_padding", "groups", "bias", "dilation", "padding_mode", "device",
                        "dtype"],
    "ConvTranspose1d": ["in_channels", "out_channels", "kernel_size", "stride", "padding",
                        "output_padding", "groups", "bias", "dilation", "padding_mode", "device",
                        "dtype"],
    "GroupNorm": ["num_groups", "num_channels", "eps", "affine", "device", "dtype"],
    "Linear": ["in_features", "out_features", "bias", "device", "dtype"],
    "MaxPool2d": ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"],
    "AvgPool2d": ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                  "divisor_override"],
    "MaxPool1d": ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"],
    "AvgPool1d": ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"],
    "AdaptiveMaxPool2d": ["output_size", "return_indices"],
    "MaxUnpool2d": ["kernel_size", "stride", "padding"],
    "MaxUnpool1d": ["kernel_size", "stride", "padding"],
    "Dropout": ["p", "inplace"],
    "conv1d": ["weight", "bias", "stride", "padding", "dilation", "groups"],
    "conv2d": ["weight", "bias", "stride", "padding", "dilation", "groups"],
    "conv_transpose2d": ["weight", "bias", "stride", "padding", "output_padding", "groups",
                         "dilation"],
    "conv_transpose1d": ["weight", "bias", "stride", "padding", "output_padding", "groups",
                         "dilation"],
    "group_norm": ["num_groups", "weight", "bias", "eps"],
    "max_pool2d": ["kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"],
    "avg_pool2d": ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                   "divisor_override"],
    "max_pool1d": ["kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"],
    "avg_pool1d": ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"],
    "adaptive_max_pool2d": ["output_size", "return_indices"],
    "max_unpool2d": ["indices", "kernel_size", "stride", "padding", "output_size"],
    "max_unpool1d": ["indices", "kernel_size", "stride", "padding", "output_size"],
    "dropout": ["p", "training", "inplace"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TORCH_POSITIONAL))
def test_positional_arguments_are_pytorchs(name):
    ours = getattr(nn, name).__init__ if name[0].isupper() else getattr(F, name)
    assert _positional(ours) == TORCH_POSITIONAL[name]
    readable = ("Linear", "MaxPool2d", "AvgPool2d", "Dropout", "dropout", "GroupNorm", "group_norm")
    readable += ("MaxPool1d", "AvgPool1d", "AdaptiveMaxPool2d", "MaxUnpool2d", "MaxUnpool1d")
    readable += ("max_unpool2d", "max_unpool1d")
    if name in readable:  # readable in torch
        torch = pytest.importorskip("torch")
        home = torch.nn if name[0].isupper() else torch.nn.functional
        theirs = getattr(home, name)
        assert _positional(theirs.__init__ if name[0].isupper() else theirs) == _positional(ours)


def test_positional_pytorch_arguments_are_honoured_or_refused():
    x = ad.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)))
    conv = nn.Conv2d(3, 4, 3, 1, 1, 1, 1, False, "zeros", "cpu", np.float64)
    assert conv.bias is None and conv(x).shape == (2, 4, 6, 6)
    with pytest.raises(NotImplementedError, match="Conv2d: .*mode"):
        nn.Conv2d(3, 6, 3, 1, 1, 1, 1, True, "reflect")
    assert nn.Conv2d(3, 6, 3, 1, 1, 1, 3).weight.shape == (6, 1, 3, 3)  # groups, 7th as PyTorch's
    assert nn.Conv2d(3, 6, 3, 1, 1, 2).dilation == (2, 2)  # dilation, 6th as PyTorch's
    assert F.conv2d(x, conv.weight, None, 1, 1, 2).shape == (2, 4, 4, 4)
    values, indices = F.max_pool2d(x, 2, 2, 0, 1, False, True)  # return_indices, 7th
    assert values.shape == indices.shape == (2, 3, 3, 3)
    assert F.max_pool2d(x, 4, 4, 0, 1, True).shape == (2, 3, 2, 2)  # ceil_mode, 6th
    assert F.avg_pool2d(x, 4, 4, 0, True, True, 2).shape == (2, 3, 2, 2)  # divisor, 7th
    with pytest.raises(TypeError):  # glassgrad's generator is keyword-only
        nn.Dropout(0.5, False, np.random.default_rng(0))
    assert F.dropout(x, 0.5, False, False) is x

    torch = _torch()
    theirs = torch.nn.Conv2d(3, 4, 3, 1, 1, 1, 1, False, "zeros", "cpu", torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(conv.weight.data))
    expected = theirs(torch.tensor(x.data)).detach().numpy()
    np.testing.assert_allclose(conv(x).data, expected, rtol=1e-12, atol=1e-12)
    for ours, torch_layer in (
        (nn.MaxPool2d(3, 2, 1, 1, False, False), torch.nn.MaxPool2d(3, 2, 1, 1, False, False)),
        (nn.AvgPool2d(3, 2, 1, False, True, None), torch.nn.AvgPool2d(3, 2, 1, False, True, None)),
        (nn.MaxPool2d(3, 2, 1, 1, False, True), torch.nn.MaxPool2d(3, 2, 1, 1, False, True)),
        (nn.AvgPool2d(3, 2, 1, True, False, 2), torch.nn.AvgPool2d(3, 2, 1, True, False, 2)),
    ):
        expected = torch_layer(torch.tensor(x.data)).numpy()
        np.testing.assert_allclose(ours(x).data, expected, rtol=1e-12, atol=1e-12)
        assert repr(ours) == repr(torch_layer)


@pytest.mark.parametrize(
    "layer, attribute, value",
    [
        (lambda: nn.Conv2d(3, 4, 3), "padding_mode", "reflect"),
    ],
)
def test_an_unsupported_value_set_after_construction_raises_at_forward(layer, attribute, value):
    # PyTorch reads these attributes at forward: ignoring a changed one would be silent.
    module = layer()
    x = ad.ones((1, 3, 5) if isinstance(module, nn.MaxPool1d) else (1, 3, 5, 5))
    module(x)  # a first call, so that a kept signature could be reused by the next
    setattr(module, attribute, value)
    with pytest.raises(NotImplementedError, match=re.escape(f"{attribute}={value!r}")):
        module(x)


@pytest.mark.parametrize(
    "layer", [lambda: nn.MaxPool2d(2), lambda: nn.MaxPool1d(2), lambda: nn.AdaptiveMaxPool2d(2)]
)
def test_return_indices_set_after_construction_takes_effect_at_forward(layer):
    module = layer()
    x = ad.ones((1, 3, 5) if isinstance(module, nn.MaxPool1d) else (1, 3, 5, 5))
    assert isinstance(module(x), ad.Tensor)  # a first call: a kept signature is not reused
    module.return_indices = True
    values, indices = module(x)
    assert indices.shape == values.shape and indices.dtype == ad.int64


@pytest.mark.parametrize(
    "loss, attribute, value",
    [
        ("CrossEntropyLoss", "label_smoothing", 0.1),
        ("CrossEntropyLoss", "ignore_index", 0),
        ("CrossEntropyLoss", "weight", ad.tensor([1.0, 2.0, 0.5])),
        ("NLLLoss", "ignore_index", 2),
        ("NLLLoss", "weight", ad.tensor([1.0, 2.0, 0.5])),
        ("BCELoss", "weight", ad.tensor([1.0, 2.0, 0.5])),
        ("BCEWithLogitsLoss", "weight", ad.tensor([1.0, 2.0, 0.5])),
        ("BCEWithLogitsLoss", "pos_weight", ad.tensor([3.0, 2.0, 0.5])),
        ("MultiMarginLoss", "weight", ad.tensor([1.0, 2.0, 0.5])),
    ],
)
def test_a_loss_attribute_pytorch_reads_at_forward_is_honoured_when_changed(loss, attribute, value):
    # PyTorch reads these at forward: a value set after construction must count, not be ignored
    scores, labels = ad.tensor([[0.5, 0.25, 0.75], [0.1, 0.8, 0.3]]), ad.tensor([0, 2])
    target = labels if "BCE" not in loss else ad.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    criterion = getattr(nn, loss)()
    before = criterion(scores, target).item()
    default = getattr(criterion, attribute)
    setattr(criterion, attribute, value)
    expected = getattr(nn, loss)(**{attribute: value})(scores, target).item()
    assert criterion(scores, target).item() == pytest.approx(expected) != before
    torch = pytest.importorskip("torch")
    assert default == getattr(getattr(torch.nn, loss)(), attribute)  # PyTorch's attribute
    theirs = getattr(torch.nn, loss)()
    option = torch.tensor(value.data) if isinstance(value, ad.Tensor) else value
    setattr(theirs, attribute, option)
    target_t = torch.tensor(target.data)
    assert theirs(torch.tensor(scores.data), target_t).item() == pytest.approx(expected, rel=1e-6)


def test_tensor_dataset_and_loader_yield_tensors():
    x = ad.tensor(np.arange(12.0).reshape(6, 2))
    t = ad.tensor([0, 1, 2, 0, 1, 2])
    ds = TensorDataset(x, t)
    xi, ti = ds[1]
    assert isinstance(xi, Tensor) and xi.tolist() == [2.0, 3.0] and ti.item() == 1
    xs, ts = ds[:]
    assert xs.shape == (6, 2) and ts.dtype == np.int64
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 2), (2, 2)]
    assert all(isinstance(f, Tensor) for b in batches for f in b)
    arrays = next(iter(DataLoader(ds, batch_size=4, as_tensor=False)))
    assert all(type(f) is np.ndarray for f in arrays)
    assert repr(ds).startswith("TensorDataset(")


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_dtype_converts_the_input_first(name):
    x = ad.tensor(np.array([[1.0, 2.0, 4.0]], dtype=np.float32), requires_grad=True)
    y = getattr(F, name)(x, 1, dtype=ad.float64)
    assert y.dtype == np.float64
    exact = getattr(F, name)(ad.tensor(x.data.astype(np.float64)), 1)
    np.testing.assert_array_equal(y.data, exact.data)
    y.sum().backward()
    assert x.grad.dtype == np.float32  # the conversion is in the graph
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn.functional, name)(torch.tensor(x.data), 1, dtype=torch.float64)
    np.testing.assert_allclose(y.data, theirs.numpy(), rtol=1e-15)


@pytest.mark.parametrize("kernel", [3, (3, 5), (1, 3)])
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_padding_strings(kernel, padding):
    x = ad.tensor(np.random.default_rng(0).standard_normal((2, 3, 7, 6)), requires_grad=True)
    layer = nn.Conv2d(3, 4, kernel, padding=padding).double()
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    numbers = (kh // 2, kw // 2) if padding == "same" else 0
    y = layer(x)
    assert layer.padding == padding and f"padding={padding}" in repr(layer)
    expected = F.conv2d(x, layer.weight, layer.bias, 1, numbers)
    np.testing.assert_array_equal(y.data, expected.data)
    np.testing.assert_array_equal(layer(x).data, y.data)  # a second call, as the first
    if padding == "same":
        assert y.shape[2:] == x.shape[2:]
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv2d(3, 4, kernel, padding=padding, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.weight.data))
        theirs.bias.copy_(torch.tensor(layer.bias.data))
    np.testing.assert_allclose(y.data, theirs(torch.tensor(x.data)).detach().numpy(), atol=1e-12)
    assert repr(layer) == repr(theirs)


@pytest.mark.parametrize(
    "layer",
    [
        lambda: nn.Conv2d(3, 4, 3, padding=1).double(),
        lambda: nn.Conv2d(3, 4, (3, 5), padding="same", bias=False).double(),
        lambda: nn.ConvTranspose2d(3, 4, 3, 2, 1, 1).double(),
        lambda: nn.MaxPool2d(3, 2, 1),
        lambda: nn.AvgPool2d(2),
    ],
)
def test_one_image_is_a_batch_of_one_as_in_pytorch(layer):
    module = layer()
    image = np.random.default_rng(1).standard_normal((3, 7, 6))
    x = ad.tensor(image, requires_grad=True)
    batch = ad.tensor(image[None], requires_grad=True)
    for _ in range(2):  # the second call, as the first: no kept batch signature reused
        y = module(x)
        expected = module(batch)
        assert y.shape == expected.shape[1:]
        np.testing.assert_array_equal(y.data, expected.data[0])
    x.grad = batch.grad = None
    module(x).sum().backward()
    module(batch).sum().backward()
    np.testing.assert_array_equal(x.grad.data, batch.grad.data[0])
    torch = pytest.importorskip("torch")
    from nn.export import to_torch

    theirs = to_torch(module)
    np.testing.assert_allclose(
        module(x).data, theirs(torch.tensor(image)).detach().numpy(), atol=1e-12
    )


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_embedding_max_norm_renormalises_the_looked_up_rows_in_place(norm_type):
    table = np.array([[3.0, 4.0], [0.3, 0.4], [-6.0, 8.0], [1.0, 1.0]])
    weight = nn.Parameter(table)
    rows = F.embedding(ad.tensor([[0, 1], [0, 2]]), weight, max_norm=1.0, norm_type=norm_type)
    norms = np.linalg.norm(table, ord=norm_type, axis=1)
    expected = table * np.where(norms > 1.0, 1.0 / (norms + 1e-7), 1.0)[:, None]
    expected[3] = table[3]  # not looked up: left as it was, whatever its norm
    np.testing.assert_allclose(weight.data, expected, rtol=1e-12)
    np.testing.assert_allclose(rows.data, expected[[[0, 1], [0, 2]]], rtol=1e-12)
    rows.sum().backward()
    assert weight.grad.data.tolist() == [[2.0, 2.0], [1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]
    layer = nn.Embedding(4, 2, max_norm=1.0, norm_type=norm_type, _weight=table)
    assert "max_norm=1.0" in repr(layer)
    torch = pytest.importorskip("torch")
    start = torch.tensor(table)
    theirs = torch.nn.Embedding(4, 2, max_norm=1.0, norm_type=norm_type, _weight=start)
    out = theirs(torch.tensor([[0, 1], [0, 2]]))
    np.testing.assert_allclose(rows.data, out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
    assert repr(layer) == repr(theirs)


# ----------------------------------------------------------- AdaptiveAvgPool2d, Unflatten
def _adaptive_reference(x: np.ndarray, oh: int, ow: int) -> np.ndarray:
    """PyTorch's windows, one cell at a time: rows floor(i H / oh) to ceil((i + 1) H / oh)."""
    h, w = x.shape[-2:]
    out = np.empty((*x.shape[:-2], oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * h // oh, -(-(i + 1) * h // oh))
            cols = slice(j * w // ow, -(-(j + 1) * w // ow))
            out[..., i, j] = x[..., rows, cols].mean(axis=(-2, -1))
    return out


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    oh=st.integers(1, 8),
    ow=st.integers(1, 8),
)
def test_adaptive_avg_pool2d_windows_and_gradients(data, n, c, h, w, oh, ow):
    x = data.draw(tensors((n, c, h, w)))
    out = F.adaptive_avg_pool2d(x, (oh, ow))
    np.testing.assert_allclose(out.data, _adaptive_reference(x.data, oh, ow), rtol=1e-12)
    assert_gradients_match(lambda x: F.adaptive_avg_pool2d(x, (oh, ow)), x)


def test_adaptive_avg_pool2d_sizes_and_module():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 5)), requires_grad=True)
    assert nn.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).data, x.data.mean((2, 3), keepdims=True))
    assert F.adaptive_avg_pool2d(x, (2, None)).shape == (2, 3, 2, 5)
    assert F.adaptive_avg_pool2d(x[0], 4).shape == (3, 4, 4)  # one image
    assert repr(nn.AdaptiveAvgPool2d((2, None))) == "AdaptiveAvgPool2d(output_size=(2, None))"
    with pytest.raises(ValueError, match="positive"):
        F.adaptive_avg_pool2d(x, 0)
    with pytest.raises(ValueError, match="int or a pair"):
        F.adaptive_avg_pool2d(x, (1, 2, 3))
    with pytest.raises(ad.ShapeError, match="3-d"):
        F.adaptive_avg_pool2d(x[0, 0], 2)


def test_adaptive_avg_pool2d_and_unflatten_match_torch():
    torch = _torch()
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 7))
    for size in [1, (2, 3), (3, None), (6, 9)]:
        ours = Tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        a, b = nn.AdaptiveAvgPool2d(size)(ours), torch.nn.AdaptiveAvgPool2d(size)(theirs)
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-12)
        (a * a).sum().backward()
        (b * b).sum().backward()
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)
        assert repr(nn.AdaptiveAvgPool2d(size)) == repr(torch.nn.AdaptiveAvgPool2d(size))
    for dim, sizes in [(1, (3, 5, 7)), (-1, [7, -1]), (0, (1, 2))]:
        flat = x.reshape(2, 105)
        ours, theirs = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
        assert ours(Tensor(flat)).shape == tuple(theirs(torch.tensor(flat)).shape)
        assert repr(ours) == repr(theirs)


def test_unflatten_undoes_flatten_and_refuses_bad_sizes():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    y = nn.Unflatten(1, (3, 4))(nn.Flatten()(x))
    np.testing.assert_array_equal(y.data, x.data)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="tuple or list of ints"):
        nn.Unflatten(1, 12)
    with pytest.raises(IndexError, match="out of range"):
        nn.Unflatten(3, (2, 2))(x)
