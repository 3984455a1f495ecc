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
from .distance import cosine_similarity, normalize, pairwise_distance
from .dropout import dropout
from .embedding import embedding
from .encoding import one_hot
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
)
from .normalization import batch_norm, layer_norm
from .padding import pad
from .pool import avg_pool2d, max_pool2d
from .upsampling import interpolate

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "embedding",
    "gelu",
    "interpolate",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "step",
    "tanh",
]
