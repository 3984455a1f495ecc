"""Training-step benchmarks of `nn`: W1 (MLP), W2 (TinyNet) and W3 (LeNet-like).

    python -m benchmarks.nn                     # = python -m benchmarks --only W1,W2,W3
    python -m benchmarks.nn --quick             # tiny sizes (smoke test)
    python -m benchmarks.nn --only W1 W3        # some of them
    python -m benchmarks.nn --profile W1        # cProfile of glassgrad's step
    python -m benchmarks.nn --threads 1         # 1 thread per process

A thin entry point: every option of `python -m benchmarks` works here too (`--only` also takes
space-separated names, as it always did here). The engines, the method and the figures are
described in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys

from .__main__ import main as harness


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--only", nargs="*", default=[])
    known, rest = pre.parse_known_args(argv)
    only = ",".join(known.only) if known.only else "W1,W2,W3"
    return harness(["--only", only, *rest], prog="python -m benchmarks.nn")


if __name__ == "__main__":
    sys.exit(main())
