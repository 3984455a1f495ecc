"""CS231n's fully connected networks (assignments 1 and 2), as Modules with CS231n's API.

Parameters are named and laid out as in CS231n — W1 (D, H), b1 (H,), W2 (H, C), ... with
scores = x @ W + b — and `model.params` is a dict-like view of them (`model.params["W1"]` is the
ndarray; assigning replaces it). `model.loss(X)` returns the scores, `model.loss(X, y)` returns
(loss, grads) with L2 regularisation 0.5 * reg * sum(W^2) on the weights (not the biases), as
CS231n's Solver expects. The backward pass is autodiff's, not hand-written.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import numpy as np

import autodiff
from autodiff import Tensor

from .. import functional as F
from ..module import Module, Parameter


class ParamsView(MutableMapping):
    """`model.params`: parameter name -> its ndarray; assigning copies into the parameter's
    dtype (so CS231n's Solver can do `model.params[k] = next_w`)."""

    def __init__(self, model: Module) -> None:
        self._model = model

    def _params(self) -> dict[str, Parameter]:
        return dict(self._model.named_parameters())

    def __getitem__(self, name: str) -> np.ndarray:
        return self._params()[name].data

    def __setitem__(self, name: str, value: Any) -> None:
        param = self._params()[name]
        value = np.asarray(value)
        if value.shape != param.shape:
            raise autodiff.ShapeError(
                f"params[{name!r}]: expected shape {param.shape}, got {value.shape}"
            )
        param.data = value.astype(param.dtype)  # a fresh array: the old one may be saved
        param.grad = None

    def __delitem__(self, name: str) -> None:
        raise TypeError("parameters cannot be deleted from params")

    def __iter__(self) -> Iterator[str]:
        return iter(self._params())

    def __len__(self) -> int:
        return len(self._params())


class _CS231nModel(Module):
    """The part CS231n's models share: `params`, `reg` and `loss(X, y=None)`."""

    reg: float

    @property
    def params(self) -> ParamsView:
        return ParamsView(self)

    def _new(self, shape: tuple[int, ...], weight_scale: float | None, rng: Any) -> Parameter:
        """weight_scale * N(0, 1) for a weight, zeros for a bias (weight_scale None)."""
        if weight_scale is None:
            return Parameter(np.zeros(shape, dtype=self.dtype))
        draws = autodiff.randn(shape, dtype=np.float64, rng=rng).data
        return Parameter((weight_scale * draws).astype(self.dtype))

    def loss(self, X: Any, y: Any = None) -> Any:
        """Scores (N, C) as an ndarray when y is None (test mode); else (loss, grads): the
        softmax loss plus 0.5 * reg * sum(W^2), and its gradient for every parameter by name.

        Runs in training mode (dropout on, batchnorm on batch statistics) when y is given, in
        evaluation mode when it is not, as CS231n's does; the module's mode is restored after.
        """
        was_training = self.training
        self.train(y is not None)
        try:
            X = X if isinstance(X, Tensor) else Tensor(np.asarray(X, dtype=self.dtype))
            if y is None:
                with autodiff.no_grad():
                    return self(X).data
            self.zero_grad()
            loss = F.cross_entropy(self(X), y)
            for name, param in self.named_parameters():
                if name.startswith("W"):
                    loss = loss + 0.5 * self.reg * (param * param).sum()
            loss.backward()
            grads = {name: param.grad.data for name, param in self.named_parameters()}
            return loss.item(), grads
        finally:
            self.train(was_training)


class TwoLayerNet(_CS231nModel):
    """affine - relu - affine - softmax (CS231n assignment 1/2's TwoLayerNet).

    X (N, d1, ..., dk) with D = d1 * ... * dk = input_dim -> scores (N, num_classes).
    W1 (D, H), W2 (H, C) ~ weight_scale * N(0, 1); b1, b2 zeros. dtype is float64 by default,
    as CS231n's numpy code computes (its checks use tight float64 tolerances).
    """

    def __init__(
        self,
        input_dim: int = 3 * 32 * 32,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        reg: float = 0.0,
        dtype: Any = np.float64,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.reg = reg
        self.dtype = np.dtype(dtype)
        self.W1 = self._new((input_dim, hidden_dim), weight_scale, generator)
        self.b1 = self._new((hidden_dim,), None, generator)
        self.W2 = self._new((hidden_dim, num_classes), weight_scale, generator)
        self.b2 = self._new((num_classes,), None, generator)

    def forward(self, X: Tensor) -> Tensor:
        with autodiff.name_scope("affine1"):
            h = (X.reshape(X.shape[0], -1) @ self.W1 + self.b1).relu()
        with autodiff.name_scope("affine2"):
            return h @ self.W2 + self.b2


class FullyConnectedNet(_CS231nModel):
    """{affine - [batchnorm] - relu - [dropout]} x (L - 1) - affine - softmax (CS231n a2).

    hidden_dims: the sizes of the L - 1 hidden layers. dropout: the probability of *keeping* a
    unit, as CS231n's dropout_keep_ratio (1, or 0 for CS231n's older "off" default, disables
    dropout). normalization: None or "batchnorm" (gamma1, beta1, ... parameters; running_mean1,
    running_var1, ... buffers, updated with PyTorch's momentum 0.1 and unbiased variance).
    seed: weights are drawn from np.random.default_rng(seed), and — as in CS231n, for gradient
    checks — every forward pass draws the same dropout masks.
    """

    def __init__(
        self,
        hidden_dims: Sequence[int],
        input_dim: int = 3 * 32 * 32,
        num_classes: int = 10,
        dropout: float = 1.0,
        normalization: str | None = None,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        dtype: Any = np.float32,
        seed: int | None = None,
        *,
        dropout_keep_ratio: float | None = None,
    ) -> None:
        super().__init__()
        if normalization not in (None, "batchnorm"):
            raise ValueError(
                f"FullyConnectedNet: normalization must be None or 'batchnorm', got "
                f"{normalization!r}"
            )
        keep = dropout if dropout_keep_ratio is None else dropout_keep_ratio
        if not 0 <= keep <= 1:
            raise ValueError(f"FullyConnectedNet: dropout (keep ratio) must be in [0, 1], {keep}")
        self.keep_ratio = keep
        self.use_dropout = keep not in (0, 1)
        self.normalization = normalization
        self.reg = reg
        self.dtype = np.dtype(dtype)
        self.seed = seed
        self.num_layers = len(hidden_dims) + 1
        rng = None if seed is None else np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            setattr(self, f"W{i}", self._new((dims[i - 1], dims[i]), weight_scale, rng))
            setattr(self, f"b{i}", self._new((dims[i],), None, rng))
            if normalization and i < self.num_layers:
                setattr(self, f"gamma{i}", Parameter(np.ones(dims[i], dtype=self.dtype)))
                setattr(self, f"beta{i}", Parameter(np.zeros(dims[i], dtype=self.dtype)))
                self.register_buffer(f"running_mean{i}", np.zeros(dims[i], dtype=self.dtype))
                self.register_buffer(f"running_var{i}", np.ones(dims[i], dtype=self.dtype))

    def forward(self, X: Tensor) -> Tensor:
        # With a seed, each pass starts the dropout generator afresh: the same masks every call.
        masks = None if self.seed is None else np.random.default_rng(self.seed)
        h = X.reshape(X.shape[0], -1)
        for i in range(1, self.num_layers + 1):
            with autodiff.name_scope(f"layer{i}"):
                h = h @ getattr(self, f"W{i}") + getattr(self, f"b{i}")
                if i == self.num_layers:
                    break
                if self.normalization == "batchnorm":
                    h = F.batch_norm(
                        h,
                        getattr(self, f"running_mean{i}"),
                        getattr(self, f"running_var{i}"),
                        getattr(self, f"gamma{i}"),
                        getattr(self, f"beta{i}"),
                        training=self.training,
                    )
                h = F.relu(h)
                if self.use_dropout:
                    h = F.dropout(h, 1 - self.keep_ratio, self.training, generator=masks)
        return h
