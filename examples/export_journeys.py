"""Bridges out and in: the three journeys of docs/export.md, with their numbers and picture.

1. Train here, serve with onnxruntime. A small network with batch norm and dropout learns the
   two-moons dataset; `to_onnx` writes it at an example batch of 8; onnxruntime answers for
   1000 test points at once. Prints the largest difference and the agreement of the classes.
2. Train here, continue in PyTorch. `to_torch` hands the trained network over; torch's Adam
   trains it further; `from_torch` brings it back. Prints the loss at each handover in both
   engines.
3. Someone's ONNX model, seen here. A PyTorch CNN (conv, batch norm, pooling, linear) exported
   by `torch.onnx.export` is loaded with `from_onnx`, run and differentiated on one image;
   the graph with its values and gradients goes to out/onnx_import.png, and the gradients are
   compared with torch's own.

Needs the extras: pip install 'glassgrad[onnx,torch]'.

    python examples/export_journeys.py [--out DIR] [--steps N]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
from quickstart import two_moons

import autodiff
import nn
import nn.functional as F
import viz
from autodiff import Tensor
from nn.export import from_onnx, from_torch, to_onnx, to_torch


def moons_model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(2, 32),
        nn.BatchNorm1d(32),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(32, 32),
        nn.Tanh(),
        nn.Linear(32, 2),
    )


def train_here(steps: int) -> tuple[nn.Module, np.ndarray, np.ndarray]:
    """Training in float64: its numbers do not move with the summation order of a BLAS."""
    rng = np.random.default_rng(0)
    points, labels = two_moons(400, noise=0.25, rng=rng)
    points = points.astype(np.float64)
    autodiff.manual_seed(0)
    nn.init.manual_seed(0)
    model = moons_model().double()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(Tensor(points)), labels)
        loss.backward()
        optimizer.step()
    return model.eval(), points, labels


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    return float((scores.argmax(axis=1) == labels).mean() * 100)


def journey_onnxruntime(trained: nn.Module, out: Path) -> None:
    """Served in float32, the usual precision of a runtime: a float32 copy of the model."""
    import onnxruntime as ort

    model = moons_model().eval()
    model.load_state_dict(trained.state_dict())  # copies, cast to the parameters' float32
    to_onnx(model, np.zeros((8, 2), np.float32), out / "moons.onnx", input_names=["points"])
    test_points, test_labels = two_moons(1000, noise=0.25, rng=np.random.default_rng(1))
    session = ort.InferenceSession(str(out / "moons.onnx"), providers=["CPUExecutionProvider"])
    (served,) = session.run(None, {"points": test_points})
    with autodiff.no_grad():
        ours = model(Tensor(test_points)).data
    same = int((served.argmax(1) == ours.argmax(1)).sum())
    print("1. train here, serve with onnxruntime")
    print(f"   exported at batch 8 to {out / 'moons.onnx'}; onnxruntime on 1000 test points:")
    print(
        f"   max |onnxruntime - glassgrad| = {np.abs(served - ours).max():.2e}, "
        f"same class for {same}/1000, test accuracy {accuracy(served, test_labels):.1f}%"
    )


def journey_pytorch(model: nn.Module, points: np.ndarray, labels: np.ndarray, steps: int) -> None:
    import torch

    theirs = to_torch(model).train()
    x, t = torch.from_numpy(points), torch.from_numpy(labels)
    x_ours = Tensor(points)
    theirs.eval()
    with torch.no_grad():
        handover_torch = torch.nn.functional.cross_entropy(theirs(x), t).item()
    with autodiff.no_grad():
        handover_ours = F.cross_entropy(model(x_ours), labels).item()
    torch.manual_seed(0)
    optimizer = torch.optim.Adam(theirs.parameters(), lr=0.01)
    theirs.train()
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(theirs(x), t).backward()
        optimizer.step()
    theirs.eval()
    with torch.no_grad():
        after_torch = torch.nn.functional.cross_entropy(theirs(x), t).item()
    back = from_torch(theirs)
    with autodiff.no_grad():
        after_ours = F.cross_entropy(back(x_ours), labels).item()
    print("2. train here, continue in PyTorch (float64, evaluation-mode losses)")
    print(
        f"   handover: loss {handover_ours:.6f} in glassgrad, {handover_torch:.6f} in torch "
        f"(|difference| {abs(handover_ours - handover_torch):.1e})"
    )
    print(
        f"   after {steps} torch Adam steps: loss {after_torch:.6f} in torch, {after_ours:.6f} "
        f"back in glassgrad (|difference| {abs(after_torch - after_ours):.1e})"
    )


def someones_cnn():
    """A PyTorch CNN someone trained elsewhere (here: random weights, running statistics moved)."""
    import torch

    tnn = torch.nn

    class SmallCNN(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = tnn.Conv2d(1, 4, 3, padding=1)
            self.bn = tnn.BatchNorm2d(4)
            self.pool = tnn.MaxPool2d(2)
            self.fc = tnn.Linear(4 * 3 * 3, 3)

        def forward(self, x):
            x = self.pool(torch.relu(self.bn(self.conv(x))))
            return self.fc(x.flatten(1))

    torch.manual_seed(0)
    net = SmallCNN()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(16, 1, 6, 6) + 0.5)
    return net.eval()


def journey_onnx_in(out: Path) -> None:
    import torch

    net = someones_cnn()
    with (
        warnings.catch_warnings()
    ):  # the TorchScript exporter is deprecated (dynamo needs onnxscript)
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net,
            (torch.randn(1, 1, 6, 6),),
            str(out / "someones_cnn.onnx"),
            dynamo=False,
            do_constant_folding=False,
            input_names=["image"],
            dynamic_axes={"image": {0: "batch"}},
        )
    model = from_onnx(out / "someones_cnn.onnx")
    model.scope_name = "SmallCNN"  # the cluster of the whole model (PyTorch names it main_graph)
    image = np.random.default_rng(2).standard_normal((1, 1, 6, 6)).astype(np.float32)
    scores = model(image)
    loss = F.cross_entropy(scores, [1])
    loss.name = "loss"
    viz.retain_all(loss)
    loss.backward()
    viz.render(
        loss,
        out / "onnx_import.png",
        rankdir="TB",
        digits=2,
        title="someone's CNN from ONNX: values (green) and gradients (red)",
    )

    image_t = torch.from_numpy(image)
    torch_loss = torch.nn.functional.cross_entropy(net(image_t), torch.tensor([1]))
    torch_loss.backward()
    theirs = dict(net.named_parameters())
    worst = max(
        float(np.abs(p.grad.data - theirs[name].grad.numpy()).max())
        for name, p in model.named_parameters()
    )
    print("3. someone's ONNX model, seen here")
    print(
        f"   {len(model.nodes)} ONNX nodes -> a glassgrad Module with "
        f"{len(list(model.parameters()))} parameters and {len(list(model.buffers()))} buffers"
    )
    print(
        f"   loss {loss.item():.6f} (torch: {torch_loss.item():.6f}); gradients of every "
        f"weight against torch's autograd: max |difference| {worst:.1e}"
    )
    print(f"   wrote {out / 'onnx_import.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    parser.add_argument(
        "--steps", type=int, default=100, help="training steps here (half as many in torch)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model, points, labels = train_here(args.steps)
    with autodiff.no_grad():
        print(
            f"trained here: {args.steps} Adam steps, training accuracy "
            f"{accuracy(model(Tensor(points)).data, labels):.1f}%"
        )
    journey_onnxruntime(model, args.out)
    journey_pytorch(model, points, labels, args.steps // 2)
    journey_onnx_in(args.out)


if __name__ == "__main__":
    main()
