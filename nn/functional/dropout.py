"""Inverted dropout: zero each element with probability p and scale the survivors by 1/(1-p),
so the expected activation is unchanged and evaluation needs no rescaling (identity)."""

from __future__ import annotations

import numpy as np

import autodiff
from autodiff import Function, Tensor

from ..validate import check_real
from .activation import _in_place


class Dropout(Function):
    """x * mask, where the mask (0 or 1/(1-p)) is a constant of the graph."""

    op = "dropout"

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask


def dropout(
    x: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Zero elements of x with probability p (training), else return x unchanged.

    The mask is drawn from `generator`, or from the generator `nn.init.manual_seed` /
    `autodiff.manual_seed` seed (`generator` is glassgrad's, keyword-only: the first four
    positions are PyTorch's). Shapes and dtype are kept. `inplace=True` overwrites x in
    training and returns it (recorded when x requires grad, see `Tensor._apply_in_place`).
    """
    p = check_real("dropout", "p", p, minimum=0, maximum=1)
    if not training or p == 0:
        return x  # (PyTorch's dropout_ too returns its input untouched)
    if inplace:
        return _in_place("dropout", x, lambda t: dropout(t, p, True, generator=generator))
    if p == 1:
        return x * 0  # everything dropped (1/(1-p) would be infinite)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    draws = autodiff.rand(x.shape, dtype=dtype, rng=generator).data
    mask = (draws >= p).astype(x.dtype)
    mask *= 1 / (1 - p)  # in place: a Python float keeps the mask's dtype
    return Dropout.apply(x, mask)
