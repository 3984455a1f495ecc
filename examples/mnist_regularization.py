"""Regularization on MNIST: a big network on a small training set, five ways.

The lessons' overfitting setup: 784-700x6-10 (six hidden ReLU layers of 700, 3.0 million
weights) trained with Adam (lr 0.01, batches of 100) on a subset of the training images (5,000
by default) — few enough that the network could memorise them. Each variant starts from the same
initial weights and sees the same batches:

    baseline        no regularization
    weight decay    L2: Adam(weight_decay=0.002) adds 0.002 * w to every gradient
    dropout         Dropout(0.2) after every hidden ReLU (active in training only)
    rotation        each training batch turned by random angles in [-20, 20] degrees
    early stopping  stop when the validation loss has not improved for 3 epochs; keep the best

2,000 other training images are held out for validation (the curves, and early stopping's
signal); the 10,000 test images are used once per variant, at the end. After every epoch the
accuracy on (2,000 of) the training images is measured too, in eval mode like the validation
accuracy, so the gap between the two is the overfitting. Prints one line per epoch and variant,
then a table of test accuracies, and saves the curves to OUT/mnist_regularization.png.

About the learning rate: 0.01 is high for Adam on a network this deep. The first steps move
every weight by about 0.01, a quarter of its initial size, and the network spends most of its
budget recovering (PyTorch behaves the same; docs/training.md has the figures). With dropout on
top it does not recover within the run. `--lr 0.001` trains every variant to 93-95%.

    python examples/mnist_regularization.py [--data DIR] [--epochs N] [--out DIR] [--quick]
                                            [--train-size N] [--lr LR]
"""

from __future__ import annotations

import time
from pathlib import Path

import mnist_common  # first: it limits BLAS threads before numpy starts (see there)
import numpy as np

import nn
from nn import optim
from nn.data import ArrayDataset, DataLoader
from nn.data.transforms import RandomRotation
from nn.train import Callback, EarlyStopping, Trainer

HIDDEN, WIDTH = 6, 700
LR, WEIGHT_DECAY, DROPOUT, DEGREES, PATIENCE = 0.01, 0.002, 0.2, 20, 3


def network(dropout: float = 0.0) -> nn.Sequential:
    """784-700x6-10 with ReLU, and Dropout(dropout) after each hidden ReLU if dropout > 0."""
    layers: list[nn.Module] = []
    n_in = 784
    for _ in range(HIDDEN):
        layers += [nn.Linear(n_in, WIDTH), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        n_in = WIDTH
    layers.append(nn.Linear(n_in, 10))
    return nn.Sequential(*layers)


def variants(seed: int) -> dict[str, dict]:
    """name -> how it differs from the baseline."""
    return {
        "baseline": {},
        "weight decay": {"weight_decay": WEIGHT_DECAY},
        "dropout": {"dropout": DROPOUT},
        # image_shape: the batches are flat (N, 784); the rotation works on (28, 28) images.
        "rotation": {"transform": RandomRotation(DEGREES, seed=seed, image_shape=(28, 28))},
        "early stopping": {"early_stopping": True},
    }


class Monitor(Callback):
    """After each epoch: measure the accuracy on (part of) the training images in eval mode,
    and print "variant  epoch  train acc  val acc  val loss"."""

    def __init__(self, name: str, train_check: DataLoader) -> None:
        self.name = name
        self.train_check = train_check
        self.train_acc: list[float] = []
        self.start = time.perf_counter()

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        self.train_acc.append(trainer.evaluate(self.train_check)["acc"])
        print(
            f"{self.name:<15} epoch {epoch + 1:>2}/{trainer.epochs}  "
            f"train acc {100 * self.train_acc[-1]:6.2f}%  val acc {100 * logs['val_acc']:6.2f}%"
            f"  val loss {logs['val_loss']:.4f}  ({time.perf_counter() - self.start:.0f} s)"
        )


def run(name: str, options: dict, data: tuple, epochs: int, lr: float, seed: int) -> dict:
    """Train one variant; returns its curves and test accuracy."""
    x_train, t_train, x_val, t_val, x_test, t_test = data
    nn.init.manual_seed(seed)  # the same initial weights for every variant
    model = network(options.get("dropout", 0.0))
    optimizer = optim.Adam(model.parameters(), lr=lr, weight_decay=options.get("weight_decay", 0))
    train_loader = DataLoader(
        ArrayDataset(x_train, t_train),
        batch_size=100,
        shuffle=True,
        seed=seed,
        transform=options.get("transform"),
    )
    monitor = Monitor(name, DataLoader(ArrayDataset(x_train[:2000], t_train[:2000]), 1000))
    stopper = EarlyStopping("val_loss", patience=PATIENCE) if "early_stopping" in options else None
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        train_loader,
        DataLoader(ArrayDataset(x_val, t_val), batch_size=1000),
        epochs=epochs,
        callbacks=[monitor] + ([stopper] if stopper else []),
        progress=False,  # the monitor prints one line per epoch, tagged with the variant
        seed=seed,
    )
    trainer.fit()
    test = trainer.evaluate(DataLoader(ArrayDataset(x_test, t_test), batch_size=1000))
    note = ""
    if stopper is not None and stopper.stopped_epoch >= 0:
        note = f"stopped after epoch {stopper.epoch}, kept epoch {stopper.best_epoch + 1}"
    return {
        "train_acc": np.array(monitor.train_acc),
        "val_acc": np.array(trainer.history["val_acc"]),
        "test_acc": test["acc"],
        "note": note,
    }


def plot(results: dict[str, dict], path: Path) -> None:
    """Left: validation accuracy per epoch (test accuracy in the legend). Right: training minus
    validation accuracy, the overfitting gap."""
    from matplotlib.figure import Figure  # here: matplotlib loads numpy, after mnist_common

    fig = Figure(figsize=(12, 4.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    for i, (name, r) in enumerate(results.items()):
        epochs = np.arange(1, len(r["val_acc"]) + 1)
        style = {"color": f"C{i}", "ms": 3, "lw": 1.5}
        label = f"{name} (test {100 * r['test_acc']:.2f}%)"
        left.plot(epochs, 100 * r["val_acc"], "o-", label=label, **style)
        right.plot(epochs, 100 * (r["train_acc"] - r["val_acc"]), "o-", label=name, **style)
    left.set(title="validation accuracy", xlabel="epoch", ylabel="accuracy (%)")
    right.set(title="overfitting: training minus validation accuracy", xlabel="epoch")
    right.set_ylabel("percentage points")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    p = mnist_common.parser(__doc__, epochs=20)
    p.add_argument("--train-size", type=int, default=5000, help="training images (5000)")
    p.add_argument("--lr", type=float, default=LR, help=f"Adam's learning rate ({LR})")
    args = p.parse_args()
    n_train, n_val, epochs = (1000, 500, 2) if args.quick else (args.train_size, 2000, args.epochs)
    n_test = 2000 if args.quick else None
    (x, t), (x_test, t_test) = mnist_common.load(args.data, True, None, n_test)
    # A random, seeded choice of training and validation images, disjoint.
    order = np.random.default_rng(args.seed).permutation(len(x))
    train, val = order[:n_train], order[n_train : n_train + n_val]
    data = (x[train], t[train], x[val], t[val], x_test, t_test)
    print(
        f"784-{WIDTH}x{HIDDEN}-10 ReLU, Adam lr {args.lr}, {n_train} training / {n_val} "
        f"validation images, {epochs} epochs"
    )

    start = time.perf_counter()
    results = {
        name: run(name, options, data, epochs, args.lr, args.seed)
        for name, options in variants(args.seed).items()
    }
    seconds = time.perf_counter() - start

    print("\n| variant | train acc | val acc | gap | test acc | |\n|---|---|---|---|---|---|")
    for name, r in results.items():
        train_acc, val_acc = 100 * r["train_acc"][-1], 100 * r["val_acc"][-1]
        print(
            f"| {name} | {train_acc:.2f}% | {val_acc:.2f}% | {train_acc - val_acc:+.2f} | "
            f"{100 * r['test_acc']:.2f}% | {r['note']} |"
        )
    picture = args.out / "mnist_regularization.png"
    plot(results, picture)
    print(f"(train and val acc of the last epoch run)\ncomparison saved to {picture}")
    best = max(results, key=lambda name: results[name]["test_acc"])
    summary = ", ".join(f"{name} {100 * r['test_acc']:.2f}%" for name, r in results.items())
    print(f"test accuracy: {summary} (best: {best}; {seconds:.0f} s in all)")


if __name__ == "__main__":
    main()
