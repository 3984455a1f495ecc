"""Comparing what two checkpoints hold, exactly (shared by the checkpoint file and fuzz
tests)."""

from __future__ import annotations

import numpy as np


def contents(ckpt) -> dict:
    """Everything a checkpoint holds, flattened for exact comparison."""
    flat = {f"model/{k}": v for k, v in (ckpt.model or {}).items()}
    if ckpt.optimizer is not None:
        for i, state in ckpt.optimizer["state"].items():
            flat.update({f"opt/{i}/{k}": v for k, v in state.items()})
        for i, group in enumerate(ckpt.optimizer["param_groups"]):
            flat.update({f"group/{i}/{k}": v for k, v in group.items()})
    flat.update({f"history/{k}": np.asarray(v) for k, v in (ckpt.history or {}).items()})
    for k, v in (ckpt.early_stopping or {}).items():
        items = v.items() if k == "best_state" else [("", v)]
        flat.update({f"es/{k}/{name}": value for name, value in items})
    _flatten("extra", ckpt.extra, flat)
    return flat


def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}/{key}", item, out)
    else:
        out[prefix] = value


def same_contents(a, b) -> bool:
    x, y = contents(a), contents(b)
    return x.keys() == y.keys() and all(
        np.asarray(x[k]).dtype == np.asarray(y[k]).dtype and np.array_equal(x[k], y[k])
        for k in x
    )
