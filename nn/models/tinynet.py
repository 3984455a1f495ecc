"""TinyNet: the lessons' small convolutional network, and its three lessons as API.

    input (B, 3, 8, 8)
    conv1  3 -> 6, 3x3, stride 1, pad 1   (B, 6, 8, 8)    relu1
    pool1  max 2x2, stride 2              (B, 6, 4, 4)
    conv2  6 -> 12, 3x3, stride 1, pad 1  (B, 12, 4, 4)   relu2
    pool2  max 2x2, stride 2              (B, 12, 2, 2)
    flatten                               (B, 48)
    fc     48 -> 10                       (B, 10) scores
    criterion: softmax cross-entropy

Weight layouts of the lessons' API (`from_weights`, `weights`, `gradients`, `train_one_iter`):
W_conv1 (6, 3, 3, 3), b_conv1 (6,), W_conv2 (12, 6, 3, 3), b_conv2 (12,), W_fc (48, 10) with
scores = x @ W_fc + b_fc, b_fc (10,). W_fc is the transpose of the `fc` layer's weight, which
has PyTorch's (out, in) = (10, 48) layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from ..layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU
from ..losses import CrossEntropyLoss
from ..module import Module

Weights = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
SHAPES = {
    "W_conv1": (6, 3, 3, 3),
    "b_conv1": (6,),
    "W_conv2": (12, 6, 3, 3),
    "b_conv2": (12,),
    "W_fc": (48, 10),
    "b_fc": (10,),
}


class TinyNet(Module):
    """The lessons' TinyNet (see the module docstring); `forward(x)` gives the scores."""

    def __init__(self, dtype: Any = None) -> None:
        super().__init__()
        self.conv1 = Conv2d(3, 6, 3, stride=1, padding=1, dtype=dtype)
        self.relu1 = ReLU()
        self.pool1 = MaxPool2d(2, stride=2)
        self.conv2 = Conv2d(6, 12, 3, stride=1, padding=1, dtype=dtype)
        self.relu2 = ReLU()
        self.pool2 = MaxPool2d(2, stride=2)
        self.flatten = Flatten()
        self.fc = Linear(48, 10, dtype=dtype)
        self.criterion = CrossEntropyLoss()

    def forward(self, x: Tensor) -> Tensor:
        """x (B, 3, 8, 8) -> scores (B, 10)."""
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.flatten(x))

    def scores_and_loss(self, x: Any, t: Any) -> tuple[Tensor, Tensor]:
        """(scores (B, 10), mean softmax cross-entropy) for images x and labels t — integer
        labels (B,) or one-hot rows (B, 10). Call `loss.backward()` for the gradients."""
        with self.name_scope():  # the loss node is grouped under the model, like its layers
            scores = self.forward(x if isinstance(x, Tensor) else Tensor(x))
            return scores, self.criterion(scores, t)

    # -------------------------------------------------------------- the lessons' layout
    @classmethod
    def from_weights(
        cls,
        W_conv1: Any,
        b_conv1: Any,
        W_conv2: Any,
        b_conv2: Any,
        W_fc: Any,
        b_fc: Any,
    ) -> TinyNet:
        """A TinyNet holding copies of the given weights (W_fc (48, 10): scores = x @ W_fc + b),
        in W_conv1's floating dtype."""
        given = dict(zip(SHAPES, (W_conv1, b_conv1, W_conv2, b_conv2, W_fc, b_fc)))
        arrays = {k: np.asarray(v.data if isinstance(v, Tensor) else v) for k, v in given.items()}
        for name, shape in SHAPES.items():
            if arrays[name].shape != shape:
                hint = " (the lessons' layout, scores = x @ W_fc + b_fc)" if name == "W_fc" else ""
                raise autodiff.ShapeError(
                    f"TinyNet.from_weights: {name} must have shape {shape}{hint}, got "
                    f"{arrays[name].shape}"
                )
        dtype = arrays["W_conv1"].dtype
        model = cls(dtype=dtype if dtype.kind == "f" else None)
        model.load_state_dict(_to_state(arrays))
        return model

    def weights(self) -> Weights:
        """Copies of (W_conv1, b_conv1, W_conv2, b_conv2, W_fc (48, 10), b_fc)."""
        return _from_layers(self, lambda p: p.data)

    def gradients(self) -> Weights:
        """The six gradients after `backward()`, in the order and layouts of `weights()`."""
        for name, p in self.named_parameters():
            if p.grad is None:
                raise RuntimeError(f"TinyNet.gradients: {name} has no gradient; call backward()")
        return _from_layers(self, lambda p: p.grad.data)


def _to_state(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "conv1.weight": arrays["W_conv1"],
        "conv1.bias": arrays["b_conv1"],
        "conv2.weight": arrays["W_conv2"],
        "conv2.bias": arrays["b_conv2"],
        "fc.weight": arrays["W_fc"].T,
        "fc.bias": arrays["b_fc"],
    }


def _from_layers(model: TinyNet, value: Any) -> Weights:
    return (
        value(model.conv1.weight).copy(),
        value(model.conv1.bias).copy(),
        value(model.conv2.weight).copy(),
        value(model.conv2.bias).copy(),
        value(model.fc.weight).T.copy(),
        value(model.fc.bias).copy(),
    )


def train_one_iter(
    W_conv1: np.ndarray,
    b_conv1: np.ndarray,
    W_conv2: np.ndarray,
    b_conv2: np.ndarray,
    W_fc: np.ndarray,
    b_fc: np.ndarray,
    x: np.ndarray,
    t: np.ndarray,
    learning_rate: float,
    weight_decay: float = 0.0,
) -> Weights:
    """One SGD step of TinyNet on the batch (x, t); returns the six updated arrays (new copies,
    the inputs are not modified).

    Weights: W <- W - learning_rate * (dW + weight_decay * W), i.e. the gradient of the loss
    plus (weight_decay / 2) * ||W||^2. Biases are not decayed (b <- b - learning_rate * db):
    shrinking them does not reduce the model's capacity, so L2 regularisation leaves them out.
    """
    model = TinyNet.from_weights(W_conv1, b_conv1, W_conv2, b_conv2, W_fc, b_fc)
    _, loss = model.scores_and_loss(x, t)
    loss.backward()
    weights, grads = model.weights(), model.gradients()
    decayed = (True, False, True, False, True, False)  # W_conv1, b_conv1, W_conv2, ...
    updated = []
    for w, g, decay in zip(weights, grads, decayed):
        step = g + weight_decay * w if decay else g
        updated.append((w - learning_rate * step).astype(w.dtype, copy=False))
    return tuple(updated)  # type: ignore[return-value]
