"""Every lesson script in examples/ runs end to end, as a user runs it, and prints its result.

Each script runs in its own process (`python -W error::RuntimeWarning examples/x.py`, so a
numpy warning fails it as it would fail the unit tests), in quick mode where it has one, from
an empty working directory and with `--out` into it. The tests check the numbers each lesson
is about and that its pictures were written. The MNIST training examples have their own
smoke test (tests/test_examples_mnist.py); the lessons that need MNIST skip without it.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest
from example_support import ROOT, needs_mnist

EXAMPLES = ROOT / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Shared modules, the docs' report and the lessons' timer (not lessons); and the MNIST examples
# that tests/test_examples_mnist.py runs.
HELPERS = {"mnist_common.py", "mnist_lookup.py", "run_record.py", "report.py", "time_lessons.py"}
MNIST_EXAMPLES = {"mnist_mlp.py", "mnist_regularization.py", "mnist_cnn.py", "optimizers.py"}
MNIST_EXAMPLES |= {"mnist_regularization_torch.py"}  # needs torch; tests/test_examples_mnist.py


def run(script: str, tmp_path: Path, *args: str) -> tuple[str, Path]:
    """Run examples/<script> with `--out tmp/out`; return its stdout and the out directory."""
    out = tmp_path / "out"
    python = [sys.executable, "-W", "error::RuntimeWarning"]
    done = subprocess.run(
        [*python, str(EXAMPLES / script), "--out", str(out), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"},
        timeout=300,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout, out


def assert_png(path: Path, min_bytes: int = 5000) -> None:
    assert path.is_file(), f"{path.name} was not written"
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > min_bytes, path.name


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return float(match.group(1).replace(",", ""))


def test_every_example_script_is_smoke_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py")} - HELPERS - MNIST_EXAMPLES
    tested = {
        "quickstart.py", "chain_rule.py", "activations.py", "mp_neuron.py",
        "rating_metrics.py", "steepest_descent.py", "tinynet.py", "numerical_vs_backprop.py",
        "mnist_split_idx.py", "taylor.py", "cs231n_modular.py",
        "export_journeys.py",  # tested in tests/export/test_export_example.py (needs extras)
    }  # fmt: skip
    assert scripts == tested, f"untested: {scripts - tested}, missing: {tested - scripts}"


def test_quickstart(tmp_path):
    stdout, out = run("quickstart.py", tmp_path, "--steps", "60")
    assert "f = (x + y) * z = -12;  df/dx = -4, df/dy = -4, df/dz = 3" in stdout
    assert number(r"training accuracy ([\d.]+)%", stdout) >= 90
    for name in ("circuit.png", "decision_boundary.png", "model_graph.png"):
        assert_png(out / name)
    for name in ("circuit.svg", "model_graph.svg"):
        ET.parse(out / name)


def test_chain_rule(tmp_path):
    stdout, out = run("chain_rule.py", tmp_path)
    text = " ".join(stdout.split())
    assert "(x + y) * z: f = -12" in text
    for name, value, grad in (("x", -2, -4), ("y", 5, -4), ("z", -4, 3), ("q", 3, -4)):
        assert f"{name} = {value} df/d{name} = {grad}" in text
    assert "sigmoid neuron: f = 0.7311" in text
    assert "df/dw0 = -0.1966" in text and "df/dx1 = -0.5898" in text
    for name in ("add_mul", "neuron", "neuron_nodes"):
        ET.parse(out / f"{name}.svg")
        assert_png(out / f"{name}.png")
    # The forward pass, then one frame per backward step.
    assert (out / "neuron_backprop.html").read_text().count('<div class="frame"') == 9


def test_activations(tmp_path):
    stdout, out = run("activations.py", tmp_path)
    assert number(r"max difference ([\d.e+-]+)", stdout) < 1e-12
    # At +-1000: finite values, flat tails (derivative exactly 0), ReLU's slope 1.
    for line in (
        "sigmoid: f = [0, 1]      f' = [0, 0]",
        "tanh: f = [-1, 1]     f' = [0, 0]",
        "ReLU: f = [0, 1000]   f' = [0, 1]",
        "sgn: f = [-1, 1]     f' = [0, 0]",
    ):
        assert line in stdout, stdout
    assert "sigmoid at -1, 0, 1: f = [0.2689, 0.5, 0.7311], f' = [0.1966, 0.25, 0.1966]" in stdout
    assert_png(out / "activations.png")


def table(stdout: str, gate: str) -> list[tuple[int, int, int]]:
    """The (x1, x2, y) rows of a gate's printed truth table."""
    block = stdout.split(f"{gate}: w =")[1].split("\n")[2:6]
    rows = [re.match(r"\s+(\d)\s+(\d) \|\s*[-\d.]+ \|\s*[-+]\d \| (\d)$", r) for r in block]
    assert all(rows), block
    return [tuple(int(g) for g in r.groups()) for r in rows]


def test_mp_neuron(tmp_path):
    stdout, out = run("mp_neuron.py", tmp_path)
    assert "OR: w = [1.0, 1.0], b = -0.5" in stdout
    assert table(stdout, "OR") == [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 1)]
    assert table(stdout, "AND") == [(0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1)]
    # The weights found are printed, and really compute AND with every sum off the boundary.
    w1, w2, b = (
        number(p, stdout)
        for p in (
            r"AND: w = \[([-\d.]+),",
            r"AND: w = \[[-\d.]+, ([-\d.]+)\]",
            r"AND: .*b = ([-\d.]+)",
        )
    )
    sums = [w1 * x1 + w2 * x2 + b for x1 in (0, 1) for x2 in (0, 1)]
    assert [s > 0 for s in sums] == [False, False, False, True] and 0 not in sums
    assert "XOR: no weights" in stdout
    assert_png(out / "mp_neuron.png")


def test_rating_metrics(tmp_path):
    stdout, out = run("rating_metrics.py", tmp_path)
    errors = [-0.5, 0.0, -1.0, 1.0, 0.5, 1.0, 0.0, -0.5, 0.0, -1.0]
    assert f"errors:    {errors}" in stdout
    mae = sum(abs(e) for e in errors) / 10
    rmse = math.sqrt(sum(e * e for e in errors) / 10)
    assert number(r"MAE  = ([\d.]+)", stdout) == pytest.approx(mae, abs=5e-5)  # 0.55
    assert number(r"RMSE = ([\d.]+)", stdout) == pytest.approx(rmse, abs=5e-5)  # 0.6892
    wrong = number(r"sqrt\(sum\(e\^2\)\) / n = ([\d.]+)", stdout)
    assert wrong == pytest.approx(rmse / math.sqrt(10), abs=5e-5)  # the platform's mistake
    assert number(r"repeated 100 times: RMSE ([\d.]+)", stdout) == pytest.approx(rmse, abs=5e-5)
    assert number(r"platform ([\d.]+)", stdout) == pytest.approx(rmse / math.sqrt(1000), abs=5e-5)
    assert_png(out / "rating_metrics.png")


def test_steepest_descent(tmp_path):
    stdout, out = run("steepest_descent.py", tmp_path)
    # Exact iterates: alpha alternates 5/18 and 5/12; each step multiplies x by +-2/9 and 4/9.
    x = [Fraction(1), Fraction(1)]
    rows = re.findall(
        r"^\s*(\d+)\s+([-\d.]+)\s+([-\d.]+)\s+([\d.]+)\s+([\d.]+)(.*)$", stdout, re.MULTILINE
    )
    assert len(rows) == 4, stdout  # x0 .. x3
    for k, (index, x1, x2, _, norm, rest) in enumerate(rows):
        assert int(index) == k
        assert float(x1) == pytest.approx(float(x[0]), abs=1e-6)
        assert float(x2) == pytest.approx(float(x[1]), abs=1e-6)
        g = [4 * x[0], 2 * x[1]]
        assert float(norm) == pytest.approx(math.hypot(*g), abs=1e-6)
        if "stop" in rest:
            assert math.hypot(*g) < 0.1
            break
        alpha = (g[0] ** 2 + g[1] ** 2) / (4 * g[0] ** 2 + 2 * g[1] ** 2)
        assert float(rest.split()[0]) == pytest.approx(float(alpha), abs=1e-6)
        assert abs(float(rest.split()[1])) < 1e-12  # phi'(alpha) = 0: an exact line search
        x = [x[0] - alpha * g[0], x[1] - alpha * g[1]]
    assert "converged after 3 iterations: x = (-0.008230, 0.032922)" in stdout  # (-2, 8) / 243
    assert_png(out / "steepest_descent.png")


def test_tinynet(tmp_path):
    stdout, out = run("tinynet.py", tmp_path, "--quick")
    assert "forward: scores (4, 10)" in stdout
    errors = re.findall(r"d(\w+)\s+\([\d, ]+\)\s+max relative error ([\d.e+-]+)", stdout)
    assert [name for name, _ in errors] == [
        "W_conv1",
        "b_conv1",
        "W_conv2",
        "b_conv2",
        "W_fc",
        "b_fc",
    ]
    assert all(float(e) < 1e-5 for _, e in errors), errors
    assert number(r"SGD differ by ([\d.e+-]+)", stdout) < 1e-12
    before = number(r"one SGD step .*: loss ([\d.]+) ->", stdout)
    assert number(r"one SGD step .*: loss [\d.]+ -> ([\d.]+)", stdout) < before
    first = number(r"random images: loss ([\d.]+) ->", stdout)
    assert number(r"random images: loss [\d.]+ -> ([\d.]+)", stdout) < first - 0.3
    assert_png(out / "tinynet_loss.png")
    assert_png(out / "tinynet_graph.png")
    ET.parse(out / "tinynet_graph.svg")


def test_numerical_vs_backprop(tmp_path):
    stdout, out = run("numerical_vs_backprop.py", tmp_path, "--quick")
    assert "--quick: random images" in stdout
    assert "784-10-10 (sigmoid, softmax), 7960 parameters" in stdout
    assert number(r"max relative difference ([\d.e+-]+)", stdout) < 1e-6
    # Backprop is orders of magnitude faster (about 10^4 here; 100 leaves room for slow CI).
    assert number(r"backprop is ([\d,]+) times faster", stdout) > 100
    assert_png(out / "numerical_vs_backprop.png")


@needs_mnist
def test_mnist_split_idx(tmp_path):
    stdout, out = run("mnist_split_idx.py", tmp_path, "--quick")
    headers = {
        "train-images-idx3-ubyte": "00 00 08 03  0x08 uint8   60000 x 28 x 28",
        "train-labels-idx1-ubyte": "00 00 08 01  0x08 uint8   60000",
        "t10k-images-idx3-ubyte": "00 00 08 03  0x08 uint8   10000 x 28 x 28",
        "t10k-labels-idx1-ubyte": "00 00 08 01  0x08 uint8   10000",
    }
    for name, header in headers.items():
        assert re.search(re.escape(name) + r"(\.gz)?\s+" + re.escape(header), stdout), name
    assert "read_idx agrees" in stdout
    assert "first labels: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4," in stdout
    assert "6000 training images: 5000 train, 1000 validation" in stdout
    stratified = number(r"stratified split: .* share ([\d.]+)", stdout)
    random = number(r"random split: .* share ([\d.]+)", stdout)
    assert stratified <= 0.1 < random  # percentage points
    assert_png(out / "mnist_samples.png")


def test_taylor(tmp_path):
    stdout, out = run("taylor.py", tmp_path)
    rows = re.findall(r"^\s*(\d)\s+([\d.]+)\s+([\d.]+)\s+1/(\d+)$", stdout, re.MULTILINE)
    assert [int(n) for n, *_ in rows] == list(range(6))
    for n, derivative, coefficient, factorial in rows:
        assert float(derivative) == pytest.approx(1.0, abs=1e-6)  # every derivative of e^x
        assert int(factorial) == math.factorial(int(n))
        assert float(coefficient) == pytest.approx(1 / math.factorial(int(n)), abs=1e-6)
    assert "order 1: e^1 ~ 2.000000" in stdout
    assert "order 5: e^1 ~ 2.716667" in stdout
    assert_png(out / "taylor_exp.png")


# CS231n assignment 2's checks and the bound each error must stay under: ten times what the
# notebook says it "should be around" (the issue: affine ~1e-9 or below, relu ~3e-12, SVM and
# softmax ~1e-9 and ~1e-8, the two-layer net ~1e-7).
CS231N_BOUNDS = {
    "affine_forward out": 1e-8,
    "affine_backward dx": 1e-8,
    "affine_backward dw": 1e-8,
    "affine_backward db": 1e-8,
    "relu_forward out": 1e-7,
    "relu_backward dx": 1e-11,
    "affine_relu_backward dx": 1e-8,
    "affine_relu_backward dw": 1e-8,
    "affine_relu_backward db": 1e-8,
    "svm_loss dx": 1e-8,
    "softmax_loss dx": 1e-7,
    **{
        f"TwoLayerNet reg {reg} d{name}": 1e-6
        for reg in ("0.0", "0.7")
        for name in ("W1", "b1", "W2", "b2")
    },
}


def check_cs231n(stdout: str, out: Path) -> dict[str, float]:
    errors = re.findall(r"^  (\S.*?\S)\s+relative error ([\d.e+-]+)", stdout, re.MULTILINE)
    assert [name for name, _ in errors] == list(CS231N_BOUNDS), errors
    for name, error in errors:
        assert float(error) < CS231N_BOUNDS[name], (name, error)
    assert f"all {len(CS231N_BOUNDS)} checks within CS231n's bounds" in stdout
    assert number(r"svm_loss: loss ([\d.]+)", stdout) == pytest.approx(9.0, abs=0.01)
    assert number(r"softmax_loss: loss ([\d.]+)", stdout) == pytest.approx(math.log(10), abs=1e-3)
    assert number(r"scores differ by ([\d.e+-]+)", stdout) < 1e-6
    assert 0 <= number(r"TwoLayerNet, SGD .* validation accuracy ([\d.]+)%", stdout) <= 100
    block = stdout.split("final validation accuracies:")[1].splitlines()[0]
    finals = dict(re.findall(r"(\w+) ([\d.]+)%", block))
    assert list(finals) == ["sgd", "sgd_momentum", "rmsprop", "adam"], finals
    assert all(0 <= float(a) <= 100 for a in finals.values())
    best = max(finals, key=lambda rule: float(finals[rule]))
    last = stdout.strip().splitlines()[-1]
    assert last.startswith(f"test accuracy of the best rule's network ({best}): "), last
    assert 0 <= number(r"network \(\w+\): ([\d.]+)%", last) <= 100
    assert_png(out / "cs231n_update_rules.png")
    return {rule: float(a) for rule, a in finals.items()}


def test_cs231n_modular_synthetic(tmp_path):
    stdout, out = run("cs231n_modular.py", tmp_path, "--quick", "--synthetic")
    assert "--synthetic: 1000 training, 500 validation and 500 test CIFAR-like" in stdout
    assert "FullyConnectedNet 3072-100-100-100-100-10" in stdout
    check_cs231n(stdout, out)


@needs_mnist
def test_cs231n_modular_mnist(tmp_path):
    stdout, out = run("cs231n_modular.py", tmp_path, "--quick")
    assert "MNIST subset: 1000 training and 500 validation images (from the training" in stdout
    assert "set, stratified), 500 test images" in stdout
    finals = check_cs231n(stdout, out)
    assert finals["adam"] > finals["sgd"]  # 20 iterations: adam is well on its way, sgd is not


def test_tutorial_lists_every_script_and_its_pictures_exist():
    """docs/tutorial.md's Lessons table has a command for every example script, and every
    picture it shows is in docs/images and small enough to keep in the repository."""
    tutorial = (ROOT / "docs" / "tutorial.md").read_text()
    for script in {p.name for p in EXAMPLES.glob("*.py")} - HELPERS:
        assert f"`python examples/{script}`" in tutorial, f"{script} is not in the Lessons table"
    pictures = re.findall(r"\(images/([\w.-]+\.png)\)|src=\"images/([\w.-]+\.png)\"", tutorial)
    names = {a or b for a, b in pictures}
    assert len(names) >= 10
    for name in names:
        assert_png(ROOT / "docs" / "images" / name, min_bytes=1000)
        assert (ROOT / "docs" / "images" / name).stat().st_size < 150_000, name


def test_time_lessons_times_each_script_and_records_it(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "time_lessons.py"), "--only", "mp_neuron.py",
         "rating_metrics.py", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    times = dict(re.findall(r"^(\w+\.py)\s+([\d.]+) s$", done.stdout, re.MULTILINE))
    assert list(times) == ["mp_neuron.py", "rating_metrics.py"], done.stdout
    record = json.loads((out / "lesson_times.json").read_text())
    assert record["results"]["seconds"] == {k: float(v) for k, v in times.items()}
    assert [row[0] for row in record["rows"]] == [f"`python examples/{k}`" for k in times]
