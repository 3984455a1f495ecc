"""nn.functional: the operations behind the layers and losses, as functions (PyTorch's `F`).

    import nn.functional as F
    y = F.relu(F.linear(x, w, b))
    loss = F.cross_entropy(y, labels)

Fused ops (one compute node each, with a hand-written backward): `linear`, `conv2d`,
`max_pool2d`, `avg_pool2d`, `cross_entropy`, `binary_cross_entropy(_with_logits)`,
`batch_norm` (training), `dropout`, `step`. The rest compose autodiff's ops.
"""

from .activation import gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, step, tanh
from .conv import conv2d
from .dropout import dropout
from .embedding import embedding
from .encoding import one_hot
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, layer_norm
from .pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "gelu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "smooth_l1_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "step",
    "tanh",
]
