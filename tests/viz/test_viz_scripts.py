"""examples/chain_rule.py and benchmarks/viz.py run and write/print what they promise."""

from __future__ import annotations

import runpy
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_chain_rule_example(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["chain_rule.py", "--out", str(tmp_path)])
    runpy.run_path(str(ROOT / "examples" / "chain_rule.py"), run_name="__main__")
    printed = " ".join(capsys.readouterr().out.split())
    assert "df/dx = -4" in printed and "df/dx1 = -0.5898" in printed and "f = 0.7311" in printed
    for name in ("add_mul.svg", "neuron.svg", "neuron_nodes.svg"):
        ET.parse(tmp_path / name)
    page = (tmp_path / "neuron_backprop.html").read_text()
    assert page.count('<div class="frame"') == 9  # the forward pass and 8 steps


def test_benchmark_quick_run(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["viz.py", "--quick", "--repeats", "1"])
    runpy.run_path(str(ROOT / "benchmarks" / "viz.py"), run_name="__main__")
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| (")]
    assert len(rows) == 4
    assert all("min" in row for row in rows)
