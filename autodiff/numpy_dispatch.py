"""numpy functions and ufuncs that, given Tensors, run the matching op (and record it).

This is what lets backward formulas be written once in numpy: `np.exp(y)`, `np.where(c, g, 0)`
or `np.broadcast_to(g, shape)` on arrays compute, on Tensors (under create_graph) record.
numpy functions not listed here see Tensors as their plain arrays.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .ops.elementwise import Add, Div, Mul, Pow, Sub
from .tensor import Tensor


def _keep(x: Tensor) -> Tensor:
    return x


UFUNCS = {
    np.add: Add.apply,
    np.subtract: Sub.apply,
    np.multiply: Mul.apply,
    np.true_divide: Div.apply,
    np.power: Pow.apply,
    np.matmul: ops.MatMul.apply,
    np.negative: ops.neg,
    np.positive: _keep,
    np.absolute: ops.abs,
    np.exp: ops.exp,
    np.log: ops.log,
    np.log1p: ops.log1p,
    np.sqrt: ops.sqrt,
    np.sin: ops.sin,
    np.cos: ops.cos,
    np.tanh: ops.tanh,
    np.maximum: ops.maximum,
    np.minimum: ops.minimum,
}

FUNCTIONS = {
    np.where: ops.where,
    np.broadcast_to: ops.broadcast_to,
    np.sum: ops.sum,
    np.mean: ops.mean,
    np.max: ops.max,
    np.amax: ops.max,
    np.min: ops.min,
    np.amin: ops.min,
    np.var: ops.var,
    np.std: ops.std,
    np.prod: ops.prod,
    np.clip: ops.clip,
    np.reshape: ops.reshape,
    np.transpose: ops.transpose,
    np.swapaxes: ops.swapaxes,
    np.squeeze: ops.squeeze,
    np.concatenate: ops.concatenate,
    np.stack: ops.stack,
    np.pad: lambda x, pad_width, mode="constant", constant_values=0: ops.pad(
        x, pad_width, constant_values
    ),
}
