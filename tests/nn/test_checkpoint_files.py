"""Checkpoint files under attack: killed saves, stale temporary files, bit flips, altered and
missing members, lying zip and .npy headers. Every corruption is a CheckpointError naming the
file (and the member); nothing loads silently wrong; nothing is lost."""

from __future__ import annotations

import hashlib
import os
import signal
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from checkpoint_support import same_contents

import nn
from autodiff.atomic import remove_stale_temporaries, temporary_name
from nn import optim
from nn.train import CheckpointError, EarlyStopping, History, read_checkpoint, save_checkpoint

ROOT = Path(__file__).resolve().parents[2]
HOST = temporary_name(Path("x")).split(".")[2]


def small_run(path: Path, epoch: int = 3) -> Path:
    nn.init.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for p in model.parameters():
        optimizer.state[p] = {"momentum_buffer": np.full(p.shape, 0.5, np.float32)}
    stopper = EarlyStopping(patience=2)
    stopper.step(0.7, model)
    return save_checkpoint(
        path,
        model,
        optimizer,
        history=History({"loss": [1.0, 0.5], "train_loss": [0.75]}),
        early_stopping=stopper,
        epoch=epoch,
        note="hello",
    )


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy an archive member by member through `change(name, bytes) -> bytes | None` (None
    drops the member); zipfile writes fresh, valid CRCs, so only the manifest can tell."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def error_of(path: Path) -> str:
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(path)
    assert str(path) in str(info.value)
    return str(info.value)


# ----------------------------------------------------------------------- bit flips
def test_single_bit_flips_load_identically_or_raise_checkpoint_error(tmp_path):
    """One flipped bit (each bit position in turn) in every byte of the archive's directory
    and its end records, where one bit decides how the rest is read, and in every 61st byte
    elsewhere: each read gives exactly the saved content or a CheckpointError. Before digests,
    flips in the zip's comment-length field loaded with `extra` gone, and others raised
    RuntimeError."""
    nn.init.manual_seed(0)
    good = save_checkpoint(
        tmp_path / "good.npz", nn.Linear(3, 2), history=History({"loss": [1.0]}), epoch=3
    )
    original = read_checkpoint(good)
    data = good.read_bytes()
    directory = data.index(b"PK\x01\x02")
    positions = [*range(0, directory, 61), *range(directory, len(data))]
    outcomes = {"identical": 0, "error": 0}
    flipped = tmp_path / "flipped.npz"
    for i in positions:
        mutant = bytearray(data)
        mutant[i] ^= 1 << (i % 8)
        flipped.write_bytes(bytes(mutant))
        try:
            ckpt = read_checkpoint(flipped)
        except CheckpointError as err:
            assert "flipped.npz" in str(err)
            outcomes["error"] += 1
            continue
        assert same_contents(ckpt, original), f"byte {i}: loaded different content"
        outcomes["identical"] += 1
    # Flips in fields zipfile ignores (timestamps, "version made by", file attributes) load
    # identically; most bytes matter.
    assert outcomes["error"] > len(positions) / 2, outcomes


def test_an_altered_member_with_a_valid_crc_fails_its_digest(tmp_path):
    good = small_run(tmp_path / "good.npz")

    def change(name, data):
        if name == "extra/epoch.npy":  # 3 -> 4, a valid .npy with a fresh CRC
            return data[:-8] + struct.pack("<q", 4)
        return data

    message = error_of(rewrite(good, tmp_path / "altered.npz", change))
    assert "member 'extra/epoch' is corrupt" in message and "SHA-256" in message


def test_a_missing_member_is_named(tmp_path):
    good = small_run(tmp_path / "good.npz")
    gone = rewrite(good, tmp_path / "gone.npz", lambda n, d: None if n == "extra/note.npy" else d)
    message = error_of(gone)
    assert "missing ['extra/note']" in message


def test_an_added_member_is_named(tmp_path):
    good = small_run(tmp_path / "good.npz")

    def add(name, data):
        return data

    path = rewrite(good, tmp_path / "added.npz", add)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("extra/sneaky.npy", b"")
    assert "not listed ['extra/sneaky']" in error_of(path)


def test_a_format_1_file_without_digests_still_loads(tmp_path):
    """Checkpoints written before digests (np.savez, format 1) load as before."""
    legacy = tmp_path / "legacy.npz"
    np.savez(
        legacy,
        __format__=np.array("glassgrad-checkpoint 1"),
        __sections__=np.array(["model", "extra"]),
        **{"model/weight": np.ones((2, 3), np.float32), "extra/epoch": np.array(5)},
    )
    ckpt = read_checkpoint(legacy)
    assert ckpt.extra == {"epoch": 5}
    np.testing.assert_array_equal(ckpt.model["weight"], np.ones((2, 3)))
    # Without a manifest, only format 1 is accepted.
    np.savez(tmp_path / "v2.npz", __format__=np.array("glassgrad-checkpoint 2"))
    assert "no '__manifest__'" in error_of(tmp_path / "v2.npz")


# -------------------------------------------------------------- lying headers
def central_directory_entry(data: bytes, name: str) -> int:
    """Offset of `name`'s central-directory record."""
    offset = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length] == name.encode():
            return offset
        offset = data.index(b"PK\x01\x02", offset + 4)


def test_a_member_claiming_more_bytes_than_the_file_holds(tmp_path):
    """A central-directory size of 4 GiB in a 3 KB file: refused before any allocation (it
    was a raw MemoryError)."""
    good = small_run(tmp_path / "good.npz")
    data = bytearray(good.read_bytes())
    entry = central_directory_entry(bytes(data), "__format__.npy")
    struct.pack_into("<II", data, entry + 20, 0xFFFFFFF0, 0xFFFFFFF0)  # both sizes
    liar = tmp_path / "liar.npz"
    liar.write_bytes(bytes(data))
    message = error_of(liar)
    assert "'__format__.npy' claims 4294967280 bytes" in message


def test_an_npy_header_claiming_a_huge_array_is_refused_before_allocating(tmp_path):
    good = small_run(tmp_path / "good.npz")

    def inflate(name, data):
        if name != "model/0.weight.npy":
            return data
        return data.replace(b"'shape': (4, 3)", b"'shape': (4000000, 300000)")

    path = rewrite(good, tmp_path / "huge.npz", inflate)
    message = error_of(path)  # not a MemoryError for 4.8 TB
    assert "member 'model/0.weight'" in message and "(4000000, 300000)" in message


def test_encrypted_and_compressed_members_are_refused(tmp_path):
    good = small_run(tmp_path / "good.npz")
    data = bytearray(good.read_bytes())
    entry = central_directory_entry(bytes(data), "extra/note.npy")
    data[entry + 8] |= 0x01  # general purpose flag: encrypted (was a raw RuntimeError)
    (tmp_path / "encrypted.npz").write_bytes(bytes(data))
    assert "'extra/note.npy' is encrypted" in error_of(tmp_path / "encrypted.npz")

    with zipfile.ZipFile(good) as old, zipfile.ZipFile(
        tmp_path / "deflated.npz", "w", zipfile.ZIP_DEFLATED
    ) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    assert "is compressed" in error_of(tmp_path / "deflated.npz")


def test_pickled_members_are_refused_even_with_a_matching_digest(tmp_path):
    """A hand-made archive whose manifest matches an object-array member: still refused."""
    good = small_run(tmp_path / "good.npz")
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    evil = buffer.getvalue()
    digest = hashlib.sha256(evil).hexdigest()

    def swap(name, data):
        if name == "extra/note.npy":
            return evil
        if name == "__manifest__.npy":
            manifest = np.lib.format.read_array(io.BytesIO(data))
            manifest[manifest[:, 0] == "extra/note", 1] = digest
            out = io.BytesIO()
            np.lib.format.write_array(out, manifest)
            return out.getvalue()
        return data

    message = error_of(rewrite(good, tmp_path / "evil.npz", swap))
    assert "'extra/note' holds Python objects" in message


# ------------------------------------------------------------- temporary files
def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


KILLED_SAVE = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    sys.path.insert(0, {root!r})
    import nn
    from nn.train import save_checkpoint

    write_array = np.lib.format.write_array
    def slow_write_array(fp, array, *args, **kwargs):
        write_array(fp, array, *args, **kwargs)
        if array.size > 1000:  # the big parameter is out: half an archive is on disk
            print("writing", flush=True)
            time.sleep(60)
    np.lib.format.write_array = slow_write_array
    model = nn.Linear(100, 100)
    save_checkpoint({path!r}, model, epoch=2)
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and pid checks need POSIX")
def test_a_killed_save_keeps_the_old_checkpoint_and_the_next_save_cleans_up(tmp_path):
    path = small_run(tmp_path / "run.npz", epoch=1)
    before = path.read_bytes()
    for _ in range(3):  # three saves killed mid-write
        script = KILLED_SAVE.format(root=str(ROOT), path=str(path))
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "writing"
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait(timeout=30)
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        # Each killed save leaves its temporary file, and each save removed the one of the
        # save killed before it: orphans never pile up.
        orphans = temporaries(tmp_path)
        assert len(orphans) == 1 and orphans[0].startswith(f".run.npz.{HOST}.{child.pid}.")
        assert (tmp_path / orphans[0]).stat().st_size > 40_000  # the big parameter was out
    assert path.read_bytes() == before  # the old checkpoint survived every kill
    assert read_checkpoint(path).extra["epoch"] == 1

    small_run(path, epoch=2)  # the next save to the same path removes the orphans
    assert temporaries(tmp_path) == []
    assert read_checkpoint(path).extra["epoch"] == 2


@pytest.mark.skipif(os.name != "posix", reason="pid checks need POSIX")
def test_temporaries_of_live_writers_and_other_files_are_left_alone(tmp_path):
    target = tmp_path / "run.npz"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ours = temporary_name(target)  # this process, but no write of ours is using it: stale
        theirs = ours.replace(f".{os.getpid()}.", f".{live.pid}.")  # a live writer
        other_host = ours.replace(f".{HOST}.", ".elsewhere.")
        unrelated = [".other.npz.x.1.0123abcd.tmp", "run.npz.tmp", ".run.npz.abc.tmp"]
        for name in [ours, theirs, other_host, *unrelated]:
            (tmp_path / name).write_bytes(b"partial")
        removed = remove_stale_temporaries(target)
        assert [p.name for p in removed] == [ours]
        assert temporaries(tmp_path) == sorted([theirs, other_host, *unrelated])
    finally:
        live.kill()
        live.wait()
