"""examples/export_journeys.py runs end to end as a user runs it, and docs/export.md quotes its
output (the numbers there are the script's, not typed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from export_support import need

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "export_journeys.py"


def test_export_journeys_prints_what_the_docs_quote(tmp_path):
    need("onnxruntime", "onnx")
    need("torch", "torch")
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::RuntimeWarning",
            str(EXAMPLE),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    served = float(re.search(r"max \|onnxruntime - glassgrad\| = (\S+),", out).group(1))
    assert served <= 1e-5 and "same class for 1000/1000" in out
    handover = re.search(r"handover: loss (\S+) in glassgrad, (\S+) in torch", out).groups()
    assert handover[0] == handover[1]
    after = re.search(r"loss (\S+) in torch, (\S+) back in glassgrad", out).groups()
    assert after[0] == after[1]
    grads = float(re.search(r"autograd: max \|difference\| (\S+)", out).group(1))
    assert grads <= 1e-5
    picture = tmp_path / "out" / "onnx_import.png"
    assert picture.read_bytes()[:4] == b"\x89PNG" and picture.stat().st_size > 10_000

    docs = (ROOT / "docs" / "export.md").read_text()
    quoted = {_without_noise(line.strip()) for line in docs.splitlines()}
    for line in out.splitlines():  # every result line of the script is in the docs as printed
        line = line.strip()
        if line.startswith(("max |", "handover:", "after ", "loss ", "6 ONNX nodes")):
            assert _without_noise(line) in quoted, f"docs/export.md does not quote: {line}"


def _without_noise(line: str) -> str:
    """The line with differences at rounding-noise level (below 1e-4) written as ~0: they
    depend on the CPU's summation order, the other numbers do not."""
    return re.sub(
        r"\d\.\d+e[-+]\d+", lambda m: "~0" if float(m.group()) < 1e-4 else m.group(), line
    )
