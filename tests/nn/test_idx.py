"""Tests for the IDX reader/writer in nn.data.idx (small files built here, no real data)."""

from __future__ import annotations

import gzip
import os
import struct
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from nn.data import read_idx, write_idx
from nn.data.idx import IDX_TYPES, MAX_BYTES, IDXError

DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.int16,
    0x0C: np.int32,
    0x0D: np.float32,
    0x0E: np.float64,
}
SHAPES = [(), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 2)]


def header(code: int, dims: tuple[int, ...]) -> bytes:
    """IDX header built by hand from the spec: 00 00 <code> <ndim> then big-endian uint32s."""
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)


def sample(dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    """Values that exercise sign, extremes and every byte of the element."""
    n = int(np.prod(shape, dtype=np.int64))
    dt = np.dtype(dtype)
    if dt.kind == "f":
        base = np.array([0.0, -1.5, 3.25e-7, np.pi, -1e30 if dt.itemsize == 4 else -1e300, 255])
    else:
        info = np.iinfo(dt)
        base = np.array([info.min, info.max, 0, 1, info.max // 3, info.min // 7 if info.min else 2])
    return np.resize(base.astype(dt), n).reshape(shape)


def write_bytes(path: Path, data: bytes, gz: bool = False) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
@pytest.mark.parametrize("code", sorted(DTYPES), ids=lambda c: np.dtype(DTYPES[c]).name)
def test_round_trip_every_type_and_rank(tmp_path, code, shape, suffix):
    array = sample(DTYPES[code], shape)
    path = write_idx(tmp_path / f"a.idx{suffix}", array)
    back = read_idx(path)
    assert back.dtype == np.dtype(DTYPES[code])
    assert back.dtype.isnative
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable
    # The type code byte on disk is the one the spec assigns to this dtype.
    raw = path.read_bytes()
    if suffix:
        raw = gzip.decompress(raw)
    assert raw[:4] == bytes([0, 0, code, len(shape)])
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("code", sorted(DTYPES), ids=lambda c: np.dtype(DTYPES[c]).name)
def test_write_matches_hand_built_bytes(tmp_path, code):
    """write_idx emits exactly header + big-endian data, and read_idx parses hand-made bytes."""
    array = sample(DTYPES[code], (2, 3))
    expected = (
        header(code, (2, 3)) + array.astype(np.dtype(DTYPES[code]).newbyteorder(">")).tobytes()
    )
    assert write_idx(tmp_path / "w.idx", array).read_bytes() == expected
    hand = write_bytes(tmp_path / "hand.idx", expected)
    np.testing.assert_array_equal(read_idx(hand), array)


def test_known_big_endian_values(tmp_path):
    path = write_bytes(tmp_path / "i16", header(0x0B, (3,)) + b"\x01\x02\xff\xfe\x80\x00")
    np.testing.assert_array_equal(read_idx(path), [0x0102, -2, -32768])
    path = write_bytes(tmp_path / "f32", header(0x0D, (2,)) + struct.pack(">ff", 1.5, -2.0))
    np.testing.assert_array_equal(read_idx(path), np.array([1.5, -2.0], np.float32))
    path = write_bytes(tmp_path / "u8", header(0x08, (2, 2)) + bytes([0, 127, 128, 255]))
    np.testing.assert_array_equal(read_idx(path), [[0, 127], [128, 255]])


def test_scalar_file_holds_one_value(tmp_path):
    path = write_bytes(tmp_path / "scalar.idx", header(0x0C, ()) + struct.pack(">i", -7))
    value = read_idx(path)
    assert value.shape == () and value.dtype == np.int32 and value == -7


def test_zero_length_dimension(tmp_path):
    path = write_bytes(tmp_path / "empty.idx", header(0x08, (0, 28, 28)))
    assert read_idx(path).shape == (0, 28, 28)


def test_gzip_detected_by_content_not_name(tmp_path):
    array = sample(np.int32, (4, 2))
    body = header(0x0C, (4, 2)) + array.astype(">i4").tobytes()
    np.testing.assert_array_equal(
        read_idx(write_bytes(tmp_path / "no-suffix", body, gz=True)), array
    )
    np.testing.assert_array_equal(read_idx(write_bytes(tmp_path / "raw.gz", body)), array)


def test_accepts_str_paths_and_uint8_from_other_byte_orders(tmp_path):
    array = np.arange(6, dtype="<i4").reshape(2, 3)
    write_idx(str(tmp_path / "s.idx"), array)
    np.testing.assert_array_equal(read_idx(str(tmp_path / "s.idx")), array)


# ----------------------------------------------------------------------------- writer


def test_write_idx_rejects_unsupported_dtypes(tmp_path):
    for bad in (np.zeros(3, np.int64), np.zeros(3, bool), np.zeros(3, np.float16)):
        with pytest.raises(TypeError, match="not supported"):
            write_idx(tmp_path / "bad.idx", bad)
    assert list(tmp_path.iterdir()) == []


def test_write_idx_is_atomic(tmp_path, monkeypatch):
    path = write_idx(tmp_path / "keep.idx.gz", np.arange(4, dtype=np.uint8))
    before = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_idx(path, np.arange(100, dtype=np.uint8))
    assert path.read_bytes() == before
    assert no_temp_files(tmp_path)
    monkeypatch.undo()
    write_idx(path, np.arange(100, dtype=np.uint8))  # overwriting works
    assert read_idx(path).shape == (100,)
    assert no_temp_files(tmp_path)


# ----------------------------------------------------------------------------- errors


def check_error(path: Path, *fragments: str, **kwargs) -> str:
    with pytest.raises(IDXError) as info:
        read_idx(path, **kwargs)
    message = str(info.value)
    assert path.name in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_bad_magic(tmp_path, gz):
    path = write_bytes(tmp_path / "bad-magic", b"\x01\x00\x08\x01" + b"\x00" * 8, gz)
    check_error(path, "not an IDX file", "bad magic")
    path = write_bytes(tmp_path / "text-file", b"hello world, not idx", gz)
    check_error(path, "not an IDX file")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("code", [0x00, 0x07, 0x0A, 0x0F, 0xFF])
def test_unknown_type_code(tmp_path, gz, code):
    assert code not in IDX_TYPES
    path = write_bytes(tmp_path / "odd-type", header(code, (1,)) + b"\x00" * 8, gz)
    check_error(path, "unknown IDX type code", f"0x{code:02X}")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_truncated_header(tmp_path, gz):
    check_error(write_bytes(tmp_path / "empty-file", b"", gz), "truncated IDX header")
    check_error(write_bytes(tmp_path / "two-bytes", b"\x00\x00", gz), "truncated IDX header")
    # Three dimensions announced, sizes for only one and a half.
    path = write_bytes(tmp_path / "short-dims", b"\x00\x00\x08\x03" + b"\x00\x00\x00\x02\x00", gz)
    check_error(path, "truncated IDX header", "3 dimensions", "only 5 bytes")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_truncated_data(tmp_path, gz):
    name = "train-images-idx3-ubyte" + (".gz" if gz else "")
    path = write_bytes(tmp_path / name, header(0x08, (60000, 28, 28)) + b"\x00" * 1000, gz)
    if gz:  # 47 MB cannot come out of a 50-byte gzip file: refused before decompressing
        message = check_error(path, "impossible IDX header", "truncated file or a gzip bomb")
        assert "header claims 60000x28x28 uint8 (47040000 bytes), but a gzip file of" in message
    else:
        message = check_error(path, "truncated IDX data")
        assert "60000x28x28 uint8 (47040000 bytes) but only 1000 bytes follow" in message
    path = write_bytes(tmp_path / "short-f64", header(0x0E, (3,)) + b"\x00" * 23, gz)
    check_error(path, "truncated IDX data", "3 float64 (24 bytes)", "only 23 bytes")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_trailing_bytes(tmp_path, gz):
    path = write_bytes(tmp_path / "long.idx", header(0x0B, (2, 3)) + b"\x00" * 13, gz)
    message = check_error(path, "trailing garbage", "2x3 int16 (12 bytes)")
    assert ("more than 12 bytes" if gz else "13 bytes follow") in message


def test_gzip_output_far_larger_than_claimed_is_bounded(tmp_path):
    """A small header followed by a huge decompressed stream stops after expected+1 bytes."""
    body = header(0x08, (10,)) + bytes(20 << 20)  # 20 MiB of zeros, ~20 KiB compressed
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(body, compresslevel=1))
    start = time.perf_counter()
    check_error(path, "trailing garbage", "more than 10 bytes")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_huge_claimed_size_on_tiny_file(tmp_path, gz):
    """4e9 float64 elements (32 GB) claimed by a 100-byte file: ValueError, not MemoryError."""
    dims = (4, 1000, 1000, 1000)
    path = write_bytes(tmp_path / "liar.idx", header(0x0E, dims) + b"\x07" * 80, gz)
    start = time.perf_counter()
    problem = "impossible IDX header" if gz else "truncated IDX data"
    message = check_error(path, problem, "4x1000x1000x1000 float64", "32000000000 bytes")
    assert gz or "only 80 bytes" in message
    assert time.perf_counter() - start < 1.0
    # The largest header IDX can express: 255 dimensions of 2**32-1.
    path = write_bytes(tmp_path / "max.idx", header(0x08, (0xFFFFFFFF,) * 255), gz)
    check_error(path, problem)


def gz_body() -> bytes:
    array = np.arange(200, dtype=np.int16)
    return gzip.compress(header(0x0B, (200,)) + array.astype(">i2").tobytes(), mtime=0)


def test_corrupt_gzip_bad_crc(tmp_path):
    data = bytearray(gz_body())
    data[-8] ^= 0xFF  # the CRC32 field of the gzip trailer
    path = tmp_path / "bad-crc.gz"
    path.write_bytes(bytes(data))
    check_error(path, "corrupt gzip", "CRC")


def test_corrupt_gzip_bad_length_trailer(tmp_path):
    data = bytearray(gz_body())
    data[-1] ^= 0xFF  # the ISIZE field
    path = tmp_path / "bad-isize.gz"
    path.write_bytes(bytes(data))
    check_error(path, "corrupt gzip")


@pytest.mark.parametrize("keep", [0.5, 0.9, 12])
def test_corrupt_gzip_truncated_stream(tmp_path, keep):
    data = gz_body()
    cut = int(len(data) * keep) if keep < 1 else keep
    path = tmp_path / "cut.gz"
    path.write_bytes(data[:cut])
    check_error(path, "corrupt gzip")


def test_corrupt_gzip_garbled_deflate_data(tmp_path):
    data = bytearray(gz_body())
    data[12:20] = b"\xff" * 8  # inside the deflate stream
    path = tmp_path / "garbled.gz"
    path.write_bytes(bytes(data))
    check_error(path, "corrupt gzip")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.idx")


# ----------------------------------------------------------------------------- hostile files


def gzip_bomb(path: Path, dims: tuple[int, ...], zeros: int) -> Path:
    """A gzip file whose header claims `dims` uint8 and whose body is `zeros` zero bytes,
    compressed chunk by chunk (never held whole in memory)."""
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as gz:
        gz.write(header(0x08, dims))
        chunk = bytes(1 << 20)
        for _ in range(zeros >> 20):
            gz.write(chunk)
        gz.write(bytes(zeros & ((1 << 20) - 1)))
    return path


def peak_bytes_of(fn) -> int:
    """Peak memory traced while `fn()` runs (numpy reports its data buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gzip_bomb_with_an_impossible_header_is_refused_before_reading(tmp_path):
    """2**31 x 2**31 images claimed by a ~64 KiB file holding 64 MiB of zeros: refused from the
    header alone, in bounded time and memory."""
    path = gzip_bomb(tmp_path / "bomb.gz", (1 << 31, 1 << 31), zeros=64 << 20)
    assert path.stat().st_size < 200_000

    def read():
        check_error(path, "impossible IDX header", "2147483648x2147483648 uint8", "gzip bomb")

    start = time.perf_counter()
    peak = peak_bytes_of(read)
    assert time.perf_counter() - start < 1.0
    assert peak < 2 << 20, f"peak {peak} bytes"


def test_gzip_bomb_with_a_plausible_header_takes_memory_near_its_real_data(tmp_path):
    """A header claiming a little more than the 16 MiB of zeros behind it (so a 16 KiB gzip
    file could hold it): truncated, and the read's peak memory stays near the data really
    there."""
    real = 16 << 20
    claimed = real + 4096
    path = gzip_bomb(tmp_path / "plausible.gz", (claimed,), zeros=real)
    assert claimed < path.stat().st_size * 1032  # the header passes the deflate bound
    peak = peak_bytes_of(lambda: check_error(path, "truncated IDX data", f"only {real} bytes"))
    assert real <= peak < real * 1.3 + (2 << 20), f"peak {peak} bytes for {real} bytes of data"


def test_a_valid_gzip_file_reads_with_memory_near_its_size(tmp_path):
    array = np.arange(1 << 21, dtype=np.int32) * 7  # 8 MiB, big-endian on disk
    body = header(0x0C, array.shape) + array.astype(">i4").tobytes()
    path = tmp_path / "big.idx.gz"
    path.write_bytes(gzip.compress(body, compresslevel=1))  # fast to write; reads the same
    out = []
    peak = peak_bytes_of(lambda: out.append(read_idx(path)))
    np.testing.assert_array_equal(out[0], array)
    assert out[0].dtype == np.int32 and out[0].dtype.isnative and out[0].flags.writeable
    assert peak < array.nbytes * 1.3 + (2 << 20), f"peak {peak} bytes for {array.nbytes}"


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_max_bytes_refuses_before_reading(tmp_path, gz):
    path = write_idx(tmp_path / ("m.idx.gz" if gz else "m.idx"), np.zeros(1000, np.float64))
    check_error(path, "too large", "8000 bytes", "max_bytes=7999", max_bytes=7999)
    assert read_idx(path, max_bytes=8000).shape == (1000,)
    assert read_idx(path, max_bytes=None).shape == (1000,)
    assert MAX_BYTES == 4 << 30


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("ndim", [65, 255])
def test_more_dimensions_than_numpy_allows_names_the_file(tmp_path, gz, ndim):
    path = write_bytes(tmp_path / "many-dims.idx", header(0x08, (1,) * ndim) + b"\x05", gz)
    check_error(path, f"{ndim} dimensions", "at most 64")


def test_sixty_four_dimensions_still_read(tmp_path):
    path = write_bytes(tmp_path / "dims64.idx", header(0x0B, (1,) * 64) + b"\x00\x07")
    assert read_idx(path).reshape(()) == 7


def test_idx_error_is_a_value_error():
    assert issubclass(IDXError, ValueError)
