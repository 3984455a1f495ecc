"""Layers: values against numpy references, gradients against central differences (float64),
dtypes kept in float32, dropout statistics, batchnorm train/eval and running statistics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn
import nn.functional as F
from autodiff import Tensor
from autodiff.testing import arrays, assert_gradients_match, shapes, tensors

f64 = np.float64


def rand(*shape, seed=0, dtype=f64, requires_grad=True):
    rng = np.random.default_rng(seed)
    return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


# ------------------------------------------------------------------------------- linear
@settings(max_examples=25, deadline=None)
@given(
    lead=shapes(min_dims=0, max_dims=2, max_side=3),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
    bias=st.booleans(),
    data=st.data(),
)
def test_linear_function_gradcheck(lead, n_in, n_out, bias, data):
    x = data.draw(tensors(lead + (n_in,)))
    w = data.draw(tensors((n_out, n_in)))
    if bias:
        b = data.draw(tensors((n_out,)))
        assert_gradients_match(lambda x, w, b: F.linear(x, w, b), x, w, b)
    else:
        assert_gradients_match(lambda x, w: F.linear(x, w), x, w)


def test_linear_matches_pytorch_layout_and_supports_second_derivatives():
    layer = nn.Linear(3, 2).double()
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = rand(4, 3)
    np.testing.assert_allclose(
        layer(x).data, x.data @ layer.weight.data.T + layer.bias.data, rtol=1e-12
    )
    assert autodiff.gradgradcheck(lambda x, w, b: F.linear(x, w, b) ** 2, x, rand(2, 3), rand(2))


def _third_order(f, *inputs):
    """Derivatives of f of order 1..3 with respect to every input: each pass differentiates
    a fixed-weight sum of the previous one's gradients (create_graph throughout)."""
    rng = np.random.default_rng(3)
    out, found = f(*inputs), []
    for _ in range(3):
        weights = Tensor(rng.standard_normal(out.shape))
        grads = autodiff.gradients((out * weights).sum(), inputs, create_graph=True)
        found.append([g.data for g in grads])
        out = sum(((g * g).sum() for g in grads), Tensor(0.0))
    return found


@pytest.mark.parametrize("lead", [(), (5,), (2, 3)])
def test_linear_derivatives_to_third_order_match_its_plain_composition(lead):
    """linear's backward under create_graph (matmul, gemm, sum) against x @ w.T + b."""
    x, w, b = rand(*lead, 4, seed=1), rand(3, 4, seed=2), rand(3, seed=3)
    fused = _third_order(lambda x, w, b: F.linear(x, w, b).tanh(), x, w, b)
    plain = _third_order(lambda x, w, b: (x @ w.T + b).tanh(), x, w, b)
    for got, want in zip(fused, plain, strict=True):
        for g, p in zip(got, want, strict=True):
            np.testing.assert_allclose(g, p, rtol=1e-10, atol=1e-12)


def test_linear_backward_records_three_nodes_per_2d_layer():
    """The weight gradient g.T @ x is one recorded gemm, not a transpose and a matmul (and the
    input's, g @ w, a gemm too: no `@` dispatch)."""
    x, w, b = rand(5, 4, seed=1), rand(3, 4, seed=2), rand(3, seed=3)
    y = F.linear(x, w, b)
    gx, gw, gb = autodiff.gradients((y * y).sum(), (x, w, b), create_graph=True)
    assert [fn.op_name() for fn in (gx.grad_fn, gw.grad_fn, gb.grad_fn)] == [
        "matmul",
        "matmul",
        "sum",
    ]
    assert type(gw.grad_fn).__name__ == "Gemm" and gw.grad_fn.args[1] is x
    assert type(gx.grad_fn).__name__ == "Gemm" and gx.grad_fn.args[1] is w


def test_mlp_hessian_vector_product_matches_central_differences_of_its_gradient():
    """W9's step in float64 on a small MLP (linear, ReLU, cross-entropy): the product of the
    Hessian with v against (grad(p + eps v) - grad(p - eps v)) / 2 eps. Away from ReLU's kinks
    (inputs well inside a region) the loss is smooth, so the two agree closely."""
    rng = np.random.default_rng(11)
    nn.init.manual_seed(11)
    model = nn.Sequential(
        nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3)
    ).double()
    params = list(model.parameters())
    x = Tensor(rng.standard_normal((7, 6)))
    t = rng.integers(0, 3, 7)
    vs = [rng.standard_normal(p.shape) for p in params]

    def grads_at(shift):
        for p, v in zip(params, vs, strict=True):
            p.data += shift * v
        try:
            return [g.data.copy() for g in autodiff.gradients(F.cross_entropy(model(x), t), params)]
        finally:
            for p, v in zip(params, vs, strict=True):
                p.data -= shift * v

    loss = F.cross_entropy(model(x), t)
    grads = autodiff.gradients(loss, params, create_graph=True)
    dot = sum(((g * Tensor(v)).sum() for g, v in zip(grads, vs, strict=True)), Tensor(0.0))
    hvp = autodiff.gradients(dot, params)
    eps = 1e-6
    numeric = [(a - b) / (2 * eps) for a, b in zip(grads_at(eps), grads_at(-eps), strict=True)]
    for got, want in zip(hvp, numeric, strict=True):
        np.testing.assert_allclose(got.data, want, rtol=1e-5, atol=1e-7)


def test_linear_refuses_a_bias_or_input_of_another_dtype_as_pytorch_does():
    x = Tensor(np.ones((2, 3), np.float32))
    w = Tensor(np.ones((4, 3), np.float32))
    with pytest.raises(RuntimeError, match="weight and bias.*float32 != float64"):
        F.linear(x, w, Tensor(np.full(4, 0.1, np.float64)))  # (numpy's promotion: float64)
    with pytest.raises(RuntimeError, match="input and weight.*float64 != float32"):
        F.linear(x.double(), w)
    assert F.linear(x, w, Tensor(np.zeros(4, np.float32))).dtype == np.float32


def test_linear_module_gradcheck(check_module_grads):
    check_module_grads(nn.Linear(3, 2).double(), rand(4, 3))
    check_module_grads(nn.Linear(3, 2, bias=False).double(), rand(2, 5, 3))


def test_linear_init_bounds_and_shape_errors():
    layer = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert layer.weight.data.std() > bound / 3  # not degenerate
    with pytest.raises(autodiff.ShapeError, match="linear"):
        layer(autodiff.randn(2, 99))


# ------------------------------------------------------------------------ conv and pooling
def test_conv2d_layer(check_module_grads):
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1)
    assert conv.weight.shape == (3, 2, 3, 3) and conv.bias.shape == (3,)
    assert repr(conv) == "Conv2d(2, 3, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"
    x = autodiff.randn(2, 2, 5, 5)
    assert conv(x).shape == (2, 3, 3, 3) and conv(x).dtype == np.float32
    np.testing.assert_allclose(
        conv(x).data, F.conv2d(x, conv.weight, conv.bias, 2, 1).data, rtol=1e-6
    )
    check_module_grads(nn.Conv2d(2, 3, (2, 3), padding=(1, 0)).double(), rand(2, 2, 4, 5))
    check_module_grads(nn.Conv2d(1, 2, 2, bias=False).double(), rand(1, 1, 3, 3))


def test_conv2d_init_uses_the_receptive_field_fan_in():
    conv = nn.Conv2d(4, 8, 3)
    bound = 1 / np.sqrt(4 * 3 * 3)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound


@pytest.mark.parametrize("layer_type", [nn.MaxPool2d, nn.AvgPool2d])
def test_pool_layers(layer_type, check_module_grads):
    pool = layer_type(2)
    assert pool.stride == 2  # PyTorch's default: stride = kernel_size
    extra = ", dilation=1, ceil_mode=False" if layer_type is nn.MaxPool2d else ""  # PyTorch's
    assert repr(pool) == f"{layer_type.__name__}(kernel_size=2, stride=2, padding=0{extra})"
    # Distinct, well separated values: no ties or near-ties for max pooling's differences.
    values = np.random.default_rng(1).permutation(2 * 3 * 6 * 6).reshape(2, 3, 6, 6) * 0.1
    x = Tensor(values, requires_grad=True)
    out = pool(x)
    assert out.shape == (2, 3, 3, 3)
    windows = values.reshape(2, 3, 3, 2, 3, 2)
    expected = windows.max(axis=(3, 5)) if layer_type is nn.MaxPool2d else windows.mean((3, 5))
    np.testing.assert_allclose(out.data, expected)
    check_module_grads(layer_type(3, stride=2, padding=1), x)


# ---------------------------------------------------------------------------- activations
ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=0), lambda x: x - np.log(np.exp(x).sum(0, keepdims=True))),
    (nn.Identity(), lambda x: x),
    (nn.Flatten(), lambda x: x.reshape(x.shape[0], -1)),
]


@pytest.mark.parametrize("layer,reference", ACTIVATIONS, ids=lambda a: type(a).__name__)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_activation_layers(layer, reference, data):
    # Away from 0: the kinks of relu and leaky_relu break central differences there.
    x = data.draw(tensors(shapes(min_dims=2, max_dims=4, max_side=3), away_from=(0,)))
    np.testing.assert_allclose(layer(x).data, reference(x.data), rtol=1e-10, atol=1e-12)
    assert_gradients_match(layer, x)
    x32 = Tensor(x.data.astype(np.float32), requires_grad=True)
    assert layer(x32).dtype == np.float32


def test_activation_reprs():
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.ReLU()) == "ReLU()"


def test_softmax_is_stable_at_large_logits():
    x = Tensor(np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32), requires_grad=True)
    y = nn.Softmax(dim=1)(x)
    np.testing.assert_allclose(y.data, [[1, 0, 0]])
    (y * Tensor(np.array([[1.0, 2.0, 3.0]], np.float32))).sum().backward()
    assert np.all(np.isfinite(x.grad.data))


def test_step_outputs_0_or_1_and_passes_zero_gradients():
    x = Tensor(np.array([-2.0, -0.0, 0.0, 0.5, 3.0]), requires_grad=True)
    y = nn.Step()(x)
    np.testing.assert_array_equal(y.data, [0, 0, 0, 1, 1])
    assert y.dtype == x.dtype and y.requires_grad  # still a node of the graph
    y.sum().backward()  # the only path to x: backward runs, and the gradient is zero
    np.testing.assert_array_equal(x.grad.data, np.zeros(5))
    # In a larger graph it contributes zero and leaves the other paths intact.
    x.grad = None
    w = Tensor(np.ones(5), requires_grad=True)
    ((nn.Step()(x * w) + x * x).sum()).backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    np.testing.assert_array_equal(w.grad.data, np.zeros(5))
    assert_gradients_match(nn.Step(), Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True))


# ------------------------------------------------------------------------------ dropout
def test_dropout_statistics_scaling_and_reproducibility():
    p = 0.3
    x = autodiff.ones(200, 500)
    drop = nn.Dropout(p, generator=np.random.default_rng(0))
    y = drop(x)
    kept = y.data != 0
    assert abs(1 - kept.mean() - p) < 0.01  # about p of the elements are zeroed
    np.testing.assert_allclose(y.data[kept], 1 / (1 - p), rtol=1e-6)  # survivors are scaled
    assert abs(y.data.mean() - 1) < 0.02  # so the expectation is unchanged
    assert y.dtype == np.float32
    y2 = nn.Dropout(p, generator=np.random.default_rng(0))(x)
    np.testing.assert_array_equal(y.data, y2.data)  # seeded masks repeat
    nn.init.manual_seed(5)
    a = nn.Dropout(p)(x).data
    nn.init.manual_seed(5)
    np.testing.assert_array_equal(a, nn.Dropout(p)(x).data)


def test_dropout_gradient_is_the_mask_and_eval_is_identity(check_module_grads):
    drop = nn.Dropout(0.5)
    x = rand(4, 6)
    y = drop(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data / x.data)

    def reseed():  # the same mask on every evaluation
        drop.generator = np.random.default_rng(3)

    check_module_grads(drop, x, before_call=reseed)
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert np.all(F.dropout(x, 1.0).data == 0)
    assert repr(drop) == "Dropout(p=0.5, inplace=False)"
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


# ---------------------------------------------------------------------------- batchnorm
def bn_reference(x, running_mean, running_var, gamma, beta, momentum, eps, axes):
    """One training step of batch normalisation, in numpy (PyTorch's semantics)."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = mean.shape
    y = (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)
    n = x.size // x.shape[1]
    running_mean = (1 - momentum) * running_mean + momentum * mean.ravel()
    running_var = (1 - momentum) * running_var + momentum * var.ravel() * n / (n - 1)
    return y, running_mean, running_var


@pytest.mark.parametrize(
    "layer_type,shape,axes",
    [
        (nn.BatchNorm1d, (8, 3), (0,)),
        (nn.BatchNorm1d, (8, 3, 5), (0, 2)),
        (nn.BatchNorm2d, (4, 3, 5, 5), (0, 2, 3)),
    ],
)
def test_batchnorm_train_eval_and_running_stats_match_numpy(layer_type, shape, axes):
    bn = layer_type(3, momentum=0.2).double()
    rng = np.random.default_rng(0)
    with autodiff.no_grad():
        bn.weight.copy_(rng.uniform(0.5, 2, 3))
        bn.bias.copy_(rng.standard_normal(3))
    gamma, beta = bn.weight.data.copy(), bn.bias.data.copy()
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(4):
        x = rng.standard_normal(shape) * (step + 1) + step
        y = bn(Tensor(x))
        y_ref, rm, rv = bn_reference(x, rm, rv, gamma, beta, 0.2, 1e-5, axes)
        np.testing.assert_allclose(y.data, y_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(bn.running_mean.data, rm, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var.data, rv, rtol=1e-12)
    bn.eval()
    x = rng.standard_normal(shape)
    stat_shape = [1] * len(shape)
    stat_shape[1] = 3
    expected = (x - rm.reshape(stat_shape)) / np.sqrt(rv.reshape(stat_shape) + 1e-5)
    expected = expected * gamma.reshape(stat_shape) + beta.reshape(stat_shape)
    np.testing.assert_allclose(bn(Tensor(x)).data, expected, rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean.data, rm)  # eval does not update


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck(training, check_module_grads):
    bn2 = nn.BatchNorm2d(2).double()
    bn2.train(training)
    with autodiff.no_grad():
        bn2.weight.copy_([1.5, -0.5])
        bn2.bias.copy_([0.1, 0.2])
        bn2.running_mean.copy_([0.3, -0.2])
        bn2.running_var.copy_([2.0, 0.5])
    check_module_grads(bn2, rand(3, 2, 2, 2))
    bn1 = nn.BatchNorm1d(4, affine=False).double().train(training)
    check_module_grads(bn1, rand(5, 4))


def test_batchnorm_functional_gradcheck_and_options():
    x, w, b = rand(6, 3), rand(3, seed=1), rand(3, seed=2)
    assert_gradients_match(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b
    )
    assert_gradients_match(
        lambda x, w, b: F.batch_norm(x, np.zeros(3), np.full(3, 2.0), w, b), x, w, b
    )
    # Without running statistics it always normalises by the batch.
    bn = nn.BatchNorm1d(3, track_running_stats=False).double().eval()
    y = bn(x).data
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-12)
    assert bn.running_mean is None and "running_mean" not in bn.state_dict()
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(autodiff.randn(1, 3))
    with pytest.raises(autodiff.ShapeError, match="BatchNorm2d"):
        nn.BatchNorm2d(3)(autodiff.randn(4, 3))


def test_batchnorm_float32_stays_float32():
    bn = nn.BatchNorm2d(3)
    x = autodiff.randn(4, 3, 2, 2, requires_grad=True)
    y = bn(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert bn.eval()(x).dtype == np.float32


# ------------------------------------------------------------------------ one_hot, misc
@given(arrays((5,), low=0, high=3.99))
def test_one_hot(values):
    labels = values.astype(np.int64)
    onehot = F.one_hot(labels, 4)
    assert onehot.dtype == np.int64 and onehot.shape == (5, 4)
    np.testing.assert_array_equal(onehot.data.argmax(1), labels)
    np.testing.assert_array_equal(onehot.data.sum(1), 1)
    assert F.one_hot(np.array([2, 0]), dtype=np.float32).shape == (2, 3)
    with pytest.raises(IndexError):
        F.one_hot(np.array([4]), 4)
