"""PyTorch's factories (autodiff/factories.py: empty, empty_like, full_like, logspace, the new_*
methods) and random tensors (autodiff/sampling.py: rand_like, randn_like, randint,
randint_like, randperm, normal, bernoulli, multinomial and the in-place fills).

The numbers cannot be PyTorch's (numpy's generator), so the draws are tested loosely: ranges,
means and deviations over many draws, frequencies; exactly: shapes, dtypes, keywords, errors,
reproducibility under `manual_seed` and `generator=`. Shapes and dtypes are compared with
torch where it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import ShapeError, Tensor

N = 200_000  # draws for the statistical checks: a mean is then good to ~0.01 std


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")


def _dtype_name(dtype) -> str:
    return str(dtype).split(".")[-1]


# ------------------------------------------------------------------------- factories
def test_empty_is_zeros_with_the_factories_keywords():
    e = ad.empty(2, 3)
    assert e.shape == (2, 3) and e.dtype == ad.get_default_dtype() and not e.data.any()
    assert ad.empty((2, 3), dtype=ad.float64, requires_grad=True).requires_grad
    like = ad.empty_like(ad.tensor([[1, 2]]))
    assert like.shape == (1, 2) and like.dtype == np.int64 and not like.data.any()
    assert ad.empty_like(ad.ones(2), dtype=ad.float64, requires_grad=True).requires_grad
    assert ad.empty(0).shape == (0,) and ad.empty(()).shape == ()
    with pytest.raises(RuntimeError, match="empty: device 'cuda'"):
        ad.empty(2, device="cuda")


def test_full_like_keeps_the_input_dtype():
    assert ad.full_like(ad.tensor([1, 2]), 2.7).tolist() == [2, 2]
    assert ad.full_like(ad.tensor([1, 2]), 2.7).dtype == np.int64
    f = ad.full_like(ad.ones(2, 2, dtype=ad.float64), 0.5, requires_grad=True)
    assert f.dtype == np.float64 and f.requires_grad and f.tolist() == [[0.5, 0.5]] * 2
    assert ad.full_like(ad.ones(2), 3, dtype=ad.int32).dtype == np.int32


@pytest.mark.parametrize(
    "args",
    [(0, 2, 5), (-1, 3, 7), (0, 1, 3, 2), (2, -2, 6, 3.0), (0, 1, 1), (0, 1, 0), (0, 3, 4)],
)
@pytest.mark.parametrize("dtype", [None, "float64", "int64"])
def test_logspace_matches_torch(args, dtype):
    torch = _torch()
    ours = ad.logspace(*args, dtype=None if dtype is None else np.dtype(dtype))
    theirs = torch.logspace(*args, dtype=None if dtype is None else getattr(torch, dtype))
    assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype)
    rtol = 1e-6 if ours.dtype == np.float32 else 1e-13
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol)


def test_logspace_ends_are_exact():
    out = ad.logspace(-3, 5, 9, dtype=ad.float64)
    assert out.data[0] == 1e-3 and out.data[-1] == 1e5
    with pytest.raises(ValueError, match="steps"):
        ad.logspace(0, 1, -1)


NEW = [
    ("new_zeros", lambda t: t.new_zeros(2, 3)),
    ("new_zeros tuple", lambda t: t.new_zeros((2,))),
    ("new_ones", lambda t: t.new_ones((1, 2))),
    ("new_ones dtype", lambda t: t.new_ones(2, dtype=np.float32)),
    ("new_empty", lambda t: t.new_empty(3)),
    ("new_full", lambda t: t.new_full((2,), 2.5)),
    ("new_tensor", lambda t: t.new_tensor([1, 2])),
    ("new_tensor floats", lambda t: t.new_tensor([[1.5], [2.5]])),
    ("new_tensor dtype", lambda t: t.new_tensor([1, 2], dtype=np.int32)),
]


@pytest.mark.parametrize("source", ["float64", "int64", "float32"])
@pytest.mark.parametrize("case", NEW, ids=[c[0] for c in NEW])
def test_new_methods_take_the_source_dtype(case, source):
    ours = case[1](ad.ones(2, dtype=np.dtype(source)))
    assert ours.dtype == np.dtype(source) or "dtype" in case[0]
    assert not ours.requires_grad
    torch = _torch()
    t = torch.ones(2, dtype=getattr(torch, source))
    theirs = case[1](t) if "dtype" not in case[0] else None
    if theirs is not None:
        assert ours.shape == tuple(theirs.shape) and _dtype_name(ours.dtype) == _dtype_name(
            theirs.dtype
        )
        if case[0] != "new_empty":
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_new_methods_keywords():
    x = ad.ones(2, dtype=ad.float64, requires_grad=True)
    new = x.new_tensor([1.0, 2.0], requires_grad=True)
    assert new.requires_grad and new.is_leaf and new.dtype == np.float64
    assert x.new_zeros(2, requires_grad=True).requires_grad
    assert x.new_full((1,), 1.0, dtype=ad.float32).dtype == np.float32
    source = np.array([1.0, 2.0])
    copy = x.new_tensor(source)
    source[0] = 5
    assert copy.tolist() == [1.0, 2.0]  # a copy


# --------------------------------------------------------------- continuous draws
def _stats(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64).ravel()
    return float(values.mean()), float(values.std())


def test_rand_like_and_randn_like():
    x = ad.zeros(N, dtype=ad.float64)
    u = ad.rand_like(x)
    assert u.shape == (N,) and u.dtype == np.float64 and u.data.min() >= 0 and u.data.max() < 1
    mean, std = _stats(u.data)
    assert abs(mean - 0.5) < 0.005 and abs(std - np.sqrt(1 / 12)) < 0.005
    z = ad.randn_like(x, dtype=ad.float32)
    assert z.dtype == np.float32
    mean, std = _stats(z.data)
    assert abs(mean) < 0.01 and abs(std - 1) < 0.01
    assert ad.randn_like(x[:3], requires_grad=True).requires_grad
    assert ad.rand_like(ad.zeros(2, 0)).shape == (2, 0)
    with pytest.raises(TypeError, match="rand_like: expected a floating-point dtype"):
        ad.rand_like(ad.tensor([1, 2]))


@pytest.mark.parametrize(
    ("mean", "std", "size", "shape"),
    [
        (2.0, 0.5, (N,), (N,)),
        (Tensor(np.full(N, -1.0)), 2.0, None, (N,)),
        (0.5, Tensor(np.full((N // 1000, 1000), 0.25)), None, (N // 1000, 1000)),
        (Tensor(np.full((1, 1000), 3.0)), Tensor(np.full((N // 1000, 1), 1.5)), None, None),
    ],
)
def test_normal_forms_and_moments(mean, std, size, shape):
    out = ad.normal(mean, std, size)
    shape = shape or (N // 1000, 1000)
    assert out.shape == shape
    m = mean.data.mean() if isinstance(mean, Tensor) else mean
    s = std.data.mean() if isinstance(std, Tensor) else std
    got_mean, got_std = _stats(out.data)
    assert abs(got_mean - m) < 0.02 * s + 1e-3 and abs(got_std - s) < 0.02 * s


def test_normal_dtypes_keywords_and_gradient():
    assert ad.normal(0.0, 1.0, (2,)).dtype == ad.get_default_dtype()
    assert ad.normal(0.0, 1.0, size=(2,), dtype=ad.float64).dtype == np.float64
    assert ad.normal(ad.zeros(2, dtype=ad.float64), 1.0).dtype == np.float64
    assert ad.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad
    mean = ad.zeros(3, dtype=ad.float64, requires_grad=True)
    std = ad.ones(3, dtype=ad.float64, requires_grad=True)
    out = ad.normal(mean, std)
    assert out.requires_grad
    out.sum().backward()
    assert mean.grad.tolist() == [0.0] * 3 and std.grad.tolist() == [0.0] * 3
    assert ad.normal(0.0, 0.0, (3,)).tolist() == [0.0] * 3


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ad.normal(0.0, 1.0), TypeError, "give the shape"),
        (lambda: ad.normal(ad.zeros(2), 1.0, (2,)), TypeError, "size="),
        (lambda: ad.normal(0.0, -1.0, (2,)), ValueError, "std >= 0.0"),
        (lambda: ad.normal(ad.zeros(2), ad.ones(3)), ShapeError, "do not broadcast"),
        (lambda: ad.normal(0.0, 1.0, (2,), dtype=ad.int64), TypeError, "floating-point"),
        (lambda: ad.normal(0.0, 1.0, (2,), out=ad.zeros(2)), TypeError, "out="),
    ],
)
def test_normal_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------ integer draws
def test_randint_forms_ranges_and_dtypes():
    a = ad.randint(5, (N,))
    assert a.dtype == np.int64 and a.shape == (N,)
    assert set(np.unique(a.data)) == set(range(5))
    b = ad.randint(-3, 3, (N // 10, 10))
    assert set(np.unique(b.data)) == set(range(-3, 3)) and b.shape == (N // 10, 10)
    assert abs(b.data.mean() + 0.5) < 0.02
    assert ad.randint(0, 3, size=(2,)).shape == (2,)
    assert ad.randint(3, size=(2,)).shape == (2,)
    assert ad.randint(low=2, high=4, size=(50,)).data.min() >= 2
    f = ad.randint(0, 10, (3,), dtype=ad.float64, requires_grad=True)
    assert f.dtype == np.float64 and f.requires_grad
    assert ad.randint(0, 1, (3,)).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="'from' to be less than 'to', but got from=5 >= to=5"):
        ad.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint: expected"):
        ad.randint(5)
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        ad.randint(3, (2,), requires_grad=True)


def test_randint_like_and_randperm():
    x = ad.zeros(N, dtype=ad.int32)
    r = ad.randint_like(x, 4)
    assert r.dtype == np.int32 and set(np.unique(r.data)) == set(range(4))
    r = ad.randint_like(ad.zeros(N), 2, 5)
    assert r.dtype == np.float32 and set(np.unique(r.data)) == {2.0, 3.0, 4.0}
    p = ad.randperm(10)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(10))
    assert ad.randperm(0).shape == (0,)
    assert ad.randperm(4, dtype=ad.float64).dtype == np.float64
    with pytest.raises(ValueError, match="randperm"):
        ad.randperm(-1)
    # every position takes every value about equally often
    firsts = np.array([ad.randperm(4).data[0] for _ in range(4000)])
    assert np.all(np.abs(np.bincount(firsts, minlength=4) / 4000 - 0.25) < 0.03)


# ------------------------------------------------------------------ bernoulli
def test_bernoulli_frequencies_dtypes_and_gradient():
    p = ad.tensor(np.full(N, 0.3))
    out = ad.bernoulli(p)
    assert out.dtype == np.float64 and set(np.unique(out.data)) == {0.0, 1.0}
    assert abs(out.data.mean() - 0.3) < 0.005
    assert abs(p.bernoulli().data.mean() - 0.3) < 0.005
    assert abs(ad.bernoulli(p, 0.8).data.mean() - 0.8) < 0.005
    assert ad.bernoulli(ad.tensor([0.0, 1.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 1.0, 0.0]
    probabilities = ad.tensor([0.2, 0.7], dtype=ad.float64, requires_grad=True)
    sample = ad.bernoulli(probabilities)
    assert sample.requires_grad
    sample.sum().backward()
    assert probabilities.grad.tolist() == [0.0, 0.0]
    for bad in ([1.5], [-0.1], [float("nan")]):
        with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
            ad.bernoulli(ad.tensor(bad))


# ------------------------------------------------------------------ multinomial
def test_multinomial_with_replacement_frequencies():
    weights = ad.tensor([1.0, 0.0, 3.0, 4.0])  # unnormalised, with a zero
    out = ad.multinomial(weights, N, replacement=True)
    assert out.dtype == np.int64 and out.shape == (N,)
    counts = np.bincount(out.data, minlength=4) / N
    np.testing.assert_allclose(counts, [0.125, 0.0, 0.375, 0.5], atol=0.005)
    assert counts[1] == 0
    rows = ad.multinomial(ad.tensor([[0.0, 1.0], [1.0, 0.0]]), 5, True)
    assert rows.tolist() == [[1] * 5, [0] * 5]


def test_multinomial_without_replacement_is_successive_sampling():
    weights = ad.tensor(np.tile([1.0, 2.0, 3.0], (N // 10, 1)))
    out = ad.multinomial(weights, 2)
    assert out.shape == (N // 10, 2)
    assert not (out.data[:, 0] == out.data[:, 1]).any()
    pairs = np.bincount(out.data[:, 0] * 3 + out.data[:, 1], minlength=9) / (N // 10)
    # P(i then j) = w_i / 6 * w_j / (6 - w_i)
    w = np.array([1.0, 2.0, 3.0])
    expected = np.array([[wi / 6 * wj / (6 - wi) if i != j else 0 for j, wj in enumerate(w)]
                         for i, wi in enumerate(w)]).ravel()  # fmt: skip
    np.testing.assert_allclose(pairs, expected, atol=0.01)
    full = ad.multinomial(ad.tensor([5.0, 1.0, 2.0]), 3)
    assert sorted(full.tolist()) == [0, 1, 2]
    # zero weights come after the others, as in PyTorch
    assert ad.multinomial(ad.tensor([1.0, 0.0, 0.0]), 2).tolist()[0] == 0
    assert ad.tensor([0.0, 1.0]).multinomial(1).tolist() == [1]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ad.multinomial(ad.ones(2, 2, 2), 1), ShapeError, "1 or 2 dim"),
        (lambda: ad.multinomial(ad.ones(2), 0, True), ValueError, "n_sample <= 0"),
        (lambda: ad.multinomial(ad.ones(2), 3), ValueError, "without replacement"),
        (lambda: ad.multinomial(ad.tensor([-1.0, 2.0]), 1, True), ValueError, "element < 0"),
        (lambda: ad.multinomial(ad.tensor([1.0, np.inf]), 1, True), ValueError, "inf, nan"),
        (lambda: ad.multinomial(ad.zeros(3), 1, True), ValueError, "sum of probabilities <= 0"),
    ],
)
def test_multinomial_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------- in-place fills
def test_uniform_normal_exponential_fills():
    x = ad.zeros(N, dtype=ad.float64)
    version = x.version
    assert x.uniform_(-2, 3) is x and x.version > version
    assert x.data.min() >= -2 and x.data.max() < 3 and abs(x.data.mean() - 0.5) < 0.02
    x.uniform_(**{"from": 1, "to": 2})
    assert x.data.min() >= 1 and x.data.max() < 2
    mean, std = _stats(x.normal_(1.0, 2.0).data)
    assert abs(mean - 1) < 0.02 and abs(std - 2) < 0.02
    mean, std = _stats(x.exponential_(4.0).data)
    assert x.data.min() >= 0 and abs(mean - 0.25) < 0.005 and abs(std - 0.25) < 0.005
    f32 = ad.zeros(3).normal_()
    assert f32.dtype == np.float32


def test_random_and_bernoulli_fills():
    x = ad.zeros(N, dtype=ad.float64)
    assert set(np.unique(x.random_(3).data)) == {0.0, 1.0, 2.0}
    assert set(np.unique(x.random_(-2, 0).data)) == {-2.0, -1.0}
    assert set(np.unique(x.random_(**{"from": 5, "to": 7}).data)) == {5.0, 6.0}
    top = x.random_().data
    assert top.min() >= 0 and top.max() <= 2**53 and top.max() > 2**50
    assert ad.zeros(10, dtype=ad.float32).random_().data.max() <= 2**24
    ints = ad.zeros(N, dtype=ad.uint8).random_()
    assert ints.dtype == np.uint8 and ints.data.max() == 255
    assert set(np.unique(ad.zeros(100, dtype=ad.bool).random_().data)) == {False, True}
    assert abs(ad.zeros(N).bernoulli_(0.25).data.mean() - 0.25) < 0.005
    p = ad.tensor(np.array([0.0, 1.0]))
    assert ad.zeros(3, 2).bernoulli_(p).tolist() == [[0.0, 1.0]] * 3
    with pytest.raises(ShapeError, match="bernoulli_"):
        ad.zeros(2).bernoulli_(ad.tensor([0.5, 0.5, 0.5]))
    with pytest.raises(ValueError, match="bernoulli_"):
        ad.zeros(2).bernoulli_(2.0)


def test_fills_are_in_place_ops():
    leaf = ad.zeros(3, requires_grad=True)
    for fill in ("uniform_", "normal_", "random_", "bernoulli_", "exponential_"):
        with pytest.raises(RuntimeError, match=f"{fill}: a leaf Variable that requires grad"):
            getattr(leaf, fill)()
        with ad.no_grad():
            getattr(leaf, fill)()
    with pytest.raises(TypeError, match="uniform_: expected a floating-point dtype"):
        ad.tensor([1, 2]).uniform_()
    with pytest.raises(TypeError, match="unexpected keyword"):
        ad.zeros(2).uniform_(low=3)
    with pytest.raises(ValueError, match="std >= 0.0"):
        ad.zeros(2).normal_(0, -1)
    with pytest.raises(ValueError, match="lambda > 0.0"):
        ad.zeros(2).exponential_(0)
    with pytest.raises(RuntimeError, match="read-only"):
        ad.zeros(1).expand(3).uniform_()


# ------------------------------------------------------------------ reproducibility
DRAWS = {
    "rand_like": lambda g: ad.rand_like(ad.zeros(5), generator=g),
    "randn_like": lambda g: ad.randn_like(ad.zeros(5), generator=g),
    "randint": lambda g: ad.randint(0, 100, (5,), generator=g),
    "randint_like": lambda g: ad.randint_like(ad.zeros(5), 100, generator=g),
    "randperm": lambda g: ad.randperm(20, generator=g),
    "normal": lambda g: ad.normal(0.0, 1.0, (5,), generator=g),
    "bernoulli": lambda g: ad.bernoulli(ad.full((20,), 0.5), generator=g),
    "multinomial": lambda g: ad.multinomial(ad.ones(20), 5, generator=g),
    "multinomial replacement": lambda g: ad.multinomial(ad.ones(20), 5, True, generator=g),
    "uniform_": lambda g: ad.zeros(5).uniform_(generator=g),
    "normal_": lambda g: ad.zeros(5).normal_(generator=g),
    "random_": lambda g: ad.zeros(5).random_(100, generator=g),
    "bernoulli_": lambda g: ad.zeros(20).bernoulli_(generator=g),
    "exponential_": lambda g: ad.zeros(5).exponential_(generator=g),
}


@pytest.mark.parametrize("name", list(DRAWS))
def test_manual_seed_and_generator_reproduce_draws(name):
    draw = DRAWS[name]
    ad.manual_seed(123)
    first = draw(None).numpy().copy()
    ad.manual_seed(123)
    again = draw(None).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(draw(None).numpy(), first)  # the generator moved on
    ad.manual_seed(123)
    from_generator = draw(np.random.default_rng(123)).numpy()
    np.testing.assert_array_equal(from_generator, first)
    np.testing.assert_array_equal(draw(None).numpy(), first)  # the global one was not used


# ------------------------------------------------------------------------- torch
TORCH_CASES = [
    ("rand_like", lambda m, x, l: m.rand_like(x)),
    ("randn_like f32", lambda m, x, l: m.randn_like(x, dtype=m.float32)),
    ("randint", lambda m, x, l: m.randint(0, 5, (3, 2))),
    ("randint high", lambda m, x, l: m.randint(5, (4,))),
    ("randint size keyword", lambda m, x, l: m.randint(2, 5, size=(2,))),
    ("randint dtype", lambda m, x, l: m.randint(0, 5, (3,), dtype=m.float64)),
    ("randint_like", lambda m, x, l: m.randint_like(l, 3)),
    ("randint_like low high", lambda m, x, l: m.randint_like(x, 1, 3)),
    ("randperm", lambda m, x, l: m.randperm(6)),
    ("normal numbers", lambda m, x, l: m.normal(0.0, 1.0, (2, 2))),
    ("normal tensor mean", lambda m, x, l: m.normal(x, 1.0)),
    ("normal tensor std", lambda m, x, l: m.normal(1.0, x.abs())),
    ("normal tensors", lambda m, x, l: m.normal(x, x.abs())),
    ("bernoulli", lambda m, x, l: m.bernoulli(x.abs().clamp(0, 1))),
    ("bernoulli p", lambda m, x, l: x.bernoulli(0.5)),
    ("multinomial", lambda m, x, l: m.multinomial(x.abs() + 0.1, 2)),
    ("multinomial 1-d", lambda m, x, l: m.multinomial(x[0].abs() + 0.1, 5, replacement=True)),
    ("uniform_", lambda m, x, l: x.detach().clone().uniform_(-1, 1)),
    ("normal_", lambda m, x, l: x.detach().clone().normal_(2, 3)),
    ("random_", lambda m, x, l: l.clone().random_(4)),
    ("random_ float", lambda m, x, l: x.detach().clone().random_(1, 4)),
    ("bernoulli_", lambda m, x, l: l.clone().bernoulli_(0.5)),
    ("exponential_", lambda m, x, l: x.detach().clone().exponential_()),
    ("empty", lambda m, x, l: m.empty(2, 1, dtype=m.float64)),
    ("empty_like", lambda m, x, l: m.empty_like(l)),
    ("full_like", lambda m, x, l: m.full_like(x, 7)),
]


@pytest.mark.parametrize("case", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_shapes_dtypes_and_requires_grad_match_torch(case):
    torch = _torch()
    results = []
    for module in (ad, torch):
        x = module.tensor([[0.5, -0.2, 0.9], [0.1, 0.4, -0.7]], dtype=module.float64)
        x.requires_grad_()
        labels = module.tensor([1, 0])
        out = case[1](module, x, labels)
        results.append((tuple(out.shape), _dtype_name(out.dtype), out.requires_grad))
    assert results[0] == results[1]
