"""Checking the MNIST files against the sha256 of their uncompressed content."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from ..idx import StrPath
from . import files
from .files import locate
from .location import find_mnist


def sha256_stream(f: BinaryIO) -> str:
    """sha256 of the uncompressed content of a (possibly gzip) seekable stream."""
    is_gzip = f.read(2) == b"\x1f\x8b"
    f.seek(0)
    stream: BinaryIO = gzip.GzipFile(fileobj=f, mode="rb") if is_gzip else f  # type: ignore
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str | None:
    """sha256 of the uncompressed content of ``path``, or None if it is corrupt gzip."""
    try:
        with open(path, "rb") as f:
            return sha256_stream(f)
    except (gzip.BadGzipFile, EOFError, zlib.error):
        return None


def sha256_bytes(data: bytes) -> str | None:
    """sha256 of the uncompressed content of ``data``, or None if it is corrupt gzip."""
    try:
        return sha256_stream(io.BytesIO(data))
    except (gzip.BadGzipFile, EOFError, zlib.error):
        return None


def verify_mnist(root: StrPath | None = None, checksums: Mapping[str, str] | None = None) -> Path:
    """Check the sha256 of the (uncompressed) content of the four files.

    Args:
        root: where to look (see :func:`find_mnist`).
        checksums: file name -> expected sha256; default :data:`~nn.data.mnist.MNIST_FILES`.

    Returns:
        The directory that was verified.

    Raises:
        FileNotFoundError: as :func:`find_mnist`.
        ValueError: some file's content does not match; the message names each one.
    """
    table = files.MNIST_FILES if checksums is None else checksums
    directory = find_mnist(root)
    bad = []
    for name, expected in table.items():
        path = locate(directory, name)
        actual = sha256_file(path) if path is not None else "missing"
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
