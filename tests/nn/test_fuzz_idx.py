"""Fuzzing the IDX reader: random bytes and random mutations of valid files (bit flips,
truncations, splices) either read back correctly or raise IDXError — never numpy's, gzip's or
zlib's own exceptions, never a MemoryError.

"Correctly": a gzip file carries a CRC-32 of its content, so a mutated gzip file that still
reads gives exactly the original array. A raw IDX file has no checksum, so a flipped data bit is
a different valid file; the property there is that whatever reads back writes back to exactly
the bytes that were read.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn.data import read_idx, write_idx
from nn.data.idx import IDXError

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

ORIGINALS = {
    "u8": np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
    "f32": np.linspace(-3, 3, 10, dtype=np.float32),
    "i16": np.array([[1, -2], [300, -32768]], dtype=np.int16),
    "scalar": np.array(7.5),
}


def idx_bytes(array: np.ndarray, gz: bool) -> bytes:
    """The file write_idx makes of `array`, built by hand from the spec."""
    code = {"u1": 0x08, "f4": 0x0D, "i2": 0x0B, "f8": 0x0E}[array.dtype.str[1:]]
    raw = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    raw += array.astype(array.dtype.newbyteorder(">")).tobytes()
    return gzip.compress(raw, mtime=0) if gz else raw


@st.composite
def mutated(draw):
    """(original array, gz, mutated bytes) with 1-3 mutations of a valid file."""
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    gz = draw(st.booleans())
    data = bytearray(idx_bytes(ORIGINALS[name], gz))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "truncate", "splice", "byte"]))
        if kind == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte" and data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[draw(st.integers(0, len(data))) :]
        else:  # splice random bytes in at a random place, maybe replacing some
            at = draw(st.integers(0, len(data)))
            cut = draw(st.integers(0, 8))
            data[at : at + cut] = draw(st.binary(max_size=16))
    return ORIGINALS[name], gz, bytes(data)


def read_or_idx_error(path: Path) -> np.ndarray | None:
    try:
        return read_idx(path, max_bytes=1 << 20)
    except IDXError as err:
        assert path.name in str(err)
        return None


@FUZZ
@given(mutated())
def test_mutated_idx_files_read_back_right_or_raise_idx_error(tmp_path, case):
    original, gz, data = case
    path = tmp_path / "fuzz.idx"
    path.write_bytes(data)
    result = read_or_idx_error(path)
    if result is None:
        return
    if gz:
        np.testing.assert_array_equal(result, original)
        assert result.dtype == original.dtype and result.shape == original.shape
    else:
        again = write_idx(tmp_path / "again.idx", result)
        assert again.read_bytes() == data


@FUZZ
@given(data=st.binary(max_size=200), gz=st.booleans())
def test_random_bytes_raise_idx_error_or_read_consistently(tmp_path, data, gz):
    path = tmp_path / "random.idx"
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    result = read_or_idx_error(path)
    if result is not None:  # random bytes that happen to be valid IDX
        assert gzip.decompress(path.read_bytes()) == data if gz else True
        assert write_idx(tmp_path / "again.idx", result).read_bytes() == data


@FUZZ
@given(header=st.binary(min_size=4, max_size=40), body=st.binary(max_size=64))
def test_valid_magic_with_random_sizes_raise_idx_error_or_read(tmp_path, header, body):
    """Headers that pass the magic check (00 00, a known type) with random dimension bytes."""
    code = sorted({0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E})[header[2] % 6]
    ndim = header[3] % 8
    data = bytes([0, 0, code, ndim]) + header[4:] + body
    path = tmp_path / "header.idx"
    path.write_bytes(data)
    result = read_or_idx_error(path)
    if result is not None:
        assert result.ndim == ndim
        assert write_idx(tmp_path / "again.idx", result).read_bytes() == data
