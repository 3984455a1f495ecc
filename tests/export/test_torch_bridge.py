"""to_torch / from_torch: every built-in layer, container, loss and model, both ways, with the
same outputs (and gradients) in float64 within 1e-6, modes and requires_grad carried over."""

from __future__ import annotations

import numpy as np
import pytest
from export_support import need

import autodiff
import nn
from autodiff import Tensor
from nn.models import MLP, FullyConnectedNet, TinyNet, TwoLayerNet

torch = need("torch", "torch")

from nn.export import UnsupportedOpError, from_torch, to_torch  # noqa: E402

F64 = np.float64


def images(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def compare(ours: nn.Module, theirs, *inputs: np.ndarray, grads: bool = True) -> float:
    """Outputs (and, when asked, input and parameter gradients) of both engines; returns the
    largest difference after asserting it is at most 1e-6."""
    ours.zero_grad()
    theirs.zero_grad()
    xs = [Tensor(x.copy(), requires_grad=x.dtype.kind == "f" and grads) for x in inputs]
    ts = [torch.from_numpy(x.copy()).requires_grad_(x.dtype.kind == "f" and grads) for x in inputs]
    a, b = ours(*xs), theirs(*ts)
    worst = float(np.abs(a.data - b.detach().numpy()).max()) if a.numel() else 0.0
    if grads and a.requires_grad:
        v = images(*a.shape, seed=7)
        (a * v).sum().backward()
        (b * torch.from_numpy(v)).sum().backward()
        for x, t in zip(xs, ts):
            if x.requires_grad:
                worst = max(worst, float(np.abs(x.grad.data - t.grad.numpy()).max()))
        params = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            if p.grad is not None or params[name].grad is not None:
                worst = max(worst, float(np.abs(p.grad.data - params[name].grad.numpy()).max()))
    assert worst <= 1e-6, worst
    return worst


def warm_up(model: nn.Module, x: np.ndarray) -> None:
    """Training-mode passes without gradients: batch norm's running statistics move."""
    model.train()
    with autodiff.no_grad():
        for k in range(2):
            model(Tensor(x * (1 + k) + 0.5))


IMAGE = images(4, 3, 6, 6)
ROWS = images(5, 6)

LAYERS = {
    "Linear": (lambda: nn.Linear(6, 4, dtype=F64), ROWS),
    "Linear-nobias": (lambda: nn.Linear(6, 4, bias=False, dtype=F64), images(2, 3, 6)),
    "Conv2d": (lambda: nn.Conv2d(3, 5, 3, stride=2, padding=1, dtype=F64), IMAGE),
    "Conv2d same": (lambda: nn.Conv2d(3, 5, (3, 5), padding="same", dtype=F64), IMAGE),
    "Conv2d-nobias": (lambda: nn.Conv2d(3, 2, (3, 2), bias=False, dtype=F64), IMAGE),
    "Conv2d groups": (lambda: nn.Conv2d(3, 6, 3, padding=1, groups=3, dtype=F64), IMAGE),
    "Conv2d dilation": (lambda: nn.Conv2d(3, 4, 3, 1, 2, (2, 1), dtype=F64), IMAGE),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(3, 4, 3, 2, 1, 1, dtype=F64), IMAGE),
    "ConvTranspose2d grouped": (
        lambda: nn.ConvTranspose2d(3, 6, (2, 3), (1, 2), 0, (0, 1), 3, False, (2, 1), dtype=F64),
        IMAGE,
    ),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3, 2, 1, 2, dtype=F64), images(4, 3, 9)),
    "Conv1d same": (lambda: nn.Conv1d(4, 2, 3, 1, "same", 1, 2, dtype=F64), images(2, 4, 6)),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(3, 4, 3, 2, 1, 1, dtype=F64), images(4, 3, 9)),
    "ConvTranspose1d grouped": (
        lambda: nn.ConvTranspose1d(4, 6, 2, 3, 0, 1, 2, False, 2, dtype=F64),
        images(2, 4, 5),
    ),
    "GroupNorm": (lambda: nn.GroupNorm(3, 3, 1e-3, dtype=F64), IMAGE),
    "GroupNorm-noaffine": (lambda: nn.GroupNorm(1, 3, affine=False), IMAGE),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1), IMAGE),
    "MaxPool2d dilation": (lambda: nn.MaxPool2d(2, 1, 1, (2, 1)), IMAGE),
    "AvgPool2d": (lambda: nn.AvgPool2d(2, padding=1), IMAGE),
    "MaxPool2d ceil_mode": (lambda: nn.MaxPool2d(2, 3, 1, ceil_mode=True), IMAGE),
    "AvgPool2d options": (lambda: nn.AvgPool2d(3, 2, 1, True, False), IMAGE),
    "AvgPool2d divisor": (lambda: nn.AvgPool2d(2, 2, 1, True, True, 3), IMAGE),
    "MaxPool1d": (lambda: nn.MaxPool1d(3, 2, 1, ceil_mode=True), images(4, 3, 9)),
    "AvgPool1d": (lambda: nn.AvgPool1d(3, 2, 1, True, False), images(4, 3, 9)),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d((4, 5)), IMAGE),
    "ReLU": (lambda: nn.ReLU(), ROWS),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), ROWS),
    "Sigmoid": (lambda: nn.Sigmoid(), ROWS),
    "Tanh": (lambda: nn.Tanh(), ROWS),
    "Softmax": (lambda: nn.Softmax(dim=0), ROWS),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), ROWS),
    "Step": (lambda: nn.Step(), ROWS),
    "Softplus": (lambda: nn.Softplus(2.0, 3.0), ROWS * 3),
    "ELU": (lambda: nn.ELU(0.5), ROWS),
    "SELU": (lambda: nn.SELU(), ROWS),
    "CELU": (lambda: nn.CELU(2.0), ROWS),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 1.5), ROWS),
    "Threshold": (lambda: nn.Threshold(0.1, -2.0), ROWS),
    "ReLU6": (lambda: nn.ReLU6(), ROWS * 5),
    "Hardsigmoid": (lambda: nn.Hardsigmoid(), ROWS * 3),
    "Hardswish": (lambda: nn.Hardswish(), ROWS * 3),
    "Mish": (lambda: nn.Mish(), ROWS),
    "Softsign": (lambda: nn.Softsign(), ROWS),
    "LogSigmoid": (lambda: nn.LogSigmoid(), ROWS),
    "Tanhshrink": (lambda: nn.Tanhshrink(), ROWS),
    "Softmin": (lambda: nn.Softmin(dim=1), ROWS),
    "GLU": (lambda: nn.GLU(1), ROWS),
    "PReLU": (lambda: nn.PReLU(dtype=F64), ROWS),
    "PReLU-channels": (lambda: nn.PReLU(3, init=0.1, dtype=F64), IMAGE),
    "Dropout": (lambda: nn.Dropout(0.4), ROWS),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(6, momentum=0.2, dtype=F64), ROWS),
    "BatchNorm1d-3d": (lambda: nn.BatchNorm1d(3, affine=False, dtype=F64), images(4, 3, 5)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3, eps=1e-3, dtype=F64), IMAGE),
    "BatchNorm2d-nobias": (lambda: nn.BatchNorm2d(3, dtype=F64, bias=False), IMAGE),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(3), images(4, 3, 5)),
    "InstanceNorm1d-tracked": (
        lambda: nn.InstanceNorm1d(3, 1e-3, 0.3, True, True, dtype=F64),
        images(4, 3, 5),
    ),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True, dtype=F64, bias=False), IMAGE),
    "InstanceNorm2d-tracked": (
        lambda: nn.InstanceNorm2d(3, momentum=None, track_running_stats=True, dtype=F64),
        IMAGE,
    ),
    "Flatten": (lambda: nn.Flatten(), IMAGE),
    "Flatten-range": (lambda: nn.Flatten(0, 2), IMAGE),
    "Identity": (lambda: nn.Identity(), ROWS),
    "Sequential": (
        lambda: nn.Sequential(nn.Linear(6, 8, dtype=F64), nn.Tanh(), nn.Linear(8, 2, dtype=F64)),
        ROWS,
    ),
    "Sequential-named": (
        lambda: nn.Sequential(
            {
                "conv": nn.Conv2d(3, 2, 3, dtype=F64),
                "bn": nn.BatchNorm2d(2, dtype=F64),
                "act": nn.ReLU(),
            }
        ),
        IMAGE,
    ),
    "MLP": (lambda: MLP([6, 7, 5, 3], activation="leaky_relu", dtype=F64), ROWS),
    "TinyNet": (lambda: TinyNet(dtype=F64), images(3, 3, 8, 8)),
    "TwoLayerNet": (
        lambda: TwoLayerNet(input_dim=6, hidden_dim=9, num_classes=4, weight_scale=0.5),
        ROWS,
    ),
    "FullyConnectedNet": (
        lambda: FullyConnectedNet(
            [8, 7],
            input_dim=6,
            num_classes=4,
            dropout=0.7,
            normalization="batchnorm",
            weight_scale=0.5,
            dtype=F64,
            seed=3,
        ),
        ROWS,
    ),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_to_torch_and_back_match_in_both_modes(name):
    make, x = LAYERS[name]
    ours = make()
    warm_up(ours, x)
    theirs = to_torch(ours)
    assert type(theirs).__module__.startswith(("torch.nn", "nn.export.torch_models"))
    stochastic = name == "Dropout"
    for training in (False, True):
        ours.train(training)
        theirs.train(training)
        if training and stochastic:
            continue  # random masks: each engine draws its own
        compare(ours, theirs, x)
    back = from_torch(theirs)
    assert type(back) is type(ours)
    assert list(back.state_dict()) == list(ours.state_dict())
    for training in (False, True):
        back.train(training)
        theirs.train(training)
        if not (training and stochastic):
            compare(back, theirs, x)


def test_losses_convert_with_their_options():
    scores = images(5, 4)
    labels = np.array([0, 3, 1, 1, 2])
    probabilities = 1 / (1 + np.exp(-images(5, 4, seed=1)))
    targets = np.random.default_rng(2).random((5, 4))
    cases = [
        (nn.CrossEntropyLoss(), scores, labels),
        (nn.CrossEntropyLoss(reduction="sum"), scores, labels),
        (nn.NLLLoss(reduction="none"), scores, labels),
        (
            nn.CrossEntropyLoss(Tensor(np.array([1.0, 2.0, 0.5, 3.0])), ignore_index=1),
            scores,
            labels,
        ),
        (nn.CrossEntropyLoss(label_smoothing=0.2, reduction="none"), scores, labels),
        (nn.NLLLoss(Tensor(np.array([1.0, 2.0, 0.5, 3.0])), ignore_index=3), scores, labels),
        (nn.MSELoss(), scores, targets),
        (nn.L1Loss(reduction="sum"), scores, targets),
        (nn.BCELoss(), probabilities, targets),
        (nn.BCEWithLogitsLoss(reduction="none"), scores, targets),
        (nn.MultiMarginLoss(p=2, margin=0.5), scores, labels),
        (nn.MultiMarginLoss(1, 0.5, Tensor(np.array([1.0, 2.0, 0.5, 3.0]))), scores, labels),
        (nn.BCELoss(Tensor(np.array([1.0, 2.0, 0.5, 3.0]))), probabilities, targets),
        (
            nn.BCEWithLogitsLoss(Tensor(np.ones((5, 1))), pos_weight=Tensor(np.arange(1.0, 5.0))),
            scores,
            targets,
        ),
    ]
    for loss, x, t in cases:
        theirs = to_torch(loss)
        assert type(theirs).__name__ == type(loss).__name__
        assert theirs.reduction == loss.reduction
        compare(loss, theirs, x, t)
        compare(from_torch(theirs), theirs, x, t)


def test_module_list_and_tinynet_criterion_convert():
    ours = nn.ModuleList([nn.Linear(3, 2, dtype=F64), nn.ReLU()])
    theirs = to_torch(ours)
    assert isinstance(theirs, torch.nn.ModuleList) and isinstance(theirs[1], torch.nn.ReLU)
    np.testing.assert_array_equal(theirs[0].weight.detach().numpy(), ours[0].weight.data)
    assert isinstance(from_torch(theirs), nn.ModuleList)
    net = to_torch(TinyNet(dtype=F64))
    assert isinstance(net.criterion, torch.nn.CrossEntropyLoss)


def test_modes_requires_grad_and_dtypes_are_carried_per_module():
    ours = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.2), nn.Linear(4, 2))
    ours.train()
    ours[1].eval()
    ours[3].weight.requires_grad = False
    theirs = to_torch(ours)
    assert [m.training for m in theirs.modules()] == [True, True, False, True, True]
    assert not theirs[3].weight.requires_grad and theirs[3].bias.requires_grad
    assert theirs[0].weight.dtype == torch.float32
    back = from_torch(theirs)
    assert [m.training for m in back.modules()] == [True, True, False, True, True]
    assert not back[3].weight.requires_grad and back[0].weight.dtype == np.float32


def test_weights_are_copies_and_training_continues_in_torch():
    ours = MLP([6, 5, 3], dtype=F64)
    theirs = to_torch(ours)
    before = ours[0].weight.data.copy()
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1)
    loss = torch.nn.functional.cross_entropy(
        theirs(torch.from_numpy(ROWS)), torch.tensor([0, 1, 2, 0, 1])
    )
    loss.backward()
    optimizer.step()
    np.testing.assert_array_equal(ours[0].weight.data, before)  # the original is untouched
    assert not np.allclose(theirs[0].weight.detach().numpy(), before)
    back = from_torch(theirs)
    np.testing.assert_array_equal(back[0].weight.data, theirs[0].weight.detach().numpy())


def test_custom_modules_and_unsupported_options_are_named():
    class MyBlock(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) * 2

    with pytest.raises(UnsupportedOpError, match="MyBlock"):
        to_torch(nn.Sequential(nn.Linear(2, 2), MyBlock()))

    class TorchBlock(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(UnsupportedOpError, match="TorchBlock"):
        from_torch(torch.nn.Sequential(torch.nn.ReLU(), TorchBlock()))
    for module, match in [
        (torch.nn.Conv2d(4, 4, 3, padding_mode="reflect"), "padding_mode"),
        (torch.nn.BatchNorm1d(3, momentum=None), "momentum=None"),
        (torch.nn.Softmax(), "without dim"),
        (torch.nn.GELU(), "GELU"),
    ]:
        with pytest.raises(UnsupportedOpError, match=match):
            from_torch(module)
    with pytest.raises(TypeError, match="glassgrad nn.Module"):
        to_torch(torch.nn.ReLU())
    with pytest.raises(TypeError, match="torch.nn.Module"):
        from_torch(nn.ReLU())


def test_return_indices_and_max_unpool_convert_both_ways():
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    pairs = [
        (nn.MaxPool2d(2, return_indices=True), None),
        (nn.MaxPool1d(3, 1, 1, return_indices=True, ceil_mode=True), x[:, :, 0]),
        (nn.AdaptiveMaxPool2d((2, 3), True), None),
    ]
    for ours, data in pairs:
        data = x if data is None else data
        theirs = to_torch(ours)
        assert repr(theirs) == repr(ours) and theirs.return_indices
        back = from_torch(theirs)
        assert back.return_indices
        (v1, i1), (v2, i2) = back(autodiff.tensor(data)), theirs(torch.tensor(data))
        np.testing.assert_array_equal(v1.data, v2.numpy())
        np.testing.assert_array_equal(i1.data, i2.numpy())
    for ours in (nn.MaxUnpool2d((2, 3), 1, (1, 0)), nn.MaxUnpool1d(3, 2, 1)):
        theirs = to_torch(ours)
        assert repr(theirs) == repr(ours) == repr(from_torch(theirs))
