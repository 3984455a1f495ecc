"""The results tables in docs/*.md, regenerated from the examples' run records.

Every table of measured figures in the docs sits between two markers, each on a line of its own:

    <!-- results: mnist_regularization -->
    ...generated: the table, then where and how it was measured...
    <!-- /results -->

and is generated from docs/results/<name>.json, which the example wrote when run with `--record`
(examples/run_record.py). Below each table: the command, the seeds, the date, glassgrad's version
and commit, and the machine.

    python -m examples.report            rewrite the tables from the records
    python -m examples.report --check    exit 1, with a diff, if any table differs from its record

(`--docs DIR` and `--results DIR` point it elsewhere.) The test suite runs `--check`, so a table
edited by hand, or a record re-measured without regenerating the docs, fails it.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # run_record, as the examples import it

import run_record  # noqa: E402

# Markers stand on lines of their own; a marker quoted in the text (in backticks) is not one.
BLOCK = re.compile(
    r"^(?P<open><!-- results: (?P<name>[^\s>]+) -->\n)(?P<body>.*?)^(?P<close><!-- /results -->)$",
    re.DOTALL | re.MULTILINE,
)
STRAY = re.compile(r"^<!-- /?results\b", re.MULTILINE)


def cell(text: str) -> str:
    """A table cell: a "|" inside it would start a new column."""
    return text.replace("|", "\\|").replace("\n", " ")


def render(record: dict, source: str) -> str:
    """The Markdown between a block's markers: the table, its notes, how it was measured."""
    lines = ["| " + " | ".join(cell(c) for c in record["columns"]) + " |"]
    lines.append("|" + "---|" * len(record["columns"]))
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in record["rows"]]
    lines.append("")
    lines += [f"{note}" for note in record.get("notes", [])]
    if record.get("notes"):
        lines.append("")
    m = record["machine"]
    seeds = record["seeds"]
    seed_text = (
        f"seed {seeds[0]}" if len(seeds) == 1 else "seeds " + ", ".join(str(s) for s in seeds)
    )
    version = f"glassgrad {record.get('glassgrad') or '?'}"
    if record.get("commit"):
        version += f" at {record['commit']}"
    took = f", {record['seconds']:.0f} s" if record.get("seconds") is not None else ""
    threads = m.get("blas_threads") or "default"
    lines.append(
        f"<sub>Measured with `{record['command']}` ({seed_text}{took}) on {record['date']}, "
        f"{version}; {m.get('cpu')}, {m.get('cores')} cores, {m.get('system')}, "
        f"Python {m.get('python')}, numpy {m.get('numpy')}, BLAS threads {threads}. "
        f"Generated from `{source}` by `python -m examples.report`.</sub>"
    )
    return "\n".join(lines) + "\n"


def regenerate(text: str, results: Path, where: str) -> tuple[str, list[str]]:
    """`text` with every block's body made from its record; and the names of the blocks.
    Raises ValueError (naming `where`) for a missing record or unbalanced markers."""
    names: list[str] = []

    def replace(match: re.Match) -> str:
        name = match["name"]
        names.append(name)
        path = results / f"{name}.json"
        if not path.is_file():
            raise ValueError(
                f"{where}: the block <!-- results: {name} --> has no record {path} (run the "
                "example with --record to make it)"
            )
        source = f"docs/results/{name}.json" if results == run_record.RESULTS_DIR else str(path)
        return match["open"] + render(run_record.read(path), source) + match["close"]

    new = BLOCK.sub(replace, text)
    if len(STRAY.findall(BLOCK.sub("", text))):
        raise ValueError(
            f"{where}: a <!-- results: NAME --> marker without its <!-- /results --> (or the "
            "other way round)"
        )
    return new, names


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 on a mismatch")
    p.add_argument("--docs", type=Path, default=ROOT / "docs", help="the Markdown (docs/)")
    p.add_argument(
        "--results", type=Path, default=run_record.RESULTS_DIR, help="the records (docs/results)"
    )
    args = p.parse_args(argv)

    stale: list[str] = []
    used: set[str] = set()
    for path in sorted(args.docs.glob("*.md")):
        text = path.read_text()
        try:
            new, names = regenerate(text, args.results, str(path))
        except ValueError as err:
            print(err, file=sys.stderr)
            return 1
        used.update(names)
        if new == text:
            continue
        if args.check:
            stale.append(path.name)
            diff = difflib.unified_diff(
                text.splitlines(keepends=True),
                new.splitlines(keepends=True),
                f"{path.name} (committed)",
                f"{path.name} (from the records)",
            )
            sys.stdout.writelines(diff)
        else:
            path.write_text(new)
            print(f"updated {path}")
    unused = sorted(p.stem for p in args.results.glob("*.json") if p.stem not in used)
    if unused:
        print(f"records no docs table shows: {', '.join(unused)}")
    if stale:
        print(
            f"\nresults tables out of date in {', '.join(stale)}: they differ from the records "
            "in docs/results (above). Run `python -m examples.report` to regenerate them.",
            file=sys.stderr,
        )
        return 1
    if args.check:
        print(f"{len(used)} results tables match their records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
