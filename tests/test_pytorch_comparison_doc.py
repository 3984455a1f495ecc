"""docs/pytorch_comparison.md cannot drift: every row of its tables is run.

Each row of a table headed `| PyTorch | glassgrad | why |` holds a PyTorch snippet and a
verdict, **identical**, **differs** or **raises**. Here each snippet runs under glassgrad in a
fresh namespace (`torch` is autodiff, `nn`, `F`, `optim`, `x` a leaf that requires grad, ... see
`namespace`): an identical or differing row must run, a raising row must raise the error its
third column names. Where torch is installed, every identical row also runs under torch and
must give the same value (numbers, arrays, shapes, dtypes, truth values).
"""

from __future__ import annotations

import copy
import importlib.util
import pickle
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "pytorch_comparison.md"
HEADER = "| PyTorch | glassgrad | why |"
VERDICTS = ("identical", "differs", "raises")
HAVE_TORCH = importlib.util.find_spec("torch") is not None

A = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
LABELS = np.array([1, 0])
W = np.array([[0.5, -0.25, 1.0], [-1.5, 0.75, 0.2]])
B = np.array([0.1, -0.3])


def rows() -> list[tuple[int, str, str, str]]:
    """(line number, snippet, verdict, why) for every row of every comparison table."""
    found, in_table = [], False
    for n, line in enumerate(DOC.read_text().splitlines(), 1):
        if line.strip() == HEADER:
            in_table = True
            continue
        if not in_table or not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set(cells[0]) <= set("-: "):
            continue  # the separator row
        assert len(cells) == 3, f"line {n}: expected 3 cells, got {cells}"
        snippet = re.fullmatch(r"`([^`]+)`", cells[0])
        assert snippet, f"line {n}: the PyTorch cell must be one `snippet`: {cells[0]!r}"
        verdict = cells[1].strip("*").split("*")[0].strip()
        assert verdict in VERDICTS, f"line {n}: the verdict must be one of {VERDICTS}: {cells[1]}"
        assert verdict == "identical" or cells[2], f"line {n}: say why it {verdict}"
        found.append((n, snippet.group(1), verdict, cells[2]))
    return found


def namespace(engine: str, tmp_path: Path) -> dict[str, Any]:
    """What a row's snippet may use, built with glassgrad ("glassgrad") or torch ("torch")."""
    if engine == "torch":
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch import autograd, func, optim
        from torch.optim import lr_scheduler
        from torch.utils import data
    else:
        import autodiff as torch
        import nn
        import nn.functional as F
        from autodiff import autograd, func
        from nn import data, optim
        from nn.optim import lr_scheduler
    x = torch.tensor(A, requires_grad=True)
    y = x * 2
    model = nn.Linear(3, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.tensor(W))
        model.bias.copy_(torch.tensor(B))
    return {
        "torch": torch,
        "nn": nn,
        "F": F,
        "optim": optim,
        "lr_scheduler": lr_scheduler,
        "data": data,
        "autograd": autograd,
        "func": func,
        "np": np,
        "x": x,
        "y": y,
        "loss": (y * y).sum(),
        "a": torch.tensor(A),
        "labels": torch.tensor(LABELS),
        "model": model,
        "optimizer": optim.SGD(model.parameters(), lr=0.1),
        "W": torch.tensor(W),
        "path": str(tmp_path / "saved.pt"),
        "pickle": pickle,
        "copy": copy,
        "threading": threading,
    }


def run(snippet: str, scope: dict[str, Any]) -> Any:
    """The snippet's value if it is an expression, else None after executing it."""
    try:
        code = compile(snippet, "<row>", "eval")
    except SyntaxError:
        exec(compile(snippet, "<row>", "exec"), scope)
        return None
    return eval(code, scope)


def plain(value: Any) -> Any:
    """A comparable form of a result: arrays for tensors, tuples for shapes, else the value;
    None for objects that have no engine-independent value (modules, functions, ...)."""
    if hasattr(value, "detach") and hasattr(value, "shape"):
        array = value.detach().numpy() if hasattr(value.detach(), "numpy") else value.numpy()
        return np.asarray(array)
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, bool | int | float | str | type(None)):
        return value
    if type(value).__name__ in ("dtype", "Size"):
        return str(value).replace("torch.", "")
    return None


def same(ours: Any, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return True  # nothing to compare (an object)
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        return len(ours) == len(theirs) and all(map(same, ours, theirs))
    if isinstance(ours, np.ndarray) or isinstance(theirs, np.ndarray):
        ours, theirs = np.asarray(ours), np.asarray(theirs)
        return (
            ours.shape == theirs.shape
            and ours.dtype == theirs.dtype
            and np.allclose(ours, theirs, rtol=1e-6, atol=1e-9, equal_nan=True)
        )
    if isinstance(ours, float) and isinstance(theirs, float):
        return np.isclose(ours, theirs, rtol=1e-6) or (np.isnan(ours) and np.isnan(theirs))
    return ours == theirs


ROWS = rows()


def test_the_doc_has_rows_of_every_kind():
    verdicts = [verdict for _, _, verdict, _ in ROWS]
    assert len(ROWS) > 100 and all(verdicts.count(v) >= 5 for v in VERDICTS)


@pytest.mark.parametrize(
    ("line", "snippet", "verdict", "why"), ROWS, ids=[s for _, s, _, _ in ROWS]
)
def test_row_holds(line, snippet, verdict, why, tmp_path):
    where = f"docs/pytorch_comparison.md line {line}: `{snippet}`"
    scope = namespace("glassgrad", tmp_path)
    if verdict == "raises":
        error = re.search(r"`(\w+(?:Error|Exception|Warning))\b", why)
        assert error, f"{where}: a raises row names its error as `SomeError: ...`"
        with pytest.raises(Exception) as caught:
            run(snippet, scope)
        assert type(caught.value).__name__ == error.group(1), f"{where}: {caught.value!r}"
        return
    try:
        ours = run(snippet, scope)
    except Exception as err:
        pytest.fail(f"{where} is marked {verdict} but raises {err!r}")
    if verdict == "identical" and HAVE_TORCH:
        theirs = run(snippet, namespace("torch", tmp_path))
        assert same(plain(ours), plain(theirs)), f"{where}: {plain(ours)!r} != {plain(theirs)!r}"
