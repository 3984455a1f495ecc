"""viz benchmarks: how long pictures take.

Run from the repository root::

    python -m benchmarks.viz            # full sizes
    python -m benchmarks.viz --quick    # small sizes, a couple of seconds (smoke test)

Workloads
  (a) build: `viz.draw_graph` on a 10,000-node graph (a chain of 5,000 scalar ops and their
      outputs, after backward with every gradient kept), until the DOT source exists. Layout is
      excluded: this is the Python side. Goal: under 1 s.
  (b) render: `viz.render(..., "step.svg")` of one MLP training step's graph (forward, softmax
      cross-entropy and weight decay, in name scopes, with values and gradients), i.e. drawing
      plus Graphviz's layout of a few hundred nodes. Goal: under 3 s.

Figures are the median of the repeats (min in parentheses), timed with `time.perf_counter`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import autodiff
import viz
from autodiff import Tensor, name_scope

GOAL_BUILD_S = 1.0
GOAL_RENDER_S = 3.0


def chain_graph(ops: int) -> Tensor:
    """A chain of `ops` scalar ops (alternately `* 0.999` and `+ x`): 2 * ops + 1 nodes."""
    x = autodiff.tensor(0.5, dtype="float64", requires_grad=True, name="x")
    y = x
    for i in range(ops):
        y = y + x if i % 2 else y * 0.999
    viz.retain_all(y)
    y.backward()
    return y


def mlp_step_graph(layers: int, width: int = 32, batch: int = 16) -> Tensor:
    """One training step's loss: `layers` scoped Linear+ReLU blocks, a classifier, softmax
    cross-entropy and L2 weight decay; backward has run with every gradient kept."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((batch, width)).astype(np.float32), name="x")
    labels = rng.integers(0, 10, batch)
    h = x
    decay = None
    with name_scope("model"):
        for i in range(layers):
            w = Tensor(rng.standard_normal((width, width)).astype(np.float32) * 0.2, True)
            b = Tensor(np.zeros(width, np.float32), requires_grad=True, name="bias")
            w.name = "weight"
            with name_scope(f"block{i}"):
                with name_scope("linear"):
                    h = h @ w + b
                with name_scope("relu"):
                    h = h.relu()
            term = (w**2).sum()
            decay = term if decay is None else decay + term
        head = Tensor(rng.standard_normal((width, 10)).astype(np.float32) * 0.2, True)
        with name_scope("head"):
            logits = h @ head
    with name_scope("loss"):
        logp = logits.log_softmax(axis=-1)
        nll = -logp[np.arange(batch), labels].mean()
        loss = nll + 1e-4 * decay
    loss.name = "loss"
    viz.retain_all(loss)
    loss.backward()
    return loss


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="viz benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    ops, layers = (500, 4) if args.quick else (5000, 24)
    repeats = args.repeats or (2 if args.quick else 5)

    chain = chain_graph(ops)
    n_chain = len(autodiff.graph.walk(chain))
    mlp = mlp_step_graph(layers)
    n_mlp = len(autodiff.graph.walk(mlp))

    rows = []
    for style in ("circuit", "nodes"):
        med, low = timed(lambda s=style: viz.draw_graph(chain, style=s).source, repeats)
        rows.append((f"(a) build, {n_chain:,} nodes, {style}", med, low, GOAL_BUILD_S))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "step.svg"
        for style in ("circuit", "nodes"):
            med, low = timed(lambda s=style: viz.render(mlp, out, style=s), repeats)
            rows.append(
                (f"(b) render SVG, MLP step, {n_mlp} nodes, {style}", med, low, GOAL_RENDER_S)
            )

    print(f"viz benchmarks ({'quick' if args.quick else 'full'}; {repeats} repeats)\n")
    print("| workload | seconds | goal | ok |")
    print("| --- | --- | --- | --- |")
    for name, med, low, goal in rows:
        ok = "yes" if med < goal else "NO"
        print(f"| {name} | {med:.3f} (min {low:.3f}) | < {goal:g} s | {ok} |")


if __name__ == "__main__":
    main()
