"""The four MNIST files: their standard names, the sha256 of each one's uncompressed content,
and where a directory holds one (each may be gzip-compressed or not)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

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

def locate(directory: Path, name: str) -> Path | None:
    """``directory/name`` if it is a file, else the uncompressed variant, else None."""
    candidates = [name]
    if name.endswith(".gz"):
        candidates.append(name[: -len(".gz")])
    for candidate in candidates:
        path = directory / candidate
        if path.is_file():
            return path
    return None


def missing_files(directory: Path, names: Iterable[str]) -> list[str]:
    return [name for name in names if locate(directory, name) is None]
