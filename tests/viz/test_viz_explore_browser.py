"""The explorer page in a real browser: Playwright driving Debian's Chromium.

Opens the pages of the sigmoid neuron and of a TinyNet training step, clicks nodes and reads
`#details`, moves the backward slider, searches, folds a module, pans and zooms, and takes
screenshots (kept in pytest's tmp_path: `pytest --basetemp=DIR` keeps them to look at).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from viz_helpers import leaf, neuron

import autodiff
import nn
import viz
from nn.models import TinyNet

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need Playwright for Python (the test extra)"
)
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """Open an HTML file; fails the test on any JavaScript error or network request."""
    pages = []

    def opener(path: Path):
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request", lambda r: errors.append(r.url) if not r.url.startswith("file:") else None
        )
        page.goto(path.as_uri())
        page.errors = errors
        pages.append(page)
        return page

    yield opener
    for page in pages:
        assert page.errors == [], page.errors
        page.close()


def details(page) -> str:
    return " ".join(page.locator("#details").inner_text().split())


def view_box(page) -> list[float]:
    return [float(v) for v in page.locator("#graph svg").get_attribute("viewBox").split()]


@pytest.fixture
def neuron_page(tmp_path, open_page):
    f, _ = neuron(backward=False)
    return open_page(viz.explore(f, tmp_path / "neuron.html", title="sigmoid neuron").path)


def test_clicking_a_value_shows_its_value_and_gradient(neuron_page, tmp_path):
    page = neuron_page
    page.locator('[data-node="x1"]').first.click()
    text = details(page)
    assert text.startswith("x1 name x1 kind leaf, requires grad")
    assert "shape () dtype float32" in text
    assert "value -2" in text and "gradient -0.59" in text
    assert page.locator('[data-node="x1"].selected').count() == 1
    page.screenshot(path=tmp_path / "neuron_x1.png")


def test_clicking_an_op_shows_what_it_does(neuron_page):
    page = neuron_page
    page.locator('[data-node="exp"]').click()
    text = details(page)
    assert text.startswith("exp op exp")
    assert "backward runs at step 3 of 8" in text and "output value 0.368" in text


def test_the_slider_steps_through_backprop(neuron_page, tmp_path):
    page = neuron_page
    slider = page.locator("#slider")
    assert slider.get_attribute("max") == "8"
    slider.fill("0")
    assert page.locator("#caption").inner_text().startswith("forward pass")
    # At the forward pass no op has run and only the loss has its gradient.
    assert page.locator("g.node.pending").count() == 8
    hidden = page.locator("g.node.grad-pending")
    assert hidden.count() > 0 and page.locator('g.node.grad-pending[data-node="f"]').count() == 0
    x1_grad = page.locator('g.node[data-node="x1"] text[fill="#cf222e"]').first
    assert not x1_grad.is_visible()
    slider.fill("6")
    caption = page.locator("#caption").inner_text()
    assert (
        caption
        == "step 6 of 8: '+' gets gradient 0.197 and sends 0.197 to w0*x0 and 0.197 to w1*x1"
    )
    assert page.locator("g.node.current").count() == 1
    assert page.locator("g.edge.sending").count() == 2  # the '+' sends back along two wires
    assert not x1_grad.is_visible()  # x1's gradient comes at step 7
    page.screenshot(path=tmp_path / "neuron_step6.png")
    slider.fill("8")
    assert x1_grad.is_visible() and page.locator("g.node.pending").count() == 0


def test_search_finds_tensors_and_ops_by_name(neuron_page):
    page = neuron_page
    page.locator("#search").fill("w")
    assert page.locator("#found").inner_text() == f"{page.locator('g.node.match').count()} found"
    matched = page.locator("g.node.match").evaluate_all("gs => gs.map(g => g.dataset.node)")
    assert set(matched) == {"w0", "w1", "w2"}
    page.locator("#search").press("Enter")
    assert details(page).startswith("w0")
    page.locator("#search").fill("")
    assert page.locator("g.node.match").count() == 0


def test_pan_zoom_and_fit(neuron_page):
    page = neuron_page
    home = view_box(page)
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20)
    page.mouse.wheel(0, -400)  # zoom in
    zoomed = view_box(page)
    assert zoomed[2] < home[2] * 0.8
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 100, box["y"] + 60)
    page.mouse.up()
    panned = view_box(page)
    assert panned[0] < zoomed[0] and panned[2] == zoomed[2]
    page.locator("#fit").click()
    assert view_box(page) == home


def test_gradient_health_colouring(tmp_path, open_page):
    w = autodiff.tensor(1.0, dtype="float64", requires_grad=True, name="w")
    x = autodiff.tensor(20.0, dtype="float64", requires_grad=True, name="x")
    f = autodiff.sigmoid(w * x)  # saturated: w's gradient is 4e-8, vanishing
    f.name = "f"
    page = open_page(viz.explore(f, tmp_path / "saturated.html").path)
    page.locator("#health").check()
    assert page.locator("#legend").is_visible()
    bar = page.locator('g.node[data-node="w"][data-health="vanishing"] polygon').first
    assert bar.evaluate("e => getComputedStyle(e).fill") == "rgb(76, 110, 245)"  # the ramp's blue
    page.locator('[data-node="w"]').first.click()
    assert "⚠ vanishing gradient" in details(page)


def test_small_matrices_show_as_a_heatmap(tmp_path, open_page):
    w = autodiff.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], requires_grad=True, name="w")
    loss = (w * w).sum()
    page = open_page(viz.explore(loss, tmp_path / "matrix.html").path)
    page.locator('[data-node="w"]').first.click()
    cells = page.locator("#details table.entries").first.locator("td")
    assert cells.count() == 6 and cells.nth(1).inner_text() == "-2"
    colours = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td).backgroundColor)")
    assert colours[4] == "rgb(255, 0, 0)" and colours[1].startswith("rgb(85, 85, 255")
    assert page.locator("#details svg rect").count() == 40  # two histograms of 20 bars


def test_hostile_names_stay_text(tmp_path, open_page):
    name = "</script><img src=x onerror=window.pwned=1>"
    a = leaf(2.0, name)
    page = open_page(viz.explore(a * 3, tmp_path / "hostile.html").path)
    page.locator("g.node").first.click()
    assert page.evaluate("window.pwned") is None
    page.locator(f"[data-node={name!r}]".replace("'", '"')).first.click()
    assert details(page).startswith(name)


@pytest.fixture
def tinynet_page(tmp_path, open_page):
    nn.init.manual_seed(0)
    model = TinyNet()
    rng = np.random.default_rng(0)
    x = autodiff.Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), name="x")
    _, loss = model.scores_and_loss(x, rng.integers(0, 10, 2))
    loss.name = "loss"
    return open_page(viz.explore(loss, tmp_path / "tinynet.html", title="TinyNet step").path)


def test_tinynet_step(tinynet_page, tmp_path):
    page = tinynet_page
    assert page.locator("#slider").get_attribute("max") == "9"
    page.locator('[data-node="weight"]').first.click()
    text = details(page)
    assert "module TinyNet/conv1" in text and "shape (6, 3, 3, 3) dtype float32" in text
    assert "gradient min" in text and "norm" in text and "zeros 0%" in text
    assert page.locator("#details svg").count() == 2  # value and gradient histograms
    page.locator('[data-node="conv2d"]').first.click()
    assert "backward runs at step 9 of 9" in details(page)
    page.locator("#slider").fill("2")
    assert "'linear' gets gradient norm" in page.locator("#caption").inner_text()
    page.screenshot(path=tmp_path / "tinynet_step2.png")


def test_modules_fold_and_unfold(tinynet_page, tmp_path):
    page = tinynet_page
    conv1 = page.locator("g.cluster").filter(has_text="conv1").first
    members = page.locator('g.node[data-node="conv2d"]').first
    conv1.locator(":scope > text").click()
    assert not members.is_visible()
    assert page.locator("g.fold").count() == 1
    page.screenshot(path=tmp_path / "tinynet_conv1_folded.png")
    page.locator("g.fold").click()  # unfold
    assert members.is_visible() and page.locator("g.fold").count() == 0
    page.locator("#fold-all").click()
    assert page.locator("g.fold").count() == 9  # conv1 ... criterion
    assert page.locator('g.node[data-node="x"]').first.is_visible()  # the input stays out
    page.locator("#unfold-all").click()
    assert page.locator("g.fold").count() == 0 and members.is_visible()
