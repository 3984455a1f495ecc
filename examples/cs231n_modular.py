"""Lesson 15 — CS231n's modular nets: layers checked one by one, TwoLayerNet, FullyConnectedNet
and four update rules.

CS231n (assignment 2) builds networks from layers whose backward passes are written by hand,
checks each layer against numerical gradients, gives each model a `loss(X, y) -> (loss, grads)`
method, and trains them with a Solver that applies an update rule. In glassgrad the layers are
a few lines of autodiff ops, the models are nn.models.TwoLayerNet and FullyConnectedNet
(CS231n's parameter names and layouts, `model.params`, `model.loss`), the backward pass is the
engine's, and the Solver is nn.train.Trainer with an nn.optim optimizer.

1. The assignment's checks, in float64 with its relative error and its bounds: affine
   forward and backward, relu forward and backward, affine-relu, the SVM and softmax losses,
   then the whole TwoLayerNet (its test-time scores and losses against the notebook's values,
   its gradients with reg 0 and 0.7). A check above its bound makes the script exit with an
   error.
2. TwoLayerNet trained with SGD by the Trainer.
3. One five-layer FullyConnectedNet (100 units per hidden layer, weight_scale 0.1), from the
   same initial weights and on the same batches, trained with each of CS231n's update rules at
   the notebook's learning rates: sgd (1e-2), sgd_momentum (1e-2, momentum 0.9), rmsprop (1e-4,
   decay 0.99) and adam (1e-3). PyTorch's SGD momentum, RMSprop and Adam are these rules
   (docs/optim.md). The adaptive rules and momentum pull ahead of plain SGD.

Data, as the assignment splits it: a training set, a validation set carved from the training
images (the same share of each digit), and test images, used once, at the end, on the network
that did best on validation. MNIST: 10,000 + 2,000 training images and 2,000 test images.
Without MNIST (or with --synthetic) a CIFAR-like synthetic set of 3x32x32 images, ten classes
of noisy blurred patterns.

    python examples/cs231n_modular.py [--data DIR] [--out DIR] [--epochs N] [--quick]
                                      [--synthetic]

Writes OUT/cs231n_update_rules.png: training loss per iteration and validation accuracy per
epoch for each rule.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import mnist_lookup  # first: it limits BLAS threads before numpy starts (see mnist_common)
import numpy as np
import run_record
from matplotlib.figure import Figure

import autodiff
import nn
import viz
from autodiff import Tensor
from nn import functional as F
from nn import optim
from nn.data import ArrayDataset, DataLoader, load_mnist, train_test_split
from nn.models import FullyConnectedNet, TwoLayerNet
from nn.train import History, Trainer

Split = tuple[np.ndarray, np.ndarray]


class Data(NamedTuple):
    train: Split
    val: Split
    test: Split


# CS231n's update rules and the learning rates of its notebook, as nn.optim optimizers.
UPDATE_RULES: dict[str, Callable[[list], optim.Optimizer]] = {
    "sgd": lambda groups: optim.SGD(groups, lr=1e-2),
    "sgd_momentum": lambda groups: optim.SGD(groups, lr=1e-2, momentum=0.9),
    "rmsprop": lambda groups: optim.RMSprop(groups, lr=1e-4, alpha=0.99, eps=1e-8),
    "adam": lambda groups: optim.Adam(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8),
}


# ------------------------------------------------------------------------------- data
def mnist_subset(data: Path, n_train: int, n_val: int, n_test: int) -> Data:
    """The first n_train + n_val training images split into n_train for training and n_val for
    validation (stratified, seed 0), and the first n_test test images; (N, 784) in [0, 1]
    minus the training images' mean (CS231n's preprocessing)."""
    (x_train, t_train), (x_test, t_test) = load_mnist(data)
    n = n_train + n_val
    x_train, x_val, t_train, t_val = train_test_split(
        x_train[:n], t_train[:n], test_size=n_val, stratify=t_train[:n], seed=0
    )
    mean = x_train.mean(axis=0)
    return Data(
        (x_train - mean, t_train), (x_val - mean, t_val), (x_test[:n_test] - mean, t_test[:n_test])
    )


def cifar_like(n_train: int, n_val: int, n_test: int, seed: int = 0) -> Data:
    """Ten classes of 3x32x32 images: each class a fixed blurred colour pattern, each image
    that pattern at a random contrast plus strong pixel noise; flattened to (N, 3072)."""
    rng = np.random.default_rng(seed)
    coarse = rng.standard_normal((10, 3, 4, 4))
    patterns = np.kron(coarse, np.ones((1, 1, 8, 8)))  # 4x4 blocks blown up to 32x32

    def draw(n: int) -> Split:
        labels = rng.integers(0, 10, n)
        contrast = rng.uniform(0.1, 0.5, (n, 1, 1, 1))
        images = contrast * patterns[labels] + 2.0 * rng.standard_normal((n, 3, 32, 32))
        return images.reshape(n, -1).astype(np.float32), labels

    return Data(draw(n_train), draw(n_val), draw(n_test))


# ---------------------------------------------------------------------- the checks
# The bounds: ten times the size the notebook says each error "should be around". The errors
# come from the numerical side (h = 1e-5 against float64 rounding) and the relative error is
# largest at the gradient's smallest elements, so they vary with the random draw: over 20 draws
# the affine and affine-relu errors have medians of 1e-10 to 5e-10 and reach 8e-9, the SVM's
# 1.4e-9 (4e-9), the softmax's 9e-9 (1.1e-8); relu's stay at 3.3e-12.
BOUNDS = {
    "affine_forward": 1e-8,  # "around e-9 or less" (its expected values have 8 decimals)
    "affine_backward": 1e-8,  # "around e-10 or less"; the issue asks ~1e-9 or below
    "relu_forward": 1e-7,  # "on the order of e-8"
    "relu_backward": 1e-11,  # "on the order of e-12"
    "affine_relu_backward": 1e-8,  # "around e-10 or less"
    "svm_loss": 1e-8,  # "around the order of e-9"
    "softmax_loss": 1e-7,  # "around e-8"
    "TwoLayerNet": 1e-6,  # "around e-7 or less"
}


class Check(NamedTuple):
    name: str
    error: float
    bound: float

    def __str__(self) -> str:
        verdict = "ok" if self.error < self.bound else "FAILED"
        bound = f"{self.bound:.0e}".replace("e-0", "e-")
        return f"  {self.name:<34} relative error {self.error:.2e}  (< {bound}: {verdict})"


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """CS231n's relative error: the largest |x - y| / max(1e-8, |x| + |y|) over the elements."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def affine(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """CS231n's affine layer: x (N, d1, ..., dk) flattened to (N, D), w (D, M), b (M,)."""
    return x.reshape(x.shape[0], -1) @ w + b


def affine_relu(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return F.relu(affine(x, w, b))


def svm_loss(scores: Tensor, y: np.ndarray) -> Tensor:
    """CS231n's multiclass SVM loss: the sum over j != y_i of max(0, s_j - s_y_i + 1), averaged
    over the N rows. PyTorch's multi_margin_loss also divides by the C classes."""
    return scores.shape[1] * F.multi_margin_loss(scores, y)


def numerical_gradient(
    f: Callable[..., Tensor], inputs: list[np.ndarray], k: int, dout: np.ndarray | None
) -> np.ndarray:
    """d sum(f(*inputs) * dout) / d inputs[k] by central differences with h = 1e-5, the
    assignment's way: the two perturbed outputs are subtracted element by element before dout
    weights and sums them (two sums subtracted would lose digits to cancellation)."""
    h = 1e-5
    x = inputs[k]
    grad = np.zeros_like(x)
    flat, grad_flat = x.reshape(-1), grad.reshape(-1)  # views of x and grad

    def output() -> np.ndarray:
        with autodiff.no_grad():
            return np.asarray(f(*[Tensor(a) for a in inputs]).data)

    for i in range(flat.size):  # two evaluations per element: what a numerical check costs
        original = flat[i]
        flat[i] = original + h
        plus = output()
        flat[i] = original - h
        minus = output()
        flat[i] = original
        grad_flat[i] = np.sum((plus - minus) * (1.0 if dout is None else dout)) / (2 * h)
    return grad


def backward_checks(
    name: str, layer: Callable[..., Tensor], inputs: dict[str, np.ndarray], dout: np.ndarray | None
) -> list[Check]:
    """The engine's gradients of sum(layer(*inputs) * dout) (of the loss, with dout None)
    against numerical_gradient, in float64, for each input."""
    leaves = [Tensor(value, requires_grad=True) for value in inputs.values()]
    out = layer(*leaves)
    out.backward(None if dout is None else Tensor(dout))
    arrays = list(inputs.values())
    return [
        Check(
            f"{name} d{arg}",
            rel_error(numerical_gradient(layer, arrays, k, dout), leaf.grad.data),
            BOUNDS[name],
        )
        for k, (arg, leaf) in enumerate(zip(inputs, leaves))
    ]


def check_layers() -> list[Check]:
    """The assignment's checks of each layer, in its order, on its shapes (other random draws)."""
    rng = np.random.default_rng(231)
    checks = []
    # affine_forward on the notebook's linspace inputs, against the notebook's expected output.
    x = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=120 * 3).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    expected = [[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]
    out = affine(Tensor(x), Tensor(w), Tensor(b)).data
    checks.append(Check("affine_forward out", rel_error(out, expected), BOUNDS["affine_forward"]))

    inputs = {"x": rng.standard_normal((10, 2, 3)), "w": rng.standard_normal((6, 5))}
    inputs["b"] = rng.standard_normal(5)
    checks += backward_checks("affine_backward", affine, inputs, rng.standard_normal((10, 5)))

    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    expected = [
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.04545455, 0.13636364],
        [0.22727273, 0.31818182, 0.40909091, 0.5],
    ]
    out = F.relu(Tensor(x)).data
    checks.append(Check("relu_forward out", rel_error(out, expected), BOUNDS["relu_forward"]))
    x = rng.standard_normal((10, 10))
    checks += backward_checks("relu_backward", F.relu, {"x": x}, rng.standard_normal((10, 10)))

    inputs = {"x": rng.standard_normal((2, 3, 4)), "w": rng.standard_normal((12, 10))}
    inputs["b"] = rng.standard_normal(10)
    dout = rng.standard_normal((2, 10))
    checks += backward_checks("affine_relu_backward", affine_relu, inputs, dout)

    # The losses at tiny scores: every margin is active (SVM loss about C - 1 = 9) and the
    # softmax is nearly uniform (loss about ln 10 = 2.3).
    scores = 0.001 * rng.standard_normal((50, 10))
    y = rng.integers(0, 10, 50)
    for name, loss_fn in (("svm_loss", svm_loss), ("softmax_loss", F.cross_entropy)):
        loss = loss_fn(Tensor(scores), y).item()
        print(f"  {name}: loss {loss:.4f} at scores ~ 0.001 N(0, 1), 50 rows, 10 classes")
        checks += backward_checks(name, lambda s, f=loss_fn: f(s, y), {"x": scores}, None)
    return checks


def check_two_layer_net() -> list[Check]:
    """The notebook's TwoLayerNet checks: initial weight scale, test-time scores and losses on
    its linspace weights against its expected values, then each parameter's gradient against
    central differences (h = 1e-5) with reg 0 and 0.7."""
    n, d, h, c = 3, 5, 50, 7
    std = 1e-3
    model = TwoLayerNet(d, h, c, weight_scale=std, generator=np.random.default_rng(231))
    w1_std = abs(model.params["W1"].std() - std)
    assert w1_std < std / 10 and np.all(model.params["b1"] == 0), "bad initial weights"
    model.params["W1"] = np.linspace(-0.7, 0.3, num=d * h).reshape(d, h)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=h)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=h * c).reshape(h, c)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=c)
    X = np.linspace(-5.5, 4.5, num=n * d).reshape(d, n).T
    expected_scores = [
        [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
        [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
        [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319],
    ]  # fmt: skip
    scores_diff = float(np.abs(model.loss(X) - expected_scores).sum())
    y = np.array([0, 5, 1])
    loss_diff = abs(model.loss(X, y)[0] - 3.4702243556)
    model.reg = 1.0
    reg_loss_diff = abs(model.loss(X, y)[0] - 26.5948426952)
    print(
        f"  TwoLayerNet: test-time scores differ by {scores_diff:.1e} (sum), losses without and "
        f"with reg 1.0 by {loss_diff:.1e} and {reg_loss_diff:.1e}"
    )
    assert scores_diff < 1e-6 and loss_diff < 1e-10 and reg_loss_diff < 1e-10
    names = list(model.params)
    start = [model.params[name].copy() for name in names]

    def loss_of(*values: Tensor) -> float:
        for name, value in zip(names, values):
            model.params[name] = value
        return model.loss(X, y)[0]

    checks = []
    for reg in (0.0, 0.7):
        model.reg = reg
        for name, value in zip(names, start):
            model.params[name] = value
        _, grads = model.loss(X, y)
        numeric = autodiff.numerical_grad(loss_of, *start, eps=1e-5)
        checks += [
            Check(
                f"TwoLayerNet reg {reg} d{name}", rel_error(num, grads[name]), BOUNDS["TwoLayerNet"]
            )
            for name, num in zip(names, numeric)
        ]
    return checks


# ---------------------------------------------------------------------------- training
def param_groups(model: nn.Module, reg: float) -> list[dict]:
    """CS231n regularises the weights W1, W2, ... only: 0.5 reg sum(W^2) in the loss, which is
    weight decay `reg` on the weights and none on the biases."""
    weights = [p for name, p in model.named_parameters() if name.startswith("W")]
    others = [p for name, p in model.named_parameters() if not name.startswith("W")]
    return [{"params": weights, "weight_decay": reg}, {"params": others, "weight_decay": 0.0}]


def fit(model: nn.Module, optimizer: optim.Optimizer, data: Data, epochs: int) -> Trainer:
    """CS231n's Solver: minibatches of 100, reshuffled each epoch (the same order for every
    model: the loader's seed), validation accuracy after each epoch. The test images are not
    touched."""
    train = DataLoader(ArrayDataset(*data.train), batch_size=100, shuffle=True, seed=0)
    val = DataLoader(ArrayDataset(*data.val), batch_size=500)
    trainer = Trainer(
        model, nn.CrossEntropyLoss(), optimizer, train, val, epochs=epochs, progress=False, seed=0
    )
    trainer.fit()
    return trainer


def compare_update_rules(data: Data, epochs: int) -> dict[str, Trainer]:
    trainers = {}
    for rule, make in UPDATE_RULES.items():
        model = FullyConnectedNet(
            [100] * 4, input_dim=data.train[0].shape[1], weight_scale=1e-1, seed=0
        )
        trainers[rule] = fit(model, make(param_groups(model, reg=0.0)), data, epochs)
        h = trainers[rule].history
        print(
            f"  {rule:<13} final loss {h['train_loss'][-1]:.3f}, train accuracy "
            f"{h['train_acc'][-1]:.1%}, validation accuracy {h['val_acc'][-1]:.1%}"
        )
    return trainers


def plot_histories(histories: dict[str, History], title: str, path: Path) -> None:
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    for i, (rule, h) in enumerate(histories.items()):
        style = viz.series_style(i)
        losses = np.asarray(h["loss"])
        window = max(1, len(losses) // 40)  # a running mean: the raw curves overlap in noise
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        loss_ax.plot(losses, color=style["color"], alpha=0.15, lw=0.6)
        x = np.arange(window - 1, len(losses))
        loss_ax.plot(x, smooth, color=style["color"], ls=style["linestyle"], lw=1.8, label=rule)
        epochs = np.arange(1, len(h["val_acc"]) + 1)
        acc_ax.plot(epochs, h["val_acc"], **style, ms=6, lw=1.6, label=rule)
    loss_ax.set(xlabel="iteration", ylabel="training loss", title="training loss")
    acc_ax.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
    viz.integer_ticks(loss_ax)
    viz.integer_ticks(acc_ax)
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
    viz.legend_outside(acc_ax, title="update rule")
    fig.suptitle(title)
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="directory with MNIST")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per run (default 5)")
    parser.add_argument("--quick", action="store_true", help="1,000 images, 2 epochs (CI)")
    parser.add_argument("--synthetic", action="store_true", help="CIFAR-like data, not MNIST")
    run_record.add_arguments(parser)
    args = parser.parse_args()
    if args.record and args.quick:
        sys.exit("--record: the docs quote full runs; drop --quick")
    args.out.mkdir(parents=True, exist_ok=True)
    n_train, n_val, n_test = (1000, 500, 500) if args.quick else (10000, 2000, 2000)
    epochs = 2 if args.quick else args.epochs

    print("the assignment's checks (float64, central differences with h = 1e-5):")
    checks = check_layers() + check_two_layer_net()
    for check in checks:
        print(check)
    failed = [check.name for check in checks if check.error >= check.bound]
    if failed:
        sys.exit(f"checks above CS231n's bounds: {', '.join(failed)}")
    worst = max(checks, key=lambda check: check.error / check.bound)
    print(
        f"all {len(checks)} checks within CS231n's bounds; closest to its bound: {worst.name} "
        f"({worst.error:.1e} < {worst.bound:.0e})".replace("e-0", "e-")
    )
    run_record.write(
        "cs231n_checks",
        args.out,
        args.record,
        columns=["check", "relative error", "bound"],
        rows=[[c.name, f"{c.error:.1e}", f"{c.bound:.0e}".replace("e-0", "e-")] for c in checks],
        seeds=[231],
        results={c.name: c.error for c in checks},
        notes=[
            "float64; central differences with h = 1e-5; CS231n's relative error (the largest "
            "|a - n| / max(1e-8, |a| + |n|) over the elements); random inputs drawn with "
            "np.random.default_rng(231). The bounds: ten times what the assignment says each "
            "error should be around."
        ],
    )

    data_dir = None if args.synthetic else mnist_lookup.optional_mnist_dir(args.data)
    if data_dir is None:
        why = "--synthetic" if args.synthetic else "MNIST not found"
        data, name = cifar_like(n_train, n_val, n_test), "CIFAR-like synthetic images"
        print(f"{why}: {n_train} training, {n_val} validation and {n_test} test {name} (3x32x32)")
    else:
        data, name = mnist_subset(data_dir, n_train, n_val, n_test), "MNIST"
        print(
            f"MNIST subset: {n_train} training and {n_val} validation images (from the training "
            f"set, stratified), {n_test} test images ({data_dir})"
        )
    input_dim = data.train[0].shape[1]

    autodiff.manual_seed(0)
    model = TwoLayerNet(
        input_dim=input_dim,
        hidden_dim=100,
        weight_scale=1e-3,
        reg=1e-3,
        dtype=np.float32,
        generator=np.random.default_rng(0),
    )
    history = fit(model, optim.SGD(param_groups(model, model.reg), lr=0.1), data, epochs).history
    print(
        f"TwoLayerNet, SGD lr 0.1, reg 1e-3: validation accuracy {history['val_acc'][-1]:.1%} "
        f"after {epochs} epochs"
    )

    print(f"FullyConnectedNet {input_dim}-100-100-100-100-10, {epochs} epochs per update rule:")
    trainers = compare_update_rules(data, epochs)
    path = args.out / "cs231n_update_rules.png"
    histories = {rule: trainer.history for rule, trainer in trainers.items()}
    plot_histories(histories, f"FullyConnectedNet on {name}: four update rules", path)
    best = max(histories, key=lambda rule: histories[rule]["val_acc"][-1])
    finals = ", ".join(f"{rule} {h['val_acc'][-1]:.1%}" for rule, h in histories.items())
    print(f"final validation accuracies: {finals}; best: {best}")
    print(f"wrote {path}")
    # The test images, used once: on the network the validation accuracies chose.
    test = trainers[best].evaluate(DataLoader(ArrayDataset(*data.test), batch_size=500))
    lrs = {
        rule: make([Tensor(0.0, requires_grad=True)]).defaults["lr"]
        for rule, make in UPDATE_RULES.items()
    }
    run_record.write(
        "cs231n_update_rules",
        args.out,
        args.record,
        columns=["update rule", "lr", f"train accuracy, {epochs} epochs", "validation accuracy"],
        rows=[
            [rule, f"{lrs[rule]:g}", f"{h['train_acc'][-1]:.1%}", f"{h['val_acc'][-1]:.1%}"]
            for rule, h in histories.items()
        ],
        seeds=[0],
        results={
            "two_layer_net_val_acc": history["val_acc"][-1],
            "val_acc": {rule: h["val_acc"][-1] for rule, h in histories.items()},
            "chosen": best,
            "test_acc": test["acc"],
        },
        notes=[
            f"{name}: {len(data.train[0]):,} training and {len(data.val[0]):,} validation images "
            f"(from the training set, stratified), {len(data.test[0]):,} test images. "
            f"FullyConnectedNet {input_dim}-100-100-100-100-10, weight_scale 0.1, the same "
            "initial weights (seed 0) and batches of 100 for every rule.",
            f"Best on validation: {best}; its test accuracy (the test images' only use): "
            f"{test['acc']:.1%}. TwoLayerNet (SGD lr 0.1, reg 1e-3): validation accuracy "
            f"{history['val_acc'][-1]:.1%}.",
        ],
    )
    print(f"test accuracy of the best rule's network ({best}): {test['acc']:.1%}")


if __name__ == "__main__":
    main()
