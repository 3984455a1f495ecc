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

The reader never trusts the header with memory. Before it reads any data it refuses a header
that claims more bytes than ``max_bytes`` (4 GiB by default), more than a gzip file of its size
can possibly decompress to (deflate expands at most 1032-fold), or more dimensions than a numpy
array can have (64). It then reads the data in chunks of at most 1 MiB into a buffer that grows
with what is really there, and stops one byte after the size the header implies. So a read takes
about the size of the real data (never more than ``max_bytes``), plus the buffer's growth
margin (an eighth) and a chunk or two: a small gzip bomb whose header claims petabytes fails
at once, before decompressing anything, and one whose header is plausible but whose data runs
on fails one byte past the claimed size.
Every problem with a file's content raises :class:`IDXError`, a ``ValueError`` whose message
starts with the file name.
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import ArrayLike

from autodiff.atomic import atomic_write

__all__ = ["IDX_TYPES", "MAX_BYTES", "IDXError", "read_idx", "write_idx"]

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

#: The most data bytes `read_idx` reads unless told otherwise: 4 GiB (MNIST's largest file
#: holds 47 MB). Pass ``max_bytes=None`` to lift the bound.
MAX_BYTES = 4 << 30

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # bounded read size for streams whose real length is unknown
_MAX_U32 = 0xFFFFFFFF
# Deflate emits at least 2 bits per 258-byte match, so no gzip stream expands more than
# 1032-fold; 1024 bytes of slack cover the headers and tiny files.
_DEFLATE_MAX_RATIO = 1032
_DEFLATE_SLACK = 1024
_MAX_DIMS = 64 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 32


class IDXError(ValueError):
    """A file is not valid IDX (or claims more than a read may take); the message starts with
    the file name."""


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


def read_idx(path: StrPath, max_bytes: int | None = MAX_BYTES) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a numpy array.

    Args:
        path: the file.  Gzip is detected by content (magic bytes ``1f 8b``), not by name.
        max_bytes: refuse files whose header claims more data bytes than this (default
            :data:`MAX_BYTES`, 4 GiB); ``None`` for no bound.  The read never holds more
            than about the real data plus 1 MiB (see the module docstring).

    Returns:
        A writeable array in native byte order whose shape is the header's dimension sizes
        (``()`` for a 0-dimensional file) and whose dtype is given by the type code
        (uint8, int8, int16, int32, float32 or float64).  For MNIST: images
        ``(N, 28, 28) uint8`` and labels ``(N,) uint8``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        IDXError: (a ``ValueError``) the file is not valid IDX: bad magic, unknown type code,
            truncated header, more than 64 dimensions, too few data bytes ("truncated"), too
            many ("trailing garbage"), a corrupt gzip stream, or a header claiming more than
            ``max_bytes`` or than the gzip file can hold.  The message starts with the file
            name.
    """
    name = os.fspath(path)
    with open(path, "rb") as raw:
        info = os.fstat(raw.fileno())
        if not _is_gzip(raw):
            return _parse(raw, name, info, None, max_bytes)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                return _parse(gz, name, None, info.st_size, max_bytes)
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise IDXError(f"{name}: corrupt gzip stream: {exc}") from exc


def _parse(
    stream: BinaryIO,
    name: str,
    raw_info: os.stat_result | None,
    gzip_size: int | None,
    max_bytes: int | None,
) -> np.ndarray:
    """Parse an IDX stream. ``raw_info``: the stat of an uncompressed file; ``gzip_size``:
    the size of the compressed file the stream decompresses."""
    magic = bytes(_read_at_most(stream, 4))
    if len(magic) < 4:
        raise IDXError(
            f"{name}: truncated IDX header: need 4 magic bytes, file has only {len(magic)}"
        )
    if magic[0] != 0 or magic[1] != 0:
        raise IDXError(
            f"{name}: not an IDX file: bad magic {magic.hex(' ')} "
            "(an IDX file starts with two zero bytes, a type code and a dimension count)"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X} {dt.newbyteorder('=').name}" for c, dt in IDX_TYPES.items())
        raise IDXError(f"{name}: unknown IDX type code 0x{code:02X} (known: {known})")
    dtype = IDX_TYPES[code]

    size_bytes = bytes(_read_at_most(stream, 4 * ndim))
    if len(size_bytes) < 4 * ndim:
        raise IDXError(
            f"{name}: truncated IDX header: magic says {ndim} dimensions "
            f"({4 * ndim} bytes of sizes) but only {len(size_bytes)} bytes follow"
        )
    dims = tuple(int(d) for d in np.frombuffer(size_bytes, dtype=">u4"))
    count = 1
    for d in dims:  # Python ints: no overflow however absurd the header is
        count *= d
    expected = count * dtype.itemsize
    what = f"header claims {_describe(dims, dtype)} ({expected} bytes)"
    header_size = 4 + 4 * ndim

    # Refuse what cannot be right before reading a byte of data.
    if raw_info is not None and stat.S_ISREG(raw_info.st_mode):
        available = raw_info.st_size - header_size  # the real length, known without reading
        if available < expected:
            raise IDXError(f"{name}: truncated IDX data: {what} but only {available} bytes follow")
        if available > expected:
            raise IDXError(
                f"{name}: trailing garbage after IDX data: {what} but {available} bytes follow"
            )
    if gzip_size is not None:
        most = gzip_size * _DEFLATE_MAX_RATIO + _DEFLATE_SLACK - header_size
        if expected > most:
            raise IDXError(
                f"{name}: impossible IDX header: {what}, but a gzip file of {gzip_size} bytes "
                f"decompresses to at most {most} bytes of data (a truncated file or a gzip bomb)"
            )
    if max_bytes is not None and expected > max_bytes:
        raise IDXError(
            f"{name}: IDX file too large: {what}, more than max_bytes={max_bytes} "
            "(pass a larger max_bytes, or None, to read it)"
        )
    if ndim > _MAX_DIMS:
        raise IDXError(
            f"{name}: IDX header has {ndim} dimensions; numpy arrays have at most {_MAX_DIMS}"
        )

    data = _read_at_most(stream, expected)
    if len(data) < expected:
        raise IDXError(f"{name}: truncated IDX data: {what} but only {len(data)} bytes follow")
    if stream.read(1):
        raise IDXError(
            f"{name}: trailing garbage after IDX data: {what} but more than {expected} bytes "
            "follow"
        )
    array = np.frombuffer(data, dtype=dtype).reshape(dims)  # a view of the (writeable) buffer
    if not dtype.isnative and dtype.itemsize > 1:
        array.byteswap(inplace=True)  # in place: no second copy of the data
    return array.view(dtype.newbyteorder("="))


def write_idx(path: StrPath, array: ArrayLike) -> Path:
    """Write ``array`` to ``path`` as an IDX file, gzip-compressed if the name ends in ``.gz``.

    The write is atomic (:func:`autodiff.atomic.atomic_write`): the data goes to a temporary file in
    the same directory which then replaces ``path``, so readers never see a half-written file.

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
    with atomic_write(path) as f:
        if path.suffix.lower() == ".gz":
            # mtime=0 makes the output reproducible byte for byte.
            with gzip.GzipFile(filename=path.name, mode="wb", fileobj=f, mtime=0) as gz:
                gz.write(header)
                gz.write(payload)
        else:
            f.write(header)
            f.write(payload)
    return path
