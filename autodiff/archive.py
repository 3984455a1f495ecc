"""Pickle-free, verified archives: named numpy arrays in one `.npz`, written atomically.

The one file format behind `autodiff.save`/`autodiff.load` and `nn.train`'s checkpoints.
`np.load(path, allow_pickle=False)` reads it: nothing is pickled, so reading a file cannot run
code. Besides the arrays it holds a member `__manifest__`: every other member's key and the
SHA-256 of its bytes, recorded as they were written.

**Writing is atomic** (autodiff/atomic.py): the archive goes to a temporary file next to the
target, is flushed to disk, and then replaces the target in one `os.replace`, so an error or a
KeyboardInterrupt mid-write leaves the previous file intact (a binary file object given instead
of a path is written in place).

**Reading is verified**: each member's bytes are hashed as they are read and compared with the
SHA-256 the manifest recorded; the set of members must be exactly the manifest's; member headers
claiming more bytes than the file holds, encrypted or compressed members, object arrays and any
zip or .npy damage are refused before anything is allocated for them. Every such problem raises
the caller's error class (`ArchiveError` by default) naming the file and the member.
"""

from __future__ import annotations

import hashlib
import math
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np

from .atomic import atomic_write

MANIFEST = "__manifest__"
FORMAT_KEY = "__format__"
_CHUNK = 1 << 20

StrPath = str | os.PathLike


class ArchiveError(ValueError):
    """The file is not a readable archive of the expected format (truncated, corrupt, altered,
    pickled, or something else altogether)."""


class _Hashing:
    """A file object that passes reads or writes through and hashes the bytes on the way."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.digest, self.count = stream, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.count += len(data)
        return self.stream.write(data)

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:
        n = self.stream.readinto(buffer)
        self.digest.update(buffer[:n])
        self.count += n
        return n


def write_archive(target: StrPath | IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` and their manifest to `target`: a path (atomically) or a binary file
    object. np.savez's layout (stored, not compressed; zip64 members), written member by member
    so that each member's bytes are hashed as they go out; the manifest comes last."""
    if isinstance(target, str | os.PathLike):
        with atomic_write(Path(target)) as f:
            _write_members(f, arrays)
    else:
        _write_members(target, arrays)


def _write_members(f: Any, arrays: Mapping[str, np.ndarray]) -> None:
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, True) as archive:
        digests = []
        for key, array in arrays.items():
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                hashing = _Hashing(member)
                np.lib.format.write_array(hashing, np.asanyarray(array), allow_pickle=False)
            digests.append((key, hashing.digest.hexdigest()))
        with archive.open(MANIFEST + ".npy", "w", force_zip64=True) as member:
            np.lib.format.write_array(member, np.array(digests, dtype=str), allow_pickle=False)


def read_archive(
    source: StrPath | IO[bytes],
    expected_format: str,
    what: str = "archive",
    error: type[Exception] = ArchiveError,
    unverified_formats: tuple[str, ...] = (),
) -> dict[str, np.ndarray]:
    """Every member of the archive at `source` (a path or a binary file object) as an array,
    verified against the manifest; the manifest itself is left out.

    The member `__format__` must hold `expected_format`. An archive without a manifest is read
    unverified only if its format is one of `unverified_formats` (files written before digests).
    `what` names the kind of file in messages ("checkpoint": "cannot read the checkpoint", "not
    a glassgrad checkpoint"); every problem raises `error` naming the file. FileNotFoundError
    and PermissionError pass through.
    """
    reader = _Reader(source, expected_format, what, error, unverified_formats)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as f:
            return reader.read(f)
    return reader.read(source)


class _Reader:
    def __init__(
        self,
        source: Any,
        expected_format: str,
        what: str,
        error: type[Exception],
        unverified_formats: tuple[str, ...],
    ) -> None:
        self.path = (
            source if isinstance(source, str | os.PathLike) else getattr(source, "name", "<file>")
        )
        self.expected_format = expected_format
        self.what = what
        self.error = error
        self.unverified_formats = unverified_formats

    def read(self, f: BinaryIO) -> dict[str, np.ndarray]:
        try:
            size = os.fstat(f.fileno()).st_size
        except (AttributeError, OSError, ValueError):  # an in-memory file
            position = f.tell()
            size = f.seek(0, os.SEEK_END)
            f.seek(position)
        try:
            with zipfile.ZipFile(f) as archive:
                return self._read_members(archive, size)
        except self.error:
            raise
        except Exception as err:  # zipfile and numpy raise a dozen kinds on damaged files
            raise self.error(
                f"{self.path}: cannot read the {self.what} (truncated, corrupt or not an .npz?): "
                f"{type(err).__name__}: {err}"
            ) from err

    def _read_members(self, archive: zipfile.ZipFile, size: int) -> dict[str, np.ndarray]:
        path, error, what = self.path, self.error, self.what
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise error(f"{path}: members {twice} appear more than once in the archive")
        for info in infos:
            self._check_member_info(info, size)
        if not names or not all(name.endswith(".npy") for name in names):
            odd = [n for n in names if not n.endswith(".npy")] or "no members"
            raise error(f"{path}: not a {what} archive (members {odd})")
        keys = {name[: -len(".npy")]: info for name, info in zip(names, infos)}

        if MANIFEST not in keys:
            tag = None
            if FORMAT_KEY in keys:
                tag, _ = self._read_member(archive, keys[FORMAT_KEY], FORMAT_KEY)
            if tag is not None and tag.shape == () and str(tag) in self.unverified_formats:
                return {k: self._read_member(archive, info, k)[0] for k, info in keys.items()}
            found = f"no {FORMAT_KEY!r} entry" if tag is None else f"format {tag!r}"
            raise error(
                f"{path}: not a glassgrad {what} ({found} and no {MANIFEST!r}; expected "
                f"{self.expected_format!r})"
            )

        manifest, _ = self._read_member(archive, keys[MANIFEST], MANIFEST)
        if manifest.dtype.kind != "U" or manifest.ndim != 2 or manifest.shape[1:] != (2,):
            raise error(
                f"{path}: member {MANIFEST!r} is malformed ({manifest.dtype} {manifest.shape})"
            )
        expected = {str(k): str(d) for k, d in manifest}
        present = set(keys) - {MANIFEST}
        if len(expected) != len(manifest) or present != set(expected):
            missing, extra = sorted(set(expected) - present), sorted(present - set(expected))
            raise error(
                f"{path}: the members differ from the manifest: missing {missing}, not listed "
                f"{extra}"
            )
        arrays = {}
        for key in expected:
            array, digest = self._read_member(archive, keys[key], key)
            if digest != expected[key]:
                raise error(
                    f"{path}: member {key!r} is corrupt: its SHA-256 is {digest}, the manifest "
                    f"recorded {expected[key]} when it was saved"
                )
            arrays[key] = array
        tag = arrays.get(FORMAT_KEY)
        if tag is None or tag.shape != () or str(tag) != self.expected_format:
            found = f"no {FORMAT_KEY!r} entry" if tag is None else f"format {tag!r}"
            raise error(
                f"{path}: not a glassgrad {what} ({found}; expected {self.expected_format!r})"
            )
        return arrays

    def _check_member_info(self, info: zipfile.ZipInfo, size: int) -> None:
        where = f"{self.path}: member {info.filename!r}"
        error, what = self.error, self.what
        if info.flag_bits & 0x1:
            raise error(f"{where} is encrypted ({what}s never are)")
        if info.compress_type != zipfile.ZIP_STORED:
            raise error(f"{where} is compressed (method {info.compress_type}); {what}s are stored")
        if info.file_size > size or info.compress_size > size or info.header_offset > size:
            raise error(
                f"{where} claims {info.file_size} bytes at offset {info.header_offset}, but the "
                f"file holds only {size} bytes (truncated or corrupt)"
            )

    def _read_member(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str
    ) -> tuple[np.ndarray, str]:
        """One .npy member as an array, and the SHA-256 of its bytes. The .npy header is checked
        against the member's size before the array is allocated."""
        where = f"{self.path}: member {key!r}"
        error = self.error
        try:
            with archive.open(info) as member:
                stream = _Hashing(member)
                version = np.lib.format.read_magic(stream)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
                else:
                    raise error(f"{where}: unsupported .npy version {version}")
                if dtype.hasobject:
                    raise error(f"{where} holds Python objects (pickled data): refused")
                if any(d < 0 for d in shape):
                    raise error(f"{where}: its header has a negative shape {shape}")
                count = math.prod(shape)
                if stream.count + count * dtype.itemsize != info.file_size:
                    raise error(
                        f"{where}: its header claims {shape} {dtype} ({count * dtype.itemsize} "
                        f"bytes), but the member holds {info.file_size - stream.count} bytes of "
                        "data"
                    )
                flat = np.empty(count, dtype=dtype)
                view = memoryview(flat.view(np.uint8)) if flat.nbytes else memoryview(b"")
                filled = 0
                while filled < len(view):
                    n = stream.readinto(view[filled : filled + _CHUNK])
                    if not n:
                        raise error(f"{where} is truncated")
                    filled += n
                if stream.read(1):  # also makes zipfile check the member's CRC-32
                    raise error(f"{where} has bytes after its array")
                array = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
        except self.error:
            raise
        except Exception as err:
            raise error(f"{where} cannot be read: {type(err).__name__}: {err}") from err
        return array, stream.digest.hexdigest()
