"""How long each lesson script takes, measured: the times in docs/tutorial.md's lesson table.

Runs every lesson as a user would (`python examples/<script>`, default options, pictures into
a temporary folder), one after another, and records the wall-clock time of each whole run
(start-up, data loading and drawing included) to OUT/lesson_times.json, and with --record to
docs/results/lesson_times.json, which `python -m examples.report` turns into the table. The
MNIST training examples are left out: they record their own training times with their
accuracies (their tables in docs/training.md), and they take minutes.

    python examples/time_lessons.py [--out DIR] [--record] [--only SCRIPT ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import run_record

EXAMPLES = Path(__file__).resolve().parent
# The lessons in the tutorial's order; the MNIST training examples time themselves.
LESSONS = (
    "quickstart.py",
    "activations.py",
    "mp_neuron.py",
    "rating_metrics.py",
    "steepest_descent.py",
    "chain_rule.py",
    "tinynet.py",
    "numerical_vs_backprop.py",
    "mnist_split_idx.py",
    "taylor.py",
    "cs231n_modular.py",
    "export_journeys.py",
)


def time_script(script: str, out: Path) -> tuple[float, int]:
    """Seconds of wall-clock time for `python examples/<script> --out OUT`, and its exit code."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(f"{script} failed ({done.returncode}):\n{done.stderr[-2000:]}", file=sys.stderr)
    return seconds, done.returncode


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("out"), help="where the record goes (out/)")
    p.add_argument("--only", nargs="+", choices=LESSONS, help="time these scripts only")
    run_record.add_arguments(p)
    args = p.parse_args()
    if args.record and args.only:
        sys.exit("--record: the docs' table lists every lesson; drop --only")
    scripts = args.only or LESSONS
    times: dict[str, float] = {}
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for script in scripts:
            seconds, code = time_script(script, Path(tmp) / "out")
            times[script] = round(seconds, 1)
            if code:
                failed.append(script)
            print(f"{script:<26} {seconds:6.1f} s" + ("  FAILED" if code else ""))
    if failed:
        sys.exit(f"failed: {', '.join(failed)}; no record written")
    run_record.write(
        "lesson_times",
        args.out,
        args.record,
        columns=["command", "time (whole run)"],
        rows=[[f"`python examples/{s}`", f"{max(1, round(t))} s"] for s, t in times.items()],
        seeds=[0],
        results={"seconds": times},
        notes=[
            "Wall-clock time of each whole run with its default options, one after another "
            "(start-up, data loading and pictures included). The MNIST training examples record "
            "their training times with their accuracies in training.md."
        ],
        seconds=sum(times.values()),
    )


if __name__ == "__main__":
    main()
