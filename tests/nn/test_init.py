"""nn.init: in place, under no_grad, dtype kept, fans for linear and conv weights, the right
statistics, and reproducible from a seed."""

import math

import numpy as np
import pytest

import autodiff
import nn
from nn import init


def big(shape=(400, 300), dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def test_fills_in_place_keep_dtype_and_record_nothing():
    p = big()
    data = p.data
    assert init.normal_(p) is p and p.data is data
    assert p.dtype == np.float32 and p.grad_fn is None and p.requires_grad
    init.zeros_(p)
    assert np.all(p.data == 0)
    init.ones_(p)
    assert np.all(p.data == 1)
    init.constant_(p, 2.5)
    assert np.all(p.data == 2.5)


def test_fan_in_and_fan_out():
    assert init.calculate_fan_in_and_fan_out(big((10, 48))) == (48, 10)
    assert init.calculate_fan_in_and_fan_out(big((8, 3, 5, 5))) == (75, 200)
    with pytest.raises(ValueError):
        init.calculate_fan_in_and_fan_out(big((5,)))


def test_distributions_have_the_right_scale():
    p = big()
    init.uniform_(p, -2, 3)
    assert p.data.min() >= -2 and p.data.max() < 3 and abs(p.data.mean() - 0.5) < 0.02
    init.normal_(p, 1.0, 0.5)
    assert abs(p.data.mean() - 1) < 0.01 and abs(p.data.std() - 0.5) < 0.01
    fan_in, fan_out = 300, 400
    init.xavier_uniform_(p)
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.99 * bound
    init.xavier_normal_(p, gain=2.0)
    assert p.data.std() == pytest.approx(2 * math.sqrt(2 / (fan_in + fan_out)), rel=0.02)
    init.kaiming_normal_(p, nonlinearity="relu")
    assert p.data.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.02)
    init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu")
    assert p.data.std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.02)
    init.kaiming_uniform_(p, nonlinearity="relu")
    assert np.abs(p.data).max() <= math.sqrt(6 / fan_in)
    conv = big((64, 16, 3, 3))
    init.kaiming_normal_(conv, nonlinearity="relu")  # fan_in = 16 * 3 * 3
    assert conv.data.std() == pytest.approx(math.sqrt(2 / 144), rel=0.02)


def test_weight_scale_convention():
    p = big((300, 400))
    init.weight_scale_(p, 1e-2)
    assert p.data.std() == pytest.approx(1e-2, rel=0.02) and abs(p.data.mean()) < 1e-3
    init.weight_scale_(p, "he")  # sqrt(2 / n) with n = 300 inputs of an (in, out) weight
    assert p.data.std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    init.weight_scale_(p, "xavier")
    assert p.data.std() == pytest.approx(math.sqrt(1 / 300), rel=0.02)
    with pytest.raises(ValueError):
        init.weight_scale_(p, "huge")


def test_gains():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("conv2d") == 1


def test_reproducible_from_a_seed_a_generator_and_across_dtypes():
    init.manual_seed(123)
    a = nn.Linear(20, 30).weight.data.copy()
    autodiff.manual_seed(123)  # the same generator
    b = nn.Linear(20, 30).weight.data.copy()
    np.testing.assert_array_equal(a, b)
    init.manual_seed(124)
    assert not np.array_equal(a, nn.Linear(20, 30).weight.data)
    p32, p64 = big((5, 5)), big((5, 5), np.float64)
    init.normal_(p32, generator=np.random.default_rng(7))
    init.normal_(p64, generator=np.random.default_rng(7))
    np.testing.assert_allclose(p32.data, p64.data, rtol=1e-6)
    init.manual_seed(9)
    m1 = nn.models.TinyNet().state_dict()
    init.manual_seed(9)
    m2 = nn.models.TinyNet().state_dict()
    assert all(np.array_equal(m1[k], m2[k]) for k in m1)
