"""Smoke test for benchmarks/nn.py: a quick run of the TinyNet workload finishes, every
installed library's first loss agrees with glassgrad's, and glassgrad gets a figure.

No timing is asserted.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(r"^\d+\.\d+ \(\d+\.\d+\)$")


def test_quick_nn_benchmark_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.nn", "--quick", "--only", "W2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| workload | glassgrad"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    row = [c.strip() for c in lines[lines.index(header) + 2].strip("|").split("|")]
    assert row[0].startswith("W2")
    assert FIGURE.match(row[columns.index("glassgrad")]), proc.stdout
    assert "ERROR" not in proc.stdout, proc.stdout  # first losses agree
