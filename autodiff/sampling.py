"""Random tensors beyond `rand`/`randn`, with PyTorch's names: `rand_like`, `randn_like`, `randint`,
`randint_like`, `randperm`, `normal`, `bernoulli`, `multinomial`, and the in-place fills
`uniform_`, `normal_`, `random_`, `bernoulli_`, `exponential_` as Tensor methods.

Every draw comes from the generator `manual_seed` seeds (the one `rand` and `randn` use), or from
`generator=`, a `np.random.Generator` (as `nn.init` takes), so one seed reproduces a run. The
numbers are numpy's, not PyTorch's: the same seed draws other values than PyTorch's, from the
same distributions. Continuous samples are drawn in float64 and then cast to the tensor's dtype.

Sampling has no gradient: `normal` of a mean that requires grad, and `bernoulli` of such
probabilities, give results that require grad (as PyTorch's) and send zeros back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .creation import Shape, _Random, _shape
from .device import check_device
from .dtypes import DTypeLike, get_default_dtype
from .errors import ShapeError
from .ops._zero_grad import with_zero_gradient
from .registry import register
from .tensor import Tensor

Generator = np.random.Generator


def _rng(generator: Generator | None) -> Generator:
    # read at each call: manual_seed replaces the generator
    return _Random.rng if generator is None else generator


def _float_dtype(where: str, dtype: np.dtype) -> np.dtype:
    if dtype.kind != "f":
        raise TypeError(
            f"{where}: expected a floating-point dtype, got {dtype} (PyTorch: "
            f'"check_uniform_bounds" not implemented for that dtype)'
        )
    return dtype


def _array(input: Any) -> np.ndarray:
    return input.data if isinstance(input, Tensor) else np.asarray(input)


# --------------------------------------------------------------------- *_like factories
def rand_like(
    input: Any,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: Generator | None = None,
) -> Tensor:
    """Uniform samples in [0, 1) of input's shape and (floating-point) dtype."""
    check_device(device, "rand_like")
    data = _array(input)
    dtype = _float_dtype("rand_like", data.dtype if dtype is None else np.dtype(dtype))
    values = _rng(generator).random(data.shape).astype(dtype)
    return Tensor(values, requires_grad=requires_grad)


def randn_like(
    input: Any,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: Generator | None = None,
) -> Tensor:
    """Standard normal samples of input's shape and (floating-point) dtype."""
    check_device(device, "randn_like")
    data = _array(input)
    dtype = _float_dtype("randn_like", data.dtype if dtype is None else np.dtype(dtype))
    values = _rng(generator).standard_normal(data.shape).astype(dtype)
    return Tensor(values, requires_grad=requires_grad)


# ------------------------------------------------------------------------------ integers
def _integers(where: str, low: int, high: int, shape: tuple[int, ...], rng: Generator) -> Any:
    """Uniform integers in [low, high), as int64, checked as PyTorch's `random_`."""
    for bound in (low, high):
        if isinstance(bound, float) and not bound.is_integer():
            raise TypeError(f"{where}: bounds must be integers, got {bound!r}")
    low, high = int(low), int(high)
    if low >= high:
        raise ValueError(
            f"{where}: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    return rng.integers(low, high, shape, dtype=np.int64)


def randint(
    *args: Any,
    size: Shape | None = None,
    low: int | None = None,
    high: int | None = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: Generator | None = None,
) -> Tensor:
    """Uniform integers in [low, high) of shape `size`: `randint(high, size)` or
    `randint(low, high, size)` (PyTorch's forms; `size=`, `low=`, `high=` as keywords too).
    int64 unless `dtype` says otherwise."""
    check_device(device, "randint")
    args = list(args)
    if size is None and args and isinstance(args[-1], list | tuple):
        size = args.pop()
    if low is None and high is None:
        if len(args) == 1:
            low, high = 0, args[0]
        elif len(args) == 2:
            low, high = args
    elif high is None and len(args) == 1:
        high = args[0]
    elif low is None and not args:
        low = 0
    if high is None or size is None or (args and len(args) not in (1, 2)):
        raise TypeError(
            "randint: expected (high, size) or (low, high, size), e.g. randint(0, 10, (3,)); "
            f"got {len(args)} positional arguments and size={size!r}"
        )
    shape = _shape((size,), "randint")
    values = _integers("randint", low, high, shape, _rng(generator))
    dtype = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def randint_like(
    input: Any,
    low: int,
    high: int | None = None,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: Generator | None = None,
) -> Tensor:
    """Uniform integers in [low, high) (`randint_like(input, high)`: [0, high)) of input's
    shape, in input's dtype unless `dtype` is given."""
    check_device(device, "randint_like")
    if high is None:
        low, high = 0, low
    data = _array(input)
    values = _integers("randint_like", low, high, data.shape, _rng(generator))
    dtype = data.dtype if dtype is None else np.dtype(dtype)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def randperm(
    n: int,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: Generator | None = None,
) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless `dtype` says otherwise)."""
    check_device(device, "randperm")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    values = _rng(generator).permutation(int(n))
    dtype = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


# ------------------------------------------------------------------ distributions
def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Shape | None = None,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
    device: Any = None,
    generator: Generator | None = None,
    out: Any = None,
) -> Tensor:
    """Samples of N(mean, std^2). `mean` and `std` are tensors (shapes broadcast; the result
    has their dtype) or numbers; with two numbers, `size` gives the shape (and the dtype is
    the default float dtype, or `dtype`). The result requires grad when mean or std does, with
    a zero gradient (PyTorch's)."""
    check_device(device, "normal")
    if out is not None:
        raise TypeError("normal: out= is not supported; assign the result instead")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError(
                "normal: with a number mean and std, give the shape: normal(0.0, 1.0, size=(2, 3))"
            )
        shape = _shape((size,), "normal")
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    else:
        if size is not None:
            raise TypeError("normal: size= goes with a number mean and std; here a tensor gives it")
        m, s = _array(mean), _array(std)
        try:
            shape = np.broadcast_shapes(m.shape, s.shape)
        except ValueError:
            raise ShapeError(
                f"normal: mean of shape {m.shape} and std of shape {s.shape} do not broadcast"
            ) from None
        dtype = np.result_type(*(t.dtype for t in tensors)) if dtype is None else np.dtype(dtype)
    dtype = _float_dtype("normal", dtype)
    s = _array(std)
    if np.any(s < 0):
        raise ValueError(f"normal expects std >= 0.0, but found std {s.min()}")
    values = _array(mean) + s * _rng(generator).standard_normal(shape)
    result = with_zero_gradient(np.asarray(values, dtype=dtype), mean, std)
    if requires_grad:
        result.requires_grad_()
    return result


def _probabilities(where: str, p: np.ndarray) -> None:
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(
            f"{where}: expected probabilities in [0, 1], got values from {p.min()} to "
            f"{p.max()} (PyTorch: Expected p_in >= 0 && p_in <= 1)"
        )


@register(methods=("bernoulli",), functions=())
def bernoulli(
    input: Any, p: float | None = None, *, generator: Generator | None = None, out: Any = None
) -> Tensor:
    """1 with probability `input` (elementwise; or `p` everywhere when given), else 0, in
    input's shape and dtype. The result requires grad when input does, with a zero gradient."""
    if out is not None:
        raise TypeError("bernoulli: out= is not supported; assign the result instead")
    data = _array(input)
    probabilities = data if p is None else np.asarray(p, dtype=np.float64)
    _probabilities("bernoulli", probabilities)
    values = _rng(generator).random(data.shape) < probabilities
    return with_zero_gradient(values.astype(data.dtype), input)


def multinomial(
    input: Any,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
    out: Any = None,
) -> Tensor:
    """`num_samples` category indices per row of `input` (1-d: one distribution, 2-d: one per
    row), drawn with probabilities proportional to its non-negative weights: int64 of shape
    (num_samples,) or (rows, num_samples). Without replacement each index appears at most once
    per row (zero-weight categories come last, as in PyTorch, once the others are used up)."""
    if out is not None:
        raise TypeError("multinomial: out= is not supported; assign the result instead")
    weights = np.asarray(_array(input), dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise ShapeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {weights.shape}")
    if num_samples <= 0:
        raise ValueError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    rows = weights.reshape(-1, weights.shape[-1])
    n = rows.shape[1]
    if not replacement and num_samples > n:
        raise ValueError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
            f"replacement ({num_samples} > {n})"
        )
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("multinomial: probability tensor contains either inf, nan or element < 0")
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError(
            "multinomial: invalid multinomial distribution (sum of probabilities <= 0)"
        )
    rng = _rng(generator)
    if replacement:
        samples = _with_replacement(rows, totals, num_samples, rng)
    else:
        # The exponential race: each category's key is its weight over an Exp(1) draw, and the
        # k largest keys are a draw of k without replacement, each next one proportional to the
        # weights left (PyTorch's method too). A stable sort ranks zero weights by index.
        keys = rows / rng.exponential(size=rows.shape)
        samples = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor(samples.reshape(*weights.shape[:-1], num_samples).astype(np.int64))


def _with_replacement(rows: np.ndarray, totals: np.ndarray, k: int, rng: Generator) -> Any:
    """k inverse-CDF draws per row, all rows in one `searchsorted`: row r's cumulative weights
    are shifted by r so that the rows, one after the other, are sorted."""
    n = rows.shape[1]
    offsets = np.arange(len(rows))[:, None]
    cdf = np.cumsum(rows, axis=1) / totals[:, None]
    draws = rng.random((len(rows), k))
    found = np.searchsorted((cdf + offsets).ravel(), (draws + offsets).ravel(), side="right")
    index = found.reshape(len(rows), k) - offsets * n
    # rounding can leave a row's last cumulative weight just below 1: never past its last
    # category of positive weight
    last = n - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)
    return np.minimum(index, last[:, None])


# -------------------------------------------------------------------- in-place fills
def _fill(x: Tensor, op: str, values: Any) -> Tensor:
    x._check_inplace(op)
    x.data[...] = values
    return x


def _bounds(op: str, first: Any, second: Any, names: dict[str, Any]) -> tuple[Any, Any]:
    """PyTorch's `from`/`to` keywords (Python keywords, so given through **names)."""
    unknown = set(names) - {"from", "to"}
    if unknown:
        raise TypeError(f"{op}: unexpected keyword arguments {sorted(unknown)}")
    return names.get("from", first), names.get("to", second)


@register(methods=("uniform_",), functions=())
def uniform_(
    x: Tensor,
    low: float = 0.0,
    high: float = 1.0,
    /,
    *,
    generator: Generator | None = None,
    **names: Any,
) -> Tensor:
    """Fill with samples of U(from, to) (`x.uniform_(-0.1, 0.1)`; keywords `from=`, `to=`)."""
    low, high = _bounds("uniform_", low, high, names)
    _float_dtype("uniform_", x.dtype)
    if low > high:
        raise ValueError(
            f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}"
        )
    return _fill(x, "uniform_", _rng(generator).uniform(low, high, x.shape))


@register(methods=("normal_",), functions=())
def normal_(
    x: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None
) -> Tensor:
    """Fill with samples of N(mean, std^2)."""
    _float_dtype("normal_", x.dtype)
    if std < 0:
        raise ValueError(f"normal_ expects std >= 0.0, but found std {std}")
    return _fill(x, "normal_", mean + std * _rng(generator).standard_normal(x.shape))


@register(methods=("random_",), functions=())
def random_(
    x: Tensor,
    low: int | None = None,
    high: int | None = None,
    /,
    *,
    generator: Generator | None = None,
    **names: Any,
) -> Tensor:
    """Fill with uniform integers: `random_(to)` in [0, to), `random_(from, to)` in
    [from, to), `random_()` in [0, 2**mantissa] for floats (every one representable) and the
    dtype's range from 0 for integers (0 or 1 for bool), as PyTorch's."""
    low, high = _bounds("random_", low, high, names)
    if low is not None and high is None and "from" not in names:
        low, high = 0, low  # random_(to)
    low = 0 if low is None else low
    if high is None:
        high = _top(x.dtype) + 1
    return _fill(x, "random_", _integers("random_", low, high, x.shape, _rng(generator)))


def _top(dtype: np.dtype) -> int:
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1)
    if dtype.kind == "b":
        return 1
    return min(int(np.iinfo(dtype).max), 2**63 - 2)


@register(methods=("bernoulli_",), functions=())
def bernoulli_(x: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 1 with probability p (a number, or a tensor that broadcasts to x), else 0."""
    probabilities = np.asarray(_array(p), dtype=np.float64)
    _probabilities("bernoulli_", probabilities)
    try:
        values = _rng(generator).random(x.shape) < probabilities
    except ValueError:
        raise ShapeError(
            f"bernoulli_: p of shape {probabilities.shape} does not broadcast to {x.shape}"
        ) from None
    if values.shape != x.shape:
        raise ShapeError(
            f"bernoulli_: p of shape {probabilities.shape} does not broadcast to {x.shape}"
        )
    return _fill(x, "bernoulli_", values)


@register(methods=("exponential_",), functions=())
def exponential_(x: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with samples of the exponential distribution of rate `lambd` (mean 1 / lambd)."""
    _float_dtype("exponential_", x.dtype)
    if lambd <= 0:
        raise ValueError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(x, "exponential_", _rng(generator).exponential(1 / lambd, x.shape))


register(methods=("multinomial",), functions=())(multinomial)

__all__ = [
    "bernoulli",
    "multinomial",
    "normal",
    "rand_like",
    "randint",
    "randint_like",
    "randn_like",
    "randperm",
]
