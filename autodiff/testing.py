"""Property-based gradient testing: hypothesis strategies and an assertion helper.

    from hypothesis import given
    from autodiff.testing import assert_gradients_match, broadcastable_shapes, tensors

    @given(data=st.data(), shapes=broadcastable_shapes(2))
    def test_my_op(data, shapes):
        a = data.draw(tensors(shapes[0]))
        b = data.draw(tensors(shapes[1], low=0.5, high=2.0))
        assert_gradients_match(lambda a, b: my_op(a, b), a, b)

Tensors are float64 (what central differences need); elements stay in [low, high] and can be
kept away from kinks (`away_from=(0,)` for abs or relu) or made distinct and well separated
(`distinct=True` for max/min, where ties or near-ties break finite differences). Needs the
`hypothesis` package (the `dev` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as e:  # pragma: no cover - exercised only without the dev extra
    raise ImportError(
        "autodiff.testing needs hypothesis: pip install hypothesis (or glassgrad[dev])"
    ) from e

from .gradcheck import GradcheckError, gradcheck
from .tensor import Tensor

Shape = tuple[int, ...]


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[Shape]:
    """Array shapes, 0-d included by default."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    num_shapes: int = 2,
    min_dims: int = 0,
    max_dims: int = 3,
    min_side: int = 1,
    max_side: int = 4,
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Tuples of `num_shapes` shapes that broadcast together (size-1 and missing dims)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes,
        min_dims=min_dims,
        max_dims=max_dims,
        min_side=min_side,
        max_side=max_side,
    ).map(lambda r: r.input_shapes)


def elements(
    low: float = -3.0, high: float = 3.0, away_from: Sequence[float] = (), margin: float = 0.05
) -> st.SearchStrategy[float]:
    """Floats in [low, high], nudged at least `margin` away from each point in `away_from`."""

    def nudge(v: float) -> float:
        for p in away_from:
            if abs(v - p) < margin:
                v = p + margin if v >= p else p - margin
        return v

    base = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    return base.map(nudge) if away_from else base


def arrays(
    shape: Shape | st.SearchStrategy[Shape],
    low: float = -3.0,
    high: float = 3.0,
    away_from: Sequence[float] = (),
    margin: float = 0.05,
    distinct: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays; `distinct=True` gives elements at least 0.1 apart (no near-ties)."""
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    if distinct:

        def spread(shape_: Shape) -> st.SearchStrategy[np.ndarray]:
            n = int(np.prod(shape_))
            offset = st.floats(low, max(low, high - 0.1 * n), allow_nan=False)
            return st.tuples(st.permutations(range(n)), offset).map(
                lambda po: (np.array(po[0], dtype=np.float64) * 0.1 + po[1]).reshape(shape_)
            )

        return shape_st.flatmap(spread)
    return shape_st.flatmap(
        lambda s: hnp.arrays(np.float64, s, elements=elements(low, high, away_from, margin))
    )


def tensors(
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    low: float = -3.0,
    high: float = 3.0,
    away_from: Sequence[float] = (),
    margin: float = 0.05,
    distinct: bool = False,
    requires_grad: bool = True,
) -> st.SearchStrategy[Tensor]:
    """float64 Tensors (leaves) of the given shape, or of a random shape when None."""
    return arrays(shapes() if shape is None else shape, low, high, away_from, margin, distinct).map(
        lambda a: Tensor(a, requires_grad=requires_grad)
    )


def assert_gradients_match(
    f: Callable[..., Tensor],
    *inputs: Any,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    eps: float = 1e-6,
) -> None:
    """Assert backward of `f` agrees with central differences (see `autodiff.gradcheck`)."""
    try:
        gradcheck(f, *inputs, atol=atol, rtol=rtol, eps=eps)
    except GradcheckError as e:
        raise AssertionError(str(e)) from None


__all__ = [
    "GradcheckError",
    "arrays",
    "assert_gradients_match",
    "broadcastable_shapes",
    "elements",
    "shapes",
    "tensors",
]
