"""glassgrad.nn.data: datasets and file formats (pure numpy, no autodiff dependency).

- :func:`read_idx` / :func:`write_idx`: the IDX format MNIST ships in (raw or gzip).
- :func:`load_mnist`: ``((x_train, t_train), (x_test, t_test))`` as in "Deep Learning from
  Scratch"; :class:`MNIST`: one split as an indexable dataset.
- :func:`find_mnist` / :func:`download_mnist` / :data:`MNIST_FILES`: locating, fetching and
  checksumming the four MNIST files.
"""

from .idx import read_idx, write_idx
from .mnist import MNIST, MNIST_FILES, download_mnist, find_mnist, load_mnist

__all__ = [
    "MNIST",
    "MNIST_FILES",
    "download_mnist",
    "find_mnist",
    "load_mnist",
    "read_idx",
    "write_idx",
]
