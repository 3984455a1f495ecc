"""The PyTorch twin of examples/mnist_regularization.py: the same lesson, the same seeds.

Same recipe (784-700x6-10 ReLU, log_softmax + NLL, Adam lr 0.01, batches of 64, one epoch,
inputs normalised with (0.1307, 0.3081)), same five variants, same validation split. For each
seed the network starts from glassgrad's initial weights for that seed (both initialise like
PyTorch, U(+-1/sqrt(fan_in)); copying them removes one difference) and sees the same batches in
the same order with the same rotation angles. What still differs: the engines' floating-point
summation order, and the dropout masks (torch draws its own, seeded by torch.manual_seed).
So the two tables show how much of a result is the recipe and how much the engine.

Needs PyTorch (`pip install torch`); one thread (torch.set_num_threads(1)), like the glassgrad
example. Takes the same options.

    python examples/mnist_regularization_torch.py [--seeds N] [--seed FIRST] [--record] ...
"""

from __future__ import annotations

import math
import sys
import time

import mnist_common  # noqa: F401  (first: it limits BLAS threads before numpy starts)
import mnist_regularization as lesson
import numpy as np

import nn

try:
    import torch
except ImportError:
    sys.exit("mnist_regularization_torch.py needs PyTorch: pip install torch")


def network(dropout: float, seed: int) -> torch.nn.Sequential:
    """784-700x6-10 ReLU (Dropout after each hidden ReLU if dropout > 0), holding glassgrad's
    initial weights for `seed`."""
    layers: list[torch.nn.Module] = []
    n_in = 784
    for _ in range(lesson.HIDDEN):
        layers += [torch.nn.Linear(n_in, lesson.WIDTH), torch.nn.ReLU()]
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
        n_in = lesson.WIDTH
    layers.append(torch.nn.Linear(n_in, 10))
    model = torch.nn.Sequential(*layers)
    nn.init.manual_seed(seed)
    ours = lesson.network(dropout).state_dict()  # glassgrad's names match torch's
    model.load_state_dict(
        {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in ours.items()}
    )
    return model


def evaluate(model: torch.nn.Module, x: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """(mean NLL loss, accuracy) in eval mode, in batches of 1,000."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            scores = torch.log_softmax(model(torch.from_numpy(x[i : i + 1000])), dim=1)
            labels = torch.tensor(t[i : i + 1000])  # a copy: the test labels are read-only
            loss += float(torch.nn.functional.nll_loss(scores, labels, reduction="sum"))
            correct += int((scores.argmax(1) == labels).sum())
    model.train()
    return loss / len(x), correct / len(x)


def train_one(variant: str, seed: int, data: dict, lr: float = lesson.LR, epochs: int = 1) -> dict:
    """One run, as examples/mnist_regularization.py's train_one, in PyTorch."""
    start = time.perf_counter()
    model = network(lesson.DROPOUT if variant == "dropout" else 0.0, seed)
    torch.manual_seed(seed)  # the dropout masks
    decay = lesson.WEIGHT_DECAY if variant == "weight decay" else 0.0
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=decay)
    stopping = variant == "early stopping"
    best, best_state, best_at, counter = math.inf, None, None, 0
    losses: list[float] = []

    def check() -> bool:
        """Early stopping: validation loss now; True when patience has run out."""
        nonlocal best, best_state, best_at, counter
        value = evaluate(model, data["x_val"], data["t_val"])[0]
        if value < best:
            best, best_at, counter = value, len(losses), 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            counter += 1
        return counter >= lesson.PATIENCE

    model.train()
    loader = lesson.batches(variant, seed, data, as_tensor=False)
    stop = False
    for epoch in range(epochs):
        loader.set_epoch(epoch)
        for x, t in loader:
            optimizer.zero_grad()
            out = torch.log_softmax(model(torch.from_numpy(x)), dim=1)
            loss = torch.nn.functional.nll_loss(out, torch.from_numpy(t))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if not math.isfinite(losses[-1]):
                stop = True
            elif stopping and len(losses) % lesson.CHECK_EVERY == 0:
                stop = check()
            if stop:
                break
        if stop:
            break
    if stopping:
        if counter < lesson.PATIENCE and math.isfinite(losses[-1]):
            check()  # the run ended: one last check
        model.load_state_dict(best_state)
    val = evaluate(model, data["x_val"], data["t_val"])
    test = evaluate(model, data["x_test"], data["t_test"])
    kept = best_at if stopping else None
    return lesson.finish(variant, seed, losses, val, test, kept, time.perf_counter() - start)


def main() -> None:
    args = lesson.command_line(__doc__).parse_args()
    torch.set_num_threads(1)
    engine = f"PyTorch {torch.__version__.split('+')[0]}"
    lesson.run_lesson(args, engine, "mnist_regularization_torch", train_one)


if __name__ == "__main__":
    main()
