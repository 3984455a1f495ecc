"""Tests for nn.data.mnist: look-up, download (offline, file:// mirrors) and loading.

Tests on the real data use /work/shared/data/mnist (``<repo>/../shared/data/mnist``) and are
skipped when it is absent.  Nothing here touches the network: an autouse fixture points the
default mirrors at a non-existent local directory.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from nn.data import MNIST, MNIST_FILES, download_mnist, find_mnist, load_mnist, write_idx
from nn.data.mnist import MNISTDownloadError, default_cache_dir, verify_mnist
from nn.data.mnist import download as download_module
from nn.data.mnist import files as files_module

REAL_MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"
NAMES = list(MNIST_FILES)
TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = NAMES


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No GLASSGRAD_DATA, a private HOME / XDG cache, and no way to reach the network."""
    monkeypatch.delenv("GLASSGRAD_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    offline = (tmp_path / "no-such-mirror").as_uri() + "/"
    monkeypatch.setattr(download_module, "MIRRORS", (offline,))


def make_fake_mnist(
    directory: Path, n_train: int = 6, n_test: int = 4, gz: bool = True, seed: int = 0
) -> dict[str, np.ndarray]:
    """Write four small MNIST-shaped IDX files; returns the arrays by standard name."""
    rng = np.random.default_rng(seed)
    arrays = {
        TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: rng.integers(0, 10, n_train, dtype=np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        write_idx(directory / (name if gz else name.removesuffix(".gz")), array)
    return arrays


def touch_all(directory: Path, names=NAMES) -> Path:
    """Empty placeholder files: enough for find_mnist, which only checks presence."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).touch()
    return directory


def uncompressed_sha256(path: Path) -> str:
    return hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()


@pytest.fixture()
def mirror(tmp_path):
    """A file:// mirror with fake MNIST files and the matching checksum table."""
    directory = tmp_path / "mirror"
    arrays = make_fake_mnist(directory, seed=1)
    checksums = {name: uncompressed_sha256(directory / name) for name in NAMES}
    return directory.as_uri() + "/", checksums, arrays


@pytest.fixture(scope="module")
def real_dir() -> Path:
    if not REAL_MNIST.is_dir():
        pytest.skip(f"real MNIST files not available at {REAL_MNIST}")
    return REAL_MNIST


@pytest.fixture(scope="module")
def real(real_dir):
    """Default load_mnist() of the real files, parsed once for the whole module."""
    return load_mnist(real_dir)


# ----------------------------------------------------------------------------- real data


def test_real_shapes_dtypes_and_range(real):
    (x_train, t_train), (x_test, t_test) = real
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert t_train.shape == (60000,) and t_test.shape == (10000,)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert t_train.dtype == np.int64 and t_test.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert x_test.min() == 0.0 and x_test.max() == 1.0
    assert set(np.unique(t_train)) == set(range(10)) == set(np.unique(t_test))


def test_real_first_labels_and_statistics(real):
    (x_train, t_train), (_, t_test) = real
    assert t_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert t_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert abs(x_train.mean(dtype=np.float64) - 0.1307) < 1e-3
    assert abs(x_train.std(dtype=np.float64) - 0.3081) < 1e-3


def test_real_arrays_are_read_only(real):
    (x_train, t_train), _ = real
    assert not x_train.flags.writeable and not t_train.flags.writeable
    with pytest.raises(ValueError):
        x_train[0, 0] = 1.0
    batch = x_train[np.array([0, 1])]  # fancy indexing gives a private, writeable copy
    batch[0, 0] = 1.0


def test_real_raw_one_hot_and_unflattened(real_dir, real):
    (_, t_train), _ = real
    (x_raw, _), (x_raw_test, _) = load_mnist(real_dir, normalize=False)
    assert x_raw.dtype == np.uint8 and x_raw.shape == (60000, 784) and x_raw.max() == 255
    assert x_raw_test.shape == (10000, 784)
    assert np.shares_memory(x_raw, load_mnist(real_dir, normalize=False)[0][0])  # cached

    (_, t_hot), (_, t_hot_test) = load_mnist(real_dir, one_hot=True)
    assert t_hot.shape == (60000, 10) and t_hot.dtype == np.float32
    assert t_hot_test.shape == (10000, 10)
    assert (t_hot.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(t_hot.argmax(axis=1), t_train)

    (x_img, _), (x_img_test, _) = load_mnist(real_dir, flatten=False)
    assert x_img.shape == (60000, 1, 28, 28) and x_img_test.shape == (10000, 1, 28, 28)
    np.testing.assert_array_equal(x_img.reshape(60000, 784), real[0][0])

    (x64, _), _ = load_mnist(real_dir, dtype=np.float64)
    assert x64.dtype == np.float64


def test_real_checksums(real_dir):
    assert verify_mnist(real_dir) == real_dir.resolve()
    wrong = dict(MNIST_FILES, **{TEST_LABELS: "0" * 64})
    with pytest.raises(ValueError, match=TEST_LABELS.removesuffix(".gz")):
        verify_mnist(real_dir, checksums=wrong)


def test_real_dataset_object(real_dir, real):
    train = MNIST(real_dir)
    assert len(train) == 60000
    assert train.images.shape == (60000, 1, 28, 28) and train.labels.shape == (60000,)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and label == 5
    images, labels = train[2:5]
    assert images.shape == (3, 1, 28, 28) and labels.tolist() == [4, 1, 9]
    images, labels = train[np.array([9, 0, 1])]
    assert images.shape == (3, 1, 28, 28) and labels.tolist() == [4, 5, 0]
    np.testing.assert_array_equal(images[1].reshape(784), real[0][0][0])
    test = MNIST(real_dir, train=False, flatten=True, one_hot=True)
    assert len(test) == 10000 and test.images.shape == (10000, 784)
    assert test.labels.shape == (10000, 10)
    assert "test" in repr(test) and "10000" in repr(test) and "train" in repr(train)


def test_real_found_through_env_var(real_dir, monkeypatch):
    monkeypatch.setenv("GLASSGRAD_DATA", str(real_dir.parent))  # found in its mnist/ subfolder
    assert find_mnist() == real_dir.resolve()


# ----------------------------------------------------------------------------- fake data


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "uncompressed"])
def test_load_small_fake_set(tmp_path, gz):
    arrays = make_fake_mnist(tmp_path / "d", gz=gz)
    (x, t), (xt, tt) = load_mnist(tmp_path / "d")
    assert x.shape == (6, 784) and xt.shape == (4, 784) and x.dtype == np.float32
    np.testing.assert_allclose(x * 255, arrays[TRAIN_IMAGES].reshape(6, 784), rtol=1e-6)
    np.testing.assert_array_equal(t, arrays[TRAIN_LABELS])
    np.testing.assert_array_equal(tt, arrays[TEST_LABELS])
    ds = MNIST(str(tmp_path / "d"), train=False, normalize=False)
    np.testing.assert_array_equal(ds.images[:, 0], arrays[TEST_IMAGES])


def test_load_notices_replaced_files(tmp_path):
    make_fake_mnist(tmp_path, seed=0)
    first = load_mnist(tmp_path)[0][1].copy()
    arrays = make_fake_mnist(tmp_path, n_train=7, seed=5)
    (x, t), _ = load_mnist(tmp_path)
    assert x.shape == (7, 784)
    np.testing.assert_array_equal(t, arrays[TRAIN_LABELS])
    assert first.shape == (6,)


def test_load_rejects_non_mnist_content(tmp_path):
    make_fake_mnist(tmp_path)
    write_idx(tmp_path / TRAIN_IMAGES, np.zeros((6, 28, 27), np.uint8))
    with pytest.raises(ValueError, match="28, 28"):
        load_mnist(tmp_path)
    make_fake_mnist(tmp_path)
    write_idx(tmp_path / TEST_LABELS, np.full(4, 10, np.uint8))
    with pytest.raises(ValueError, match="out of range"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="floating"):
        load_mnist(tmp_path, dtype=np.int32)


# ----------------------------------------------------------------------------- look-up order


def test_root_comes_first(tmp_path, monkeypatch):
    root, env = touch_all(tmp_path / "root"), touch_all(tmp_path / "env")
    touch_all(default_cache_dir())
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    assert find_mnist(root) == root.resolve()
    assert find_mnist(str(tmp_path / "root")) == root.resolve()


def test_root_mnist_subfolder(tmp_path):
    data = touch_all(tmp_path / "data" / "mnist")
    assert find_mnist(tmp_path / "data") == data.resolve()


def test_incomplete_root_falls_back_to_env(tmp_path, monkeypatch):
    root = touch_all(tmp_path / "root", NAMES[:3])
    env = touch_all(tmp_path / "env")
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    assert find_mnist(root) == env.resolve()


def test_env_var_directory_then_its_mnist_subfolder(tmp_path, monkeypatch):
    env = tmp_path / "data"
    sub = touch_all(env / "mnist")
    touch_all(default_cache_dir())
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    assert find_mnist() == sub.resolve()
    touch_all(env)
    assert find_mnist() == env.resolve()


def test_env_var_beats_cache(tmp_path, monkeypatch):
    touch_all(default_cache_dir())
    env = touch_all(tmp_path / "env")
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    assert find_mnist() == env.resolve()


def test_cache_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = touch_all(tmp_path / "xdg" / "glassgrad" / "mnist")
    assert default_cache_dir() == cache
    assert find_mnist() == cache.resolve()


def test_cache_under_home_without_xdg(tmp_path, monkeypatch):
    cache = touch_all(tmp_path / "home" / ".cache" / "glassgrad" / "mnist")
    assert default_cache_dir() == cache
    assert find_mnist() == cache.resolve()
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert default_cache_dir() == cache


def test_uncompressed_and_mixed_names_count(tmp_path):
    names = [NAMES[0].removesuffix(".gz"), NAMES[1], NAMES[2].removesuffix(".gz"), NAMES[3]]
    directory = touch_all(tmp_path / "mixed", names)
    assert find_mnist(directory) == directory.resolve()


def test_not_found_message(tmp_path, monkeypatch):
    root = touch_all(tmp_path / "root", NAMES[:2])  # two files missing
    env = tmp_path / "env-does-not-exist"
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    with pytest.raises(FileNotFoundError) as info:
        find_mnist(root)
    message = str(info.value)
    for directory in (root, root / "mnist", env, env / "mnist", default_cache_dir()):
        assert str(directory) in message, message
    assert f"missing {NAMES[2]}, {NAMES[3]}" in message
    assert "no such directory" in message
    for hint in ("root=", "--data DIR", "GLASSGRAD_DATA", "download=True"):
        assert hint in message
    with pytest.raises(FileNotFoundError, match="MNIST data not found"):
        load_mnist()
    with pytest.raises(FileNotFoundError, match="MNIST data not found"):
        MNIST(root)


def test_fallback_is_searched_last_and_listed_in_order(tmp_path, monkeypatch):
    env, cache, fallback = tmp_path / "env", tmp_path / "cache", tmp_path / "shared"
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    with pytest.raises(FileNotFoundError) as info:
        find_mnist(fallback=fallback)
    searched = [line for line in str(info.value).splitlines() if line.startswith("  - /")]
    expected = [env, env / "mnist", default_cache_dir(), fallback, fallback / "mnist"]
    assert [line.split()[1] for line in searched] == [str(d) for d in expected], searched
    touch_all(fallback / "mnist", NAMES)
    assert find_mnist(fallback=fallback) == (fallback / "mnist").resolve()
    touch_all(default_cache_dir(), NAMES)  # found earlier in the order: the cache wins
    assert find_mnist(fallback=fallback) == default_cache_dir().resolve()


# ----------------------------------------------------------------------------- download


def no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.rglob("*") if p.name.endswith(".tmp")]


def test_download_from_file_mirror(tmp_path, mirror):
    url, checksums, arrays = mirror
    cache = tmp_path / "cache"
    missing = (tmp_path / "empty-mirror").as_uri()  # tried first, fails, next one works
    result = download_mnist(cache, mirrors=[missing, url], checksums=checksums, progress=False)
    assert result == cache.resolve()
    assert sorted(p.name for p in cache.iterdir()) == sorted(NAMES)
    verify_mnist(cache, checksums=checksums)
    (x, t), _ = load_mnist(cache, normalize=False, flatten=False)
    np.testing.assert_array_equal(x[:, 0], arrays[TRAIN_IMAGES])
    np.testing.assert_array_equal(t, arrays[TRAIN_LABELS])
    assert no_temp_files(cache)


def test_download_skips_valid_files_and_replaces_bad_ones(tmp_path, mirror):
    url, checksums, _ = mirror
    cache = tmp_path / "cache"
    download_mnist(cache, mirrors=[url], checksums=checksums, progress=False)
    stamps = {name: (cache / name).stat().st_mtime_ns for name in NAMES}
    (cache / TEST_LABELS).write_bytes(b"not even gzip")
    offline = (tmp_path / "nowhere").as_uri()
    with pytest.raises(MNISTDownloadError, match=TEST_LABELS):  # only the bad one is fetched
        download_mnist(cache, mirrors=[offline], checksums=checksums, progress=False)
    download_mnist(cache, mirrors=[url], checksums=checksums, progress=False)
    verify_mnist(cache, checksums=checksums)
    for name in NAMES[:3]:
        assert (cache / name).stat().st_mtime_ns == stamps[name]


def test_download_accepts_present_uncompressed_file(tmp_path, mirror):
    url, checksums, arrays = mirror
    cache = tmp_path / "cache"
    make_fake_mnist(cache, gz=False, seed=1)  # same content as the mirror, uncompressed
    offline = (tmp_path / "nowhere").as_uri()
    download_mnist(cache, mirrors=[offline], checksums=checksums, progress=False)
    assert not list(cache.glob("*.gz"))


def test_download_checksum_mismatch(tmp_path, mirror):
    url, checksums, _ = mirror
    wrong = dict(checksums, **{TRAIN_LABELS: "ab" * 32})
    cache = tmp_path / "cache"
    with pytest.raises(MNISTDownloadError) as info:
        download_mnist(cache, mirrors=[url], checksums=wrong, progress=False)
    message = str(info.value)
    assert TRAIN_LABELS in message and "checksum mismatch" in message
    assert "ab" * 32 in message and checksums[TRAIN_LABELS] in message
    assert not (cache / TRAIN_LABELS).exists()
    assert no_temp_files(cache)
    assert isinstance(info.value, OSError)


def test_download_offline_error_explains_local_files(tmp_path, capsys):
    cache = tmp_path / "cache"
    mirrors = [(tmp_path / "a").as_uri() + "/", (tmp_path / "b").as_uri()]
    with pytest.raises(MNISTDownloadError) as info:
        download_mnist(cache, mirrors=mirrors)
    message = str(info.value)
    assert NAMES[0] in message and str(cache) in message
    assert mirrors[0] + NAMES[0] in message and mirrors[1] + "/" + NAMES[0] in message
    for hint in ("offline", "root=DIR", "--data DIR", "GLASSGRAD_DATA"):
        assert hint in message
    assert "downloading" in capsys.readouterr().err


def test_load_with_download_uses_default_mirrors_and_cache(tmp_path, mirror, monkeypatch):
    url, checksums, arrays = mirror
    monkeypatch.setattr(download_module, "MIRRORS", (url,))
    monkeypatch.setattr(files_module, "MNIST_FILES", checksums)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(FileNotFoundError):
        load_mnist()
    root = tmp_path / "explicit"
    ds = MNIST(root, train=False, download=True)  # with a root, downloads into the root
    assert ds.root == root.resolve() and len(ds) == 4
    assert not default_cache_dir().exists()
    (x, t), (xt, tt) = load_mnist(download=True)  # without one, into the user cache
    assert (tmp_path / "xdg" / "glassgrad" / "mnist" / TRAIN_IMAGES).is_file()
    np.testing.assert_array_equal(tt, arrays[TEST_LABELS])


def test_download_failure_propagates_from_load(tmp_path):
    with pytest.raises(MNISTDownloadError, match="GLASSGRAD_DATA"):
        load_mnist(download=True)
