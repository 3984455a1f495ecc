"""Downloading the MNIST files from public mirrors, each verified by its checksum and written
atomically."""

from __future__ import annotations

import http.client
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from autodiff.atomic import atomic_write

from ..idx import StrPath, _read_at_most
from . import files
from .checksum import sha256_bytes, sha256_file
from .files import locate
from .location import ENV_VAR, default_cache_dir

#: Public mirrors tried in order by :func:`download_mnist`.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

_MAX_DOWNLOAD = 256 << 20  # no MNIST file is anywhere near this; guards against runaway bodies
_USER_AGENT = "glassgrad-mnist/0.1 (python urllib)"


class MNISTDownloadError(OSError):
    """No mirror delivered a file with the expected checksum (offline, HTTP error, ...)."""


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = _read_at_most(response, _MAX_DOWNLOAD + 1)
    if len(data) > _MAX_DOWNLOAD:
        raise ValueError(f"response larger than {_MAX_DOWNLOAD} bytes")
    return bytes(data)


def download_mnist(
    cache_dir: StrPath | None = None,
    mirrors: Sequence[str] | None = None,
    *,
    checksums: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download the MNIST files into ``cache_dir``, verifying each one's sha256.

    Files already present (``.gz`` or uncompressed) with the right checksum are skipped;
    present but wrong ones are downloaded again and replaced.  Each file is tried on every
    mirror in order until one delivers content whose *uncompressed* sha256 matches; it is
    then written atomically (temporary file + ``os.replace``), so an interrupted download
    never leaves a partial file under the real name.

    Args:
        cache_dir: destination directory (created if needed); default
            :func:`default_cache_dir`.
        mirrors: base URLs, the file name is appended (``file://`` URLs work too); default
            :data:`MIRRORS`.
        checksums: file name -> sha256 of the uncompressed content; default
            :data:`~nn.data.mnist.MNIST_FILES`.  Decides which files are fetched.
        timeout: seconds per network operation.
        progress: print one line per downloaded file to stderr.

    Returns:
        ``cache_dir`` as an absolute path.

    Raises:
        MNISTDownloadError: (an ``OSError``) a file could not be fetched with the right
            checksum from any mirror; the message lists each attempt and how to use local
            files instead.
    """
    target = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    if mirrors is None:
        bases: tuple[str, ...] = MIRRORS
    elif isinstance(mirrors, str):
        bases = (mirrors,)
    else:
        bases = tuple(mirrors)
    table = files.MNIST_FILES if checksums is None else checksums
    target.mkdir(parents=True, exist_ok=True)

    for name, expected in table.items():
        present = locate(target, name)
        if present is not None and sha256_file(present) == expected:
            continue
        attempts = []
        for base in bases:
            url = base if base.endswith("/") else base + "/"
            url += name
            if progress:
                print(f"glassgrad: downloading {url}", file=sys.stderr, flush=True)
            try:
                data = _fetch(url, timeout)
            except (OSError, ValueError, http.client.HTTPException) as exc:
                attempts.append(f"  - {url}: {exc}")
                continue
            actual = sha256_bytes(data)
            if actual != expected:
                attempts.append(
                    f"  - {url}: checksum mismatch: sha256 of the uncompressed content is "
                    f"{actual or '(corrupt gzip)'}, expected {expected}"
                )
                continue
            with atomic_write(target / name) as f:
                f.write(data)
            break
        else:
            tried = "\n".join(attempts) if attempts else "  (no mirrors given)"
            raise MNISTDownloadError(
                f"could not download MNIST file {name} into {target}:\n{tried}\n"
                "If this machine is offline or the mirrors are unreachable, fetch the four "
                f"files ({', '.join(table)}) elsewhere and point glassgrad at them: pass "
                f"root=DIR (command-line scripts: --data DIR), set {ENV_VAR}=DIR, or copy "
                f"them into {target}. Uncompressed copies (without .gz) work too."
            )
    return target.resolve()
