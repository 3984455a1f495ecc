"""Fuzzing the checkpoint reader: random bytes and random mutations of a valid checkpoint (bit
flips, byte changes, truncations, splices) either read back exactly the saved content or raise
CheckpointError naming the file — never zipfile's, numpy's or a MemoryError."""

from __future__ import annotations

import numpy as np
from checkpoint_support import same_contents
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn.train import CheckpointError, History, read_checkpoint, save_checkpoint

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def valid_checkpoint(tmp_path):
    path = tmp_path / "valid.npz"
    if not path.exists():
        nn.init.manual_seed(0)
        save_checkpoint(
            path,
            nn.Linear(3, 2),
            history=History({"loss": [1.0, 0.5]}),
            epoch=3,
            config={"sizes": np.arange(4)},
        )
    return path, read_checkpoint(path)


@st.composite
def mutations(draw, size: int):
    """A list of 1-3 edits of a file of `size` bytes."""
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "byte", "truncate", "splice"]))
        at = draw(st.integers(0, size - 1))
        if kind == "flip":
            edits.append((kind, at, 1 << draw(st.integers(0, 7))))
        elif kind == "byte":
            edits.append((kind, at, draw(st.integers(0, 255))))
        elif kind == "truncate":
            edits.append((kind, at, None))
        else:
            edits.append((kind, at, (draw(st.integers(0, 16)), draw(st.binary(max_size=24)))))
    return edits


def apply(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for kind, at, arg in edits:
        at = min(at, max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[at] ^= arg
        elif kind == "byte" and out:
            out[at] = arg
        elif kind == "truncate":
            del out[at:]
        elif kind == "splice":
            cut, insert = arg
            out[at : at + cut] = insert
    return bytes(out)


def read_or_error(path):
    try:
        return read_checkpoint(path)
    except CheckpointError as err:
        assert path.name in str(err)
        return None


@FUZZ
@given(data=st.data())
def test_mutated_checkpoints_read_identically_or_raise_checkpoint_error(tmp_path, data):
    path, original = valid_checkpoint(tmp_path)
    good = path.read_bytes()
    edits = data.draw(mutations(len(good)))
    mutant = tmp_path / "mutant.npz"
    mutant.write_bytes(apply(good, edits))
    ckpt = read_or_error(mutant)
    assert ckpt is None or same_contents(ckpt, original)


@FUZZ
@given(blob=st.binary(max_size=300), zip_magic=st.booleans())
def test_random_bytes_raise_checkpoint_error(tmp_path, blob, zip_magic):
    path = tmp_path / "random.npz"
    path.write_bytes((b"PK\x03\x04" if zip_magic else b"") + blob)
    assert read_or_error(path) is None
