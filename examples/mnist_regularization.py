"""Regularization on MNIST, as the source lesson ran it: five variants, each over several seeds.

The source lesson's experiment: a deep ReLU network, 784-700x6-10 (six hidden layers of 700,
3.0 million weights), `log_softmax` + NLL, Adam lr 0.01, batches of 64, ONE epoch over the
training images, inputs normalised with MNIST's mean and std (0.1307, 0.3081). Five variants:

    baseline        no regularization
    weight decay    L2: Adam(weight_decay=0.002) adds 0.002 * w to every gradient
    dropout         Dropout(0.2) after every hidden ReLU (active in training only)
    rotation        each training image turned by a random angle in [-20, 20] degrees
    early stopping  validation loss every 100 batches; stop after 3 checks without
                    improvement, and keep the best weights

5,000 of the 60,000 training images (stratified, the same for every run) are the validation set:
early stopping's signal, and the divergence check. The network trains on the other 55,000. The
10,000 test images are used once per run, at the end.

One run of this recipe says little: at lr 0.01 Adam's first steps move every weight by about
0.01, a quarter of its initial size, and where a run lands depends on the seed. So every variant
runs with several seeds (the initial weights, the batch order, the dropout masks and rotation
angles); each seed starts every variant from the same weights, on the same batches. The table
gives each variant's mean test accuracy and its range (min-max) over the seeds. A run that
diverged (validation loss still near ln 10 = 2.303 at the end, or accuracy at chance)
is flagged and left out of the mean, never averaged in silently: "1 of 3 diverged".
examples/mnist_regularization_torch.py runs the same recipe in PyTorch, from the same initial
weights on the same batches.

    python examples/mnist_regularization.py [--seeds N] [--seed FIRST] [--variants NAME ...]
                                            [--record] [--data DIR] [--out DIR] [--quick]
    python examples/mnist_regularization.py --combine out1/mnist_regularization.json ... --record

Every run takes minutes; the record (out/mnist_regularization.json) is rewritten after each, so
an interrupted job keeps what it measured, and seeds run in separate processes side by side
(--seed 1 --seeds 1 --out out1, ...) are joined by --combine.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import mnist_common  # first: it limits BLAS threads before numpy starts (see there)
import numpy as np
import run_record

import autodiff
import nn
import nn.functional as F
from nn import optim
from nn.data import ArrayDataset, DataLoader, load_mnist, train_test_split
from nn.data.transforms import RandomRotation
from nn.train import EarlyStopping

HIDDEN, WIDTH = 6, 700
MEAN, STD = 0.1307, 0.3081  # MNIST's pixel mean and std, the lesson's Normalize
LR, BATCH, WEIGHT_DECAY, DROPOUT, DEGREES = 0.01, 64, 0.002, 0.2, 20
CHECK_EVERY, PATIENCE = 100, 3  # early stopping: validation every 100 batches, patience 3
VAL_SIZE, SPLIT_SEED = 5000, 0
VARIANTS = ("baseline", "weight decay", "dropout", "rotation", "early stopping")
CHANCE_LOSS = math.log(10)  # the loss of a network that guesses uniformly: 2.303
# A run diverged if its final validation loss is still within 5% of ln 10, or its validation
# accuracy at chance (the most common digit is 11.35% of the images), or its training loss not
# finite. Validation, not training loss: dropout inflates the training loss (its masks are on).
DIVERGED_LOSS, DIVERGED_ACC, TAIL = round(0.95 * CHANCE_LOSS, 2), 0.2, 50


# ---------------------------------------------------------------- the data, shared by both engines


def normalise(x: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] -> (x - 0.1307) / 0.3081, float32."""
    return ((x - np.float32(MEAN)) / np.float32(STD)).astype(np.float32)


def load_data(given: Path | None, quick: bool) -> dict[str, np.ndarray]:
    """Training / validation / test images (flat, float32) and labels. Training images stay in
    [0, 1] (rotation turns them on a black background, as torchvision's RandomRotation before
    Normalize does); validation and test images are normalised here once."""
    (x, t), (x_test, t_test) = load_mnist(mnist_common.data_dir(given), flatten=True)
    if quick:  # a stratified few hundred images, for the tests
        x, _, t, _ = train_test_split(x, t, test_size=len(x) - 800, seed=0, stratify=t)
        x_test, t_test = x_test[:500], t_test[:500]
    val_size = 200 if quick else VAL_SIZE
    x_train, x_val, t_train, t_val = train_test_split(
        x, t, test_size=val_size, seed=SPLIT_SEED, stratify=t
    )
    print(
        f"MNIST: {len(x_train)} training, {len(x_val)} validation (stratified, from the training "
        f"images) and {len(x_test)} test images"
    )
    return {
        "x_train": x_train,
        "t_train": t_train,
        "x_val": normalise(x_val),
        "t_val": t_val,
        "x_test": normalise(x_test),
        "t_test": t_test,
    }


def batches(
    variant: str, seed: int, data: dict, batch_size: int = BATCH, as_tensor: bool = True
) -> DataLoader:
    """The training batches of one run: shuffled by `seed`, rotated for "rotation", then
    normalised. The same for both engines (the torch twin takes them as arrays)."""
    if variant == "rotation":
        rotation = RandomRotation(DEGREES, seed=seed, image_shape=(28, 28))

        def transform(x: np.ndarray) -> np.ndarray:
            return normalise(rotation(x))
    else:
        transform = normalise
    return DataLoader(
        ArrayDataset(data["x_train"], data["t_train"]),
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
        transform=transform,
        as_tensor=as_tensor,
    )


# ---------------------------------------------------------------- one run, in glassgrad


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


def evaluate(model: nn.Module, x: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """(mean NLL loss, accuracy) over images x in eval mode, in batches of 1,000."""
    model.eval()
    loss, correct = 0.0, 0
    with autodiff.no_grad():
        for i in range(0, len(x), 1000):
            scores = F.log_softmax(model(autodiff.tensor(x[i : i + 1000])), dim=1).numpy()
            labels = t[i : i + 1000]
            loss -= float(scores[np.arange(len(labels)), labels].sum())
            correct += int((scores.argmax(1) == labels).sum())
    model.train()
    return loss / len(x), correct / len(x)


def train_one(variant: str, seed: int, data: dict, lr: float = LR, epochs: int = 1) -> dict:
    """Train one variant from seed `seed` for `epochs` epochs (the lesson: one); returns the
    run's figures (see `finish`)."""
    start = time.perf_counter()
    nn.init.manual_seed(seed)  # the initial weights, then the dropout masks
    model = network(DROPOUT if variant == "dropout" else 0.0)
    decay = WEIGHT_DECAY if variant == "weight decay" else 0.0
    optimizer = optim.Adam(model.parameters(), lr=lr, weight_decay=decay)
    stopper = EarlyStopping("val_loss", patience=PATIENCE) if variant == "early stopping" else None
    losses: list[float] = []
    checks: list[tuple[int, float]] = []
    model.train()
    loader = batches(variant, seed, data)
    for epoch in range(epochs):
        loader.set_epoch(epoch)
        for x, t in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(F.log_softmax(model(x), dim=1), t)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if not math.isfinite(losses[-1]):
                break
            if stopper is not None and len(losses) % CHECK_EVERY == 0:
                checks.append((len(losses), evaluate(model, data["x_val"], data["t_val"])[0]))
                if stopper.step(checks[-1][1], model):  # loads the best weights if it stops
                    break
        if not math.isfinite(losses[-1]) or (stopper is not None and stopper.should_stop):
            break
    kept = None
    if stopper is not None:
        if not stopper.should_stop:  # the run ended: one last check, then the best weights
            checks.append((len(losses), evaluate(model, data["x_val"], data["t_val"])[0]))
            stopper.step(checks[-1][1], model)
            stopper.restore(model)
        kept = checks[stopper.best_epoch][0]
    val = evaluate(model, data["x_val"], data["t_val"])
    test = evaluate(model, data["x_test"], data["t_test"])
    return finish(variant, seed, losses, val, test, kept, time.perf_counter() - start)


# ---------------------------------------------------------------- figures, shared by both engines


def finish(
    variant: str,
    seed: int,
    losses: Sequence[float],
    val: tuple[float, float],
    test: tuple[float, float],
    kept: int | None,
    seconds: float,
) -> dict:
    """One run's figures: the losses of every batch, the validation and test loss and accuracy,
    which batch's weights early stopping kept, and whether the run diverged."""
    tail = float(np.mean(losses[-TAIL:])) if losses else math.nan
    run = {
        "variant": variant,
        "seed": seed,
        "batches": len(losses),
        "final_train_loss": tail,
        "val_loss": val[0],
        "val_acc": val[1],
        "test_loss": test[0],
        "test_acc": test[1],
        "kept_batch": kept,
        "seconds": round(seconds, 1),
        "losses": [float(v) for v in losses],
    }
    run["diverged"] = diverged(run)
    flag = "  DIVERGED" if run["diverged"] else ""
    stop = f", kept the weights of batch {kept}" if kept is not None else ""
    print(
        f"{variant:<15} seed {seed}  {len(losses)} batches{stop}, last {min(TAIL, len(losses))} "
        f"losses {tail:.3f}  val acc {100 * val[1]:6.2f}%  test acc {100 * test[1]:6.2f}%  "
        f"({seconds:.0f} s){flag}",
        flush=True,
    )
    return run


def diverged(run: dict) -> bool:
    """Validation loss stuck near ln 10 or accuracy at chance, or the training loss not finite:
    the run learnt nothing."""
    if not math.isfinite(run["final_train_loss"]) or not math.isfinite(run["val_loss"]):
        return True
    return run["val_loss"] >= DIVERGED_LOSS or run["val_acc"] <= DIVERGED_ACC


def summarise(runs: Iterable[dict]) -> dict:
    """Test accuracy over the runs that did not diverge: mean, min, max; and the counts."""
    runs = list(runs)
    good = [r["test_acc"] for r in runs if not r["diverged"]]
    return {
        "runs": len(runs),
        "diverged": len(runs) - len(good),
        "mean": float(np.mean(good)) if good else None,
        "min": min(good) if good else None,
        "max": max(good) if good else None,
    }


def table(runs: Sequence[dict], variants: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """The results table: per variant the mean test accuracy and its range over the seeds
    that did not diverge, how many diverged, and every run's own figure."""
    columns = ["variant", "test acc: mean (min-max)", "diverged", "each seed: test acc"]
    rows = []
    for variant in variants:
        mine = [r for r in runs if r["variant"] == variant]
        if not mine:
            continue
        s = summarise(mine)
        if s["mean"] is None:
            figure = "all diverged"
        elif s["runs"] - s["diverged"] == 1:
            figure = f"{100 * s['mean']:.2f}% (one run)"
        else:
            figure = f"{100 * s['mean']:.2f}% ({100 * s['min']:.2f}-{100 * s['max']:.2f})"
        each = ", ".join(
            f"{r['seed']}: {100 * r['test_acc']:.2f}%" + (" (diverged)" if r["diverged"] else "")
            for r in mine
        )
        rows.append([variant, figure, f"{s['diverged']} of {s['runs']}", each])
    return columns, rows


def setup(args) -> dict:
    """What every run of a record shares (a combined record checks its parts agree)."""
    return {k: getattr(args, k) for k in ("lr", "epochs", "n_train", "n_val", "n_test", "quick")}


def report(name: str, engine: str, runs: list[dict], variants: Sequence[str], args) -> None:
    """Draw the picture and write the run record (out/, docs/results with --record) of the runs
    so far (after every run, so a long job interrupted keeps what it measured); once all
    `args.planned` runs are done, print the table and the "test accuracy: ..." line."""
    final = len(runs) == args.planned
    seeds = sorted({r["seed"] for r in runs})
    columns, rows = table(runs, variants)
    for r in runs:  # the record keeps the mean of every 50 losses, not each one
        if "losses" in r:
            losses = r["losses"]
            r["loss_every_50"] = [
                float(np.mean(losses[i : i + 50])) for i in range(0, len(losses), 50)
            ]
    picture = args.out / f"{name}.png"
    plot(runs, variants, engine, picture)
    summaries = {
        v: summarise(r for r in runs if r["variant"] == v)
        for v in variants
        if any(r["variant"] == v for r in runs)
    }
    n_diverged = sum(s["diverged"] for s in summaries.values())
    epochs = "one epoch" if args.epochs == 1 else f"{args.epochs} epochs"
    notes = [
        f"{engine}: 784-{WIDTH}x{HIDDEN}-10 ReLU, log_softmax + NLL, Adam lr {args.lr}, batches "
        f"of {BATCH}, {epochs} over {args.n_train:,} training images (inputs normalised with "
        f"({MEAN}, {STD})); {args.n_val:,} validation images (stratified, from the training "
        f"images), {args.n_test:,} test images used once per run. A run counts as diverged "
        f"when its final validation loss is {DIVERGED_LOSS} or more (chance: ln 10 = 2.303), "
        f"its validation accuracy at most {100 * DIVERGED_ACC:.0f}%, or its training loss not "
        "finite; the mean and range leave such runs out. "
        f"{n_diverged} of {len(runs)} runs diverged."
    ]
    if not final:
        notes.append(f"PARTIAL: {len(runs)} of the {args.planned} runs planned, still running.")
    notes += getattr(args, "combined_from", [])
    slim = [{k: v for k, v in r.items() if k != "losses"} for r in runs]
    run_record.write(
        name,
        args.out,
        args.record,
        columns=columns,
        rows=rows,
        seeds=seeds,
        results={"summary": summaries, "runs": slim, "engine": engine, "setup": setup(args)},
        notes=notes,
        seconds=sum(r["seconds"] for r in runs),
    )
    if not final:
        return
    print("\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"runs and losses drawn in {picture}")
    parts = []
    for v, s in summaries.items():
        if s["mean"] is not None:
            parts.append(
                f"{v} {100 * s['mean']:.2f}%"
                + (f" ({s['diverged']} of {s['runs']} diverged)" if s["diverged"] else "")
            )
        else:
            mean = np.mean([r["test_acc"] for r in runs if r["variant"] == v])
            parts.append(f"{v} all {s['runs']} diverged ({100 * mean:.2f}%)")
    line = ", ".join(parts)
    print(f"test accuracy: {line} (mean over seeds {', '.join(map(str, seeds))})")


STYLES = [("#0072B2", "-"), ("#D55E00", "--"), ("#009E73", "-."), ("#CC79A7", ":"),
          ("#E69F00", (0, (5, 1, 1, 1, 1, 1)))]  # fmt: skip  # Okabe-Ito: colour-blind safe


def plot(runs: Sequence[dict], variants: Sequence[str], engine: str, path: Path) -> None:
    """Left: every run's test accuracy per variant (a dot per seed, a bar at the mean of those
    that did not diverge, a cross for a diverged run). Right: the training loss over the epoch,
    averaged over 50 batches, one line per run."""
    from matplotlib.figure import Figure  # here: matplotlib loads numpy, after mnist_common

    fig = Figure(figsize=(13, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1, 1.4))
    for i, variant in enumerate(variants):
        colour, dash = STYLES[i % len(STYLES)]
        mine = [r for r in runs if r["variant"] == variant]
        for r in mine:
            marker = "x" if r["diverged"] else "o"
            left.plot(i, 100 * r["test_acc"], marker, color=colour, ms=7)
            curve = r["loss_every_50"]
            label = variant if r is mine[0] else None
            middles = np.minimum(50 * np.arange(len(curve)) + 25, r["batches"])
            right.plot(middles, curve, color=colour, ls=dash, lw=1.3, label=label)
        mean = summarise(mine)["mean"]
        if mean is not None:
            left.hlines(100 * mean, i - 0.3, i + 0.3, color=colour, lw=2.5)
    left.set_xticks(range(len(variants)), [v.replace(" ", "\n") for v in variants])
    fig.suptitle(f"{engine}: the lesson's recipe over seeds")
    left.set(title="test accuracy of each seed (bar: mean; x: diverged)", ylabel="test acc (%)")
    right.axhline(CHANCE_LOSS, color="grey", lw=0.8, ls=":")
    right.text(0, CHANCE_LOSS, " chance: ln 10", va="bottom", color="grey", fontsize=8)
    right.set(title="training loss (mean of 50 batches), one line per seed", xlabel="batch",
              ylabel="NLL loss", ylim=(0, 3))  # fmt: skip
    right.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def command_line(doc: str, default_seeds: int = 3):
    """The options both engines take."""
    p = mnist_common.parser(doc, epochs=1)
    run_record.add_arguments(p)
    p.add_argument("--seeds", type=int, default=default_seeds,
                   help=f"how many seeds: --seed, --seed + 1, ... ({default_seeds})")  # fmt: skip
    p.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS),
                   metavar="NAME", help=f"which variants (all: {', '.join(VARIANTS)})")  # fmt: skip
    p.add_argument("--lr", type=float, default=LR, help=f"Adam's learning rate ({LR})")
    p.add_argument("--combine", nargs="+", type=Path, metavar="RECORD",
                   help="train nothing: make the table, picture and record from the runs in "
                   "these records (seeds run side by side in separate processes)")  # fmt: skip
    return p


def run_lesson(
    args, engine: str, name: str, train: Callable[[str, int, dict, float, int], dict]
) -> list[dict]:
    """Every variant for every seed with `train`, then the table, picture and record; or, with
    --combine, the table, picture and record of the runs in earlier records."""
    if args.seeds < 1:
        raise SystemExit(f"--seeds must be at least 1, got {args.seeds}")
    if args.combine:
        return combine(args, engine, name)
    if args.record and args.quick:
        raise SystemExit("--record with --quick: the docs quote full runs only")
    data = load_data(args.data, args.quick)
    args.n_train, args.n_val, args.n_test = (len(data[k]) for k in ("x_train", "x_val", "x_test"))
    seeds = list(range(args.seed, args.seed + args.seeds))
    print(
        f"{engine}: 784-{WIDTH}x{HIDDEN}-10 ReLU, Adam lr {args.lr}, batches of {BATCH}, "
        f"{args.epochs} epoch(s); seeds {', '.join(map(str, seeds))}"
    )
    args.planned = len(seeds) * len(args.variants)
    runs: list[dict] = []
    for seed in seeds:
        for variant in args.variants:
            runs.append(train(variant, seed, data, args.lr, args.epochs))
            report(name, engine, runs, args.variants, args)
    return runs


def combine(args, engine: str, name: str) -> list[dict]:
    """One record from the runs of several (seeds run in separate processes, side by side):
    the same engine and setup; a run in two records must agree, and is kept once."""
    runs: list[dict] = []
    args.combined_from = []
    shared = None
    for path in args.combine:
        record = run_record.read(path)
        results = record["results"]
        if results.get("engine") != engine:
            raise SystemExit(f"{path}: runs of {results.get('engine')}, not of {engine}")
        mine = results.get("setup") or {
            "lr": args.lr, "epochs": args.epochs, "quick": args.quick  # records before "setup"
        }  # fmt: skip
        shared = shared or mine
        if any(mine[k] != shared[k] for k in ("lr", "epochs", "quick")):
            raise SystemExit(f"{path}: another setup ({mine}) than the first record's ({shared})")
        runs += [{**r, "diverged": diverged(r)} for r in results["runs"]]  # today's rule
        args.combined_from.append(
            f"Runs of seeds {', '.join(map(str, record['seeds']))} from `{record['command']}` "
            f"(finished {record['date']}, commit {record.get('commit')})."
        )
    # A (variant, seed) run in two records must have given the same figures (a run is
    # deterministic): it is kept once. Different figures mean different code or setups.
    unique: dict[tuple[str, int], dict] = {}
    for r in runs:
        seen = unique.setdefault((r["variant"], r["seed"]), r)
        if any(seen[k] != r[k] for k in ("test_acc", "val_acc", "batches")):
            raise SystemExit(
                f"--combine: {r['variant']} seed {r['seed']} is in two records with different "
                f"figures (test acc {seen['test_acc']} and {r['test_acc']})"
            )
    runs = list(unique.values())
    args.lr, args.epochs, args.quick = shared["lr"], shared["epochs"], shared["quick"]
    if args.record and args.quick:
        raise SystemExit("--record of --quick runs: the docs quote full runs only")
    if "n_train" in shared:
        args.n_train, args.n_val, args.n_test = shared["n_train"], shared["n_val"], shared["n_test"]
    else:
        data = load_data(args.data, args.quick)
        args.n_train, args.n_val, args.n_test = (
            len(data[k]) for k in ("x_train", "x_val", "x_test")
        )
    order = {v: i for i, v in enumerate(VARIANTS)}
    runs.sort(key=lambda r: (r["seed"], order[r["variant"]]))
    variants = [v for v in VARIANTS if any(r["variant"] == v for r in runs)]
    args.planned = len(runs)
    report(name, engine, runs, variants, args)
    return runs


def main() -> None:
    args = command_line(__doc__).parse_args()
    run_lesson(args, "glassgrad", "mnist_regularization", train_one)


if __name__ == "__main__":
    main()
