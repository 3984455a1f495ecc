"""Each plot on small data: returns a matplotlib Figure and saves a PNG (headless)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

import autodiff
import viz
from autodiff import Tensor
from viz.plots.functions import derivative
from viz.plots.gradient_flow import gradient_stats
from viz.plots.optimizers import optimizer_path
from viz.plots.taylor import derivatives_at, taylor_polynomial

PNG = b"\x89PNG"


def saved(fig: Figure, path) -> bool:
    return isinstance(fig, Figure) and path.read_bytes().startswith(PNG)


def test_plot_history(tmp_path):
    history = {
        "loss": [2.3, 2.0, 1.7, 1.5, 1.2, 1.1, 0.9, 0.8],  # 4 iterations per epoch
        "train_loss": [1.8, 1.0],
        "val_loss": [1.9, 1.2],
        "train_acc": [0.6, 0.8],
        "val_acc": [0.55, 0.75],
        "lr": [0.1, 0.1],  # unknown keys are ignored
    }
    fig = viz.plot_history(history, path=tmp_path / "h.png")
    assert saved(fig, tmp_path / "h.png")
    loss_ax, acc_ax = fig.axes
    per_iteration = loss_ax.lines[0].get_xdata()
    assert per_iteration[0] == 0.25 and per_iteration[-1] == 2  # spread over the epochs
    assert len(acc_ax.lines) == 2
    train, val = acc_ax.lines
    assert train.get_label() == "train accuracy" and val.get_label() == "validation accuracy"
    for a, b in ((train, val), (loss_ax.lines[1], loss_ax.lines[2])):
        assert a.get_color() != b.get_color() and a.get_linestyle() != b.get_linestyle()
        assert a.get_marker() != b.get_marker()
    assert all(tick == int(tick) for tick in acc_ax.get_xticks())  # whole epochs only
    assert loss_ax.get_yscale() == "linear"  # 2.3 to 0.8: within a decade
    wide = viz.plot_history({"loss": [2.3, 0.5, 0.1], "val_loss": [0.3, 0.05]})
    assert wide.axes[0].get_yscale() == "log"
    for ax in fig.axes:  # the legend beside the data, not over it
        assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1


def test_series_styles_differ_in_colour_dash_and_marker():
    styles = [viz.series_style(i) for i in range(14)]
    for key in ("color", "linestyle", "marker"):
        assert len({str(s[key]) for s in styles[:7]}) == 7, key
    assert len({tuple(map(str, s.values())) for s in styles}) == 14  # no repeat in two laps
    assert set(viz.OKABE_ITO) == {s["color"] for s in styles}
    only_loss = viz.plot_history({"loss": [1.0, 0.5]})
    assert len(only_loss.axes) == 1 and only_loss.axes[0].get_xlabel() == "iteration"
    with pytest.raises(ValueError, match="none of the keys"):
        viz.plot_history({"lr": [1.0]})


def test_plot_functions_uses_engine_derivatives(tmp_path):
    x = np.linspace(-3, 3, 61)
    y, dy = derivative(autodiff.sigmoid, x)
    s = 1 / (1 + np.exp(-x))
    assert np.allclose(y, s) and np.allclose(dy, s * (1 - s))
    _, dsign = derivative(lambda t: t.sign(), x)
    assert not dsign.any()  # sign's gradient is zero, as PyTorch's
    fs = {
        "sigmoid": autodiff.sigmoid,
        "tanh": autodiff.tanh,
        "ReLU": autodiff.relu,
        "sgn": lambda t: t.sign(),
    }
    fig = viz.plot_functions(fs, x, path=tmp_path / "f.png")
    assert saved(fig, tmp_path / "f.png")
    relu_ax = fig.axes[2]
    assert np.allclose(relu_ax.lines[-1].get_ydata(), x > 0)


class TinySGD:
    """Duck-typed like nn.optim: zero_grad() and step() over a list of parameters."""

    def __init__(self, params: list[Tensor], lr: float) -> None:
        self.params, self.lr = params, lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        with autodiff.no_grad():
            for p in self.params:
                p.sub_(p.grad, alpha=self.lr)


def test_plot_optimizer_paths(tmp_path):
    def bowl(x, y):
        return x**2 + 10 * y**2

    points = optimizer_path(bowl, lambda ps: TinySGD(ps, 0.04), (2.0, 1.0), steps=60)
    assert points.shape == (61, 2) and np.abs(points[-1]).max() < 0.2
    fig = viz.plot_optimizer_paths(
        bowl,
        {"slow": lambda ps: TinySGD(ps, 0.01), "fast": lambda ps: TinySGD(ps, 0.04)},
        start=(2.0, 1.0),
        steps=30,
        path=tmp_path / "o.png",
    )
    assert saved(fig, tmp_path / "o.png")
    assert [line.get_label() for line in fig.axes[0].lines[:2]] == ["slow", "fast"]
    slow, fast = fig.axes[0].lines[:2]
    assert slow.get_color() != fast.get_color() and slow.get_linestyle() != fast.get_linestyle()

    fig = viz.plot_optimizer_paths(
        bowl,
        {"slow": lambda ps: TinySGD(ps, 0.01), "fast": lambda ps: TinySGD(ps, 0.04)},
        start=(2.0, 1.0),
        steps=30,
        optimum=(0.0, 0.0),
        separate=True,
    )
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2
    for ax, name, lr in zip(panels, ("slow", "fast"), (0.01, 0.04)):
        end = optimizer_path(bowl, lambda ps, lr=lr: TinySGD(ps, lr), (2.0, 1.0), 30)[-1]
        assert ax.get_title() == f"{name}: f = {bowl(*end):.2g} after 30 steps"
        labels = [line.get_label() for line in ax.lines]
        assert name in labels and "minimum (0, 0)" in labels and "start" in labels
        minimum = ax.lines[labels.index("minimum (0, 0)")]
        assert (minimum.get_xdata()[0], minimum.get_ydata()[0]) == (0.0, 0.0)


def test_plot_optimizer_paths_survives_divergence_and_non_elementwise_losses(tmp_path):
    def loss(x, y):  # written with a reduction: evaluated point by point on the grid
        return (x * x + y * y).sum()

    fig = viz.plot_optimizer_paths(
        loss, {"diverges": lambda ps: TinySGD(ps, 1.5)}, start=(1.0, 1.0), steps=3
    )
    assert isinstance(fig, Figure)


def test_plot_taylor(tmp_path):
    assert derivatives_at(autodiff.exp, 0.0, 5) == pytest.approx([1.0] * 6)
    assert derivatives_at(autodiff.sin, 0.0, 4) == pytest.approx([0, 1, 0, -1, 0], abs=1e-12)
    p5 = taylor_polynomial([1.0] * 6, 0.0, np.array([1.0]))
    assert p5[0] == pytest.approx(sum(1 / math.factorial(k) for k in range(6)))
    fig = viz.plot_taylor(autodiff.exp, 0.0, [1, 5], path=tmp_path / "t.png", name="exp")
    assert saved(fig, tmp_path / "t.png")
    assert [line.get_label() for line in fig.axes[0].lines[:3]] == ["exp", "order 1", "order 5"]


def test_plot_gradient_flow(tmp_path):
    class Model:
        def __init__(self) -> None:
            self.w1 = Tensor(np.ones((3, 3)), requires_grad=True)
            self.w2 = Tensor(np.ones(3), requires_grad=True)

        def named_parameters(self):
            return [("layer1.weight", self.w1), ("layer2.bias", self.w2)]

    model = Model()
    model.w1.grad = np.full((3, 3), -1e-4)
    stats = gradient_stats(model)
    assert stats[0] == ("layer1.weight", pytest.approx(1e-4), pytest.approx(1e-4))
    assert stats[1] == ("layer2.bias", None, None)
    fig = viz.plot_gradient_flow(model, path=tmp_path / "g.png")
    assert saved(fig, tmp_path / "g.png")
    fig = viz.plot_gradient_flow(model.named_parameters())  # or (name, tensor) pairs
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["layer1.weight", "layer2.bias"]


def test_show_images_marks_wrong_predictions_red(tmp_path):
    images = np.random.default_rng(0).random((6, 784))  # flat MNIST-like rows
    labels = [0, 1, 2, 3, 4, 5]
    predictions = [0, 1, 7, 3, 4, 9]
    fig = viz.show_images(images, labels, predictions, ncols=3, path=tmp_path / "i.png")
    assert saved(fig, tmp_path / "i.png")
    titles = {ax.get_title(): ax.title.get_color() for ax in fig.axes if ax.get_title()}
    assert titles["2 (pred 7)"] == "#cf222e" and titles["0"] == "#1a7f37"
    viz.show_images(Tensor(images.reshape(6, 1, 28, 28)))  # channels-first Tensors too
    with pytest.raises(ValueError, match="labels"):
        viz.show_images(images, labels[:2])


def test_plot_filters(tmp_path):
    rng = np.random.default_rng(0)
    fig = viz.plot_filters(Tensor(rng.standard_normal((4, 1, 3, 3))), path=tmp_path / "w.png")
    assert saved(fig, tmp_path / "w.png")
    fig = viz.plot_filters(rng.standard_normal((2, 3, 3, 3)))
    assert len([ax for ax in fig.axes if ax.images]) == 6  # out x in
    with pytest.raises(ValueError, match="out, in, kh, kw"):
        viz.plot_filters(rng.standard_normal((3, 3)))


def test_plots_save_svg_too(tmp_path):
    fig = viz.plot_history({"loss": [1.0, 0.5]}, path=tmp_path / "h.svg")
    assert isinstance(fig, Figure) and "<svg" in (tmp_path / "h.svg").read_text()
