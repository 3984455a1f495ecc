"""Engine micro-benchmarks: W5 (small-op overhead) and W6 (chains of additions).

    python -m benchmarks.engine                 # = python -m benchmarks --only W5,W6
    python -m benchmarks.engine --quick         # tiny sizes (smoke test)
    python -m benchmarks.engine --json out.json

A thin entry point: every option of `python -m benchmarks` works here too. The engines, the
method and the figures are described in benchmarks/README.md.
"""

from __future__ import annotations

import sys

from .__main__ import main as harness


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return harness(["--only", "W5,W6", *argv], prog="python -m benchmarks.engine")


if __name__ == "__main__":
    sys.exit(main())
