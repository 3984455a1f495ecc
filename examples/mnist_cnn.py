"""MNIST with a small LeNet-like convolutional network, 3 epochs (measured accuracies: the
results table in docs/training.md, generated from this script's record).

    conv 1->8, 3x3, pad 1 -> ReLU -> max pool 2   (N, 8, 14, 14)
    conv 8->16, 3x3, pad 1 -> ReLU -> max pool 2  (N, 16, 7, 7)
    flatten -> linear 784->10                     (N, 10) scores

Adam with lr 5e-3, annealed by a cosine over the run (the high start matters: with Adam's usual
1e-3 this small network is still well short of its best after 3 epochs), batches of 64, inputs
scaled to (x - 0.5) / 0.5.
5,000 of the training images are set aside for validation (the same share of each digit); the
network trains on the other 55,000. Prints each epoch's training and validation loss and
accuracy, saves the curves (OUT/mnist_cnn_history.png) and the first layer's learned filters
(OUT/mnist_cnn_filters.png), and at the end evaluates the 10,000 test images once.
Convolutions run as im2col and one matmul (nn.functional.conv2d); each epoch prints its time.

    python examples/mnist_cnn.py [--data DIR] [--epochs N] [--out DIR] [--quick]
                                 [--seed S] [--seeds N] [--record] [--threads N]
                                 [--processes N]

--threads N runs the convolutions, pooling, ReLU and Adam on N threads
(`autodiff.set_num_threads`, as `torch.set_num_threads`; the default is one).
--processes N splits each batch over N processes (`nn.DataParallel`, each process on one
thread): on this small network's ops a second thread mostly waits for the GIL, a second
process does not (docs/nn.md, "Data parallelism over processes").

--seeds N trains N times (seeds S, S + 1, ...) and reports each run and the mean and range;
the figures go to OUT/mnist_cnn.json, and with --record to docs/results/ for the docs' tables
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

LR = 5e-3


def lenet() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 10),
    )


def train(data: tuple, seed: int, epochs: int, out: Path | None, processes: int = 1) -> dict:
    """One run from `seed` (initial weights, batch order): its curves and filters drawn into
    `out` if given, then its validation and (once) test accuracy. With `processes` > 1 each
    batch is split over that many processes."""
    (x_train, t_train), (x_val, t_val), (x_test, t_test) = data
    nn.init.manual_seed(seed)
    net = lenet()
    optimizer = optim.Adam(net.parameters(), lr=LR)
    model = nn.DataParallel(net, processes=processes) if processes > 1 else net
    train_loader = DataLoader(
        ArrayDataset(x_train, t_train), batch_size=64, shuffle=True, seed=seed
    )
    val_loader = DataLoader(ArrayDataset(x_val, t_val), batch_size=500)
    trainer = Trainer(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        train_loader,
        val_loader=val_loader,
        epochs=epochs,
        scheduler=optim.CosineAnnealingLR(optimizer, T_max=epochs),
        seed=seed,
    )
    start = time.perf_counter()
    history = trainer.fit()
    seconds = time.perf_counter() - start
    if out is not None:
        viz.plot_history(history, out / "mnist_cnn_history.png")
        viz.plot_filters(net[0].weight, out / "mnist_cnn_filters.png")
        print(f"curves and filters saved to {out}/mnist_cnn_history.png, mnist_cnn_filters.png")
    # The test images, used once: after training, with nothing chosen by them.
    test = trainer.evaluate(DataLoader(ArrayDataset(x_test, t_test), batch_size=500))
    if processes > 1:
        model.close()
    run = {"seed": seed, "val_acc": history["val_acc"][-1], "test_acc": test["acc"]}
    print(f"seed {seed}: validation {100 * run['val_acc']:.2f}%, test {100 * run['test_acc']:.2f}%")
    return {**run, "seconds": round(seconds, 1)}


def main() -> None:
    p = mnist_common.parser(__doc__, epochs=3)
    mnist_common.add_seed_options(p)
    p.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="split each batch over N processes, each on one thread (nn.DataParallel; default 1)",
    )
    args = p.parse_args()
    if args.processes > 1 and args.threads > 1:
        p.error("--processes: each process runs on one thread; leave --threads at 1")
    seeds = mnist_common.seeds(args)
    n_train, n_test = (4000, 1000) if args.quick else (None, None)
    epochs = 1 if args.quick else args.epochs
    train_set, test_set = mnist_common.load(args.data, False, n_train, n_test)
    data = (*mnist_common.split_validation(*train_set, size=500 if args.quick else 5000), test_set)
    n_params = sum(p.numel() for p in lenet().parameters())
    print(
        f"model: LeNet-like conv net, {n_params} parameters; Adam lr {LR} annealed by a cosine, "
        f"{epochs} epochs"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    runs = [
        train(data, s, epochs, args.out if s == seeds[0] else None, args.processes) for s in seeds
    ]
    note = (
        f"conv 1-8 and 8-16 (3x3), max pooling, linear 784-10 ({n_params:,} parameters); Adam "
        f"lr {LR:g} annealed by a cosine, batches of 64, {epochs} epochs on 55,000 training "
        "images; validation: 5,000 other training images; test: the 10,000 test images."
    )
    mnist_common.report("mnist_cnn", runs, args, [note])


if __name__ == "__main__":
    main()
