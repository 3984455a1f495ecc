"""The docs' results tables come from the examples' run records (examples/run_record.py,
examples/report.py): the committed tables match the committed records, an edited table or a
re-measured record fails the check, and a record says where, when and how it was measured."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from example_support import ROOT

sys.path.insert(0, str(ROOT / "examples"))

import report  # noqa: E402
import run_record  # noqa: E402

DOC = """# A page

Some text: tables go between `<!-- results: NAME -->` and `<!-- /results -->` lines.

<!-- results: demo -->
<!-- /results -->

More text.
"""


def demo_record(accuracy: str = "97.10%") -> dict:
    return run_record.make(
        "demo",
        columns=["variant", "test acc"],
        rows=[["baseline", accuracy], ["a | b", "1.00%"]],
        seeds=[0, 1, 2],
        results={"acc": np.float32(0.971), "loss": float("nan"), "curve": np.arange(3)},
        notes=["One note."],
        seconds=12.34,
        argv=[str(ROOT / "examples" / "demo.py"), "--seeds", "3"],
    )


def write_json(path, record):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


@pytest.fixture
def site(tmp_path):
    docs, results = tmp_path / "docs", tmp_path / "docs" / "results"
    docs.mkdir()
    (docs / "page.md").write_text(DOC)
    write_json(results / "demo.json", demo_record())
    return docs, results


def run_report(docs, results, *extra):
    return report.main(["--docs", str(docs), "--results", str(results), *extra])


def test_the_committed_docs_match_the_committed_records():
    """What CI checks: `python -m examples.report --check`, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "examples.report", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "results tables match their records" in done.stdout


def test_a_record_says_where_when_and_how(tmp_path, monkeypatch):
    monkeypatch.setattr(run_record, "RESULTS_DIR", tmp_path / "docs_results")
    r = demo_record()
    assert r["command"] == "python examples/demo.py --seeds 3"
    assert r["seeds"] == [0, 1, 2] and r["seconds"] == 12.3
    assert r["glassgrad"] == "0.1.0" or r["glassgrad"] is None
    assert r["machine"]["cores"] == os.cpu_count() and r["machine"]["numpy"] == np.__version__
    assert r["date"].endswith(" UTC") and r["date"][:2] == "20"
    # numpy values become JSON's; NaN (a diverged run's loss) is kept as a string
    assert r["results"] == {"acc": pytest.approx(0.971), "loss": "nan", "curve": [0, 1, 2]}
    assert isinstance(r["results"]["acc"], float)

    out = tmp_path / "out"
    kwargs = dict(columns=["a"], rows=[["1"]], seeds=[3])
    assert run_record.write("demo", out, False, **kwargs) == [out / "demo.json"]
    assert not (tmp_path / "docs_results").exists()  # only with --record
    paths = run_record.write("demo", out, True, **kwargs)
    assert paths == [out / "demo.json", tmp_path / "docs_results" / "demo.json"]
    for path in paths:
        assert run_record.read(path)["rows"] == [["1"]]


def test_a_record_refuses_a_malformed_table():
    with pytest.raises(ValueError, match="each row must be 2 strings"):
        run_record.make("x", columns=["a", "b"], rows=[["1"]], seeds=[0])
    with pytest.raises(ValueError, match="each row must be 2 strings"):
        run_record.make("x", columns=["a", "b"], rows=[["1", 2.0]], seeds=[0])
    with pytest.raises(ValueError, match="name 'X Y'"):
        run_record.make("X Y", columns=["a"], rows=[], seeds=[0])


def test_read_names_a_file_that_is_not_a_record(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json: not a run record"):
        run_record.read(bad)
    bad.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="bad.json: not a run record"):
        run_record.read(bad)


def test_report_writes_the_table_then_check_catches_any_change(site, capsys):
    docs, results = site
    page = docs / "page.md"
    assert run_report(docs, results, "--check") == 1  # the empty block differs from its record
    assert run_report(docs, results) == 0
    text = page.read_text()
    assert "| variant | test acc |\n|---|---|\n| baseline | 97.10% |\n| a \\| b | 1.00% |" in text
    assert "One note." in text
    for fact in ("`python examples/demo.py --seeds 3`", "seeds 0, 1, 2", "12 s", " UTC", "cores"):
        assert fact in text, fact
    assert text.startswith(DOC.split("<!-- results: demo")[0]) and text.endswith("\n\nMore text.\n")
    assert run_report(docs, results, "--check") == 0
    assert run_report(docs, results) == 0 and page.read_text() == text  # idempotent
    capsys.readouterr()

    page.write_text(text.replace("97.10%", "98.00%"))  # a number typed into the docs
    assert run_report(docs, results, "--check") == 1
    out = capsys.readouterr()
    assert "-| baseline | 98.00% |" in out.out and "+| baseline | 97.10% |" in out.out
    assert "page.md" in out.err and "python -m examples.report" in out.err
    assert page.read_text() == text.replace("97.10%", "98.00%")  # --check changes nothing

    assert run_report(docs, results) == 0 and page.read_text() == text
    write_json(results / "demo.json", demo_record("96.50%"))  # re-measured, docs not updated
    assert run_report(docs, results, "--check") == 1
    assert run_report(docs, results) == 0 and "| baseline | 96.50% |" in page.read_text()


def test_report_refuses_missing_records_and_unbalanced_markers(site, capsys):
    docs, results = site
    (results / "demo.json").unlink()
    assert run_report(docs, results, "--check") == 1
    assert "has no record" in capsys.readouterr().err
    write_json(results / "demo.json", demo_record())
    (docs / "page.md").write_text(DOC.replace("<!-- /results -->\n", ""))
    assert run_report(docs, results) == 1
    assert "without its <!-- /results -->" in capsys.readouterr().err
    assert "<!-- results: demo -->\n\nMore" in (docs / "page.md").read_text()  # untouched


def test_nan_in_a_record_round_trips(tmp_path):
    path = tmp_path / "r.json"
    record = run_record.make("r", columns=["a"], rows=[["x"]], seeds=[0], results={"v": math.inf})
    path.write_text(json.dumps(record, allow_nan=False))
    assert run_record.read(path)["results"] == {"v": "inf"}
