"""examples/mnist_regularization.py: a diverged run is flagged and left out of the mean, the
mean and range over seeds are what the runs say, the record holds every run, seeds run apart
combine into one record, and the PyTorch twin starts from the same weights on the same batches.

The real runs (55,000 images, one epoch, minutes each) are not run here: a few hundred images
(--quick) or synthetic ones.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from example_support import ROOT, needs_mnist

sys.path.insert(0, str(ROOT / "examples"))

import mnist_regularization as lesson  # noqa: E402


def run(variant="baseline", seed=0, test_acc=0.9, val_acc=0.9, val_loss=0.3, losses=(0.3,) * 60):
    val, test = (val_loss, val_acc), (0.3, test_acc)
    return lesson.finish(variant, seed, list(losses), val, test, None, 1.0)


def test_a_run_stuck_at_chance_is_flagged_as_diverged():
    assert not run()["diverged"]
    assert run(val_loss=math.log(10))["diverged"]  # the validation loss at chance's ln 10
    assert run(val_loss=2.2)["diverged"] and not run(val_loss=2.1)["diverged"]
    assert run(val_acc=0.1135)["diverged"]  # always the most common digit
    assert run(losses=[0.3, math.nan])["diverged"]  # the training blew up
    assert run(val_loss=math.nan)["diverged"]
    assert run(losses=[])["diverged"]
    # dropout's training loss (masks on) may stay high while the network learnt something
    assert not run("dropout", losses=[2.1] * 60, val_loss=1.8, val_acc=0.3)["diverged"]


def test_the_mean_and_range_leave_diverged_runs_out_and_say_so():
    runs = [
        run(seed=0, test_acc=0.90),
        run(seed=1, test_acc=0.80),
        run(seed=2, test_acc=0.11, val_acc=0.11),  # diverged
        run("dropout", seed=0, test_acc=0.4, val_loss=2.3),
    ]
    s = lesson.summarise(r for r in runs if r["variant"] == "baseline")
    assert s == {"runs": 3, "diverged": 1, "mean": pytest.approx(0.85), "min": 0.8, "max": 0.9}
    columns, rows = lesson.table(runs, ["baseline", "dropout", "rotation"])
    assert columns[:3] == ["variant", "test acc: mean (min-max)", "diverged"]
    each = "0: 90.00%, 1: 80.00%, 2: 11.00% (diverged)"
    assert rows == [  # rotation has no runs: no row
        ["baseline", "85.00% (80.00-90.00)", "1 of 3", each],
        ["dropout", "all diverged", "1 of 1", "0: 40.00% (diverged)"],
    ]
    _, rows = lesson.table(runs[:1], ["baseline"])
    assert rows[0][1] == "90.00% (one run)"


def synthetic(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    t = rng.integers(0, 10, n)
    return {
        "x_train": x[:192],
        "t_train": t[:192],
        "x_val": lesson.normalise(x[192:]),
        "t_val": t[192:],
        "x_test": lesson.normalise(x[192:]),
        "t_test": t[192:],
    }


def test_early_stopping_keeps_the_weights_of_its_best_check(monkeypatch):
    monkeypatch.setattr(lesson, "CHECK_EVERY", 1)
    r = lesson.train_one("early stopping", 0, synthetic(), lr=0.01)
    assert 1 <= r["kept_batch"] <= r["batches"] <= 3  # 3 batches of 64
    assert lesson.train_one("baseline", 0, synthetic())["kept_batch"] is None


def test_the_torch_twin_starts_from_the_same_weights_on_the_same_batches():
    pytest.importorskip("torch", reason="the twin needs PyTorch")
    import mnist_regularization_torch as twin

    data = synthetic()
    for variant in ("baseline", "rotation", "weight decay"):
        ours = lesson.train_one(variant, 3, data)["losses"]
        theirs = twin.train_one(variant, 3, data)["losses"]
        assert len(ours) == len(theirs) == 3
        # the first loss is the same network on the same batch; after Adam's first step at lr
        # 0.01 the engines' float32 rounding is still far below the figures we compare
        np.testing.assert_allclose(ours, theirs, rtol=2e-3)


def example(script, *args, cwd):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), "--quick", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"},
        cwd=cwd,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@needs_mnist
def test_seeds_run_apart_combine_into_the_record_of_all_of_them(tmp_path):
    variants = ["--variants", "baseline", "early stopping"]
    example("mnist_regularization.py", "--seeds", "2", *variants, "--out", "both", cwd=tmp_path)
    example("mnist_regularization.py", "--seed", "1", *variants, "--seeds", "1", "--out", "one",
            cwd=tmp_path)  # fmt: skip
    example("mnist_regularization.py", "--seeds", "1", *variants, "--out", "zero", cwd=tmp_path)
    stdout = example(
        "mnist_regularization.py",
        "--combine",
        "zero/mnist_regularization.json",
        "one/mnist_regularization.json",
        "--out",
        "combined",
        cwd=tmp_path,
    )
    last = stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy: baseline ") and last.endswith("(mean over seeds 0, 1)")
    both = json.loads((tmp_path / "both" / "mnist_regularization.json").read_text())
    combined = json.loads((tmp_path / "combined" / "mnist_regularization.json").read_text())
    assert both["seeds"] == combined["seeds"] == [0, 1]
    assert len(both["results"]["runs"]) == 4
    assert combined["rows"] == both["rows"]  # the same runs, float for float
    assert combined["results"]["summary"] == both["results"]["summary"]
    assert "from `python examples/mnist_regularization.py --quick --seed 1" in str(
        combined["notes"]
    )
    for r in both["results"]["runs"]:
        assert r["diverged"] == lesson.diverged(r)
    accs = [r["test_acc"] for r in both["results"]["runs"] if r["variant"] == "baseline"]
    good = [
        r["test_acc"]
        for r in both["results"]["runs"]
        if r["variant"] == "baseline" and not r["diverged"]
    ]
    summary = both["results"]["summary"]["baseline"]
    assert summary["runs"] == len(accs) == 2 and summary["diverged"] == 2 - len(good)
    if good:
        assert summary["mean"] == pytest.approx(np.mean(good))
    assert (tmp_path / "combined" / "mnist_regularization.png").stat().st_size > 5000
