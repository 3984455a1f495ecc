"""MNIST: finding, verifying, downloading and loading the four IDX files.

Where the files are looked for (first directory holding all four wins), see
:func:`find_mnist`:

1. the ``root`` argument (the directory itself, then its ``mnist/`` subfolder);
2. ``$GLASSGRAD_DATA`` (the directory itself, then its ``mnist/`` subfolder);
3. the per-user cache ``$XDG_CACHE_HOME/glassgrad/mnist`` (default
   ``~/.cache/glassgrad/mnist``), which is where :func:`download_mnist` puts them;
4. the ``fallback`` argument, if given (the directory itself, then its ``mnist/`` subfolder).

Each file may be present gzip-compressed under its standard name
(``train-images-idx3-ubyte.gz``) or uncompressed (``train-images-idx3-ubyte``).

:func:`load_mnist` follows the interface of Saito's "Deep Learning from Scratch"::

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    x_train.shape == (60000, 784); t_train.shape == (60000,)

and :class:`MNIST` wraps one split as an indexable dataset.

One idea per module: ``files`` (the four names and their checksums), ``location`` (the look-up),
``checksum`` (verification), ``download`` (mirrors), ``load`` (``load_mnist``), ``dataset``
(``MNIST``).
"""

from .checksum import verify_mnist
from .dataset import MNIST
from .download import MIRRORS, MNISTDownloadError, download_mnist
from .files import MNIST_FILES
from .load import load_mnist
from .location import default_cache_dir, find_mnist

__all__ = [
    "MIRRORS",
    "MNIST",
    "MNIST_FILES",
    "MNISTDownloadError",
    "default_cache_dir",
    "download_mnist",
    "find_mnist",
    "load_mnist",
    "verify_mnist",
]
