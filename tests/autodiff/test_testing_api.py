"""autodiff.testing: the hypothesis strategies users build property tests with."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
from autodiff import testing as adt


@settings(max_examples=20, deadline=None)
@given(shapes=adt.broadcastable_shapes(2))
def test_broadcastable_shapes_broadcast(shapes):
    np.broadcast_shapes(*shapes)


@settings(max_examples=20, deadline=None)
@given(t=adt.tensors(adt.shapes(max_dims=2), low=-1, high=1, away_from=(0.0,), margin=0.1))
def test_tensors_respect_range_and_margin(t):
    assert isinstance(t, ad.Tensor) and t.requires_grad and t.dtype == np.float64
    assert np.all(np.abs(t.data) >= 0.1 - 1e-12) and np.all(np.abs(t.data) <= 1.0)


@settings(max_examples=20, deadline=None)
@given(t=adt.tensors((3, 4), distinct=True))
def test_distinct_elements_are_well_separated(t):
    values = np.sort(t.data.ravel())
    assert np.min(np.diff(values)) >= 0.1 - 1e-9


@settings(max_examples=15, deadline=None)
@given(data=st.data(), shapes=adt.broadcastable_shapes(2))
def test_user_style_property_test(data, shapes):
    """What the docs show: a property test of the user's own function."""
    a = data.draw(adt.tensors(shapes[0]))
    b = data.draw(adt.tensors(shapes[1], low=0.5, high=2.0))
    adt.assert_gradients_match(lambda a, b: (a * b.log()).tanh(), a, b)


def test_assert_gradients_match_fails_on_wrong_gradient():
    class Wrong(ad.Function):
        @staticmethod
        def forward(ctx, x):
            return np.sin(x)

        @staticmethod
        def backward(ctx, g):
            return g * np.sin(ctx.x) if False else g  # wrong on purpose: d sin = cos

    with pytest.raises(AssertionError, match="gradcheck failed"):
        adt.assert_gradients_match(lambda x: Wrong.apply(x), np.array([0.3, 1.0]))
