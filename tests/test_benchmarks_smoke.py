"""Smoke tests of the benchmark harness (`python -m benchmarks`): the quick run finishes, every
engine that is installed agrees with the numpy reference, and glassgrad gets a figure on every
row. No timing is asserted; peers that are not installed (as in CI) show "not installed".
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is not an installed package: import it from here

from benchmarks import runner, workloads  # noqa: E402

FIGURE = re.compile(r"^-?\d[\d.]*(e[+-]?\d+)?$")
WORKLOADS = {f"W{i}" for i in range(1, 12)}


def have_mnist() -> bool:
    try:
        workloads.mnist_dir()
    except workloads.MissingData:
        return False
    return True


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def table_rows(stdout: str) -> list[dict[str, str]]:
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("| row | unit | engine"))
    names = [c.strip() for c in header.strip("|").split("|")]
    rows = []
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(names, (c.strip() for c in line.strip("|").split("|")))))
    return rows


def test_quick_run_measures_glassgrad_on_every_workload(tmp_path):
    out = tmp_path / "results.json"
    proc = run("benchmarks", "--quick", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr

    data = json.loads(out.read_text())
    assert {row["key"].split("/")[0] for row in data["rows"]} == WORKLOADS
    skipped = set()
    for row in data["rows"]:
        cells = data["results"][row["key"]]
        if row["key"].startswith("W11") and not have_mnist():  # W11 trains on MNIST
            assert cells["glassgrad"]["status"] == "skipped (no MNIST)", cells["glassgrad"]
            skipped.add(row["key"])
            continue
        assert cells["glassgrad"]["status"] == "ok", (row, cells["glassgrad"])
        assert cells["glassgrad"]["median"] is not None
        for engine, cell in cells.items():  # installed peers agree with the reference
            assert cell["status"] != "ERROR", (row, engine, cell)
    assert data["machine"]["nproc"] >= 1 and len(data["load"]["start"]) == 3
    assert data["goals"], "goals are reported"

    rows = table_rows(proc.stdout)
    mine = [r for r in rows if r["engine"] == "glassgrad"]
    assert len(mine) == len(data["rows"])
    for r in mine:
        assert FIGURE.match(r["median"]) or r["row"].startswith("W11") and skipped, r
    if not skipped:  # W11's epoch ran on two cores as two processes (nn.DataParallel)
        (epoch,) = [r for r in mine if r["row"] == "W11 epoch"]
        assert "nn.DataParallel over 2 processes" in proc.stdout, epoch
        facts = data["results"]["W11"]["glassgrad"]["facts"][0]
        assert facts["processes"] == 2 and facts["startup_seconds"] > 0
    assert "Goals (printed, never asserted)" in proc.stdout


def test_thin_entry_points_run_their_workloads(tmp_path):
    for module, args, keys in [
        ("benchmarks.engine", ["--engines", "glassgrad,numpy"], {"W5", "W6"}),
        ("benchmarks.nn", ["--only", "W2", "--engines", "glassgrad"], {"W2"}),
    ]:
        out = tmp_path / f"{module}.json"
        proc = run(module, "--quick", "--json", str(out), *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        data = json.loads(out.read_text())
        assert {row["key"].split("/")[0] for row in data["rows"]} == keys


def test_scalar_gc_times_glassgrad_with_the_collector_on_and_off():
    proc = run("benchmarks.scalar_gc", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("| glassgrad |"))
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    assert len(cells) == 2
    for cell in cells:  # "median (min)"
        median, minimum = cell.split()
        assert 0 < float(minimum.strip("()")) <= float(median), cell


def test_einsum_benchmark_times_every_row():
    proc = run("benchmarks.einsum", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    rows = [line for line in lines if line.startswith("| ") and "(us)" not in line]
    assert len(rows) == 8
    for row in rows:
        ours = row.strip("|").split("|")[1].strip().replace(",", "")
        assert float(ours) > 0, row


def test_ops_benchmark_lists_glassgrads_ops_in_the_step():
    proc = run("benchmarks.ops", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.strip("|").split("|") for line in proc.stdout.splitlines()]
    ours = {c[1].strip(): float(c[2]) for c in rows if len(c) == 4 and c[0].strip() == "glassgrad"}
    assert ours["**step (plain)**"] > 0 and ours["all ops"] > 0
    assert ours["Conv2d.forward"] > 0 and ours["Conv2d.backward"] > 0


@pytest.mark.skipif(not have_mnist(), reason="needs the MNIST files (W11's data)")
def test_phases_benchmark_times_every_phase_of_w11s_step():
    proc = run("benchmarks.phases", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.strip("|").split("|") for line in proc.stdout.splitlines()]
    ours = {c[0].strip(): c[1].strip() for c in rows if len(c) >= 2 and c[0].strip()}
    for phase in ("data", "zero", "forward", "loss", "backward", "step", "read"):
        median, mean = (float(v) for v in ours[phase].split(" / "))
        assert median > 0 and mean > 0, (phase, ours[phase])
    assert float(ours["step, wall"]) >= float(ours["forward"].split(" / ")[1])


def test_phases_benchmark_says_where_it_looked_for_mnist(tmp_path, monkeypatch, capsys):
    from benchmarks import phases

    monkeypatch.setenv("GLASSGRAD_DATA", str(tmp_path))
    monkeypatch.setattr(workloads, "ROOT", tmp_path / "checkout")  # no ../shared beside it
    assert phases.main(["--quick"]) == 2
    assert f"MNIST not found (looked in {tmp_path}" in capsys.readouterr().err


def test_handover_benchmark_times_every_split_kernel():
    proc = run("benchmarks.handover", "--quick")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("|")[1:-1] for line in proc.stdout.splitlines() if line.startswith("| ")]
    kernels = {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[2:]}
    # --quick splits every kernel: the convolutions and the pooling are among them
    assert {"conv.py:_columns_and_product", "conv.py:backward", "pool.py:forward"} <= set(kernels)
    for figures in kernels.values():
        assert len(figures) == 7 and all(FIGURE.match(f) for f in figures), figures
    assert re.search(r"round trip of two empty parts: \d+ us", proc.stdout)
    assert re.search(r"lost to the handover: [\d.e+-]+ ms a step", proc.stdout)


def test_copies_benchmark_times_both_copies_of_every_layer():
    proc = run("benchmarks.copies", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.strip("|").split("|") for line in proc.stdout.splitlines()[2:]]
    assert len(rows) == 15  # 5 layers x (pad, im2col, widen)
    for cells in rows:
        assert float(cells[3]) > 0 and float(cells[4]) > 0, cells


def test_floor_benchmark_times_every_layer_of_both_forwards():
    # (It checks glassgrad's logits against the numpy floor's before timing: exit 1 otherwise)
    proc = run("benchmarks.floor", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.strip("|").split("|") for line in proc.stdout.splitlines() if line[:2] == "| "]
    layers = [cells[0].strip() for cells in rows[2:]]
    assert layers[:3] == ["Conv2d", "ReLU", "MaxPool2d"] and layers[-1] == "**forward**"
    assert len(layers) == 11  # ten layers and the whole forward
    for cells in rows[2:]:
        assert float(cells[1]) > 0 and float(cells[2]) > 0, cells


def test_scaling_benchmark_times_every_kind_of_work_three_ways():
    proc = run("benchmarks.scaling", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line.strip("|").split("|") for line in proc.stdout.splitlines() if line[:2] == "| "]
    kinds = {cells[0].split(":")[0].strip(): [c.strip() for c in cells[1:]] for cells in lines[2:]}
    # (not imported here: benchmarks.scaling sets BLAS's thread variables for its children)
    expected = ["GEMM", "large copy", "cached copy", "small calls", "W3 conv2", "W8 conv2"]
    assert list(kinds) == expected
    for figures in kinds.values():
        times, speedups = figures[1:4], figures[4:]
        assert all(float(t) > 0 for t in times), figures
        assert all(re.fullmatch(r"\d+\.\d\dx", s) for s in speedups), figures  # 1 round


def test_scaling_benchmark_rejects_an_unknown_kind_of_work():
    proc = run("benchmarks.scaling", "--quick", "--only", "GEMM,nope")
    assert proc.returncode == 2
    assert "unknown kind of work 'nope'" in proc.stderr


def test_pooling_benchmark_times_both_kernels_of_every_pool():
    proc = run("benchmarks.pooling", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.strip("|").split("|") for line in proc.stdout.splitlines()[2:]]
    assert len(rows) == 12  # 6 pools x (1, 2 threads)
    for cells in rows:
        assert float(cells[2]) > 0 and float(cells[3]) > 0, cells


def test_gc_layout_benchmark_times_every_case():
    proc = run("benchmarks.gc_layout", "--quick")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    rows = [line.strip("|").split("|") for line in lines if "tensor-like" in line]
    assert len(rows) == 2  # sharing the ndarray's size class, and not
    assert "the ndarray's size class" in rows[0][0] and "of its own" in rows[1][0]
    for cells in rows:
        assert len(cells) == 7 and all(float(c) > 0 for c in cells[1:]), cells
    last = lines[-1]
    assert "does not share the ndarray's size class" in last, last  # tensor.py's padding


@pytest.mark.parametrize("workload", ["W1", "W4", "W5", "W6", "W8", "W9", "W9/TINY", "W10/1"])
def test_instruction_count_workers_run_their_steps(workload):
    # The worker alone (no valgrind): it builds glassgrad's step as the harness does and runs it.
    proc = run("benchmarks.instructions", "--worker", workload, "--steps", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_instruction_counts_refuse_unknown_workloads_by_name(capsys):
    from benchmarks import instructions

    with pytest.raises(SystemExit) as exit_info:
        instructions.main(["--only", "W4,W10"])  # W10 is W10/1000 or W10/1 here
    assert exit_info.value.code == 2
    assert "unknown workload(s) W10" in capsys.readouterr().err


def test_glassgrad_children_keep_freed_memory_unless_told_not_to():
    keep, default = runner.Config(), runner.Config(keep_freed_memory=False)
    assert runner.GLIBC_DEFAULTS_VAR not in runner.child_env(keep)
    assert runner.child_env(default)[runner.GLIBC_DEFAULTS_VAR] == "1"


def test_plan_filters_and_rejects_unknown_names():
    pairs = runner.plan(["w5", "W1"], ["torch", "glassgrad"])
    assert pairs == [("W1", "glassgrad"), ("W1", "torch"), ("W5", "glassgrad"), ("W5", "torch")]
    assert ("W4", "micrograd") in runner.plan(None, None)
    assert ("W1", "micrograd") not in runner.plan(None, None)  # micrograd has no conv/MLP step
    with pytest.raises(ValueError, match="unknown workload"):
        runner.plan(["W12"], None)
    with pytest.raises(ValueError, match="unknown engine"):
        runner.plan(None, ["jax"])


def test_a_missing_peer_and_a_mismatch_are_shown_not_timed():
    cells = {"W5": {}}
    units = {"W5": "us"}
    rows = [("W5", "W5", "us")]
    ok = {"status": "ok", "rows": {"W5": {"samples": [30.0, 31.0], "fingerprint": "a"}}}
    runner._merge(cells, units, rows, "glassgrad", ok)
    runner._merge(cells, units, rows, "dezero", {"status": "ERROR", "detail": "first loss 1 != 2"})
    cells["W5"]["torch"] = runner.Cell("not installed", "us")
    report = runner.Report(
        runner.Config(),
        runner.machine(),
        {"glassgrad": "0"},
        rows,
        cells,
        {"start": [1.0, 1.0, 1.0], "end": [1.0, 1.0, 1.0], "child_starts_1min": None},
        1.0,
    )
    text = runner.render(report)
    by_engine = {r["engine"]: r for r in table_rows(text)}
    assert by_engine["glassgrad"]["median"] == "30.5"
    assert by_engine["dezero"]["median"] == "ERROR"
    assert "first loss" in by_engine["dezero"]["note"]
    assert by_engine["torch"]["median"] == "not installed"
    assert "W5 glassgrad <= 40 us: 30.5 us -> **met**" in text
    assert runner.glassgrad_ok(report)


def test_the_epoch_goal_needs_the_time_and_equal_accuracy():
    rows = [("W11", "W11 epoch", "s_epoch"), ("W11/acc", "W11 test accuracy", "pct")]
    units = {key: unit for key, _, unit in rows}

    def report(acc_gap: float) -> runner.Report:
        cells: dict = {"W11": {}, "W11/acc": {}}
        for engine, seconds, acc in (("glassgrad", 9.0, 98.4 + acc_gap), ("torch", 10.0, 98.4)):
            result = {
                "status": "ok",
                "rows": {"W11": {"samples": [seconds]}, "W11/acc": {"samples": [acc]}},
            }
            runner._merge(cells, units, rows, engine, result)
        load = {"start": [0.0] * 3, "end": [0.0] * 3, "child_starts_1min": None}
        return runner.Report(runner.Config(), runner.machine(), {}, rows, cells, load, 1.0)

    met = {goal: ok for goal, ok, _ in runner.goals(report(0.1)) if goal.startswith("W11")}
    assert list(met.values()) == [True]
    missed = {goal: ok for goal, ok, _ in runner.goals(report(-0.3)) if goal.startswith("W11")}
    assert list(missed.values()) == [False]
    by_engine = {
        r["engine"]: r
        for r in table_rows(runner.render(report(-0.3)))
        if r["row"] == "W11 test accuracy"
    }
    assert by_engine["glassgrad"]["/ torch"] == "-0.30 pp"


def test_goals_show_the_ratio_of_each_round_beside_the_ratio_of_medians():
    rows = [("W9", "W9", "ms")]
    cells: dict = {"W9": {}}
    # A slow phase hits glassgrad's first round only: its ratio, not the second's, shows it
    rounds = {"glassgrad": ([3.6, 3.8, 3.7], [2.0, 2.1, 2.2]), "torch": ([2.1, 2.2], [2.0, 2.2])}
    for engine, per_round in rounds.items():
        for samples in per_round:
            result = {"status": "ok", "rows": {"W9": {"samples": samples}}}
            runner._merge(cells, {"W9": "ms"}, rows, engine, result)
    assert cells["W9"]["glassgrad"].rounds == [[3.6, 3.8, 3.7], [2.0, 2.1, 2.2]]
    ratios = runner.round_ratios(cells["W9"]["glassgrad"], cells["W9"]["torch"])
    assert ratios == pytest.approx([3.7 / 2.15, 2.1 / 2.1])
    load = {"start": [0.0] * 3, "end": [0.0] * 3, "child_starts_1min": None}
    report = runner.Report(runner.Config(), runner.machine(), {}, rows, cells, load, 1.0)
    (detail,) = [d for goal, _, d in runner.goals(report) if goal.startswith("W9")]
    assert detail.endswith("; per round 1.72x, 1.00x")
    # One round, or rounds that do not pair up, give no per-round figures
    cells["W9"]["torch"].rounds.pop()
    assert runner.round_ratios(cells["W9"]["glassgrad"], cells["W9"]["torch"]) == []


def test_the_numpy_floor_of_w1_takes_glassgrads_steps():
    # The floor row is only a floor if it does the same work: step for step, the same losses
    # (each loss after the previous step's update) as glassgrad's W1 step, to float32 rounding.
    from benchmarks import libs

    data = workloads.net_data("W1", workloads.FULL)
    floor, glassgrad = libs.ENGINES["numpy"](), libs.ENGINES["glassgrad"]()
    floor.load(1)
    glassgrad.load(1)
    floor_step, glassgrad_step = floor.net(data), glassgrad.net(data)
    floor_losses = [floor.value(floor_step()) for _ in range(5)]
    glassgrad_losses = [glassgrad.value(glassgrad_step()) for _ in range(5)]
    assert floor_losses[-1] < floor_losses[0]  # the updates are applied
    assert floor_losses == pytest.approx(glassgrad_losses, rel=1e-4)
    with pytest.raises(libs.Unavailable, match="W1's MLP only"):
        floor.net(workloads.net_data("W3", workloads.FULL))
