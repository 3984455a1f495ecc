"""Models: TinyNet's three lessons (gradients vs numerical, train_one_iter vs a manual update),
CS231n's TwoLayerNet (its reference values) and FullyConnectedNet, MLP; a float32 training
step keeps float32 everywhere; module scopes on the graph."""

import numpy as np
import pytest

import autodiff
import nn
from autodiff import Tensor
from nn.models import MLP, FullyConnectedNet, TinyNet, TwoLayerNet, train_one_iter


def tinynet_weights(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    shapes = [(6, 3, 3, 3), (6,), (12, 6, 3, 3), (12,), (48, 10), (10,)]
    return [(0.3 * rng.standard_normal(s)).astype(dtype) for s in shapes]


def tinynet_batch(b=3, seed=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((b, 3, 8, 8)).astype(dtype), rng.integers(0, 10, b)


def tinynet_loss(*weights_x_t):
    """The loss as a plain function of the six weights."""
    *weights, x, t = weights_x_t
    return TinyNet.from_weights(*weights).scores_and_loss(x, t)[1]


def numerical_tinynet_gradients(weights, x, t, eps=1e-6):
    """Central differences of the loss for each of the six weights (lessons' layouts), by
    perturbing one model's parameters in place (cheaper than rebuilding it every time)."""
    net = TinyNet.from_weights(*weights)
    grads = []
    with autodiff.no_grad():
        for p in net.parameters():
            flat, g = p.data.reshape(-1), np.zeros(p.numel())
            for k in range(p.numel()):
                orig = flat[k]
                flat[k] = orig + eps
                plus = net.scores_and_loss(x, t)[1].item()
                flat[k] = orig - eps
                minus = net.scores_and_loss(x, t)[1].item()
                flat[k] = orig
                g[k] = (plus - minus) / (2 * eps)
            grads.append(g.reshape(p.shape))
    grads[4] = grads[4].T  # fc.weight (10, 48) -> W_fc (48, 10)
    return grads


# ---------------------------------------------------------------------------- TinyNet
def test_tinynet_shapes_and_layers():
    net = TinyNet()
    x = autodiff.randn(5, 3, 8, 8)
    scores, loss = net.scores_and_loss(x, np.arange(5))
    assert scores.shape == (5, 10) and loss.shape == ()
    assert [n for n, _ in net.named_parameters()] == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias",
    ]  # fmt: skip
    assert net.fc.weight.shape == (10, 48)


def test_tinynet_from_weights_round_trips_the_lessons_layout():
    weights = tinynet_weights()
    net = TinyNet.from_weights(*weights)
    for given, held in zip(weights, net.weights()):
        np.testing.assert_array_equal(given, held)
    np.testing.assert_array_equal(net.fc.weight.data, weights[4].T)
    x, _ = tinynet_batch()
    # scores = (flattened features) @ W_fc + b_fc, the lessons' formula
    with autodiff.no_grad():
        features = net.flatten(net.pool2(net.relu2(net.conv2(net.pool1(net.relu1(net.conv1(
            Tensor(x))))))))  # fmt: skip
    np.testing.assert_allclose(
        net(Tensor(x)).data, features.data @ weights[4] + weights[5], rtol=1e-12
    )
    bad = list(weights)
    bad[4] = weights[4].T
    with pytest.raises(autodiff.ShapeError, match=r"W_fc must have shape \(48, 10\)"):
        TinyNet.from_weights(*bad)


def test_tinynet_gradients_match_numerical_gradients():
    weights = tinynet_weights()
    x, t = tinynet_batch()
    net = TinyNet.from_weights(*weights)
    with pytest.raises(RuntimeError, match="backward"):
        net.gradients()
    _, loss = net.scores_and_loss(x, t)
    loss.backward()
    analytic = net.gradients()
    numeric = numerical_tinynet_gradients(weights, x, t)
    names = ["W_conv1", "b_conv1", "W_conv2", "b_conv2", "W_fc", "b_fc"]
    for name, a, n in zip(names, analytic, numeric):
        assert a.shape == n.shape
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("one_hot", [False, True])
def test_train_one_iter_matches_a_manual_sgd_step(one_hot):
    weights = tinynet_weights(2)
    x, t = tinynet_batch(4, seed=3)
    if one_hot:
        t = np.eye(10)[t]
    lr, wd = 0.1, 0.01
    originals = [w.copy() for w in weights]
    updated = train_one_iter(*weights, x, t, learning_rate=lr, weight_decay=wd)
    assert len(updated) == 6
    for w, o in zip(weights, originals):
        np.testing.assert_array_equal(w, o)  # the inputs are not modified
    # The manual computation: central-difference gradients, then the update by hand.
    grads = numerical_tinynet_gradients(weights, x, t)
    for i, (w, g, new) in enumerate(zip(weights, grads, updated)):
        decay = wd * w if i % 2 == 0 else 0  # weights are decayed, biases are not
        np.testing.assert_allclose(new, w - lr * (g + decay), rtol=1e-7, atol=1e-10)
    # The loss goes down over a few iterations.
    losses = []
    for _ in range(5):
        losses.append(tinynet_loss(*weights, x, t).item())
        weights = train_one_iter(*weights, x, t, learning_rate=lr, weight_decay=wd)
    assert losses[-1] < losses[0]


def test_train_one_iter_keeps_float32():
    weights = tinynet_weights(dtype=np.float32)
    x, t = tinynet_batch(dtype=np.float32)
    updated = train_one_iter(*weights, x, t, learning_rate=np.float64(0.1), weight_decay=1e-3)
    assert all(u.dtype == np.float32 for u in updated)


def test_tinynet_graph_groups_nodes_by_module_scope():
    net = TinyNet()
    x, t = tinynet_batch(2, dtype=np.float32)
    _, loss = net.scores_and_loss(x, t)
    assert loss.grad_fn.scope == ("TinyNet", "criterion")
    scopes = [(f.op_name(), f.scope) for f in autodiff.graph.walk(loss).functions]
    assert scopes == [
        ("conv2d", ("TinyNet", "conv1")),
        ("relu", ("TinyNet", "relu1")),
        ("max_pool2d", ("TinyNet", "pool1")),
        ("conv2d", ("TinyNet", "conv2")),
        ("relu", ("TinyNet", "relu2")),
        ("max_pool2d", ("TinyNet", "pool2")),
        ("reshape", ("TinyNet", "flatten")),
        ("linear", ("TinyNet", "fc")),
        ("cross_entropy", ("TinyNet", "criterion")),
    ]


# -------------------------------------------------------------- float32 end to end
def assert_float32_step(model, x, t, lr=0.01):
    """Forward, loss, backward and an SGD update, asserting float32 at every step: every
    tensor of the graph, every gradient each node's backward returns, the parameters' grads
    and the updated parameters."""
    loss = nn.CrossEntropyLoss()(model(Tensor(x)), t)
    graph = autodiff.graph.walk(loss)
    bad = [(graph.name(v), v.dtype) for v in graph.tensors if v.dtype != np.float32]
    assert not bad, f"float64 upcasts in the forward graph: {bad}"
    # The engine casts gradients back to each input's dtype, which would hide an upcast in a
    # backward formula; so call every node's backward directly and check what it returns.
    for node in graph.functions:
        out = graph.output(node)
        grads = type(node).backward(node, np.ones(out.shape, np.float32))
        grads = grads if isinstance(grads, tuple) else (grads,)
        for g in grads:
            assert g is None or g.dtype == np.float32, f"{node.op_name()} backward upcasts"
    loss.backward()
    assert loss.dtype == np.float32
    with autodiff.no_grad():
        for name, p in model.named_parameters():
            assert p.grad.dtype == np.float32, name
            p.sub_(p.grad, alpha=lr)
            assert p.dtype == np.float32, name


def test_float32_training_step_tinynet():
    x, t = tinynet_batch(4, dtype=np.float32)
    assert_float32_step(TinyNet(), x, t)


def test_float32_training_step_mlp_with_batchnorm_and_dropout():
    model = nn.Sequential(
        nn.Linear(12, 16), nn.BatchNorm1d(16), nn.LeakyReLU(), nn.Dropout(0.2),
        nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 5), nn.LogSoftmax(dim=1),
    )  # fmt: skip
    x = np.random.default_rng(0).standard_normal((6, 12)).astype(np.float32)
    assert_float32_step(model, x, np.arange(6) % 5)


def test_float32_training_step_conv_stack():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(4, 4, 3), nn.Sigmoid(), nn.MaxPool2d(2, stride=1), nn.Flatten(),
        nn.Linear(4, 3),
    )  # fmt: skip
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    assert_float32_step(model, x, np.array([0, 2]))


# ------------------------------------------------------------------------------ CS231n
def cs231n_two_layer_net():
    """CS231n's TwoLayerNet check (assignment 2, FullyConnectedNets), with its values."""
    N, D, H, C = 3, 5, 50, 7
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return model, X, (N, D, H, C)


def test_two_layer_net_reproduces_cs231n_reference_values():
    model, X, (N, D, H, C) = cs231n_two_layer_net()
    assert model.params["W1"].std() == pytest.approx(1e-3, rel=0.2)
    assert np.all(model.params["b1"] == 0) and model.params["W2"].shape == (H, C)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    scores = model.loss(X)
    correct_scores = np.asarray([
        [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
        [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
        [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319],
    ])  # fmt: skip
    assert np.abs(scores - correct_scores).sum() < 1e-6
    y = np.asarray([0, 5, 1])
    loss, grads = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10
    assert set(grads) == {"W1", "b1", "W2", "b2"}
    model.reg = 1.0
    loss, grads = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients_match_numerical(reg):
    rng = np.random.default_rng(0)
    model = TwoLayerNet(input_dim=5, hidden_dim=6, num_classes=4, weight_scale=0.5, reg=reg)
    X, y = rng.standard_normal((3, 5)), rng.integers(0, 4, 3)
    _, grads = model.loss(X, y)
    for name, value in model.params.items():
        numeric = _numeric_param_grad(lambda: forward_loss(model, X, y), value)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def forward_loss(model, X, y):
    """CS231n's training loss without backward: softmax loss + 0.5 * reg * sum of W^2."""
    with autodiff.no_grad():
        loss = nn.CrossEntropyLoss()(model.train()(Tensor(X)), y).item()
    weights = [w for name, w in model.params.items() if name.startswith("W")]
    return loss + 0.5 * model.reg * sum(np.sum(w * w) for w in weights)


def _numeric_param_grad(f, array, eps=1e-6):
    grad = np.zeros_like(array)
    flat, gflat = array.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        orig = flat[k]
        flat[k] = orig + eps
        plus = f()
        flat[k] = orig - eps
        minus = f()
        flat[k] = orig
        gflat[k] = (plus - minus) / (2 * eps)
    return grad


def test_fully_connected_net_initial_loss_is_about_log_10():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 50)
    model = FullyConnectedNet([100, 50], weight_scale=1e-2, seed=0)
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), rel=0.05)
    assert all(g.dtype == np.float32 for g in grads.values())
    model.reg = 10.0
    assert model.loss(X, y)[0] > loss  # regularisation adds 0.5 * reg * sum(W^2)
    assert model.loss(X).shape == (50, 10)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"reg": 3.14},
        {"normalization": "batchnorm"},
        {"dropout": 0.5, "seed": 123},
        {"dropout_keep_ratio": 0.75, "normalization": "batchnorm", "seed": 1, "reg": 0.5},
    ],
    ids=str,
)
def test_fully_connected_net_gradients_match_numerical(options):
    # CS231n's check: N=2, D=15, H1=20, H2=30, C=10, float64.
    rng = np.random.default_rng(231)
    X, y = rng.standard_normal((2, 15)), rng.integers(0, 10, 2)
    if "seed" not in options:
        nn.init.manual_seed(0)
    model = FullyConnectedNet(
        [20, 30], input_dim=15, num_classes=10, weight_scale=5e-2, dtype=np.float64, **options
    )
    if options.get("normalization"):
        with autodiff.no_grad():  # away from gamma = 1, beta = 0
            for i in (1, 2):
                model.params[f"gamma{i}"] = rng.uniform(0.5, 1.5, model.params[f"gamma{i}"].shape)
                model.params[f"beta{i}"] = rng.standard_normal(model.params[f"beta{i}"].shape)
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    assert loss == pytest.approx(forward_loss(model, X, y), rel=1e-12)
    for name in grads:
        numeric = _numeric_param_grad(lambda: forward_loss(model, X, y), model.params[name])
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-4, atol=1e-7, err_msg=name)


def test_fully_connected_net_parts():
    model = FullyConnectedNet([4, 3], input_dim=5, num_classes=2, normalization="batchnorm")
    assert list(model.params) == [
        "W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3",
    ]  # fmt: skip
    assert model.params["W1"].shape == (5, 4) and model.params["W1"].dtype == np.float32
    assert "running_mean1" in model.state_dict()
    x = autodiff.randn(3, 5)
    model.loss(x.data, np.array([0, 1, 0]))
    assert not np.allclose(model.running_mean1.data, 0)  # training updated the statistics
    assert model.training  # loss() restores the mode
    scopes = {f.scope for f in autodiff.graph.walk(model(x)).functions}
    assert ("FullyConnectedNet", "layer1") in scopes
    with pytest.raises(ValueError, match="normalization"):
        FullyConnectedNet([4], normalization="layernorm")


# -------------------------------------------------------------------------------- MLP
def test_mlp_structure_and_training():
    mlp = MLP([4, 8, 8, 3], activation="tanh")
    assert [type(m).__name__ for m in mlp] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert mlp.sizes == [4, 8, 8, 3]
    with pytest.raises(ValueError, match="activation"):
        MLP([2, 2], activation="swish")
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((32, 4)).astype(np.float32))
    t = (x.data[:, 0] > 0).astype(np.int64) + (x.data[:, 1] > 0)
    criterion = nn.CrossEntropyLoss()
    first = None
    for _ in range(100):
        loss = criterion(mlp(x), t)
        first = first if first is not None else loss.item()
        mlp.zero_grad()
        loss.backward()
        with autodiff.no_grad():
            for p in mlp.parameters():
                p.sub_(p.grad, alpha=0.5)
    assert loss.item() < 0.5 * first
