"""Shared by the example smoke tests: where the repository and MNIST are."""

from __future__ import annotations

from pathlib import Path

import pytest

from nn.data import find_mnist

ROOT = Path(__file__).resolve().parents[1]
WORKPLACE_DATA = ROOT.parent / "shared" / "data" / "mnist"


def mnist_dir() -> Path | None:
    """Where the examples' default look-up finds MNIST (examples/mnist_common.py)."""
    try:
        return find_mnist(fallback=WORKPLACE_DATA)
    except FileNotFoundError:
        return None


needs_mnist = pytest.mark.skipif(
    mnist_dir() is None,
    reason=f"MNIST not found ($GLASSGRAD_DATA, the user cache, or {WORKPLACE_DATA})",
)
