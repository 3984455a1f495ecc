"""The four MNIST examples run end to end in --quick mode (a small slice of the data, a few
iterations), each in its own process as a user would run it: they print their result line and
write their pictures. Skipped when the MNIST files cannot be found.

Their full runs (the accuracies docs/training.md quotes) take minutes and are not run here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from example_support import ROOT, needs_mnist

from nn.data import MNIST_FILES

EXAMPLES = {
    "mnist_mlp.py": ["mnist_mlp_history.png"],
    "mnist_cnn.py": ["mnist_cnn_history.png", "mnist_cnn_filters.png"],
    "mnist_regularization.py": ["mnist_regularization.png"],
    "mnist_regularization_torch.py": ["mnist_regularization_torch.png"],
    "optimizers.py": [
        "optimizer_paths_momentum.png",
        "optimizer_paths_adaptive.png",
        "optimizers_mnist.png",
    ],
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_example(name: str, out: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), "--quick", "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=out.parent,
        timeout=300,
    )
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


NEEDS_TORCH = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="the PyTorch twin needs torch"
)


@needs_mnist
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=NEEDS_TORCH) if n.endswith("_torch.py") else n for n in EXAMPLES],
)
def test_example_runs_quick_and_writes_its_pictures(name, tmp_path):
    out = tmp_path / "out"
    stdout = run_example(name, out)
    last = stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy: "), stdout
    percentages = [float(p) for p in re.findall(r"(\d+\.\d+)%", last)]
    assert percentages and all(0 <= p <= 100 for p in percentages), last
    assert "MNIST: " in stdout  # it said what it loaded
    for picture in EXAMPLES[name]:
        path = out / picture
        assert path.is_file(), f"{name} did not write {picture}"
        assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000
    if name == "mnist_mlp.py":  # the lesson's per-epoch train and eval figures
        epochs = [line for line in stdout.splitlines() if line.startswith("epoch ")]
        assert len(epochs) == 2
        assert all(k in epochs[0] for k in ("train_loss", "train_acc", "val_loss", "val_acc"))


@needs_mnist
def test_cnn_example_runs_on_two_threads(tmp_path):
    stdout = run_example("mnist_cnn.py", tmp_path / "out", "--threads", "2")
    assert stdout.strip().splitlines()[-1].startswith("test accuracy: "), stdout


def test_threads_option_refuses_zero_with_pytorchs_message(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "mnist_cnn.py"), "--threads", "0"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 2
    assert "--threads: set_num_threads expects a positive integer, got 0" in done.stderr


def test_no_data_error_lists_the_folders_in_the_order_searched(tmp_path):
    """Without MNIST anywhere, the examples exit with nn.data's message, which names every
    folder in the order the examples searched it: $GLASSGRAD_DATA, the user cache, then the
    workplace's shared folder (here a stand-in that lacks one file)."""
    env, cache, workplace = tmp_path / "env", tmp_path / "cache", tmp_path / "shared"
    *present, absent = MNIST_FILES
    workplace.mkdir()
    for name in present:
        (workplace / name).touch()
    script = (
        "import sys; from pathlib import Path; "
        f"sys.path.insert(0, {str(ROOT / 'examples')!r}); import mnist_common; "
        f"mnist_common.WORKPLACE_DATA = Path({str(workplace)!r}); mnist_common.data_dir(None)"
    )
    env_vars = {**os.environ, "PYTHONPATH": str(ROOT), "GLASSGRAD_DATA": str(env)}
    env_vars["XDG_CACHE_HOME"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env_vars, timeout=60
    )
    assert done.returncode == 1, done.stderr
    searched = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("  - /")]
    order = [env, env / "mnist", cache / "glassgrad" / "mnist", workplace, workplace / "mnist"]
    assert searched == [str(d) for d in order], done.stderr
    assert f"{workplace} (fallback): missing {absent}" in done.stderr


@needs_mnist
def test_seeds_give_each_run_and_the_range_and_a_record(tmp_path):
    out = tmp_path / "out"
    stdout = run_example("mnist_mlp.py", out, "--seeds", "2", "--seed", "3")
    runs = re.findall(r"^seed (\d): validation ([\d.]+)%, test ([\d.]+)%$", stdout, re.MULTILINE)
    assert [seed for seed, _, _ in runs] == ["3", "4"], stdout
    tests = sorted(float(test) for _, _, test in runs)
    last = stdout.strip().splitlines()[-1]
    mean, low, high = re.match(r"test accuracy: ([\d.]+)% \(([\d.]+)-([\d.]+)%\)", last).groups()
    assert (float(low), float(high)) == (tests[0], tests[1]), last
    assert float(mean) == pytest.approx(sum(tests) / 2, abs=0.006), last
    record = json.loads((out / "mnist_mlp.json").read_text())
    assert record["seeds"] == [3, 4] and record["columns"][0] == "seed"
    assert [row[0] for row in record["rows"]] == ["3", "4", "mean (range)"]
    assert [r["test_acc"] for r in record["results"]["runs"]] == pytest.approx(
        [float(test) / 100 for _, _, test in runs], abs=5e-5
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "mnist_mlp.py"), "--quick", "--record"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1 and "drop --quick" in done.stderr  # the docs quote full runs
