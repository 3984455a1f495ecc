"""Lessons 6-8 — TinyNet: forward, backward checked numerically, SGD with weight decay.

TinyNet is the lessons' small CNN (nn/models/tinynet.py):

    x (B, 3, 8, 8) -> conv1 3->6 3x3 p1 -> ReLU -> maxpool 2 -> conv2 6->12 3x3 p1 -> ReLU
      -> maxpool 2 -> flatten (B, 48) -> fc: scores = h @ W_fc + b_fc (B, 10) -> softmax loss

6. Forward: the scores and the mean cross-entropy loss of a random batch.
7. Backward: the six gradients (dW_conv1, db_conv1, dW_conv2, db_conv2, dW_fc, db_fc), each
   compared with central differences (autodiff.numerical_grad, h = 1e-5, float64) by
   CS231n's relative error max |a - n| / max(|a| + |n|, 1e-8); backprop is right when it is
   around 1e-7 or less (a kink of ReLU or max pooling crossed by h could make one larger).
8. One SGD step with L2 weight decay, W <- W - lr (dW + wd W), b <- b - lr db
   (nn.models.train_one_iter), checked against nn.optim.SGD with weight_decay on the weights
   only; then that optimizer for a few hundred iterations on 32 random images with random
   labels. There is nothing to learn in them, but the net can memorise them: the loss falls
   from log(10) = 2.30 towards 0.

    python examples/tinynet.py [--out DIR] [--iterations N] [--quick]

Writes OUT/tinynet_loss.png (the training loss) and OUT/tinynet_graph.svg / .png (one
training step's graph, one box per layer).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import autodiff
import nn
import viz
from nn.models import TinyNet, train_one_iter

NAMES = ("W_conv1", "b_conv1", "W_conv2", "b_conv2", "W_fc", "b_fc")
LEARNING_RATE = 0.05
WEIGHT_DECAY = 1e-3


def relative_error(a: np.ndarray, n: np.ndarray) -> float:
    """CS231n's: the largest elementwise |a - n| / (|a| + |n|), guarded against 0 / 0."""
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)))


def forward_and_backward(weights: tuple, x: np.ndarray, t: np.ndarray) -> float:
    """Lessons 6 and 7: print scores, loss and each gradient's error; return the worst."""
    net = TinyNet.from_weights(*weights)
    scores, loss = net.scores_and_loss(x, t)
    print(f"forward: scores {scores.shape}, first row {np.round(scores.data[0], 3).tolist()}")
    print(f"         loss {loss.item():.6f} (log 10 = {np.log(10):.6f} for a clueless net)")
    start = time.perf_counter()
    loss.backward()
    grads = net.gradients()
    backprop_seconds = time.perf_counter() - start

    def loss_of(*ws: np.ndarray) -> autodiff.Tensor:
        with autodiff.no_grad():  # only values are needed: no graph to record
            return TinyNet.from_weights(*ws).scores_and_loss(x, t)[1]

    start = time.perf_counter()
    numeric = autodiff.numerical_grad(loss_of, *weights, eps=1e-5)
    numeric_seconds = time.perf_counter() - start
    print("backward: the six gradients against central differences")
    worst = 0.0
    for name, g, n in zip(NAMES, grads, numeric):
        error = relative_error(g, n)
        worst = max(worst, error)
        print(f"  d{name:<8} {str(g.shape):<14} max relative error {error:.2e}")
    print(
        f"max relative error {worst:.2e} "
        f"(backprop {backprop_seconds * 1e3:.1f} ms, numerical {numeric_seconds:.1f} s)"
    )
    return worst


def sgd_with_weight_decay(model: TinyNet) -> nn.optim.SGD:
    """SGD with the lessons' weight decay: on the three weights, not on the biases."""
    decayed = [model.conv1.weight, model.conv2.weight, model.fc.weight]
    others = [model.conv1.bias, model.conv2.bias, model.fc.bias]
    return nn.optim.SGD(
        [{"params": decayed, "weight_decay": WEIGHT_DECAY}, {"params": others}],
        lr=LEARNING_RATE,
    )


def one_iteration(weights: tuple, x: np.ndarray, t: np.ndarray) -> None:
    """Lesson 8: train_one_iter, and the same step taken by nn.optim.SGD."""
    updated = train_one_iter(*weights, x, t, learning_rate=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    model = TinyNet.from_weights(*weights)
    optimizer = sgd_with_weight_decay(model)
    model.scores_and_loss(x, t)[1].backward()
    optimizer.step()
    gap = max(float(np.max(np.abs(a - b))) for a, b in zip(updated, model.weights()))
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(updated, weights))
    _, before = TinyNet.from_weights(*weights).scores_and_loss(x, t)
    _, after = TinyNet.from_weights(*updated).scores_and_loss(x, t)
    print(
        f"one SGD step (lr {LEARNING_RATE}, weight decay {WEIGHT_DECAY}): loss "
        f"{before.item():.6f} -> {after.item():.6f}; largest change {moved:.2e}; "
        f"train_one_iter vs nn.optim.SGD differ by {gap:.1e}"
    )


def train(weights: tuple, iterations: int, out: Path) -> list[float]:
    """SGD with weight decay on 32 fixed random images; returns the loss of every step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 3, 8, 8))
    t = rng.integers(0, 10, size=32)
    model = TinyNet.from_weights(*weights)
    optimizer = sgd_with_weight_decay(model)
    losses = []
    for _ in range(iterations):
        optimizer.zero_grad()
        _, loss = model.scores_and_loss(x, t)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with autodiff.no_grad():
        accuracy = float(np.mean(model(autodiff.Tensor(x)).data.argmax(axis=1) == t))
    print(
        f"training on 32 random images: loss {losses[0]:.4f} -> {losses[-1]:.4f} after "
        f"{iterations} iterations; training accuracy {accuracy:.0%}"
    )
    plot_loss(losses, out / "tinynet_loss.png")

    # The graph of one training step, one box per layer (TinyNet's modules are name scopes).
    _, loss = model.scores_and_loss(autodiff.Tensor(x[:2], name="x"), t[:2])
    loss.name = "loss"
    viz.retain_all(loss)
    loss.backward()
    for suffix in (".svg", ".png"):
        viz.render(loss, out / f"tinynet_graph{suffix}", collapse="modules", rankdir="TB")
    return losses


def plot_loss(losses: list[float], path: Path) -> None:
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(np.arange(1, len(losses) + 1), losses, color="C0", lw=2)
    ax.axhline(np.log(10), color="0.6", ls=":", label="log 10: guessing")
    ax.set(
        xlabel="iteration",
        ylabel="cross-entropy loss",
        ylim=(0, None),
        title=f"TinyNet on 32 random images: SGD, lr {LEARNING_RATE}, weight decay {WEIGHT_DECAY}",
    )
    ax.legend()
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    parser.add_argument("--iterations", type=int, default=300, help="training iterations")
    parser.add_argument("--quick", action="store_true", help="60 training iterations (CI)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    iterations = 60 if args.quick else args.iterations

    nn.init.manual_seed(0)
    weights = TinyNet(dtype=np.float64).weights()  # PyTorch's default init, float64
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 8, 8))
    t = rng.integers(0, 10, size=4)

    forward_and_backward(weights, x, t)
    one_iteration(weights, x, t)
    train(weights, iterations, args.out)
    print(f"wrote {args.out / 'tinynet_loss.png'}, {args.out / 'tinynet_graph.svg'}")


if __name__ == "__main__":
    main()
