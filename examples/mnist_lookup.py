"""Finding MNIST for the lesson scripts that can run without it (they fall back to generated
data and say so), with the same look-up as the MNIST examples (examples/mnist_common.py).

Import it before numpy, as mnist_common: importing it limits BLAS threads (see there).
"""

from __future__ import annotations

import sys
from pathlib import Path

from mnist_common import WORKPLACE_DATA  # first: limits BLAS threads before numpy starts

from nn.data import find_mnist


def optional_mnist_dir(given: Path | None) -> Path | None:
    """The MNIST directory, or None if there is none: --data if given (exits with nn.data's
    explanation if it lacks the files: the user asked for it), else $GLASSGRAD_DATA or the
    user cache (nn.data.find_mnist), else the workplace's shared folder."""
    if given is not None:
        try:
            return find_mnist(given)
        except FileNotFoundError as err:
            sys.exit(str(err))
    try:
        return find_mnist(fallback=WORKPLACE_DATA)
    except FileNotFoundError:
        return None
