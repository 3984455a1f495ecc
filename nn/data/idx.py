"""Reader and writer for the IDX file format (the format MNIST is distributed in).

An IDX file is::

    magic   4 bytes   0x00 0x00 <type code> <number of dimensions d>
    sizes   4*d bytes the d dimension sizes, big-endian uint32
    data    the elements in C (row-major) order, big-endian

with the type codes

    ====  =======
    0x08  uint8
    0x09  int8
    0x0B  int16
    0x0C  int32
    0x0D  float32
    0x0E  float64
    ====  =======

``d == 0`` is legal and describes a single value (a 0-d array).  Files may be stored raw
or gzip-compressed; :func:`read_idx` recognises gzip by its magic bytes ``1f 8b``,
whatever the file is called.

The reader never trusts the sizes in the header for allocation: it first establishes how
many data bytes really follow (for raw files from the file size, for gzip files by
decompressing at most ``expected + 1`` bytes in bounded chunks) and only then builds the
array, so a corrupt header claiming billions of elements raises :class:`ValueError`
instead of exhausting memory.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import stat
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["IDX_TYPES", "read_idx", "write_idx"]

StrPath = str | os.PathLike[str]

#: IDX type code -> big-endian numpy dtype of the stored elements.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# (dtype kind, item size) -> IDX type code, for the writer (byte order does not matter).
_CODES: dict[tuple[str, int], int] = {(dt.kind, dt.itemsize): c for c, dt in IDX_TYPES.items()}

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # bounded read size for streams whose real length is unknown
_MAX_U32 = 0xFFFFFFFF


def _describe(dims: tuple[int, ...], dtype: np.dtype) -> str:
    shape = "x".join(str(d) for d in dims) if dims else "scalar"
    return f"{shape} {dtype.newbyteorder('=').name}"


def _read_at_most(stream: BinaryIO, limit: int) -> bytearray:
    """Read up to ``limit`` bytes from ``stream`` (less only at end of stream).

    Reads in chunks of at most 1 MiB, so memory grows with the data that is really there,
    never with ``limit`` (``BufferedReader.read(n)`` would allocate ``n`` bytes upfront).
    """
    buf = bytearray()
    while len(buf) < limit:
        chunk = stream.read(min(_CHUNK, limit - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def _is_gzip(f: BinaryIO) -> bool:
    head = f.read(2)
    f.seek(0)
    return head == _GZIP_MAGIC


def read_idx(path: StrPath) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a numpy array.

    Args:
        path: the file.  Gzip is detected by content (magic bytes ``1f 8b``), not by name.

    Returns:
        A writeable array in native byte order whose shape is the header's dimension sizes
        (``()`` for a 0-dimensional file) and whose dtype is given by the type code
        (uint8, int8, int16, int32, float32 or float64).  For MNIST: images
        ``(N, 28, 28) uint8`` and labels ``(N,) uint8``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not valid IDX: bad magic, unknown type code, truncated
            header, too few data bytes ("truncated"), too many ("trailing garbage"), or a
            corrupt gzip stream.  The message starts with the file name.
    """
    name = os.fspath(path)
    with open(path, "rb") as raw:
        if not _is_gzip(raw):
            return _parse(raw, name, raw_size=os.fstat(raw.fileno()))
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                return _parse(gz, name, raw_size=None)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise ValueError(f"{name}: corrupt gzip stream: {exc}") from exc


def _parse(stream: BinaryIO, name: str, raw_size: os.stat_result | None) -> np.ndarray:
    magic = bytes(_read_at_most(stream, 4))
    if len(magic) < 4:
        raise ValueError(
            f"{name}: truncated IDX header: need 4 magic bytes, file has only {len(magic)}"
        )
    if magic[0] != 0 or magic[1] != 0:
        raise ValueError(
            f"{name}: not an IDX file: bad magic {magic.hex(' ')} "
            "(an IDX file starts with two zero bytes, a type code and a dimension count)"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X} {dt.newbyteorder('=').name}" for c, dt in IDX_TYPES.items())
        raise ValueError(f"{name}: unknown IDX type code 0x{code:02X} (known: {known})")
    dtype = IDX_TYPES[code]

    size_bytes = bytes(_read_at_most(stream, 4 * ndim))
    if len(size_bytes) < 4 * ndim:
        raise ValueError(
            f"{name}: truncated IDX header: magic says {ndim} dimensions "
            f"({4 * ndim} bytes of sizes) but only {len(size_bytes)} bytes follow"
        )
    dims = tuple(int(d) for d in np.frombuffer(size_bytes, dtype=">u4"))
    count = 1
    for d in dims:  # Python ints: no overflow however absurd the header is
        count *= d
    expected = count * dtype.itemsize
    what = f"header claims {_describe(dims, dtype)} ({expected} bytes)"

    if raw_size is not None and stat.S_ISREG(raw_size.st_mode):
        # Regular file: the real length is known without reading anything.
        available = raw_size.st_size - 4 - 4 * ndim
        if available < expected:
            raise ValueError(
                f"{name}: truncated IDX data: {what} but only {available} bytes follow"
            )
        if available > expected:
            raise ValueError(
                f"{name}: trailing garbage after IDX data: {what} but {available} bytes follow"
            )
        data = bytearray(expected)
        got = stream.readinto(data) if expected else 0
        if got != expected:  # the file shrank under us
            raise ValueError(f"{name}: truncated IDX data: {what} but only {got} bytes follow")
    else:
        data = _read_at_most(stream, expected + 1)
        if len(data) < expected:
            raise ValueError(
                f"{name}: truncated IDX data: {what} but only {len(data)} bytes follow"
            )
        if len(data) > expected:
            raise ValueError(
                f"{name}: trailing garbage after IDX data: {what} "
                f"but more than {expected} bytes follow"
            )

    array = np.frombuffer(data, dtype=dtype).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: StrPath, array: ArrayLike) -> Path:
    """Write ``array`` to ``path`` as an IDX file, gzip-compressed if the name ends in ``.gz``.

    The write is atomic: the data goes to a temporary file in the same directory which then
    replaces ``path`` (``os.replace``), so readers never see a half-written file.

    Args:
        path: destination file.
        array: array of any shape (0-d included, at most 255 dimensions, each < 2**32) with
            dtype uint8, int8, int16, int32, float32 or float64 (any byte order).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        TypeError: unsupported dtype.
        ValueError: too many dimensions or a dimension too large for IDX.
    """
    path = Path(path)
    arr = np.asarray(array)
    code = _CODES.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None:
        supported = ", ".join(dt.newbyteorder("=").name for dt in IDX_TYPES.values())
        raise TypeError(f"write_idx: dtype {arr.dtype} is not supported by IDX ({supported})")
    if arr.ndim > 255:
        raise ValueError(f"write_idx: IDX allows at most 255 dimensions, got {arr.ndim}")
    if any(d > _MAX_U32 for d in arr.shape):
        raise ValueError(f"write_idx: dimension sizes must be < 2**32, got shape {arr.shape}")

    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(arr, dtype=IDX_TYPES[code]).tobytes()
    with _atomic_writer(path) as f:
        if path.suffix.lower() == ".gz":
            # mtime=0 makes the output reproducible byte for byte.
            with gzip.GzipFile(filename=path.name, mode="wb", fileobj=f, mtime=0) as gz:
                gz.write(header)
                gz.write(payload)
        else:
            f.write(header)
            f.write(payload)
    return path


@contextlib.contextmanager
def _atomic_writer(path: StrPath) -> Iterator[BinaryIO]:
    """Context manager yielding a binary file that atomically becomes ``path`` on success.

    The data is written to a temporary file in the same directory, flushed and fsynced,
    then moved over ``path`` with :func:`os.replace`.  On any error the temporary file is
    removed and ``path`` is left untouched.  New files get mode 0o644; an existing file's
    permission bits are kept.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
