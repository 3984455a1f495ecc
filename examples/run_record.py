"""What a training example measured, kept in a small JSON file that the docs' tables come from.

A training example ends by calling `write(...)` with its final figures: a table (column names
and rows of already formatted cells, exactly as the docs show them), the raw numbers behind it,
the seeds, and notes. The record adds what makes the figures reproducible or at least
explainable: the command line, the date (UTC), glassgrad's version and git commit, and the
machine (CPU, cores, Python, numpy, BLAS threads).

    out/<name>.json              always, beside the example's pictures
    docs/results/<name>.json     also, with --record: the figures the docs quote

`python -m examples.report` (examples/report.py) then writes each record's table into the docs
between `<!-- results: <name> -->` and `<!-- /results -->`; `--check` fails when a table there
no longer matches its record. So a number in the docs is one a script printed, never one typed.

    import run_record
    run_record.add_arguments(parser)            # --record
    run_record.write("mnist_mlp", args.out, args.record, columns=[...], rows=[[...]],
                     seeds=[0], results={...}, notes=[...], seconds=22.1)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from autodiff.atomic import atomic_write

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "docs" / "results"
FORMAT = "glassgrad-run-record 1"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--record` (also write docs/results/<name>.json) to an example's command line."""
    parser.add_argument(
        "--record",
        action="store_true",
        help="also write the final figures to docs/results/<name>.json, which the docs' tables "
        "are generated from (python -m examples.report)",
    )


def machine() -> dict[str, str | int | None]:
    """The machine the figures were measured on, as far as Python can tell."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    threads = next(
        (
            os.environ[v]
            for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
            if v in os.environ
        ),
        None,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas_threads": threads,
    }


def version() -> dict[str, str | None]:
    """glassgrad's version, and the git commit of the checkout the example ran from ("+" marks
    uncommitted changes; None outside a git checkout), as it was when the example started."""
    return _STARTED_FROM


def _version() -> dict[str, str | None]:
    try:
        number = importlib.metadata.version("glassgrad")
    except importlib.metadata.PackageNotFoundError:
        number = None
    commit = None
    try:
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        commit = (commit + ("+" if dirty else "")) or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"glassgrad": number, "commit": commit}


_STARTED_FROM = _version()  # now: a long run's checkout may change before it writes its record


def command(argv: Sequence[str] | None = None) -> str:
    """The command line as a user would type it: `python examples/x.py --seeds 3`."""
    argv = list(sys.argv if argv is None else argv)
    script = Path(argv[0]) if argv else Path("?")
    with contextlib.suppress(ValueError):  # a script outside the repository keeps its path
        script = script.resolve().relative_to(ROOT)
    return shlex.join(["python", script.as_posix(), *argv[1:]])


def make(
    name: str,
    *,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    seeds: Sequence[int],
    results: dict | None = None,
    notes: Sequence[str] = (),
    seconds: float | None = None,
    argv: Sequence[str] | None = None,
) -> dict:
    """A record: `rows` are the table's cells as strings (formatted by the example), `results`
    the numbers behind them (anything JSON takes; numpy numbers and arrays are converted)."""
    if not _NAME.match(name):
        raise ValueError(f"run_record: name {name!r} must be lowercase letters, digits, _ . -")
    if not columns:
        raise ValueError(f"run_record {name}: a table needs columns")
    for row in rows:
        if len(row) != len(columns) or not all(isinstance(cell, str) for cell in row):
            raise ValueError(
                f"run_record {name}: each row must be {len(columns)} strings (the columns "
                f"{list(columns)}), got {row!r}"
            )
    return {
        "format": FORMAT,
        "name": name,
        "command": command(argv),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        **version(),
        "machine": machine(),
        "seeds": [int(s) for s in seeds],
        "seconds": None if seconds is None else round(float(seconds), 1),
        "columns": list(columns),
        "rows": [list(row) for row in rows],
        "notes": list(notes),
        "results": _plain(results or {}),
    }


def write(name: str, out: Path, record_for_docs: bool, **fields) -> list[Path]:
    """Make the record (see `make`) and write it to out/<name>.json, and with `record_for_docs`
    to docs/results/<name>.json too; returns the paths written."""
    record = make(name, **fields)
    paths = [Path(out) / f"{name}.json"]
    if record_for_docs:
        paths.append(RESULTS_DIR / f"{name}.json")
    text = json.dumps(record, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as f:
            f.write(text.encode())
        print(f"figures recorded in {path}")
    return paths


def read(path: Path) -> dict:
    """A record written by `write`; a clear ValueError naming the file if it is not one."""
    try:
        record = json.loads(Path(path).read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not a run record (invalid JSON: {err})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f'{path}: not a run record (no "format": "{FORMAT}")')
    missing = {"name", "command", "date", "machine", "seeds", "columns", "rows"} - set(record)
    if missing:
        raise ValueError(f"{path}: run record without {sorted(missing)}")
    return record


def _plain(value):
    """numpy numbers and arrays as JSON's numbers and lists; NaN and infinities as strings
    (JSON has none), so a diverged run is recorded rather than refused."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if np.isfinite(value) else str(value)
    return value
