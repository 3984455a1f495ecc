"""glassgrad against PyTorch, DeZero, MyGrad, HIPS autograd and micrograd: W1-W7 in one run.

    python -m benchmarks                          # full run (several minutes)
    python -m benchmarks --quick                  # tiny sizes, 1 round of 2 repeats (CI smoke)
    python -m benchmarks --only W1,W5 --engines glassgrad,torch
    python -m benchmarks --json out.json          # also write every figure as JSON
    python -m benchmarks --profile W4             # cProfile of glassgrad on W4 (times nothing)

Each engine x workload runs in a process of its own with the same thread settings; see
benchmarks/README.md for the workloads, the method and the latest figures. Peers that are not
installed show "not installed". The exit status is 1 only when glassgrad itself fails, disagrees
with the numpy reference, or is not measured on a row it runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from . import runner


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


def parser(prog: str = "python -m benchmarks") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="tiny sizes, few repeats (smoke test)")
    p.add_argument("--only", metavar="W1,W5", help="workloads to run (default: all)")
    p.add_argument("--engines", metavar="glassgrad,torch", help="engines to run (default: all)")
    p.add_argument(
        "--json",
        metavar="PATH",
        help=f"write the results as JSON (default: {runner.DEFAULT_JSON.relative_to(runner.ROOT)}"
        ", written only by a full run of every workload and engine)",
    )
    p.add_argument("--rounds", type=int, help="times the whole sequence runs (default 2)")
    p.add_argument("--repeats", type=int, help="timed repeats per child (default 5)")
    p.add_argument("--target", type=float, help="seconds per timed repeat (default 0.2)")
    p.add_argument("--threads", type=int, help="threads per process (default 2)")
    p.add_argument("--jobs", type=int, help="children at a time (default 1; --quick: 2)")
    p.add_argument("--profile", metavar="W", help="cProfile glassgrad (or --engines') on W")
    p.add_argument(
        "--malloc-tunables",
        action="store_true",
        help="give every engine the glibc settings glassgrad's children make with "
        "autodiff.memory.keep_freed_memory() (keep freed memory: no page faults on big "
        "temporaries); off by default, since the peers' users do not run that way",
    )
    p.add_argument(
        "--w11-processes",
        type=int,
        metavar="N",
        help="processes of glassgrad's W11 epoch (nn.DataParallel, one thread each; default: "
        "--threads); 1 runs it in one process on --threads threads",
    )
    p.add_argument(
        "--no-keep-freed-memory",
        action="store_true",
        help="glassgrad does not call autodiff.memory.keep_freed_memory() (which its Trainer "
        "calls by default): glibc's own allocator settings, as in a loop of one's own",
    )
    return p


def main(argv: list[str] | None = None, prog: str = "python -m benchmarks") -> int:
    args = parser(prog).parse_args(argv)
    cfg = runner.QUICK if args.quick else runner.Config()
    overrides = {
        name: getattr(args, name)
        for name in ("rounds", "repeats", "target", "threads", "jobs")
        if getattr(args, name) is not None
    }
    cfg = dataclasses.replace(
        cfg,
        **overrides,
        malloc_tunables=args.malloc_tunables,
        keep_freed_memory=not args.no_keep_freed_memory,
        epoch_processes=args.w11_processes,
    )
    if args.profile:
        engine = (_names(args.engines) or ["glassgrad"])[0]
        return runner.profile(args.profile.upper(), engine, cfg)
    try:
        pairs = runner.plan(_names(args.only), _names(args.engines))
    except ValueError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    report = runner.run(cfg, pairs, log)
    print(runner.render(report))
    complete = not (args.quick or args.only or args.engines)
    path = Path(args.json) if args.json else (runner.DEFAULT_JSON if complete else None)
    if path is not None:
        path.write_text(json.dumps(runner.to_json(report), indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {path}")
    if not runner.glassgrad_ok(report):
        print("\nglassgrad failed or was not measured on some row", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
