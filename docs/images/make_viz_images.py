"""Regenerate the pictures in docs/images that come from viz.

    PYTHONPATH=. python docs/images/make_viz_images.py [--only NAME ...]

Every picture is drawn by the same code a user runs: the circuits of examples/chain_rule.py,
the graph that examples/tinynet.py writes, the quickstart's MLP, a LeNet training step, and
(with Playwright and Chromium) a frame of the backprop animation and the graph explorer.
PNGs are reduced to a 256-colour palette, which keeps them small without visible loss.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
sys.path.insert(0, str(ROOT / "examples"))

import autodiff  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402


def shrink(path: Path) -> None:
    """A 256-colour palette PNG: graph pictures have few colours, so nothing visible is lost."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def circuits() -> list[Path]:
    from chain_rule import add_mul, neuron

    f, _ = add_mul()
    viz.retain_all(f)
    f.backward()
    first = viz.render(f, IMAGES / "circuit_add_mul.png", title="f = (x + y) * z")
    f, _ = neuron()
    viz.retain_all(f)
    f.backward()
    title = "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"
    return [first, viz.render(f, IMAGES / "circuit_neuron.png", title=title)]


def from_example(script: str, picture: str, name: str) -> list[Path]:
    """Run examples/<script> into a scratch folder and keep the picture it wrote."""
    with tempfile.TemporaryDirectory() as out:
        path = ROOT / "examples" / script
        subprocess.run([sys.executable, str(path), "--out", out], check=True, cwd=ROOT)
        target = IMAGES / name
        shutil.copy(Path(out) / picture, target)
    return [target]


def tinynet() -> list[Path]:
    return from_example("tinynet.py", "tinynet_graph.png", "tinynet_graph.png")


def mlp() -> list[Path]:
    return from_example("quickstart.py", "model_graph.png", "viz_mlp_graph.png")


class LeNet(nn.Module):
    """LeNet-5 for 28x28 digits: two conv/relu/pool stages and three linear layers."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2, stride=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2, stride=2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(400, 120)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: autodiff.Tensor) -> autodiff.Tensor:
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.flatten(self.pool2(self.relu2(self.conv2(x))))
        return self.fc3(self.relu4(self.fc2(self.relu3(self.fc1(x)))))


def lenet_loss() -> autodiff.Tensor:
    """One LeNet training step on 4 random 28x28 images, every gradient kept."""
    nn.init.manual_seed(0)
    model = LeNet()
    rng = np.random.default_rng(0)
    images = autodiff.Tensor(rng.standard_normal((4, 1, 28, 28)).astype(np.float32))
    images.name = "images"
    loss = nn.CrossEntropyLoss()(model(images), autodiff.Tensor(rng.integers(0, 10, 4)))
    loss.name = "loss"
    viz.retain_all(loss)
    loss.backward()
    return loss


def lenet() -> list[Path]:
    return [viz.render(lenet_loss(), IMAGES / "viz_lenet_modules.png", collapse="modules")]


def tinynet_step() -> autodiff.Tensor:
    """The loss of one TinyNet step on two random images (not yet backpropagated)."""
    from nn.models import TinyNet

    nn.init.manual_seed(0)
    model = TinyNet()
    rng = np.random.default_rng(0)
    x = autodiff.Tensor(rng.standard_normal((2, 3, 8, 8)), name="x")
    _, loss = model.scores_and_loss(x, rng.integers(0, 10, 2))
    loss.name = "loss"
    return loss


def browser_shot(page_path: Path, target: Path, actions: Callable) -> Path:
    """A screenshot of an HTML page in Chromium (through Playwright), after `actions(page)`."""
    from playwright.sync_api import sync_playwright

    args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 820})
        page.goto(page_path.as_uri())
        actions(page)
        page.screenshot(path=target)
        browser.close()
    return target


def explorer() -> list[Path]:
    with tempfile.TemporaryDirectory() as out:
        page = viz.explore(tinynet_step(), Path(out) / "tinynet.html", title="TinyNet: one step")

        def actions(p):
            p.locator('[data-node="weight"]').first.click()
            p.locator("#health").check()

        return [browser_shot(page.path, IMAGES / "viz_explore.png", actions)]


def animation() -> list[Path]:
    from chain_rule import neuron

    with tempfile.TemporaryDirectory() as out:
        f, _ = neuron()
        anim = viz.animate_backward(f, Path(out) / "neuron.html", title="sigmoid neuron")

        def actions(p):
            for _ in range(6):
                p.locator("#next").click()
            p.set_viewport_size({"width": 1400, "height": 480})

        return [browser_shot(anim.path, IMAGES / "viz_backprop_step6.png", actions)]


PICTURES: dict[str, Callable[[], list[Path]]] = {
    "circuits": circuits,
    "tinynet": tinynet,
    "mlp": mlp,
    "lenet": lenet,
    "explorer": explorer,
    "animation": animation,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(PICTURES), help="just these")
    args = parser.parse_args()
    for name in args.only or PICTURES:
        for path in PICTURES[name]():
            shrink(path)
            print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
