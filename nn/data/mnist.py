"""MNIST: finding, verifying, downloading and loading the four IDX files.

Where the files are looked for (first directory holding all four wins), see
:func:`find_mnist`:

1. the ``root`` argument (the directory itself, then its ``mnist/`` subfolder);
2. ``$GLASSGRAD_DATA`` (the directory itself, then its ``mnist/`` subfolder);
3. the per-user cache ``$XDG_CACHE_HOME/glassgrad/mnist`` (default
   ``~/.cache/glassgrad/mnist``), which is where :func:`download_mnist` puts them.

Each file may be present gzip-compressed under its standard name
(``train-images-idx3-ubyte.gz``) or uncompressed (``train-images-idx3-ubyte``).

:func:`load_mnist` follows the interface of Saito's "Deep Learning from Scratch"::

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    x_train.shape == (60000, 784); t_train.shape == (60000,)

and :class:`MNIST` wraps one split as an indexable dataset.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import io
import os
import sys
import urllib.request
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, NamedTuple

import numpy as np
from numpy.typing import DTypeLike

from ..atomic import atomic_write
from .idx import StrPath, _read_at_most, read_idx

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

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"

#: Standard file name -> sha256 (hex) of its *uncompressed* content.
MNIST_FILES: Mapping[str, str] = MappingProxyType(
    {
        TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    }
)

#: Public mirrors tried in order by :func:`download_mnist`.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

_ENV_VAR = "GLASSGRAD_DATA"
_MAX_DOWNLOAD = 256 << 20  # no MNIST file is anywhere near this; guards against runaway bodies
_USER_AGENT = "glassgrad-mnist/0.1 (python urllib)"


class MNISTDownloadError(OSError):
    """No mirror delivered a file with the expected checksum (offline, HTTP error, ...)."""


# --------------------------------------------------------------------------- look-up


def default_cache_dir() -> Path:
    """The per-user MNIST cache: ``$XDG_CACHE_HOME/glassgrad/mnist`` or
    ``~/.cache/glassgrad/mnist`` (a relative or empty ``XDG_CACHE_HOME`` is ignored, as
    the XDG spec requires)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "glassgrad" / "mnist"


def _locate(directory: Path, name: str) -> Path | None:
    """``directory/name`` if it is a file, else the uncompressed variant, else None."""
    candidates = [name]
    if name.endswith(".gz"):
        candidates.append(name[: -len(".gz")])
    for candidate in candidates:
        path = directory / candidate
        if path.is_file():
            return path
    return None


def _missing(directory: Path, names: Iterable[str]) -> list[str]:
    return [name for name in names if _locate(directory, name) is None]


def _search_path(root: StrPath | None) -> list[tuple[str, Path]]:
    """(origin, directory) pairs in look-up order, without duplicates."""
    found: list[tuple[str, Path]] = []
    if root is not None:
        base = Path(root).expanduser()
        found += [("root argument", base), ("root argument", base / "mnist")]
    env = os.environ.get(_ENV_VAR, "")
    if env:
        base = Path(env).expanduser()
        found += [(f"${_ENV_VAR}", base), (f"${_ENV_VAR}", base / "mnist")]
    found.append(("user cache", default_cache_dir()))
    seen: set[Path] = set()
    unique = []
    for origin, directory in found:
        key = directory.absolute()
        if key not in seen:
            seen.add(key)
            unique.append((origin, directory))
    return unique


def find_mnist(root: StrPath | None = None) -> Path:
    """Return the first directory that holds all four MNIST files.

    Look-up order: ``root`` (then ``root/mnist``), ``$GLASSGRAD_DATA`` (then
    ``$GLASSGRAD_DATA/mnist``), then :func:`default_cache_dir`.  A directory counts only
    if it has all four files (each ``.gz`` or uncompressed); their content is not checked
    here (see :func:`verify_mnist`).

    Returns:
        The directory, as an absolute path.

    Raises:
        FileNotFoundError: no candidate holds all four files.  The message lists every
            directory searched, what each one lacks, and how to fix it.
    """
    searched = []
    for origin, directory in _search_path(root):
        if directory.is_dir():
            missing = _missing(directory, MNIST_FILES)
            if not missing:
                return directory.resolve()
            status = "missing " + ", ".join(missing)
        else:
            status = "no such directory"
        searched.append(f"  - {directory} ({origin}): {status}")
    names = ", ".join(MNIST_FILES)
    raise FileNotFoundError(
        "MNIST data not found. Directories searched, in order:\n"
        + "\n".join(searched)
        + f"\nNeeded files (each may also be uncompressed, without .gz): {names}.\n"
        "To fix this, do one of:\n"
        "  - pass root=DIR (command-line scripts: --data DIR) for a directory with the files;\n"
        f"  - set {_ENV_VAR}=DIR (the files in DIR or DIR/mnist);\n"
        "  - call load_mnist(download=True) / MNIST(download=True) or download_mnist() to\n"
        f"    fetch them into {default_cache_dir()}."
    )


# --------------------------------------------------------------------------- checksums


def _sha256_stream(f: BinaryIO) -> str:
    """sha256 of the uncompressed content of a (possibly gzip) seekable stream."""
    is_gzip = f.read(2) == b"\x1f\x8b"
    f.seek(0)
    stream: BinaryIO = gzip.GzipFile(fileobj=f, mode="rb") if is_gzip else f  # type: ignore
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _sha256_file(path: Path) -> str | None:
    """sha256 of the uncompressed content of ``path``, or None if it is corrupt gzip."""
    try:
        with open(path, "rb") as f:
            return _sha256_stream(f)
    except (gzip.BadGzipFile, EOFError, zlib.error):
        return None


def verify_mnist(root: StrPath | None = None, checksums: Mapping[str, str] | None = None) -> Path:
    """Check the sha256 of the (uncompressed) content of the four files.

    Args:
        root: where to look (see :func:`find_mnist`).
        checksums: file name -> expected sha256; default :data:`MNIST_FILES`.

    Returns:
        The directory that was verified.

    Raises:
        FileNotFoundError: as :func:`find_mnist`.
        ValueError: some file's content does not match; the message names each one.
    """
    table = MNIST_FILES if checksums is None else checksums
    directory = find_mnist(root)
    bad = []
    for name, expected in table.items():
        path = _locate(directory, name)
        actual = _sha256_file(path) if path is not None else "missing"
        if actual != expected:
            bad.append(
                f"  - {path or directory / name}: sha256 {actual or 'corrupt gzip'}, "
                f"expected {expected}"
            )
    if bad:
        raise ValueError(
            "MNIST files fail their checksum (corrupt or not MNIST; delete them and download "
            "again):\n" + "\n".join(bad)
        )
    return directory


# --------------------------------------------------------------------------- download


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = _read_at_most(response, _MAX_DOWNLOAD + 1)
    if len(data) > _MAX_DOWNLOAD:
        raise ValueError(f"response larger than {_MAX_DOWNLOAD} bytes")
    return bytes(data)


def download_mnist(
    cache_dir: StrPath | None = None,
    mirrors: Sequence[str] | None = None,
    *,
    checksums: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download the MNIST files into ``cache_dir``, verifying each one's sha256.

    Files already present (``.gz`` or uncompressed) with the right checksum are skipped;
    present but wrong ones are downloaded again and replaced.  Each file is tried on every
    mirror in order until one delivers content whose *uncompressed* sha256 matches; it is
    then written atomically (temporary file + ``os.replace``), so an interrupted download
    never leaves a partial file under the real name.

    Args:
        cache_dir: destination directory (created if needed); default
            :func:`default_cache_dir`.
        mirrors: base URLs, the file name is appended (``file://`` URLs work too); default
            :data:`MIRRORS`.
        checksums: file name -> sha256 of the uncompressed content; default
            :data:`MNIST_FILES`.  Decides which files are fetched.
        timeout: seconds per network operation.
        progress: print one line per downloaded file to stderr.

    Returns:
        ``cache_dir`` as an absolute path.

    Raises:
        MNISTDownloadError: (an ``OSError``) a file could not be fetched with the right
            checksum from any mirror; the message lists each attempt and how to use local
            files instead.
    """
    target = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if mirrors is None:
        bases: tuple[str, ...] = MIRRORS
    elif isinstance(mirrors, str):
        bases = (mirrors,)
    else:
        bases = tuple(mirrors)
    table = MNIST_FILES if checksums is None else checksums
    target.mkdir(parents=True, exist_ok=True)

    for name, expected in table.items():
        present = _locate(target, name)
        if present is not None and _sha256_file(present) == expected:
            continue
        attempts = []
        for base in bases:
            url = base if base.endswith("/") else base + "/"
            url += name
            if progress:
                print(f"glassgrad: downloading {url}", file=sys.stderr, flush=True)
            try:
                data = _fetch(url, timeout)
            except (OSError, ValueError, http.client.HTTPException) as exc:
                attempts.append(f"  - {url}: {exc}")
                continue
            actual = _sha256_bytes(data)
            if actual != expected:
                attempts.append(
                    f"  - {url}: checksum mismatch: sha256 of the uncompressed content is "
                    f"{actual or '(corrupt gzip)'}, expected {expected}"
                )
                continue
            with atomic_write(target / name) as f:
                f.write(data)
            break
        else:
            tried = "\n".join(attempts) if attempts else "  (no mirrors given)"
            raise MNISTDownloadError(
                f"could not download MNIST file {name} into {target}:\n{tried}\n"
                "If this machine is offline or the mirrors are unreachable, fetch the four "
                f"files ({', '.join(table)}) elsewhere and point glassgrad at them: pass "
                f"root=DIR (command-line scripts: --data DIR), set {_ENV_VAR}=DIR, or copy "
                f"them into {target}. Uncompressed copies (without .gz) work too."
            )
    return target.resolve()


def _sha256_bytes(data: bytes) -> str | None:
    """sha256 of the uncompressed content of ``data``, or None if it is corrupt gzip."""
    try:
        return _sha256_stream(io.BytesIO(data))
    except (gzip.BadGzipFile, EOFError, zlib.error):
        return None


# --------------------------------------------------------------------------- loading


class _Split(NamedTuple):
    images: np.ndarray  # (N, 28, 28) uint8, read-only
    labels: np.ndarray  # (N,) uint8, read-only


def _stamp(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Identity of the files on disk, so the in-process cache notices replaced files."""
    stamp = []
    for name in (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS):
        path = _locate(directory, name)
        if path is None:
            raise FileNotFoundError(f"{directory / name}: MNIST file disappeared")
        st = path.stat()
        stamp.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(stamp)


@functools.lru_cache(maxsize=2)
def _load_raw(stamp: tuple[tuple[str, int, int], ...]) -> tuple[_Split, _Split]:
    """Parse the four files named in ``stamp``; arrays are made read-only (cached)."""
    arrays = [read_idx(path) for path, _, _ in stamp]
    splits = []
    for (img_path, _, _), (lbl_path, _, _), images, labels in (
        (stamp[0], stamp[1], arrays[0], arrays[1]),
        (stamp[2], stamp[3], arrays[2], arrays[3]),
    ):
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(
                f"{img_path}: expected MNIST images (N, 28, 28) uint8, "
                f"got {images.shape} {images.dtype}"
            )
        if labels.dtype != np.uint8 or labels.shape != images.shape[:1]:
            raise ValueError(
                f"{lbl_path}: expected ({images.shape[0]},) uint8 labels to match {img_path}, "
                f"got {labels.shape} {labels.dtype}"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(f"{lbl_path}: label {labels.max()} out of range 0..9")
        images.flags.writeable = False
        labels.flags.writeable = False
        splits.append(_Split(images, labels))
    return splits[0], splits[1]


def _resolve(root: StrPath | None, download: bool) -> Path:
    try:
        return find_mnist(root)
    except FileNotFoundError:
        if not download:
            raise
    target = Path(root).expanduser() if root is not None else None
    download_mnist(target)
    return find_mnist(target if target is not None else None)


def _prepare(
    split: _Split, normalize: bool, flatten: bool, one_hot: bool, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    n = split.images.shape[0]
    x = split.images.reshape((n, 784) if flatten else (n, 1, 28, 28))
    if normalize:
        x = x.astype(dtype)
        x /= 255
    if one_hot:
        t = np.zeros((n, 10), dtype=dtype)
        t[np.arange(n), split.labels] = 1
    else:
        t = split.labels.astype(np.int64)
    x.flags.writeable = False
    t.flags.writeable = False
    return x, t


def _float_dtype(dtype: DTypeLike) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, got {dt}")
    return dt


def load_mnist(
    root: StrPath | None = None,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    download: bool = False,
    dtype: DTypeLike = np.float32,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as ``((x_train, t_train), (x_test, t_test))``.

    Args:
        root: directory with the files; see :func:`find_mnist` for the full look-up.
        normalize: images as ``dtype`` pixels/255 in [0, 1]; otherwise raw uint8 0..255.
        flatten: images of shape ``(N, 784)``; otherwise ``(N, 1, 28, 28)``.
        one_hot: labels as ``(N, 10)`` one-hot ``dtype``; otherwise ``(N,)`` int64 0..9.
        download: if the files are not found, download them (into ``root`` if given, else
            the user cache) with :func:`download_mnist`.
        dtype: floating dtype for normalized images and one-hot labels.

    Returns:
        ``N`` is 60000 for train and 10000 for test.  **All returned arrays are read-only**
        (``arr.flags.writeable is False``): the parsed files are cached in-process and
        shared between calls.  Use ``arr.copy()`` for a writeable array; indexing with an
        integer array (e.g. a mini-batch ``x[idx]``) already gives one.

    Raises:
        FileNotFoundError: files not found and ``download`` is False.
        MNISTDownloadError: ``download`` is True and the download failed.
        ValueError: a file is corrupt (see :func:`~nn.data.idx.read_idx`) or not MNIST.
    """
    dt = _float_dtype(dtype)
    train, test = _load_raw(_stamp(_resolve(root, download)))
    return (
        _prepare(train, normalize, flatten, one_hot, dt),
        _prepare(test, normalize, flatten, one_hot, dt),
    )


class MNIST:
    """One MNIST split as an indexable dataset.

    Attributes:
        images: ``(N, 1, 28, 28)`` (or ``(N, 784)`` with ``flatten=True``), ``dtype``
            in [0, 1] if ``normalize`` else uint8.  Read-only.
        labels: ``(N,)`` int64, or ``(N, 10)`` ``dtype`` with ``one_hot=True``.  Read-only.
        root: the directory the files were read from.
        train: True for the 60000-image training split, False for the 10000-image test split.

    ``ds[i]`` returns ``(image, label)``; ``i`` may be an int, a slice, an integer array or
    a boolean mask, and is applied to both arrays at once (vectorised, no Python loop)::

        x, t = ds[np.array([3, 1, 4])]   # x: (3, 1, 28, 28), t: (3,)
    """

    def __init__(
        self,
        root: StrPath | None = None,
        train: bool = True,
        download: bool = False,
        normalize: bool = True,
        flatten: bool = False,
        one_hot: bool = False,
        dtype: DTypeLike = np.float32,
    ) -> None:
        dt = _float_dtype(dtype)
        self.root: Path = _resolve(root, download)
        self.train = bool(train)
        splits = _load_raw(_stamp(self.root))
        self.images, self.labels = _prepare(
            splits[0] if self.train else splits[1], normalize, flatten, one_hot, dt
        )

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)``: marks MNIST as array-backed, so
        :class:`~nn.data.loader.DataLoader` fetches each batch with one ``ds[idx]``."""
        return self.images, self.labels

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int | slice | np.ndarray | Sequence[int]) -> tuple:
        """``(images[index], labels[index])``."""
        return self.images[index], self.labels[index]

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return (
            f"MNIST(split={split!r}, n={len(self)}, "
            f"images={self.images.shape} {self.images.dtype}, "
            f"labels={self.labels.shape} {self.labels.dtype}, root='{self.root}')"
        )
