"""Module forward hooks and forward pre-hooks (PyTorch's register_forward_hook and
register_forward_pre_hook): what they see, what they may replace, their order, removal, and
the same results as torch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn


def _model() -> nn.Module:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    rng = np.random.default_rng(0)
    with ad.no_grad():
        for p in model.parameters():
            p.copy_(ad.tensor(rng.standard_normal(p.shape)))
    return model


def test_forward_hook_sees_args_and_output_and_may_replace_it():
    model = _model()
    x = ad.ones(2, 3, dtype=ad.float64)
    seen = []
    handle = model[1].register_forward_hook(lambda m, args, out: seen.append((m, args, out)))
    plain = model(x)
    ((m, args, out),) = seen
    assert m is model[1] and isinstance(args, tuple) and len(args) == 1
    np.testing.assert_allclose(out.data, np.tanh(args[0].data))
    handle.remove()
    model[2].register_forward_hook(lambda m, args, out: out * 0.5)
    halved = model(x)
    np.testing.assert_allclose(halved.data, plain.data * 0.5)
    halved.sum().backward()  # the replaced output stays in the graph
    assert model[0].weight.grad is not None
    assert len(seen) == 1  # removed: not called again


def test_forward_pre_hook_may_replace_the_arguments():
    model = _model()
    x = ad.ones(2, 3, dtype=ad.float64)
    expected = model(x + 1.0).data
    handle = model.register_forward_pre_hook(lambda m, args: args[0] + 1.0)  # one value
    np.testing.assert_allclose(model(x).data, expected)
    handle.remove()
    model.register_forward_pre_hook(lambda m, args: (args[0] + 1.0,))  # a tuple
    np.testing.assert_allclose(model(x).data, expected)


def test_hooks_with_kwargs_prepend_and_order():
    model = _model()
    calls = []
    model.register_forward_pre_hook(lambda m, a: calls.append("pre 2"))
    model.register_forward_pre_hook(lambda m, a: calls.append("pre 1"), prepend=True)
    model.register_forward_pre_hook(
        lambda m, a, kw: calls.append(("pre kwargs", kw)) or (a, kw), with_kwargs=True
    )
    model.register_forward_hook(
        lambda m, a, kw, out: calls.append(("post kwargs", kw)), with_kwargs=True
    )
    model.register_forward_hook(lambda m, a, out: calls.append("post"), prepend=True)
    model(ad.ones(1, 3, dtype=ad.float64))
    assert calls == ["pre 1", "pre 2", ("pre kwargs", {}), "post", ("post kwargs", {})]
    bad = nn.Linear(2, 2)
    bad.register_forward_pre_hook(lambda m, a, kw: a, with_kwargs=True)
    with pytest.raises(RuntimeError, match="tuple of \\(new_args, new_kwargs\\)"):
        bad(ad.ones(1, 2))
    with pytest.raises(NotImplementedError, match="always_call"):
        bad.register_forward_hook(print, always_call=True)


def test_a_module_without_hooks_keeps_none():
    model = nn.Linear(2, 2)
    handle = model.register_forward_hook(lambda m, a, o: None)
    handle.remove()
    handle.remove()  # twice is harmless, as PyTorch's
    assert nn.Linear(2, 2)._forward_hooks is None and model._forward_hooks == []


def test_module_hooks_match_torch():
    torch = pytest.importorskip("torch", reason="torch is not installed: nothing to compare with")
    ours = _model()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    theirs = theirs.double()
    with torch.no_grad():
        for p, q in zip(theirs.parameters(), ours.parameters()):
            p.copy_(torch.tensor(q.data))
    x0 = np.random.default_rng(1).standard_normal((5, 3))
    results = []
    for model, lib in ((ours, ad), (theirs, torch)):
        model[0].register_forward_pre_hook(lambda m, args: args[0] * 2)
        model[1].register_forward_hook(lambda m, args, out: out + args[0])
        x = lib.tensor(x0, requires_grad=True)
        out = model(x)
        out.sum().backward()
        results.append((out.detach().numpy().copy(), x.grad.numpy().copy()))
    for o, t in zip(*results):
        np.testing.assert_allclose(o, t, rtol=1e-12)
