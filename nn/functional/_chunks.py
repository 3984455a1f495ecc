"""Cutting a batch into cache-sized slices, for kernels that make several passes over it.

A numpy kernel that reads and writes the same arrays several times (max pooling's backward
makes a dozen passes; conv's backward a GEMM and nine slice-adds) runs at the speed of memory
when each pass streams the whole batch through the caches, and at the speed of the cache when
it works on a few images at a time, whose arrays stay in the L2 cache between passes (the
figures are in benchmarks/README.md). The slices cost a few numpy calls each; `batch_slices`
keeps them large enough for that to stay small.
"""

from __future__ import annotations

# About a core's L2 cache and a bit (2 MiB on this project's machine): max pooling's backward
# ran fastest at 4 MB slices, on one thread and on two (benchmarks/README.md, "Threads").
CACHE_BYTES = 4 << 20


def batch_slices(n: int, item_bytes: int, budget: int | None = None) -> list[slice]:
    """Consecutive slices covering range(n), each of about `budget` bytes (CACHE_BYTES by
    default) when one item (one image, with everything the kernel reads and writes for it)
    takes `item_bytes`."""
    budget = CACHE_BYTES if budget is None else budget
    step = max(1, budget // max(1, item_bytes))
    if 0 < n <= step:  # one slice (a batch of one, say): without the comprehension's cost
        return [slice(0, n)]
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def within(share: slice, item_bytes: int, budget: int | None = None) -> list[slice]:
    """`batch_slices` of the items in `share` (one thread's part of a batch), as slices of the
    whole batch."""
    start = share.start
    parts = batch_slices(share.stop - start, item_bytes, budget)
    if len(parts) == 1:  # one slice (a batch of one, a small part): the share itself
        return [share]
    return [slice(start + part.start, start + part.stop) for part in parts]
