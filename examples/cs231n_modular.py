"""Lesson 15 — CS231n's modular nets: TwoLayerNet, FullyConnectedNet and four update rules.

CS231n (assignment 2) builds networks from layers whose backward passes are written by hand,
gives each model a `loss(X, y) -> (loss, grads)` method, and trains them with a Solver that
applies an update rule. In glassgrad the models are nn.models.TwoLayerNet and
FullyConnectedNet (CS231n's parameter names and layouts, `model.params`, `model.loss`), the
backward pass is the engine's, and the Solver is nn.train.Trainer with an nn.optim optimizer.

1. The API: `loss(X, y)` of a small TwoLayerNet with regularisation, its gradients checked
   against central differences of the loss, as CS231n's notebooks do.
2. TwoLayerNet trained with SGD by the Trainer.
3. One five-layer FullyConnectedNet (100 units per hidden layer, weight_scale 0.1), from the
   same initial weights and on the same batches, trained with each of CS231n's update rules at
   the notebook's learning rates: sgd (1e-2), sgd_momentum (1e-2, momentum 0.9), rmsprop (1e-4,
   decay 0.99) and adam (1e-3). PyTorch's SGD momentum, RMSprop and Adam are these rules
   (docs/optim.md). The adaptive rules and momentum pull ahead of plain SGD.

Data: a small MNIST subset; without MNIST (or with --synthetic) a CIFAR-like synthetic set
of 3x32x32 images, ten classes of noisy blurred patterns.

    python examples/cs231n_modular.py [--data DIR] [--out DIR] [--epochs N] [--quick]
                                      [--synthetic]

Writes OUT/cs231n_update_rules.png: training loss per iteration and validation accuracy per
epoch for each rule.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import mnist_lookup  # first: it limits BLAS threads before numpy starts (see mnist_common)
import numpy as np
from matplotlib.figure import Figure

import autodiff
import nn
from nn import optim
from nn.data import ArrayDataset, DataLoader, load_mnist
from nn.models import FullyConnectedNet, TwoLayerNet
from nn.train import History, Trainer

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

# CS231n's update rules and the learning rates of its notebook, as nn.optim optimizers.
UPDATE_RULES: dict[str, Callable[[list], optim.Optimizer]] = {
    "sgd": lambda groups: optim.SGD(groups, lr=1e-2),
    "sgd_momentum": lambda groups: optim.SGD(groups, lr=1e-2, momentum=0.9),
    "rmsprop": lambda groups: optim.RMSprop(groups, lr=1e-4, alpha=0.99, eps=1e-8),
    "adam": lambda groups: optim.Adam(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8),
}


# ------------------------------------------------------------------------------- data
def mnist_subset(data: Path, n_train: int, n_val: int) -> Arrays:
    """The first n_train training and n_val test images, (N, 784) in [0, 1] minus the
    training mean image (CS231n's preprocessing)."""
    (x_train, t_train), (x_test, t_test) = load_mnist(data)
    x_train, x_val = x_train[:n_train], x_test[:n_val]
    mean = x_train.mean(axis=0)
    return x_train - mean, t_train[:n_train], x_val - mean, t_test[:n_val]


def cifar_like(n_train: int, n_val: int, seed: int = 0) -> Arrays:
    """Ten classes of 3x32x32 images: each class a fixed blurred colour pattern, each image
    that pattern at a random contrast plus strong pixel noise; flattened to (N, 3072)."""
    rng = np.random.default_rng(seed)
    coarse = rng.standard_normal((10, 3, 4, 4))
    patterns = np.kron(coarse, np.ones((1, 1, 8, 8)))  # 4x4 blocks blown up to 32x32

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 10, n)
        contrast = rng.uniform(0.1, 0.5, (n, 1, 1, 1))
        images = contrast * patterns[labels] + 2.0 * rng.standard_normal((n, 3, 32, 32))
        return images.reshape(n, -1).astype(np.float32), labels

    return (*draw(n_train), *draw(n_val))


# --------------------------------------------------------------------------- the API
def check_loss_api() -> float:
    """CS231n's gradient check of `model.loss(X, y)` on a tiny TwoLayerNet with reg 0.1;
    returns the largest relative error over the four parameters."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 5)), rng.integers(0, 7, 3)
    model = TwoLayerNet(
        input_dim=5, hidden_dim=50, num_classes=7, weight_scale=1e-1, reg=0.1, generator=rng
    )
    loss, grads = model.loss(X, y)
    print(f"TwoLayerNet.loss(X, y): loss {loss:.6f} with reg 0.1; gradients for {sorted(grads)}")
    names = list(model.params)
    start = {name: model.params[name].copy() for name in names}

    def loss_of(*values: np.ndarray) -> float:
        for name, value in zip(names, values):
            model.params[name] = value
        return model.loss(X, y)[0]

    numeric = autodiff.numerical_grad(loss_of, *start.values(), eps=1e-5)
    worst = 0.0
    for name, n in zip(names, numeric):
        a = grads[name]
        error = float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)))
        worst = max(worst, error)
        print(f"  {name} relative error: {error:.2e}")
    return worst


# ---------------------------------------------------------------------------- training
def param_groups(model: nn.Module, reg: float) -> list[dict]:
    """CS231n regularises the weights W1, W2, ... only: 0.5 reg sum(W^2) in the loss, which is
    weight decay `reg` on the weights and none on the biases."""
    weights = [p for name, p in model.named_parameters() if name.startswith("W")]
    others = [p for name, p in model.named_parameters() if not name.startswith("W")]
    return [{"params": weights, "weight_decay": reg}, {"params": others, "weight_decay": 0.0}]


def fit(model: nn.Module, optimizer: optim.Optimizer, data: Arrays, epochs: int) -> History:
    """CS231n's Solver: minibatches of 100, reshuffled each epoch (the same order for every
    model: the loader's seed), validation accuracy after each epoch."""
    x_train, t_train, x_val, t_val = data
    train = DataLoader(ArrayDataset(x_train, t_train), batch_size=100, shuffle=True, seed=0)
    val = DataLoader(ArrayDataset(x_val, t_val), batch_size=500)
    trainer = Trainer(
        model, nn.CrossEntropyLoss(), optimizer, train, val, epochs=epochs, progress=False, seed=0
    )
    return trainer.fit()


def compare_update_rules(data: Arrays, epochs: int) -> dict[str, History]:
    histories = {}
    for rule, make in UPDATE_RULES.items():
        model = FullyConnectedNet([100] * 4, input_dim=data[0].shape[1], weight_scale=1e-1, seed=0)
        histories[rule] = fit(model, make(param_groups(model, reg=0.0)), data, epochs)
        h = histories[rule]
        print(
            f"  {rule:<13} final loss {h['train_loss'][-1]:.3f}, train accuracy "
            f"{h['train_acc'][-1]:.1%}, validation accuracy {h['val_acc'][-1]:.1%}"
        )
    return histories


def plot_histories(histories: dict[str, History], title: str, path: Path) -> None:
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    for i, (rule, h) in enumerate(histories.items()):
        losses = np.asarray(h["loss"])
        window = max(1, len(losses) // 40)  # a running mean: the raw curves overlap in noise
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
        loss_ax.plot(losses, color=f"C{i}", alpha=0.2, lw=0.7)
        loss_ax.plot(np.arange(window - 1, len(losses)), smooth, color=f"C{i}", lw=1.8, label=rule)
        epochs = np.arange(1, len(h["val_acc"]) + 1)
        acc_ax.plot(epochs, h["val_acc"], "o-", color=f"C{i}", label=rule)
        acc_ax.set_xticks(epochs)
    loss_ax.set(xlabel="iteration", ylabel="training loss", title="training loss")
    acc_ax.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="directory with MNIST")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per run (default 5)")
    parser.add_argument("--quick", action="store_true", help="1,000 images, 2 epochs (CI)")
    parser.add_argument("--synthetic", action="store_true", help="CIFAR-like data, not MNIST")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    n_train, n_val = (1000, 500) if args.quick else (10000, 2000)
    epochs = 2 if args.quick else args.epochs

    worst = check_loss_api()
    print(f"gradient check of model.loss: max relative error {worst:.2e}")

    data_dir = None if args.synthetic else mnist_lookup.optional_mnist_dir(args.data)
    if data_dir is None:
        why = "--synthetic" if args.synthetic else "MNIST not found"
        data, name = cifar_like(n_train, n_val), "CIFAR-like synthetic images"
        print(f"{why}: {n_train} training and {n_val} validation {name} (3x32x32)")
    else:
        data, name = mnist_subset(data_dir, n_train, n_val), "MNIST"
        print(f"MNIST subset: {n_train} training and {n_val} validation images ({data_dir})")
    input_dim = data[0].shape[1]

    autodiff.manual_seed(0)
    model = TwoLayerNet(
        input_dim=input_dim,
        hidden_dim=100,
        weight_scale=1e-3,
        reg=1e-3,
        dtype=np.float32,
        generator=np.random.default_rng(0),
    )
    history = fit(model, optim.SGD(param_groups(model, model.reg), lr=0.1), data, epochs)
    print(
        f"TwoLayerNet, SGD lr 0.1, reg 1e-3: validation accuracy {history['val_acc'][-1]:.1%} "
        f"after {epochs} epochs"
    )

    print(f"FullyConnectedNet {input_dim}-100-100-100-100-10, {epochs} epochs per update rule:")
    histories = compare_update_rules(data, epochs)
    path = args.out / "cs231n_update_rules.png"
    plot_histories(histories, f"FullyConnectedNet on {name}: four update rules", path)
    best = max(histories, key=lambda rule: histories[rule]["val_acc"][-1])
    finals = ", ".join(f"{rule} {h['val_acc'][-1]:.1%}" for rule, h in histories.items())
    print(f"final validation accuracies: {finals}; best: {best}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
