"""Notebooks just work: plots display inline without `%matplotlib inline`, and the Trainer
draws a live progress bar as an HTML output. Checked by running a real notebook headlessly in
an IPython kernel (nbclient + ipykernel, the `test` extra)."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook tests need nbformat (the test extra)")
nbclient = pytest.importorskip("nbclient", reason="notebook tests need nbclient (the test extra)")
pytest.importorskip("ipykernel", reason="notebook tests need ipykernel (the test extra)")

ROOT = Path(__file__).resolve().parents[2]

SETUP = f"import sys\nsys.path.insert(0, {str(ROOT)!r})"  # this checkout, not an installed copy
PLOT = """
import viz
viz.plot_history({"train_loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.5]})
"""
TRAIN = """
import numpy as np
import nn
from nn.data import ArrayDataset, DataLoader
from nn.train import Trainer

rng = np.random.default_rng(0)
x = rng.standard_normal((64, 2)).astype(np.float32)
t = (x[:, 0] > 0).astype(np.int64)
nn.init.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
loader = DataLoader(ArrayDataset(x, t), batch_size=16)
history = Trainer(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1),
                  loader, epochs=2).fit()
"""


@pytest.fixture(scope="module")
def outputs() -> list[list[dict]]:
    """Run the notebook once; the outputs of each cell."""
    cells = [nbformat.v4.new_code_cell(c) for c in (SETUP, PLOT, TRAIN)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3")
    client.execute(cwd=str(ROOT))
    return [cell.outputs for cell in notebook.cells]


def test_a_plot_displays_inline_without_the_matplotlib_magic(outputs):
    (result,) = [o for o in outputs[1] if o["output_type"] == "execute_result"]
    assert "image/png" in result["data"]
    png = result["data"]["image/png"]  # base64 text in the notebook
    assert png.startswith("iVBORw0KGgo")  # the PNG signature, base64-encoded


def test_the_trainer_shows_an_html_progress_bar_in_a_notebook(outputs):
    bars = [o for o in outputs[2] if o["output_type"] == "display_data"]
    assert len(bars) == 2  # one per epoch, each redrawn in place
    for epoch, bar in enumerate(bars, start=1):
        html = bar["data"]["text/html"]
        assert "<progress" in html and 'value="4" max="4"' in html  # finished: 4 of 4 batches
        assert f"epoch {epoch}/2" in html and "loss" in html
    text = "".join(o.get("text", "") for o in outputs[2] if o["output_type"] == "stream")
    assert text.count("train_loss") == 2  # the summary lines are still printed
    assert "\r" not in text  # and no terminal bar leaked into the output
