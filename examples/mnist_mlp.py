"""MNIST with a multi-layer perceptron: 784-256-128-64-20-10, ReLU, SGD with lr 0.1.

The lessons' network, trained with nn.train.Trainer: batches of 64, inputs scaled to
(x - 0.5) / 0.5, cross-entropy loss. 5,000 of the 60,000 training images are set aside for
validation (the same share of each digit) and the network trains on the other 55,000. After
each epoch it prints the training loss and accuracy (averaged over the epoch's batches) and the
validation loss and accuracy; at the end it saves the four curves to OUT/mnist_mlp_history.png
and evaluates the 10,000 test images, once: that is the "test accuracy".

The learning rate starts at 0.1 and follows a cosine down to 0 over the run
(CosineAnnealingLR). With a constant 0.1, as in the lessons, the validation accuracy jumps
around from epoch to epoch by whole points, so the final number would be luck; annealing
settles it. --constant-lr trains the lessons' way (try it with --epochs 25).

    python examples/mnist_mlp.py [--data DIR] [--epochs N] [--out DIR] [--quick] [--constant-lr]
                                 [--seed S] [--seeds N] [--record]

--seeds N trains N times (seeds S, S + 1, ...) and reports each run and the mean and range;
the figures go to OUT/mnist_mlp.json, and with --record to docs/results/ for the docs' tables
(python -m examples.report).
"""

from __future__ import annotations

import time
from pathlib import Path

import mnist_common  # first: it limits BLAS threads before numpy starts (see there)

import nn
import viz
from nn import optim
from nn.data import ArrayDataset, DataLoader
from nn.train import Trainer

SIZES = [784, 256, 128, 64, 20, 10]


def train(args, data: tuple, seed: int, epochs: int, picture: Path | None) -> dict:
    """One run from `seed` (initial weights, batch order): its curves drawn to `picture` if
    given, then its validation and (once) test accuracy."""
    (x_train, t_train), (x_val, t_val), (x_test, t_test) = data
    nn.init.manual_seed(seed)
    model = nn.models.MLP(SIZES, activation="relu")
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler = None if args.constant_lr else optim.CosineAnnealingLR(optimizer, T_max=epochs)
    train_loader = DataLoader(
        ArrayDataset(x_train, t_train), batch_size=64, shuffle=True, seed=seed
    )
    val_loader = DataLoader(ArrayDataset(x_val, t_val), batch_size=1000)
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        train_loader,
        val_loader=val_loader,
        epochs=epochs,
        scheduler=scheduler,
        seed=seed,
    )
    start = time.perf_counter()
    history = trainer.fit()
    seconds = time.perf_counter() - start
    if picture is not None:
        viz.plot_history(history, picture)
        print(f"curves saved to {picture}")
    # The test images, used once: after training, with nothing chosen by them.
    test = trainer.evaluate(DataLoader(ArrayDataset(x_test, t_test), batch_size=1000))
    run = {"seed": seed, "val_acc": history["val_acc"][-1], "test_acc": test["acc"]}
    print(f"seed {seed}: validation {100 * run['val_acc']:.2f}%, test {100 * run['test_acc']:.2f}%")
    return {**run, "seconds": round(seconds, 1)}


def main() -> None:
    p = mnist_common.parser(__doc__, epochs=12)
    p.add_argument("--constant-lr", action="store_true", help="keep lr 0.1 (no annealing)")
    mnist_common.add_seed_options(p)
    args = p.parse_args()
    seeds = mnist_common.seeds(args)
    n_train, n_test = (10000, 2000) if args.quick else (None, None)
    epochs = 2 if args.quick else args.epochs
    train_set, test_set = mnist_common.load(args.data, True, n_train, n_test)
    data = (*mnist_common.split_validation(*train_set, size=1000 if args.quick else 5000), test_set)
    lr = "lr 0.1" if args.constant_lr else "lr 0.1 annealed by a cosine"
    print(f"model: {'-'.join(map(str, SIZES))} ReLU, SGD {lr}, batch 64, {epochs} epochs")

    args.out.mkdir(parents=True, exist_ok=True)
    picture = args.out / "mnist_mlp_history.png"
    runs = [train(args, data, s, epochs, picture if s == seeds[0] else None) for s in seeds]
    note = (
        f"{'-'.join(map(str, SIZES))} ReLU, SGD {lr}, batches of 64, {epochs} epochs on 55,000 "
        "training images; validation: 5,000 other training images; test: the 10,000 test images."
    )
    mnist_common.report("mnist_mlp", runs, args, [note])


if __name__ == "__main__":
    main()
