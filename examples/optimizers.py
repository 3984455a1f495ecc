"""Seven optimizers compared, as in CS231n and "Deep Learning from Scratch": SGD, momentum,
Nesterov momentum, Adagrad, RMSprop, Adadelta and Adam.

1. On a 2-D loss surface, f(x, y) = x**2 / 20 + y**2 (a long, narrow bowl: steep across, flat
   along), 30 steps from (-7, 2), with the book's learning rates. Plain SGD zigzags across the
   valley, momentum overshoots and swings back, the adaptive methods scale each coordinate's step
   by its own gradient history and head straight down. Two pictures: the momentum family and
   the adaptive family (Adam in both, for reference): OUT/optimizer_paths_momentum.png and
   OUT/optimizer_paths_adaptive.png.
2. On MNIST: the same 784-100-100-100-100-10 ReLU network, from the same initial weights and on
   the same batches of 128, trained with each optimizer at its usual learning rate on 55,000
   training images. The training loss per iteration is saved to OUT/optimizers_mnist.png; the
   table gives each one's accuracy on the 5,000 validation images set aside from the training
   set. The optimizer that does best there is the one chosen, and only its network meets the
   test images, once, at the end.

    python examples/optimizers.py [--data DIR] [--epochs N] [--out DIR] [--quick]
                                  [--seed S] [--seeds N] [--record]

--seeds N repeats the MNIST part with seeds S, S + 1, ... and reports the mean and range; the
table goes to OUT/optimizers.json, and with --record to docs/results/ for the docs
(python -m examples.report).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import mnist_common  # first: it limits BLAS threads before numpy starts (see there)
import numpy as np
import run_record

import nn
import viz
from autodiff import Tensor
from nn import optim
from nn.data import ArrayDataset, DataLoader
from nn.train import Trainer
from viz.plots.optimizers import optimizer_path

Factory = Callable[[list], optim.Optimizer]

# ----------------------------------------------------------------------- the 2-D surface
START = (-7.0, 2.0)
BOUNDS = ((-8.0, 2.0), (-2.5, 2.5))

# The book's learning rates for this surface (RMSprop and Adadelta are not in the book's
# figure). Adadelta has no learning rate to speak of: its first steps are about sqrt(eps) long,
# so with the default eps=1e-6 it would need thousands of steps here; eps=0.1 shows its shape.
SURFACE: dict[str, Factory] = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.95),
    "Momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "Nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda ps: optim.Adagrad(ps, lr=1.5),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.1),
    "Adadelta": lambda ps: optim.Adadelta(ps, lr=1.0, eps=0.1),
    "Adam": lambda ps: optim.Adam(ps, lr=0.3),
}
FAMILIES = {
    "momentum": ("SGD", "Momentum", "Nesterov", "Adam"),
    "adaptive": ("Adagrad", "RMSprop", "Adadelta", "Adam"),
}


def bowl(x: Tensor, y: Tensor) -> Tensor:
    return x**2 / 20 + y**2


def compare_on_surface(out: Path, steps: int) -> dict[str, float]:
    """Each family's paths, one panel per optimizer; returns the loss where each path ends."""
    for family, names in FAMILIES.items():
        path = out / f"optimizer_paths_{family}.png"
        factories = {name: SURFACE[name] for name in names}
        fig = viz.plot_optimizer_paths(
            bowl, factories, START, steps=steps, bounds=BOUNDS, optimum=(0.0, 0.0), separate=True
        )
        fig.suptitle(f"f(x, y) = x²/20 + y² from {START}: {steps} steps, {family} family")
        fig.savefig(path, dpi=110)
        print(f"2-D paths ({', '.join(names)}) saved to {path}")
    final = {}
    for name, make in SURFACE.items():
        x, y = optimizer_path(bowl, make, START, steps)[-1]
        final[name] = float(bowl(Tensor(x), Tensor(y)).item())
    print(f"surface loss after {steps} steps (minimum 0):")
    print("  " + ", ".join(f"{name} {loss:.2g}" for name, loss in final.items()))
    return final


# --------------------------------------------------------------------------- MNIST
# Each optimizer's usual learning rate (PyTorch's defaults where it has one; 0.01 for SGD and
# momentum, as in the book).
MNIST_OPTIMIZERS: dict[str, Factory] = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.01),
    "Momentum": lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9),
    "Nesterov": lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=True),
    "Adagrad": lambda ps: optim.Adagrad(ps, lr=0.01),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.001),
    "Adadelta": lambda ps: optim.Adadelta(ps, lr=1.0),
    "Adam": lambda ps: optim.Adam(ps, lr=0.001),
}
SIZES = [784, 100, 100, 100, 100, 10]


def compare_on_mnist(args, data: tuple, seed: int, epochs: int, plot: bool) -> dict:
    """Each optimizer trained from `seed` and validated; the one best on validation meets the
    test images. Returns {"seed", "val_acc": {name: acc}, "chosen", "test_acc", "seconds"}."""
    (x_train, t_train), (x_val, t_val), (x_test, t_test) = data
    val_loader = DataLoader(ArrayDataset(x_val, t_val), batch_size=1000)
    losses, val_acc, trainers, seconds = {}, {}, {}, {}
    for name, make in MNIST_OPTIMIZERS.items():
        nn.init.manual_seed(seed)  # the same initial weights for every optimizer
        model = nn.models.MLP(SIZES)
        loader = DataLoader(ArrayDataset(x_train, t_train), batch_size=128, shuffle=True, seed=seed)
        trainer = Trainer(
            model,
            nn.CrossEntropyLoss(),
            make(model.parameters()),
            loader,
            epochs=epochs,
            progress=False,
            seed=seed,
        )
        start = time.perf_counter()
        history = trainer.fit()
        seconds[name] = round(time.perf_counter() - start, 1)
        losses[name] = np.array(history["loss"])
        val_acc[name] = trainer.evaluate(val_loader)["acc"]
        trainers[name] = trainer
        print(
            f"seed {seed}  {name:<9} final training loss {history['train_loss'][-1]:.4f}  "
            f"validation accuracy {100 * val_acc[name]:.2f}%  ({seconds[name]:.1f} s)"
        )
    if plot:
        path = args.out / "optimizers_mnist.png"
        plot_losses(losses, val_acc, path)
        print(f"loss curves saved to {path}")
    best = max(val_acc, key=val_acc.__getitem__)
    # The test images, used once: on the network the validation set chose.
    test = trainers[best].evaluate(DataLoader(ArrayDataset(x_test, t_test), batch_size=1000))
    print(f"seed {seed}: best on validation {best} ({100 * val_acc[best]:.2f}%)")
    return {
        "seed": seed,
        "val_acc": val_acc,
        "chosen": best,
        "test_acc": test["acc"],
        "seconds": seconds,
    }


def learning_rate(make: Factory) -> str:
    group = make([Tensor(0.0, requires_grad=True)]).param_groups[0]
    return f"{group['lr']:g}"


def report(args, surface: dict[str, float], runs: list[dict], epochs: int, steps: int) -> None:
    """The table (one row per optimizer: learning rates, validation accuracy over the seeds,
    the surface loss), recorded; then the chosen networks' test accuracy, last."""
    rows = []
    for name in MNIST_OPTIMIZERS:
        rows.append([
            name,
            learning_rate(MNIST_OPTIMIZERS[name]),
            learning_rate(SURFACE[name]),
            mnist_common.spread([run["val_acc"][name] for run in runs]),
            f"{surface[name]:.2g}",
        ])  # fmt: skip
    seeds = [run["seed"] for run in runs]
    chosen = ", ".join(f"{run['chosen']} (seed {run['seed']})" for run in runs)
    test = mnist_common.spread([run["test_acc"] for run in runs])
    seconds = sum(sum(run["seconds"].values()) for run in runs)
    notes = [
        f"MNIST: {'-'.join(map(str, SIZES))} ReLU from the same initial weights and batches of "
        f"128 for every optimizer, {epochs} epochs on 55,000 training images; validation "
        "accuracy on 5,000 other training images"
        + (" (mean and range over the seeds)." if len(runs) > 1 else "."),
        f"Best on validation: {chosen}; the test accuracy of the chosen network"
        + (
            " (the test images' only use): "
            if len(runs) == 1
            else "s (the test images' only use): "
        )
        + f"{test}.",
        f"Surface: f(x, y) = x²/20 + y² from {START}, {steps} steps; the loss where each path "
        "ends (the minimum is 0); Adadelta with eps 0.1 there.",
    ]
    run_record.write(
        "optimizers",
        args.out,
        args.record,
        columns=[
            "optimizer",
            "lr (MNIST)",
            "lr (surface)",
            f"MNIST validation accuracy, {epochs} epochs",
            f"surface loss after {steps} steps",
        ],
        rows=rows,
        seeds=seeds,
        results={"surface": surface, "runs": runs, "epochs": epochs, "steps": steps},
        notes=notes,
        seconds=seconds,
    )
    print(f"best on validation: {chosen}")
    print(f"test accuracy: {test} (the chosen networks; the test images' only use)")


def plot_losses(losses: dict[str, np.ndarray], val_acc: dict[str, float], path: Path) -> None:
    """Training loss per iteration, smoothed by a moving average over 20 iterations (the raw
    curves are noisy: each point is one batch), on a log scale when it spans a decade."""
    from matplotlib.figure import Figure  # here: matplotlib loads numpy, after mnist_common

    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    for i, (name, loss) in enumerate(losses.items()):
        window = max(1, min(20, len(loss) // 5))
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        iterations = np.arange(window, len(loss) + 1)
        label = f"{name} (validation {100 * val_acc[name]:.1f}%)"
        # A marker every ~12th of the run, each curve starting at its own offset: markers
        # name the curves where they cross, without crowding.
        every = max(1, len(smooth) // 12)
        marks = (i * every // len(losses), every)
        ax.plot(
            iterations, smooth, **viz.series_style(i), lw=1.5, ms=6, markevery=marks, label=label
        )
    ax.set(title="MNIST: training loss", xlabel="iteration", ylabel="loss")
    if max(map(np.max, losses.values())) > 10 * min(map(np.min, losses.values())):
        ax.set_yscale("log")  # a wide range: the late differences show on a log scale
    viz.integer_ticks(ax)
    ax.grid(alpha=0.3, which="both")
    viz.legend_outside(ax)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    p = mnist_common.parser(__doc__, epochs=3)
    mnist_common.add_seed_options(p)
    args = p.parse_args()
    seeds = mnist_common.seeds(args)
    args.out.mkdir(parents=True, exist_ok=True)
    steps = 30
    surface = compare_on_surface(args.out, steps=steps)
    n_train, n_test, n_val = (2560, 1000, 500) if args.quick else (None, None, 5000)
    epochs = 1 if args.quick else args.epochs
    train, test = mnist_common.load(args.data, True, n_train, n_test)
    data = (*mnist_common.split_validation(*train, size=n_val), test)
    print(f"MNIST: {'-'.join(map(str, SIZES))} ReLU, batches of 128, {epochs} epochs each")
    runs = [compare_on_mnist(args, data, seed, epochs, plot=seed == seeds[0]) for seed in seeds]
    report(args, surface, runs, epochs, steps)


if __name__ == "__main__":
    main()
