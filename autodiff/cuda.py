"""`autodiff.cuda`: PyTorch's `torch.cuda` queries, answered for a CPU-only engine.

`is_available()` is False and there are no devices, so the usual
`device = "cuda" if torch.cuda.is_available() else "cpu"` picks the CPU. Seeding CUDA is a no-op,
as it is in PyTorch on a machine without a GPU.
"""

from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed: there is no CUDA generator (PyTorch ignores this call without CUDA too)."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed (see `manual_seed`)."""
