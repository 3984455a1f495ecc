"""glassgrad.nn.data: datasets, batching, augmentation and file formats (numpy; autodiff is
imported only to wrap batches as Tensors).

- :class:`Dataset` (protocol), :class:`ArrayDataset`, :class:`TensorDataset`: indexable
  datasets; array-backed ones (:class:`ArrayBacked`) are batched by vectorised indexing.
- :class:`DataLoader`: shuffled, seeded, reproducible mini-batches of Tensors (or arrays).
- :func:`train_test_split`: scikit-learn's split, with stratification.
- :mod:`nn.data.transforms`: batch transforms (:class:`Compose`, :class:`Normalize`,
  :class:`Flatten`, :class:`OneHot`, :class:`RandomRotation`, :class:`RandomShift`).
- :func:`read_idx` / :func:`write_idx`: the IDX format MNIST ships in (raw or gzip).
- :func:`load_mnist`: ``((x_train, t_train), (x_test, t_test))`` as in "Deep Learning from
  Scratch"; :class:`MNIST`: one split as an indexable dataset.
- :func:`find_mnist` / :func:`download_mnist` / :data:`MNIST_FILES`: locating, fetching and
  checksumming the four MNIST files.
"""

from .dataset import ArrayBacked, ArrayDataset, Dataset, TensorDataset, is_array_backed
from .idx import read_idx, write_idx
from .loader import DataLoader
from .mnist import MNIST, MNIST_FILES, download_mnist, find_mnist, load_mnist
from .split import train_test_split
from .transforms import (
    Compose,
    Flatten,
    Normalize,
    OneHot,
    RandomRotation,
    RandomShift,
    rotate,
    shift,
)

__all__ = [
    "MNIST",
    "MNIST_FILES",
    "ArrayBacked",
    "ArrayDataset",
    "Compose",
    "DataLoader",
    "Dataset",
    "Flatten",
    "Normalize",
    "OneHot",
    "RandomRotation",
    "RandomShift",
    "download_mnist",
    "find_mnist",
    "is_array_backed",
    "load_mnist",
    "read_idx",
    "rotate",
    "shift",
    "TensorDataset",
    "train_test_split",
    "write_idx",
]
