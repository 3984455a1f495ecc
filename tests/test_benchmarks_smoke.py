"""Smoke test for benchmarks/engine.py: the quick run finishes and measures glassgrad.

No timing is asserted; peers that are not installed simply show "not installed".
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMBER_CELL = re.compile(r"^\d[\d.]*(e[+-]?\d+)? \(min \d[\d.]*(e[+-]?\d+)?\)$")


def test_quick_benchmark_measures_glassgrad(tmp_path):
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.engine", "--quick", "--json", str(out_json)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| workload | glassgrad"))
    col = [c.strip() for c in header.strip("|").split("|")].index("glassgrad")
    start = lines.index(header) + 2  # skip the |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    assert len(rows) >= 2, proc.stdout  # (a) and at least one (b) size
    for row in rows:
        assert NUMBER_CELL.match(row[col]), f"glassgrad cell is not a figure: {row}"

    data = json.loads(out_json.read_text())
    for cells in data["results"].values():
        cell = cells["glassgrad"]
        assert cell["status"] == "ok"
        assert cell["median"] > 0 and cell["min"] > 0
