"""What a full collection of Python's cyclic GC costs with where the objects sit: W6's chain,
and the same shape of graph built from plain classes whose tensor-like object does or does
not share numpy's ndarray's size class in CPython's small-object allocator.

Run from the repository root::

    python -m benchmarks.gc_layout            # chains of 1e5 ops (a few seconds)
    python -m benchmarks.gc_layout --quick    # chains of 1e4, for smoke tests

Each case builds a chain of N ops with the GC off (per op a tensor-like object holding a fresh
0-d array, and a node-like object holding the tuple of its two inputs: three tracked objects,
as glassgrad's scalar path makes), then times `gc.collect()` over it, the minimum of five, in
a process of its own (the layout depends on what the process allocated before). It prints the
time per tracked object. `autodiff.tensor._apart_from_ndarrays` is why glassgrad's tensor has
a size class of its own (benchmarks/README.md, "W6: a tensor apart from its array"). Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time

NODE_SLOTS = (1, 3, 4, 6, 8, 12)  # 64 to 152 bytes on CPython 3.11 (glassgrad's node: 120)
COLLECTIONS = 5


def size_class(nbytes: int) -> int:
    """The small-object allocator's size class: 16-byte steps on 64-bit CPython."""
    return (nbytes + 15) // 16


def tensor_slot_counts() -> tuple[int, int]:
    """Slot counts that put the tensor-like object in the ndarray's size class, and in the next
    class up (4 and 6 on CPython 3.11: 88 and 104 bytes)."""
    import numpy as np

    array_class = size_class(np.ndarray.__basicsize__)
    classes = {k: size_class(sys.getsizeof(plain_classes(k, 0)[0]())) for k in range(1, 16)}
    shared = min(k for k, c in classes.items() if c == array_class)
    return shared, min(k for k, c in classes.items() if c > array_class)


def plain_classes(tensor_slots: int, node_slots: int) -> tuple[type, type]:
    def make(name: str, count: int) -> type:
        slots = tuple(f"s{i}" for i in range(count)) + ("__dict__", "__weakref__")
        return type(name, (), {"__slots__": slots})

    return make("TensorLike", tensor_slots), make("NodeLike", node_slots)


def plain_chain(n: int, tensor_slots: int, node_slots: int) -> tuple[object, int, int]:
    """(the chain's last tensor-like object, its size, the node-like object's size)."""
    import numpy as np

    tensor_like, node_like = plain_classes(tensor_slots, node_slots)
    x = tensor_like()
    x.s0 = np.array(1.0)
    y = x
    for _ in range(n):
        node = node_like()
        node.s0 = (y, x)
        out = tensor_like()
        out.s0 = np.array(1.0)
        out.s1 = node
        y = out
    return y, sys.getsizeof(y), sys.getsizeof(node)


def glassgrad_chain(n: int) -> tuple[object, int, int]:
    import numpy as np

    import autodiff

    x = autodiff.Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(n):
        y = y + x
    return y, sys.getsizeof(y), sys.getsizeof(y.grad_fn)


def worker(case: str, n: int) -> None:
    """Build one case's chain with the GC off, then print 'tensor_bytes node_bytes seconds'."""
    gc.collect()
    gc.freeze()  # the imports' objects out of the way: only the chain is collected
    gc.disable()
    if case == "glassgrad":
        chain, tensor_bytes, node_bytes = glassgrad_chain(n)
    else:
        tensor_slots, node_slots = map(int, case.split(","))
        chain, tensor_bytes, node_bytes = plain_chain(n, tensor_slots, node_slots)
    times = []
    for _ in range(COLLECTIONS):
        start = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - start)
    del chain
    print(tensor_bytes, node_bytes, min(times))


def measure(case: str, n: int) -> tuple[int, int, float]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.gc_layout", "--worker", case, "--ops", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    tensor_bytes, node_bytes, seconds = proc.stdout.split()
    return int(tensor_bytes), int(node_bytes), float(seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gc_layout", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="chains of 1e4 ops")
    parser.add_argument("--ops", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n = args.ops or (10_000 if args.quick else 100_000)
    if args.worker:
        worker(args.worker, n)
        return

    import numpy as np

    array_class = size_class(np.ndarray.__basicsize__)
    per_object = 1e9 / (3 * n)  # ns per tracked object: three per op
    print(f"A full collection of a live chain of {n:,} ops, min of {COLLECTIONS}, ns per tracked")
    print(f"object (three per op); numpy's ndarray is {np.ndarray.__basicsize__} bytes.\n")
    rows = []
    for tensor_slots in tensor_slot_counts():
        cells, tensor_bytes, node_sizes = [], 0, []
        for node_slots in NODE_SLOTS:
            tensor_bytes, node_bytes, seconds = measure(f"{tensor_slots},{node_slots}", n)
            node_sizes.append(node_bytes)
            cells.append(f"{seconds * per_object:.0f}")
        same = size_class(tensor_bytes) == array_class
        shared = "the ndarray's size class" if same else "a size class of its own"
        rows.append(f"| tensor-like {tensor_bytes} B, {shared} | " + " | ".join(cells) + " |")
    print("| node-like object | " + " | ".join(f"{b} B" for b in node_sizes) + " |")
    print("| --- |" + " --- |" * len(node_sizes))
    print("\n".join(rows))
    tensor_bytes, node_bytes, seconds = measure("glassgrad", n)
    shared = "shares" if size_class(tensor_bytes) == array_class else "does not share"
    print(
        f"\nglassgrad's W6 chain (Tensor {tensor_bytes} B, which {shared} the ndarray's size "
        f"class; node {node_bytes} B): {seconds * 1e3:.1f} ms a full collection, "
        f"{seconds * per_object:.0f} ns per tracked object."
    )


if __name__ == "__main__":
    main()
