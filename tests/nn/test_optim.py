"""nn.optim: every optimizer's steps against the documented formulas written out here in numpy
(and against torch.optim when torch is installed), float32 preservation, param groups, state
dicts through an .npz, clipping, penalties, schedulers, and minimising a 2-D loss."""

import copy
import inspect
import math
import warnings

import numpy as np
import pytest

import autodiff
import nn
from autodiff import Tensor
from nn import optim
from nn.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)

SHAPE = (2, 3)


def param(values=None, dtype=np.float64, seed=0):
    if values is None:
        values = np.random.default_rng(seed).standard_normal(SHAPE)
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def grad_sequence(n, shape=SHAPE, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(n)]


def run(optimizer, p, grads):
    """Set each gradient in turn and step; the parameter values after every step."""
    history = []
    for g in grads:
        p.grad = np.asarray(g, dtype=p.dtype)
        optimizer.step()
        history.append(p.data.copy())
    return history


# ------------------------------------------------------- the documented algorithms, in numpy
# Written in the textbook form of each paper / PyTorch's docs (bias-corrected m_hat and v_hat for
# Adam, ...), independently of the implementation's operation order.


def ref_sgd(p, grads, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    b, out = None, []
    for g in grads:
        g = g + weight_decay * p
        if momentum != 0:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        out.append(p)
    return out


def ref_adagrad(
    p, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    s, out = np.full_like(p, initial_accumulator_value), []
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        s = s + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(p)
    return out


def ref_rmsprop(
    p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    v, m, b, out = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p), []
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        m = alpha * m + (1 - alpha) * g
        avg = np.sqrt(v - m**2 if centered else v) + eps
        if momentum > 0:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg
        out.append(p)
    return out


def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    v, u, out = np.zeros_like(p), np.zeros_like(p), []
    for g in grads:
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2
        p = p - lr * delta
        out.append(p)
    return out


def ref_adam(
    p,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled=False,
):
    (b1, b2), out = betas, []
    m, v, v_max = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - b1**t)
        v_hat = (v_max if amsgrad else v) / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def ref_adamw(p, grads, weight_decay=1e-2, **kwargs):
    return ref_adam(p, grads, weight_decay=weight_decay, decoupled=True, **kwargs)


# (name, optimizer class, keyword arguments, reference) — every option of every optimizer.
CASES = [
    ("sgd", optim.SGD, dict(lr=0.1), ref_sgd),
    ("sgd-wd", optim.SGD, dict(lr=0.1, weight_decay=0.05), ref_sgd),
    ("sgd-momentum", optim.SGD, dict(lr=0.1, momentum=0.9), ref_sgd),
    ("sgd-dampening", optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3), ref_sgd),
    ("sgd-nesterov", optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), ref_sgd),
    (
        "sgd-nesterov-wd",
        optim.SGD,
        dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.05),
        ref_sgd,
    ),
    ("adagrad", optim.Adagrad, dict(lr=0.1), ref_adagrad),
    (
        "adagrad-all",
        optim.Adagrad,
        dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6),
        ref_adagrad,
    ),
    ("rmsprop", optim.RMSprop, dict(lr=0.01), ref_rmsprop),
    ("rmsprop-wd", optim.RMSprop, dict(lr=0.01, alpha=0.9, weight_decay=0.1), ref_rmsprop),
    ("rmsprop-momentum", optim.RMSprop, dict(lr=0.01, momentum=0.9), ref_rmsprop),
    ("rmsprop-centered", optim.RMSprop, dict(lr=0.01, centered=True), ref_rmsprop),
    (
        "rmsprop-all",
        optim.RMSprop,
        dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True),
        ref_rmsprop,
    ),
    ("adadelta", optim.Adadelta, dict(), ref_adadelta),
    (
        "adadelta-all",
        optim.Adadelta,
        dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1),
        ref_adadelta,
    ),
    ("adam", optim.Adam, dict(lr=0.01), ref_adam),
    ("adam-wd", optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1), ref_adam),
    ("adam-amsgrad", optim.Adam, dict(lr=0.01, amsgrad=True), ref_adam),
    ("adam-all", optim.Adam, dict(lr=0.01, eps=1e-4, weight_decay=0.1, amsgrad=True), ref_adam),
    ("adamw", optim.AdamW, dict(lr=0.01), ref_adamw),
    ("adamw-all", optim.AdamW, dict(lr=0.01, weight_decay=0.5, amsgrad=True), ref_adamw),
]
CASE_IDS = [case[0] for case in CASES]
OPTIMIZERS = [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adadelta, optim.Adam, optim.AdamW]


def make(cls, params, **kwargs):
    """An optimizer with its required arguments filled in (only SGD has a required lr)."""
    if cls is optim.SGD:
        kwargs.setdefault("lr", 0.1)
    return cls(params, **kwargs)


@pytest.mark.parametrize(("name", "cls", "kwargs", "ref"), CASES, ids=CASE_IDS)
def test_steps_follow_the_documented_algorithm(name, cls, kwargs, ref):
    p = param()
    p0, grads = p.data.copy(), grad_sequence(4)
    got = run(cls([p], **kwargs), p, grads)
    want = ref(p0, grads, **kwargs)
    for step, (g, w) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14, err_msg=f"step {step}")


@pytest.mark.parametrize(("name", "cls", "kwargs", "ref"), CASES, ids=CASE_IDS)
def test_steps_on_a_0d_parameter(name, cls, kwargs, ref):
    # numpy returns scalars, not arrays, from 0-d arithmetic: in-place updates must still work.
    p = param(0.5)
    p0, grads = p.data.copy(), grad_sequence(3, shape=())
    got = run(cls([p], **kwargs), p, grads)
    want = ref(p0, grads, **kwargs)
    assert p.data.shape == ()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------- steps by hand


def test_sgd_step_by_hand():
    p = param([1.0, -2.0])
    p.grad = np.array([0.5, -1.0])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -1.9])


def test_sgd_momentum_by_hand():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([1.0])
    opt.step()  # b = 1, p = 1 - 0.1
    p.grad = np.array([1.0])
    opt.step()  # b = 0.9 + 1 = 1.9, p = 0.9 - 0.19
    np.testing.assert_allclose(p.data, [0.71])
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [1.9])


def test_adaptive_first_steps_by_hand():
    # At step 1 Adam, Adagrad and RMSprop move every element by a fixed amount against its
    # gradient's sign, whatever the gradient's size.
    g = np.array([3.0, -0.01])
    for cls, kwargs, size in [
        (optim.Adam, dict(lr=0.1), 0.1),  # m_hat = g, v_hat = g**2
        (optim.Adagrad, dict(lr=0.1), 0.1),  # sum = g**2
        (optim.RMSprop, dict(lr=0.01, alpha=0.99), 0.1),  # v = 0.01 g**2: lr * 10
    ]:
        p = param([0.0, 0.0])
        p.grad = g
        cls([p], **kwargs).step()
        # eps (1e-8 next to sqrt(v) = 1e-3 for RMSprop's small element) shows at 1e-5.
        np.testing.assert_allclose(p.data, -size * np.sign(g), rtol=1e-4, err_msg=cls.__name__)


def test_adadelta_first_step_by_hand():
    p = param([0.0])
    p.grad = np.array([2.0])
    optim.Adadelta([p], lr=1.0, rho=0.9, eps=1e-6).step()
    # v = 0.1 * 4; delta = sqrt(1e-6) / sqrt(0.4 + 1e-6) * 2
    np.testing.assert_allclose(p.data, [-1e-3 / math.sqrt(0.4 + 1e-6) * 2])


def test_adamw_decay_is_decoupled_from_the_gradient():
    # With a zero gradient Adam's L2 decay still moves p by about lr (its gradient is rescaled
    # to unit size), AdamW's only by the factor (1 - lr * weight_decay).
    adam_p, adamw_p = param([2.0]), param([2.0])
    for p, cls in [(adam_p, optim.Adam), (adamw_p, optim.AdamW)]:
        p.grad = np.array([0.0])
        cls([p], lr=0.1, weight_decay=0.01).step()
    np.testing.assert_allclose(adam_p.data, [1.9], rtol=1e-6)
    np.testing.assert_allclose(adamw_p.data, [2.0 * (1 - 0.1 * 0.01)])


def test_momentum_and_nesterov_equal_the_lessons_velocity_form():
    # CS231n / Saito: v = mu * v - lr * g; p += v, and Nesterov p += -mu * v_old + (1 + mu) * v.
    lr, mu, grads = 0.1, 0.9, grad_sequence(6)
    for nesterov in (False, True):
        p = param()
        expected, v = p.data.copy(), np.zeros(SHAPE)
        got = run(optim.SGD([p], lr=lr, momentum=mu, nesterov=nesterov), p, grads)
        for g, value in zip(grads, got):
            v_old, v = v, mu * v - lr * g
            expected = expected + (-mu * v_old + (1 + mu) * v if nesterov else v)
            np.testing.assert_allclose(value, expected, rtol=1e-12)


def test_adagrad_and_rmsprop_equal_the_lessons_with_their_eps():
    grads = grad_sequence(5)
    p, q = param(), param()
    h_ada, h_rms, ada, rms = np.zeros(SHAPE), np.zeros(SHAPE), p.data.copy(), q.data.copy()
    got_ada = run(optim.Adagrad([p], lr=0.1, eps=1e-7), p, grads)
    got_rms = run(optim.RMSprop([q], lr=0.01, alpha=0.99, eps=1e-7), q, grads)
    for g, a, r in zip(grads, got_ada, got_rms):
        h_ada += g * g
        ada -= 0.1 * g / (np.sqrt(h_ada) + 1e-7)
        h_rms = 0.99 * h_rms + 0.01 * g * g
        rms -= 0.01 * g / (np.sqrt(h_rms) + 1e-7)
        np.testing.assert_allclose(a, ada, rtol=1e-12)
        np.testing.assert_allclose(r, rms, rtol=1e-12)


# --------------------------------------------------------------------- dtypes and skipping


@pytest.mark.parametrize(("name", "cls", "kwargs", "ref"), CASES, ids=CASE_IDS)
def test_float32_parameters_and_state_stay_float32(name, cls, kwargs, ref):
    p = param(dtype=np.float32)
    p0, grads = p.data.astype(np.float64), grad_sequence(3)
    opt = cls([p], **kwargs)
    got = run(opt, p, grads)
    assert p.dtype == np.float32
    for name_, value in opt.state[p].items():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32, name_
    # ... and the values are the float64 reference's to float32 precision.
    want = ref(p0, grads, **kwargs)
    np.testing.assert_allclose(got[-1], want[-1], rtol=2e-5, atol=2e-6)


def test_a_float32_parameter_keeps_float32_gradients_and_state():
    p = param([1.0, 2.0], dtype=np.float32)
    with pytest.raises(RuntimeError, match="dtype float64"):  # as PyTorch's setter
        p.grad = Tensor(np.array([0.5, 0.5]))
    p.grad = np.array([0.5, 0.5])  # an array is taken in the parameter's dtype
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    assert p.dtype == np.float32 and p.grad.dtype == np.float32
    assert opt.state[p]["exp_avg"].dtype == np.float32


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_parameters_without_a_gradient_are_skipped(cls):
    a, b = param(seed=1), param(seed=2)
    b_before = b.data.copy()
    opt = make(cls, [a, b], weight_decay=0.1)  # decay would move b if b were updated
    a.grad = np.ones(SHAPE)
    opt.step()
    np.testing.assert_array_equal(b.data, b_before)
    assert b not in opt.state or not opt.state[b]
    assert 1 not in opt.state_dict()["state"]


def test_a_parameter_whose_gradient_is_gone_keeps_its_state():
    p = param()
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.ones(SHAPE)
    opt.step()
    before = {k: np.copy(v) for k, v in opt.state[p].items()}
    p.grad = None
    opt.step()
    assert opt.state[p]["step"] == 1
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], before["exp_avg"])


def _plain_sgd_state_sizes(lib, optim_module):
    p = lib.zeros(3, requires_grad=True)
    sizes = []
    for momentum in (0.0, 0.9):
        opt = optim_module.SGD([p], lr=0.1, momentum=momentum)
        (p * 2).sum().backward()
        opt.step()
        sizes.append((len(opt.state), len(opt.state_dict()["state"])))
    return sizes


def test_plain_sgd_keeps_no_state_entries():
    # Every updated parameter got an empty entry in `optimizer.state` (len 2 for a Linear
    # trained by plain SGD; PyTorch's stays empty).
    assert _plain_sgd_state_sizes(autodiff, optim) == [(0, 0), (1, 1)]
    torch = pytest.importorskip("torch")
    assert _plain_sgd_state_sizes(torch, torch.optim) == [(0, 0), (1, 1)]


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_state_of_a_parameter_not_yet_updated_is_an_empty_dict(cls):
    # PyTorch's state is a defaultdict: opt.state[p] is {} before p's first step (a KeyError
    # before), and a state dict holding such an empty entry loads.
    a, b = param(seed=1), param(seed=2)
    opt = make(cls, [a, b])
    assert opt.state[a] == {} and opt.state_dict()["state"] == {}
    a.grad = np.ones(SHAPE)
    opt.step()
    saved = opt.state_dict()
    saved["state"][1] = {}
    fresh = make(cls, [param(seed=1), param(seed=2)])
    fresh.load_state_dict(saved)
    assert fresh.state[fresh.param_groups[0]["params"][1]] == {}
    assert fresh.state_dict()["state"].keys() == opt.state_dict()["state"].keys()


def test_state_of_a_parameter_not_yet_updated_matches_torch():
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(2, requires_grad=True)
    torch_opt = torch.optim.Adam([theirs])
    assert torch_opt.state[theirs] == {}
    ours = param(np.zeros(2))
    opt = optim.Adam([ours])
    assert opt.state[ours] == {}
    opt.load_state_dict(torch_opt.state_dict())  # torch's now holds {0: {}}
    assert opt.state[ours] == {}


# -------------------------------------------------------------------------------- groups


def test_param_groups_with_different_lrs():
    a, b = param([1.0]), param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert all(g["momentum"] == 0.5 for g in opt.param_groups)  # from the defaults
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.99])


def test_add_param_group_and_its_checks():
    a, b = param(), param()
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "betas": (0.5, 0.5)})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["betas"] == (0.5, 0.5) and opt.param_groups[1]["lr"] == 0.1
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="'params'"):
        opt.add_param_group({"lr": 0.1})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([a])


# PyTorch's result-changing options, and the value of each that glassgrad implements.
UNIMPLEMENTED_OPTIONS = [
    (optim.SGD, "maximize", True),
    (optim.Adagrad, "differentiable", True),
    (optim.RMSprop, "maximize", 1),
    (optim.Adam, "decoupled_weight_decay", True),
    (optim.AdamW, "decoupled_weight_decay", False),
]


@pytest.mark.parametrize(("cls", "option", "value"), UNIMPLEMENTED_OPTIONS)
def test_unimplemented_torch_options_in_a_group_are_refused(cls, option, value):
    a, b = param(), param()
    with pytest.raises(ValueError, match=rf"{cls.__name__}.*{option}={value!r}"):
        cls([{"params": [a], option: value}], lr=0.1)
    opt = cls([a], lr=0.1)
    with pytest.raises(ValueError, match=rf"{cls.__name__}.*{option}={value!r}"):
        opt.add_param_group({"params": [b], option: value})
    assert len(opt.param_groups) == 1
    # Set later, behind add_param_group's back: refused by step(), before anything changes.
    opt.param_groups[0][option] = value
    a.grad = np.ones(SHAPE)
    before = a.data.copy()
    with pytest.raises(ValueError, match=rf"{cls.__name__}.step.*{option}"):
        opt.step()
    np.testing.assert_array_equal(a.data, before)
    # Loaded from a state dict.
    opt = cls([a], lr=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0][option] = value
    with pytest.raises(ValueError, match=rf"{cls.__name__}.load_state_dict.*{option}"):
        opt.load_state_dict(saved)


def test_implemented_values_implementation_options_and_own_keys_are_accepted():
    a, b = param(), param()
    opt = optim.AdamW(
        [{"params": [a], "maximize": False, "differentiable": False, "foreach": True}], lr=0.1
    )
    opt.add_param_group(
        {"params": [b], "decoupled_weight_decay": True, "fused": None, "capturable": False}
    )
    opt.param_groups[0]["name"] = "encoder"  # a user's own key, as in PyTorch
    a.grad, b.grad = np.ones(SHAPE), np.ones(SHAPE)
    opt.step()
    opt.load_state_dict(opt.state_dict())
    assert opt.param_groups[0]["name"] == "encoder"
    optim.Adam([{"params": [param()], "decoupled_weight_decay": False}])


def test_torch_state_dicts_with_default_options_load_and_with_maximize_are_refused():
    torch = pytest.importorskip("torch")
    p0 = np.linspace(-1, 1, 6).reshape(SHAPE)
    theirs = torch.tensor(p0.copy(), requires_grad=True)
    torch_opt = torch.optim.SGD([theirs], lr=0.1, momentum=0.9)
    ours = param(p0.copy())
    opt = optim.SGD([ours], lr=0.1, momentum=0.9)
    opt.load_state_dict(torch_opt.state_dict())  # maximize=False, foreach=None, ...
    ours.grad, theirs.grad = np.ones(SHAPE), torch.ones(SHAPE, dtype=torch.float64)
    opt.step()
    torch_opt.step()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-15)
    # maximize=True changes torch's result: glassgrad must refuse it, not run without it.
    torch_opt.param_groups[0]["maximize"] = True
    with pytest.raises(ValueError, match="maximize"):
        opt.load_state_dict(torch_opt.state_dict())
    before = theirs.detach().clone()
    torch_opt.step()
    assert (theirs.detach() > before).all()  # ascent: what glassgrad would have got wrong


def _momentum_sgd_class(lib, optim_module):
    """An optimizer written as PyTorch's docs and courses write one: a subclass of Optimizer
    with its own step() (Tensor ops, state in self.state[p], a __setstate__ filling a default)."""

    class MomentumSGD(optim_module.Optimizer):
        def __init__(self, params, lr=0.1, momentum=0.5, maximize=False):
            super().__init__(params, dict(lr=lr, momentum=momentum, maximize=maximize))

        def __setstate__(self, state):
            super().__setstate__(state)
            for group in self.param_groups:
                group.setdefault("momentum", 0.5)

        @lib.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with lib.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        state["buf"] = p.grad.clone()
                    else:
                        state["buf"].mul_(group["momentum"]).add_(p.grad)
                    state["step"] += 1
                    sign = 1.0 if group["maximize"] else -1.0
                    p.add_(state["buf"], alpha=sign * group["lr"])
            return loss

    return MomentumSGD


def _run_momentum_sgd(lib, optim_module):
    """Three steps of MomentumSGD (one group maximizing), a state dict round trip through a
    fresh optimizer, two more steps of each: parameters, state dict and the two runs' values."""
    cls = _momentum_sgd_class(lib, optim_module)

    def make_params():
        return [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in ([1.0, -2.0], [0.5])]

    def loss_of(params):
        def closure():
            ((params[0] ** 2).sum() + params[1].sum() * 3).backward()
            return 0

        return closure

    def train(params, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            assert opt.step(loss_of(params)) == 0

    params = make_params()
    groups = [{"params": params[:1]}, {"params": params[1:], "maximize": True, "lr": 0.05}]
    opt = cls(groups)
    train(params, opt, 3)
    saved = opt.state_dict()
    state = {
        k: {n: np.asarray(v.tolist() if hasattr(v, "tolist") else v) for n, v in s.items()}
        for k, s in saved["state"].items()
    }
    resumed = make_params()
    with lib.no_grad():
        for new, old in zip(resumed, params):
            new.copy_(old)
    opt2 = cls([{"params": resumed[:1]}, {"params": resumed[1:]}])
    opt2.load_state_dict(copy.deepcopy(saved))  # (deep: PyTorch would share the buffers)
    train(params, opt, 2)
    train(resumed, opt2, 2)
    copied = copy.deepcopy(opt2)  # through __setstate__
    return [p.tolist() for p in params], [p.tolist() for p in resumed], state, copied


def test_an_optimizer_written_pytorchs_way_runs_saves_and_resumes():
    # Before: Optimizer.__init__ called check_group, which raised a bare NotImplementedError,
    # so no optimizer could be written by overriding step().
    params, resumed, state, copied = _run_momentum_sgd(autodiff, optim)
    assert params == resumed
    # by hand: p0 <- p0 - 0.1 * buf with buf = 0.5 buf + 2 p0; p1 ascends with 3s
    p0, buf = np.array([1.0, -2.0]), None
    for _ in range(5):
        g = 2 * p0
        buf = g if buf is None else 0.5 * buf + g
        p0 = p0 - 0.1 * buf
    np.testing.assert_allclose(params[0], p0)
    np.testing.assert_allclose(params[1], [0.5 + 0.05 * 3 * (1 + 1.5 + 1.75 + 1.875 + 1.9375)])
    assert state[0]["step"] == 3 and state[1]["step"] == 3  # the step count as it kept it
    assert copied.param_groups[0]["momentum"] == 0.5


def test_an_optimizer_written_pytorchs_way_resumes_from_a_checkpoint(tmp_path):
    from nn.train import load_checkpoint, save_checkpoint

    cls = _momentum_sgd_class(autodiff, optim)
    model, twin = nn.Linear(2, 1), nn.Linear(2, 1)
    opt, opt2 = cls(model.parameters()), cls(twin.parameters())
    x = autodiff.tensor(np.array([[1.0, -1.0], [0.5, 2.0]], dtype=np.float32))
    for _ in range(2):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    save_checkpoint(tmp_path / "run.npz", model, opt)  # Tensors as arrays, the count as a 0-d
    load_checkpoint(tmp_path / "run.npz", twin, opt2)
    state = opt2.state[twin.weight]
    assert state["step"] == 2 and isinstance(state["step"], int)
    assert isinstance(state["buf"], Tensor) and state["buf"].dtype == np.float32
    for m, o in ((model, opt), (twin, opt2)):
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    np.testing.assert_array_equal(model.weight.data, twin.weight.data)


def test_an_optimizer_written_pytorchs_way_matches_torch():
    torch = pytest.importorskip("torch")
    ours = _run_momentum_sgd(autodiff, optim)
    theirs = _run_momentum_sgd(torch, torch.optim)
    for a, b in zip(ours[:2], theirs[:2]):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-13)
    for k in theirs[2]:
        for name in theirs[2][k]:
            np.testing.assert_allclose(ours[2][k][name], theirs[2][k][name], err_msg=name)


def test_a_subclass_with_neither_step_nor_update_says_so():
    class Nothing(optim.Optimizer):
        pass

    p = param()
    opt = Nothing([p], dict(lr=0.1))
    p.grad = np.ones(SHAPE)
    with pytest.raises(NotImplementedError, match=r"Nothing: .* overrides step\(\)"):
        opt.step()


def _named_run(lib, nn_module, optim_module):
    """AdamW over model.named_parameters(): three steps, the group's names, its state dict's
    names, and the names after loading a state dict saved without them."""
    model = nn_module.Linear(2, 1)
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.5, -1.0]]))
        model.bias.copy_(lib.tensor([0.25]))
    opt = optim_module.AdamW(model.named_parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        model(lib.ones(1, 2)).sum().backward()
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    names = saved["param_groups"][0]["param_names"]
    del saved["param_groups"][0]["param_names"]
    fresh = optim_module.AdamW(nn_module.Linear(2, 1).named_parameters(), lr=0.1)
    fresh.load_state_dict(saved)  # the group keeps its own names
    values = (model.weight.tolist(), model.bias.tolist())
    return values, opt.param_groups[0]["param_names"], names, fresh.param_groups[0]["param_names"]


def test_named_parameters_are_accepted_and_their_names_kept():
    # PyTorch (2.6+) takes model.named_parameters(); here it was "can only optimize Tensors".
    values, group_names, saved_names, kept = _named_run(autodiff, nn, optim)
    assert group_names == saved_names == kept == ["weight", "bias"]
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="some names are missing"):
        optim.SGD([("w", model.weight), model.bias], lr=0.1)
    with pytest.raises(ValueError, match="cannot add a group without names"):
        optim.SGD([{"params": [("w", model.weight)]}, {"params": [model.bias]}], lr=0.1)


def test_named_parameters_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _named_run(autodiff, nn, optim), _named_run(torch, torch.nn, torch.optim)
    np.testing.assert_allclose(ours[0][0], theirs[0][0], rtol=1e-6)
    np.testing.assert_allclose(ours[0][1], theirs[0][1], rtol=1e-6)
    assert ours[1:] == theirs[1:]


def test_sgd_positional_order_and_lr_default_are_pytorchs():
    # SGD(params, lr, momentum, dampening, weight_decay, nesterov): weight decay is 5th.
    p = param()
    opt = optim.SGD([p], 0.1, 0.9, 0.0, 0.5, True)
    assert opt.defaults["weight_decay"] == 0.5 and opt.defaults["nesterov"] is True
    assert optim.SGD([param()]).defaults["lr"] == 1e-3


OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.Adagrad, optim.RMSprop, optim.Adadelta]


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_positional_parameters_are_pytorchs(cls):
    """Every positional parameter binds as in torch (name, order, default); torch's further
    positional ones (Adagrad's foreach, ...) do not exist here, so passing them is a TypeError."""
    torch = pytest.importorskip("torch")

    def positional(f):
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ps = inspect.signature(f).parameters.values()
        return [(p.name, p.default) for p in ps if p.kind in kinds]

    ours = positional(cls.__init__)
    theirs = positional(getattr(torch.optim, cls.__name__).__init__)[: len(ours)]
    assert ours == theirs  # names and defaults (0.0 == 0)


def test_sgd_positional_call_steps_like_torch():
    torch = pytest.importorskip("torch")
    p0 = np.linspace(-1.0, 1.0, 6).reshape(SHAPE)
    ours, theirs = param(p0.copy()), torch.tensor(p0.copy(), requires_grad=True)
    opt = optim.SGD([ours], 0.1, 0.9, 0.0, 0.5, True)
    torch_opt = torch.optim.SGD([theirs], 0.1, 0.9, 0.0, 0.5, True)
    for g in grad_sequence(3):
        ours.grad, theirs.grad = g.copy(), torch.tensor(g.copy())
        opt.step()
        torch_opt.step()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-13, atol=1e-15)
    torch_default = torch.optim.SGD([torch.zeros(1, requires_grad=True)])
    assert optim.SGD([param()]).defaults["lr"] == torch_default.defaults["lr"]


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW], ids=lambda c: c.__name__)
def test_betas_may_be_a_list_in_a_group_too(cls):
    a, b = param(), param()
    opt = cls([{"params": [a], "betas": [0.5, 0.6]}], lr=0.1)
    opt.add_param_group({"params": [b], "betas": [0.7, 0.8]})
    assert [g["betas"] for g in opt.param_groups] == [(0.5, 0.6), (0.7, 0.8)]
    with pytest.raises(TypeError, match="betas must be a pair"):
        opt.add_param_group({"params": [param()], "betas": [0.5]})


def test_betas_list_in_a_group_steps_like_torch():
    torch = pytest.importorskip("torch")
    p0 = np.linspace(-1.0, 1.0, 6).reshape(SHAPE)
    ours, theirs = param(p0.copy()), torch.tensor(p0.copy(), requires_grad=True)
    opt = optim.Adam([{"params": [ours], "betas": [0.5, 0.6]}], lr=0.1)
    torch_opt = torch.optim.Adam([{"params": [theirs], "betas": [0.5, 0.6]}], lr=0.1)
    for g in grad_sequence(3):
        ours.grad, theirs.grad = g.copy(), torch.tensor(g.copy())
        opt.step()
        torch_opt.step()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-13, atol=1e-15)


def test_adagrad_group_initial_accumulator_value_is_the_groups_unlike_torch():
    """Documented in docs/pytorch_comparison.md: glassgrad uses the group's value; torch 2.13
    the constructor's (a torch quirk). If torch changes, update the doc row."""
    ours = param(np.zeros(SHAPE))
    opt = optim.Adagrad([{"params": [ours], "initial_accumulator_value": 3.0}], lr=1.0)
    ours.grad = np.ones(SHAPE)
    opt.step()
    np.testing.assert_allclose(opt.state[ours]["sum"], 4.0)
    np.testing.assert_allclose(ours.data, -1.0 / (2.0 + 1e-10))
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(SHAPE, dtype=torch.float64, requires_grad=True)
    torch_opt = torch.optim.Adagrad([{"params": [theirs], "initial_accumulator_value": 3.0}], lr=1)
    theirs.grad = torch.ones(SHAPE, dtype=torch.float64)
    torch_opt.step()
    np.testing.assert_allclose(torch_opt.state[theirs]["sum"].numpy(), 1.0)  # started at 0


def test_constructor_checks():
    p = param()
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([p.data], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="invalid lr -1"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta([p], rho=1.5)
    with pytest.raises(ValueError, match="invalid eps"):
        optim.Adagrad([p], eps=float("nan"))


OPTIMIZERS = {
    "SGD": lambda ps, **kw: optim.SGD(ps, **{"lr": 0.1, **kw}),
    "Adam": optim.Adam,
    "AdamW": optim.AdamW,
    "Adagrad": optim.Adagrad,
    "RMSprop": optim.RMSprop,
    "Adadelta": optim.Adadelta,
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_refuses_bad_learning_rates_like_pytorch(name):
    """PyTorch: ValueError "Invalid learning rate" for lr < 0; a TypeError for a string. Ours
    name the optimizer and the argument; NaN is refused too (PyTorch lets it through, and
    every parameter becomes NaN at the first step)."""
    make = OPTIMIZERS[name]
    for bad in (-1, -1e-9, float("nan")):
        with pytest.raises(ValueError, match=f"{name}: invalid lr"):
            make([param()], lr=bad)
    with pytest.raises(TypeError, match=f"{name}: lr must be a real number, got str"):
        make([param()], lr="0.1")
    make([param()], lr=0.0)  # zero is allowed, as in PyTorch
    # A group that overrides the lr is checked as well.
    with pytest.raises(ValueError, match="invalid lr"):
        make([{"params": [param()], "lr": -0.5}], lr=0.1)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("betas", [(1.0, 0.9), (0.9, -0.1), (-0.5, 0.9), (0.9, 1.5)])
def test_betas_outside_zero_one_are_refused(name, betas):
    index = 0 if not 0 <= betas[0] < 1 else 1
    with pytest.raises(ValueError, match=rf"{name}: invalid betas\[{index}\] .*in \[0, 1\)"):
        OPTIMIZERS[name]([param()], betas=betas)
    with pytest.raises(TypeError, match="betas must be a pair"):
        OPTIMIZERS[name]([param()], betas=(0.9,))


@pytest.mark.parametrize(
    ("name", "argument", "bad"),
    [
        ("SGD", "momentum", -0.1),
        ("SGD", "weight_decay", -1),
        ("Adam", "eps", -1e-8),
        ("Adam", "weight_decay", -1),
        ("AdamW", "weight_decay", -1),
        ("Adagrad", "lr_decay", -1),
        ("Adagrad", "initial_accumulator_value", -1),
        ("RMSprop", "alpha", -0.1),
        ("RMSprop", "momentum", -0.1),
        ("Adadelta", "rho", 1.5),
        ("Adadelta", "rho", -0.1),
    ],
)
def test_other_hyperparameters_are_range_checked_like_pytorch(name, argument, bad):
    with pytest.raises(ValueError, match=f"{name}: invalid {argument}"):
        OPTIMIZERS[name]([param()], **{argument: bad})


def test_works_with_module_parameters():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.5)  # a generator
    before = model.weight.data.copy()
    model(autodiff.ones(4, 3)).sum().backward()
    opt.step()
    np.testing.assert_allclose(model.weight.data, before - 0.5 * 4.0, rtol=1e-6)
    assert model.weight.dtype == np.float32


def test_zero_grad():
    a, b = param(), param()
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = np.ones(SHAPE)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    a.grad = np.ones(SHAPE)
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and not a.grad.data.any()  # zeroed in place
    assert b.grad is None


def test_zero_grad_of_a_recorded_gradient_leaves_its_graph_alone():
    x = param([1.0, 2.0])
    (x**3).sum().backward(create_graph=True)
    recorded = x.grad
    optim.SGD([x], lr=0.1).zero_grad(set_to_none=False)
    assert x.grad is not recorded and x.grad.grad_fn is None and not x.grad.data.any()
    np.testing.assert_allclose(recorded.data, [3.0, 12.0])


def test_step_with_a_closure():
    x = param([3.0])
    opt = optim.SGD([x], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(x.data, [3.0 - 0.25 * 6.0])


def test_update_is_an_inplace_change_backward_notices():
    # The step bumps the parameter's version, so a graph that saved the old value refuses to
    # backpropagate with the new one instead of giving silently wrong gradients.
    x = param([1.0, 2.0])
    loss = (x * x).sum()
    x.grad = np.ones(2)
    optim.SGD([x], lr=0.1).step()
    with pytest.raises(autodiff.InplaceModificationError):
        loss.backward()


def test_repr_lists_the_groups():
    text = repr(optim.Adam([param()], lr=0.5))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text


# ---------------------------------------------------------------------------- state dicts


def save_npz(state_dict, path):
    """Flatten an optimizer state dict into an .npz: "state/<index>/<name>" and
    "param_groups/<index>/<key>" (what a checkpoint writer does)."""
    flat = {}
    for i, state in state_dict["state"].items():
        for name, value in state.items():
            flat[f"state/{i}/{name}"] = np.asarray(value)
    for i, group in enumerate(state_dict["param_groups"]):
        for key, value in group.items():
            flat[f"param_groups/{i}/{key}"] = np.asarray(value)
    np.savez(path, **flat)


def load_npz(path):
    state, groups = {}, {}
    with np.load(path, allow_pickle=False) as archive:
        for key in archive.files:
            kind, i, name = key.split("/")
            (state if kind == "state" else groups).setdefault(i, {})[name] = archive[key]
    return {"state": state, "param_groups": [groups[i] for i in sorted(groups, key=int)]}


def is_plain(value):
    """Nothing that needs pickling: numbers, strings, Tensors (the per-parameter state, as in
    PyTorch) and containers of them."""
    if isinstance(value, dict):
        return all(is_plain(k) and is_plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(is_plain(v) for v in value)
    if isinstance(value, Tensor):
        return value.dtype.kind in "biuf"
    return isinstance(value, np.ndarray | bool | int | float | str)


@pytest.mark.parametrize(("name", "cls", "kwargs", "ref"), CASES, ids=CASE_IDS)
def test_state_dict_round_trip_through_npz_continues_identically(name, cls, kwargs, ref, tmp_path):
    grads = grad_sequence(6, seed=5)
    a1, a2 = param(dtype=np.float32, seed=1), param(dtype=np.float32, seed=2)
    opt = cls([{"params": [a1]}, {"params": [a2], "lr": 0.05}], **kwargs)
    for g in grads[:3]:
        a1.grad, a2.grad = g, 2 * g
        opt.step()
    saved = opt.state_dict()
    assert is_plain(saved)
    assert sorted(saved["state"]) == ([0, 1] if opt.state_names(opt.param_groups[0]) else [])
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    save_npz(saved, tmp_path / "opt.npz")

    b1, b2 = (Tensor(a.data.copy(), requires_grad=True) for a in (a1, a2))
    fresh = cls([{"params": [b1]}, {"params": [b2]}], **kwargs)
    fresh.load_state_dict(load_npz(tmp_path / "opt.npz"))
    assert fresh.param_groups[1]["lr"] == 0.05 and type(fresh.param_groups[1]["lr"]) is float
    for g in grads[3:]:
        a1.grad, a2.grad, b1.grad, b2.grad = g, 2 * g, g, 2 * g
        opt.step()
        fresh.step()
        np.testing.assert_array_equal(b1.data, a1.data)
        np.testing.assert_array_equal(b2.data, a2.data)
    for p in (b1, b2):
        for value in fresh.state[p].values():
            assert not isinstance(value, np.ndarray) or value.dtype == np.float32


def test_state_names_are_the_documented_ones():
    p = param()
    expected = {
        optim.SGD([p], lr=0.1, momentum=0.9): {"momentum_buffer"},
        optim.Adagrad([p]): {"step", "sum"},
        optim.RMSprop([p]): {"step", "square_avg"},
        optim.RMSprop([p], momentum=0.9, centered=True): {
            "step",
            "square_avg",
            "momentum_buffer",
            "grad_avg",
        },
        optim.Adadelta([p]): {"step", "square_avg", "acc_delta"},
        optim.Adam([p]): {"step", "exp_avg", "exp_avg_sq"},
        optim.AdamW([p], amsgrad=True): {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    }
    for opt, names in expected.items():
        p.grad = np.ones(SHAPE)
        opt.step()
        assert set(opt.state_dict()["state"][0]) == names, type(opt).__name__
        assert set(opt.state_names(opt.param_groups[0])) == names
    assert optim.SGD([p], lr=0.1).state_dict()["state"] == {}  # no momentum, no state


def test_state_dict_is_a_copy():
    p = param()
    opt = optim.Adam([p])
    p.grad = np.ones(SHAPE)
    opt.step()
    saved = opt.state_dict()
    opt.step()
    assert saved["state"][0]["step"] == 1
    assert not np.shares_memory(saved["state"][0]["exp_avg"], opt.state[p]["exp_avg"])


def adam_state():
    p = param()
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.ones(SHAPE)
    opt.step()
    return opt.state_dict()


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda sd: sd.pop("state"), r"expected keys \['param_groups', 'state'\]"),
        (lambda sd: sd["param_groups"].append({}), "the state has 2 parameter groups"),
        (lambda sd: sd["param_groups"][0]["params"].append(1), "has 2 parameters"),
        (lambda sd: sd["param_groups"][0].pop("betas"), r"lacks the hyperparameters \['betas'\]"),
        (lambda sd: sd["state"][0].pop("exp_avg_sq"), "keeps"),
        (lambda sd: sd["state"][0].update(momentum_buffer=np.zeros(SHAPE)), "keeps"),
        (lambda sd: sd["state"][0].update(exp_avg=np.zeros(3)), r"'exp_avg' .* shape \(3,\)"),
        (lambda sd: sd["state"][0].update(step=np.zeros(2)), "'step' .* should be a step count"),
        (lambda sd: sd["state"][0].update(step=np.array(1.5)), "'step' .* should be a step count"),
        (lambda sd: sd["state"][0].update(step=-1), "'step' .* should be a step count"),
        (lambda sd: sd["state"][0].update(exp_avg=np.full(SHAPE, "x")), "should hold numbers"),
        (lambda sd: sd["state"].update({0: np.zeros(2)}), "is not a dict"),
        # Hyperparameters are checked as the constructor checks them (a string lr loaded
        # silently and failed only at step()).
        (lambda sd: sd["param_groups"][0].update(lr="0.1"), "group 0 .* lr must be a real"),
        (lambda sd: sd["param_groups"][0].update(lr=np.array(-1.0)), "group 0 .* invalid lr"),
        (lambda sd: sd["param_groups"][0].update(betas=np.array([0.9, 1.0])), r"betas\[1\]"),
        (lambda sd: sd["param_groups"][0].update(betas=np.array([0.9])), "betas must be a pair"),
        (lambda sd: sd["param_groups"][0].update(amsgrad="no"), "amsgrad must be a bool"),
        (lambda sd: sd["param_groups"][0].update(eps=float("nan")), "invalid eps nan"),
        (lambda sd: sd["state"].update({3: {}}), "entry for parameter 3"),
        (lambda sd: sd["state"].update({"weight": {}}), "not a parameter index"),
    ],
)
def test_load_state_dict_errors(corrupt, message):
    state = adam_state()
    corrupt(state)
    p = param()
    opt = optim.Adam([p], lr=0.5)
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.state == {}  # unchanged


def test_loaded_state_takes_the_parameters_dtype():
    state = adam_state()  # float64 arrays
    p = param(dtype=np.float32)
    opt = optim.Adam([p])
    opt.load_state_dict(state)
    assert opt.state[p]["exp_avg"].dtype == np.float32 and type(opt.state[p]["step"]) is int
    p.grad = np.ones(SHAPE, dtype=np.float32)
    opt.step()
    assert p.dtype == np.float32 and opt.state[p]["step"] == 2


def test_loading_another_optimizers_state_is_refused():
    p = param()
    sgd = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(SHAPE)
    sgd.step()
    with pytest.raises(ValueError, match="saved from another optimizer"):
        optim.Adam([param()]).load_state_dict(sgd.state_dict())


def test_amsgrad_loaded_from_the_state_decides_the_state_names():
    state = adam_state()  # amsgrad=False: no max_exp_avg_sq
    opt = optim.Adam([param()], amsgrad=True)
    opt.load_state_dict(state)
    assert opt.param_groups[0]["amsgrad"] is False


# ------------------------------------------------------------------------------- clipping


def with_grads(*grads):
    params = []
    for g in grads:
        p = param(np.zeros(np.shape(g)))
        p.grad = np.asarray(g, dtype=np.float64)
        params.append(p)
    return params


def test_clip_grad_norm_scales_to_max_norm():
    params = with_grads([3.0, 0.0], [[0.0], [4.0]])  # joint 2-norm 5
    total = optim.clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, Tensor) and total.item() == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad.data, [3.0 * coef, 0.0])
    np.testing.assert_allclose(params[1].grad.data, [[0.0], [4.0 * coef]])


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = with_grads([0.3, 0.4])
    assert optim.clip_grad_norm_(params, max_norm=1.0).item() == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad.data, [0.3, 0.4])


@pytest.mark.parametrize("norm_type", [1.0, 3.0, float("inf")])
def test_clip_grad_norm_other_norms(norm_type):
    grads = [np.array([1.0, -2.0]), np.array([[3.0, -4.0]])]
    params = with_grads(*grads)
    flat = np.concatenate([g.ravel() for g in grads])
    expected = np.linalg.norm(flat, ord=norm_type)
    total = optim.clip_grad_norm_(params, max_norm=0.5, norm_type=norm_type)
    assert total.item() == pytest.approx(expected)
    clipped = np.concatenate([p.grad.data.ravel() for p in params])
    assert np.linalg.norm(clipped, ord=norm_type) == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_norm_skips_missing_grads_and_keeps_dtype():
    a, b = param([1.0], dtype=np.float32), param([2.0])
    a.grad = np.array([10.0], dtype=np.float32)
    total = optim.clip_grad_norm_([a, b], max_norm=2.0)
    assert b.grad is None and a.grad.dtype == np.float32 and total.dtype == np.float32
    np.testing.assert_allclose(a.grad.data, [2.0], rtol=1e-6)
    assert optim.clip_grad_norm_([b], 1.0).item() == 0.0  # no gradients at all
    assert optim.clip_grad_norm_(a, 1.0).item() == pytest.approx(2.0)  # a single tensor


def test_clip_grad_norm_nonfinite():
    params = with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite|inf"):
        optim.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_clip_grad_norm_nonfinite_without_error_scales_like_pytorch(bad):
    # min(1, max_norm / (total + 1e-6)) multiplies every gradient, whatever it is: NaN for a
    # NaN norm (all gradients NaN), 0 for an infinite one (finite gradients 0, inf ones NaN).
    params = with_grads([bad, 1.0], [3.0, 4.0])
    total = optim.clip_grad_norm_(params, 1.0)
    assert not np.isfinite(total.item())
    coef = np.float64(1.0) / (np.float64(total.item()) + 1e-6)
    with np.errstate(invalid="ignore"):
        expected = [np.array([bad, 1.0]) * coef, np.array([3.0, 4.0]) * coef]
    for p, e in zip(params, expected):
        np.testing.assert_array_equal(p.grad.data, e)
    assert np.isnan(params[1].grad.data).all() == np.isnan(bad)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_clip_grad_norm_nonfinite_matches_torch(bad):
    torch = pytest.importorskip("torch")
    grads = [np.array([bad, 1.0]), np.array([3.0, 4.0]), np.array([0.0])]
    ours = with_grads(*grads)
    theirs = [torch.zeros(len(g), dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(theirs, grads):
        t.grad = torch.tensor(g, dtype=torch.float64)
    total = optim.clip_grad_norm_(ours, 1.0)  # no RuntimeWarning (pytest makes them errors)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_array_equal(total.item(), torch_total.item())
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, t.grad.numpy())


def test_clip_grad_value_():
    a, b = with_grads([-3.0, 0.5, 2.0]) + [param([0.0])]
    optim.clip_grad_value_([a, b], 1.0)
    np.testing.assert_array_equal(a.grad.data, [-1.0, 0.5, 1.0])
    assert b.grad is None
    with pytest.raises(ValueError, match="clip_value"):
        optim.clip_grad_value_([a], -1.0)


@pytest.mark.parametrize("foreach", [None, True, False])
def test_clipping_takes_pytorchs_foreach_and_ignores_it(foreach):
    # An implementation choice in PyTorch (a TypeError here before).
    (a,) = with_grads([3.0, 4.0])
    total = optim.clip_grad_norm_([a], 1.0, 2.0, False, foreach)
    assert float(total) == 5.0
    np.testing.assert_allclose(a.grad.data, [0.6, 0.8], rtol=1e-5)
    optim.clip_grad_value_([a], 0.7, foreach=foreach)
    np.testing.assert_allclose(a.grad.data, [0.6, 0.7], rtol=1e-5)


def test_clipping_signatures_are_pytorchs():
    torch = pytest.importorskip("torch")
    for ours, theirs in [
        (optim.clip_grad_norm_, torch.nn.utils.clip_grad_norm_),
        (optim.clip_grad_value_, torch.nn.utils.clip_grad_value_),
    ]:
        names = list(inspect.signature(ours).parameters)
        assert names == list(inspect.signature(theirs).parameters)
        for name in names:
            ours_default = inspect.signature(ours).parameters[name].default
            assert ours_default == inspect.signature(theirs).parameters[name].default, name


# ------------------------------------------------------------------------------ penalties


def test_penalty_values():
    w1, w2 = param([[1.0, -2.0]]), param([3.0])
    assert optim.l2_penalty([w1, w2]).item() == pytest.approx(0.5 * (1 + 4 + 9))
    assert optim.l1_penalty([w1, w2]).item() == pytest.approx(1 + 2 + 3)
    assert optim.l2_penalty(w2).item() == pytest.approx(4.5)
    assert optim.l1_penalty([]).item() == 0.0
    assert optim.l2_penalty([param(dtype=np.float32)]).dtype == np.float32


def test_penalty_gradients_gradcheck():
    rng = np.random.default_rng(3)
    w1 = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    # Away from 0, where |w| has no derivative.
    w2 = Tensor(rng.choice([-1.0, 1.0], 4) * rng.uniform(0.1, 1.0, 4), requires_grad=True)
    assert autodiff.gradcheck(lambda a, b: optim.l2_penalty([a, b]), w1, w2)
    assert autodiff.gradcheck(lambda a, b: optim.l1_penalty([a, b]), w1, w2)
    optim.l2_penalty([w1, w2]).backward()
    np.testing.assert_allclose(w1.grad.data, w1.data)  # the 1/2 makes the gradient w


def test_l2_penalty_is_sgd_weight_decay():
    lam, grads = 0.01, grad_sequence(3)
    p, q = param(), param()
    opt_p, opt_q = optim.SGD([p], lr=0.1, weight_decay=lam), optim.SGD([q], lr=0.1)
    for g in grads:
        p.grad = g
        opt_p.step()
        q.grad = None
        (lam * optim.l2_penalty([q]) + (q * Tensor(g)).sum()).backward()
        opt_q.step()
        np.testing.assert_allclose(q.data, p.data, rtol=1e-12)


# ----------------------------------------------------------------------------- schedulers


def scheduler_lrs(scheduler, epochs):
    """The lr of each epoch: the one set at construction, then after each step()."""
    lrs = [scheduler.get_last_lr()]
    for _ in range(epochs - 1):
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert [g["lr"] for g in scheduler.optimizer.param_groups] == lrs[-1]
    return np.array(lrs)


def two_group_sgd():
    return optim.SGD([{"params": [param()]}, {"params": [param()], "lr": 0.5}], lr=0.1)


SCHEDULERS = [
    (StepLR, dict(step_size=3, gamma=0.5), lambda base, e: base * 0.5 ** (e // 3)),
    (ExponentialLR, dict(gamma=0.9), lambda base, e: base * 0.9**e),
    (
        CosineAnnealingLR,
        dict(T_max=10, eta_min=0.001),
        lambda base, e: 0.001 + (base - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2,
    ),
]


# Schedulers whose state holds more than numbers (a Counter, functions): not round-tripped
# through an .npz below.
MORE_SCHEDULERS = [
    (
        MultiStepLR,
        dict(milestones=[3, 7, 7, 12], gamma=0.5),
        lambda base, e: base * 0.5 ** sum(m <= e for m in [3, 7, 7, 12]),
    ),
    (LambdaLR, dict(lr_lambda=lambda e: 1 / (1 + e)), lambda base, e: base / (1 + e)),
]


@pytest.mark.parametrize(("cls", "kwargs", "closed_form"), SCHEDULERS + MORE_SCHEDULERS)
def test_scheduler_lrs_follow_the_closed_form(cls, kwargs, closed_form):
    scheduler = cls(two_group_sgd(), **kwargs)
    lrs = scheduler_lrs(scheduler, 25)
    expected = [[closed_form(base, e) for base in (0.1, 0.5)] for e in range(25)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert scheduler.last_epoch == 24 and scheduler.base_lrs == [0.1, 0.5]


def test_cosine_reaches_eta_min_at_t_max():
    scheduler = CosineAnnealingLR(optim.SGD([param()], lr=1.0), T_max=4, eta_min=0.1)
    lrs = scheduler_lrs(scheduler, 5)[:, 0]
    assert lrs[0] == 1.0 and lrs[-1] == pytest.approx(0.1)
    assert np.all(np.diff(lrs) < 0)


@pytest.mark.parametrize(("cls", "kwargs", "closed_form"), SCHEDULERS)
def test_scheduler_state_dict_round_trip(cls, kwargs, closed_form, tmp_path):
    opt = two_group_sgd()
    scheduler = cls(opt, **kwargs)
    for _ in range(4):
        scheduler.step()
    np.savez(tmp_path / "s.npz", **scheduler.state_dict(), **{"opt": np.zeros(0)})
    with np.load(tmp_path / "s.npz", allow_pickle=False) as archive:
        state = {k: archive[k] for k in archive.files if k != "opt"}

    opt2 = two_group_sgd()
    opt2.load_state_dict(opt.state_dict())  # the current lrs and "initial_lr" live here
    resumed = cls(opt2, **kwargs)
    resumed.load_state_dict(state)
    assert resumed.last_epoch == 4 and resumed.get_last_lr() == scheduler.get_last_lr()
    for _ in range(3):
        scheduler.step()
        resumed.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()


def _warmup_class(lr_scheduler):
    """A scheduler written as PyTorch's users write their own: a subclass of LRScheduler with an
    attribute of its own (the warmup's length) and a get_lr."""

    class Warmup(lr_scheduler.LRScheduler):
        def __init__(self, optimizer, warm, last_epoch=-1):
            self.warm = warm
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            return [b * min(1.0, (self.last_epoch + 1) / self.warm) for b in self.base_lrs]

    return Warmup


def _warmup_resumed(lib, optim_module, path=None):
    """The lrs of a Warmup(4) run 3 epochs, its state dict loaded into a Warmup(9), run on."""
    warmup = _warmup_class(optim_module.lr_scheduler)
    opt = optim_module.SGD([lib.tensor([1.0], requires_grad=True)], lr=0.5)
    scheduler = warmup(opt, 4)
    for _ in range(3):
        opt.step()
        scheduler.step()
    state = scheduler.state_dict()
    if path is not None:  # through a file: numbers come back as they went
        lib.save(state, path)
        state = lib.load(path)
    opt2 = optim_module.SGD([lib.tensor([1.0], requires_grad=True)], lr=0.5)
    opt2.load_state_dict(opt.state_dict())
    resumed = warmup(opt2, 9)
    resumed.load_state_dict(state)
    lrs = []
    for _ in range(3):
        opt2.step()
        resumed.step()
        lrs.append(resumed.get_last_lr()[0])
    return resumed.warm, lrs


def test_a_schedulers_own_attributes_are_saved_and_restored(tmp_path):
    # PyTorch saves every attribute of a scheduler; a subclass's `warm` was left out, so a
    # resumed warmup went on with the new object's length (9), silently.
    warm, lrs = _warmup_resumed(autodiff, optim, tmp_path / "s.pt")
    assert warm == 4
    np.testing.assert_allclose(lrs, [0.5, 0.5, 0.5])
    assert sorted(StepLR(two_group_sgd(), 2).state_dict()) == [
        "_get_lr_called_within_step", "_is_initial", "_last_lr", "_step_count", "base_lrs", "gamma",
        "last_epoch", "step_size",
    ]  # fmt: skip


def test_scheduler_state_dict_has_pytorchs_keys_in_its_order():
    # The lrs were saved under "last_lr" where PyTorch's key is "_last_lr" (a PyTorch user's
    # `state["_last_lr"]` failed), and "_step_count" and PyTorch's two flags were missing.
    scheduler = CosineAnnealingLR(optim.SGD([param()], lr=0.1), T_max=5)
    scheduler.step()
    assert list(scheduler.state_dict()) == [
        "T_max", "eta_min", "base_lrs", "last_epoch", "_step_count", "_is_initial",
        "_get_lr_called_within_step", "_last_lr",
    ]  # fmt: skip
    state = scheduler.state_dict()
    assert state["_step_count"] == 2 and state["_last_lr"] == scheduler.get_last_lr()
    torch = pytest.importorskip("torch")
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    t_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=5)
    t_opt.step()
    t_scheduler.step()
    t_state = t_scheduler.state_dict()
    assert list(t_state) == list(state)
    assert t_state["_step_count"] == state["_step_count"]
    fresh = CosineAnnealingLR(optim.SGD([param()], lr=0.1), T_max=5)
    fresh.load_state_dict(t_state)  # a PyTorch scheduler's state dict loads
    assert fresh.last_epoch == 1 and fresh._step_count == 2


def _new_scheduler_runs(lib, optim_module):
    """get_last_lr() after each step and the final state dict of MultiStepLR, LambdaLR and
    ReduceLROnPlateau, on a two-group SGD, for comparing with PyTorch."""
    sched = optim_module.lr_scheduler
    losses = [1.0, 0.9, 0.95, 0.91, 0.9, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1.0, 1.0]

    class Warm:  # a callable object: its attributes are saved, as PyTorch saves them
        def __init__(self, w):
            self.w = w

        def __call__(self, e):
            return min(1.0, (e + 1) / self.w)

    makers = [
        lambda o: sched.MultiStepLR(o, [0, 2, 5, 5], gamma=0.5),
        lambda o: sched.LambdaLR(o, [lambda e: 0.9**e, Warm(4)]),
        lambda o: sched.ReduceLROnPlateau(o, patience=2),
        lambda o: sched.ReduceLROnPlateau(
            o, "max", 0.5, 1, 0.05, "abs", cooldown=2, min_lr=[0.3, 0.01]
        ),
        lambda o: sched.ReduceLROnPlateau(o, factor=0.5, patience=0, min_lr=0.2, eps=0.01),
    ]
    results = []
    for make in makers:
        weights = [lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)]
        opt = optim_module.SGD(
            [{"params": weights[:1]}, {"params": weights[1:], "lr": 0.5}], lr=1.0
        )
        scheduler = make(opt)
        lrs = [scheduler.get_last_lr()]
        for loss in losses:
            opt.step()
            if isinstance(scheduler, sched.ReduceLROnPlateau):
                scheduler.step(lib.tensor(loss))
            else:
                scheduler.step()
            lrs.append(scheduler.get_last_lr())
        state = scheduler.state_dict()
        results.append((lrs, list(state), {k: v for k, v in state.items() if k != "lr_lambdas"}))
    return results


def test_multistep_lambda_and_plateau_schedulers_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _new_scheduler_runs(autodiff, optim), _new_scheduler_runs(torch, torch.optim)
    for (lrs, keys, state), (t_lrs, t_keys, t_state) in zip(ours, theirs):
        np.testing.assert_allclose(lrs, t_lrs, rtol=1e-12)
        assert keys == t_keys
        assert state == t_state


def test_multistep_and_lambda_state_dicts_round_trip(tmp_path):
    class Warm:
        def __init__(self, w):
            self.w = w

        def __call__(self, e):
            return min(1.0, (e + 1) / self.w)

    for make, other in [
        (lambda o: MultiStepLR(o, [2, 4, 4]), lambda o: MultiStepLR(o, [9])),
        (lambda o: LambdaLR(o, Warm(5)), lambda o: LambdaLR(o, Warm(2))),
    ]:
        opt = two_group_sgd()
        scheduler = make(opt)
        for _ in range(3):
            scheduler.step()
        autodiff.save(scheduler.state_dict(), tmp_path / "s.pt")
        opt2 = two_group_sgd()
        opt2.load_state_dict(opt.state_dict())
        resumed = other(opt2)
        resumed.load_state_dict(autodiff.load(tmp_path / "s.pt"))
        for _ in range(4):
            scheduler.step()
            resumed.step()
            assert resumed.get_last_lr() == scheduler.get_last_lr()
    # a checkpoint gives a Counter back as a dict with string keys
    scheduler = MultiStepLR(two_group_sgd(), [2, 4, 4])
    scheduler.load_state_dict({**scheduler.state_dict(), "milestones": {"3": 2}})
    assert scheduler.milestones == {3: 2}


def test_new_schedulers_refuse_bad_arguments():
    opt = two_group_sgd()
    with pytest.raises(TypeError, match="milestone"):
        MultiStepLR(opt, [1.5])
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="callable"):
        LambdaLR(opt, 0.5)
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        ReduceLROnPlateau(opt, mode="lowest")
    with pytest.raises(ValueError, match="threshold_mode"):
        ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        ReduceLROnPlateau(opt, min_lr=[0.1])
    with pytest.raises(ValueError, match="expected keys"):
        ReduceLROnPlateau(opt).load_state_dict({"factor": 0.1})
    with pytest.raises(ValueError, match="lr_lambdas"):
        LambdaLR(opt, lambda e: 1.0).load_state_dict(StepLR(opt, 2).state_dict())


def test_plateau_with_a_group_added_later():
    # PyTorch's rule: one min_lr for all is extended to the new group; a list per group raises
    opt = two_group_sgd()
    scheduler = ReduceLROnPlateau(opt, patience=0, factor=0.5)
    opt.add_param_group({"params": [param()], "lr": 2.0})
    scheduler.step(1.0)
    scheduler.step(2.0)
    assert scheduler.get_last_lr() == [0.05, 0.25, 1.0]
    opt = two_group_sgd()
    scheduler = ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    opt.add_param_group({"params": [param()], "lr": 2.0})
    scheduler.step(1.0)
    with pytest.raises(RuntimeError, match="min_lrs"):
        scheduler.step(2.0)


def _one_cycle_runs(lib, optim_module):
    """(lr, momentum or beta1) at every step and the final state dict of a few OneCycleLRs."""
    runs = []
    for adam, kwargs in [
        (False, dict(max_lr=1.0, total_steps=10)),
        (
            False,
            dict(
                max_lr=[1.0, 0.5],
                epochs=3,
                steps_per_epoch=4,
                pct_start=0.25,
                anneal_strategy="linear",
                three_phase=True,
                base_momentum=[0.8, 0.7],
            ),
        ),
        (True, dict(max_lr=0.01, total_steps=7, div_factor=10.0, final_div_factor=100.0)),
        (True, dict(max_lr=0.01, total_steps=5, cycle_momentum=False)),
    ]:
        ps = [lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)]
        if adam:
            opt = optim_module.Adam(ps, lr=0.1)
        else:
            groups = [{"params": ps[:1]}, {"params": ps[1:]}]
            opt = optim_module.SGD(groups, lr=0.1, momentum=0.9)
        scheduler = optim_module.lr_scheduler.OneCycleLR(opt, **kwargs)
        steps = []
        for _ in range(scheduler.total_steps):
            opt.step()
            scheduler.step()
            group = opt.param_groups[-1]
            momentum = group["betas"][0] if adam else group["momentum"]
            steps.append((*scheduler.get_last_lr(), momentum))
        extra = {k: group[k] for k in ("initial_lr", "max_lr", "min_lr") if k in group}
        runs.append((steps, scheduler.state_dict(), extra))
        with pytest.raises(ValueError, match="(?i)tried to step"):
            scheduler.step()
    return runs


def test_one_cycle_matches_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_one_cycle_runs(autodiff, optim), _one_cycle_runs(torch, torch.optim)):
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
        assert list(ours[1]) == list(theirs[1])
        assert ours[1]["_schedule_phases"] == theirs[1]["_schedule_phases"]
        assert ours[2] == pytest.approx(theirs[2], rel=1e-12)


def test_one_cycle_resumes_from_its_state_dict_and_a_checkpoint(tmp_path):
    from nn.train.checkpoint import load_checkpoint, save_checkpoint

    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(opt, max_lr=1.0, total_steps=12, three_phase=True)
    for _ in range(5):
        opt.step()
        scheduler.step()
    save_checkpoint(tmp_path / "c.npz", model, opt, scheduler=scheduler)
    opt2 = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    resumed = OneCycleLR(opt2, max_lr=0.3, total_steps=12)
    load_checkpoint(tmp_path / "c.npz", model, opt2, scheduler=resumed)
    assert resumed.state_dict() == scheduler.state_dict()
    for _ in range(7):
        for o, s in ((opt, scheduler), (opt2, resumed)):
            o.step()
            s.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert opt2.param_groups[0]["momentum"] == opt.param_groups[0]["momentum"]


def test_one_cycle_refuses_bad_arguments():
    opt = two_group_sgd()
    with pytest.raises(ValueError, match="total_steps or"):
        OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="total_steps must be >= 1"):
        OneCycleLR(opt, max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="pct_start"):
        OneCycleLR(opt, max_lr=1.0, total_steps=5, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="expected 2 values for max_lr"):
        OneCycleLR(opt, max_lr=[1.0], total_steps=5)
    with pytest.raises(ValueError, match="no momentum or beta1"):
        OneCycleLR(optim.Adagrad([param()]), max_lr=1.0, total_steps=5)


def test_scheduler_loads_an_older_glassgrad_state_dict():
    scheduler = StepLR(optim.SGD([param()], lr=1.0), step_size=1, gamma=0.5)
    old = {"step_size": 1, "gamma": 0.5, "last_epoch": 3, "base_lrs": [1.0], "last_lr": [0.125]}
    scheduler.load_state_dict(old)
    assert scheduler.get_last_lr() == [0.125] and scheduler._step_count == 4
    with pytest.raises(ValueError, match="_is_initial must be False"):
        scheduler.load_state_dict({**scheduler.state_dict(), "_is_initial": True})


def test_a_schedulers_own_attributes_resume_like_torch():
    torch = pytest.importorskip("torch")
    assert _warmup_resumed(autodiff, optim) == _warmup_resumed(torch, torch.optim)


def test_scheduler_resume_with_last_epoch():
    # Resuming goes on from the group's lr (restored with the optimizer's state dict), as
    # PyTorch's recursive rules do: constructing moves to last_epoch + 1 without a change,
    # except StepLR landing on a multiple of step_size (PyTorch's StepLR has no initial case).
    opt = optim.SGD([param()], lr=1.0)
    StepLR(opt, step_size=2, gamma=0.1)
    opt.param_groups[0]["lr"] = 0.01
    resumed = StepLR(opt, step_size=2, gamma=0.1, last_epoch=2)
    assert resumed.last_epoch == 3 and resumed.get_last_lr() == [0.01]
    resumed.step()
    assert resumed.get_last_lr() == [pytest.approx(0.001)]
    assert StepLR(opt, step_size=2, gamma=0.1, last_epoch=1).get_last_lr() == [
        pytest.approx(0.0001)
    ]
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(optim.SGD([param()], lr=1.0), step_size=2, last_epoch=2)


def _scheduled(lib, scenario: str, epochs: int = 30) -> list[list[float]]:
    """The lrs of every group after each epoch, for a scenario run the same way on glassgrad
    (lib None) or torch: two schedulers on one optimizer, an lr set by hand, a group added
    after the scheduler was made."""
    if lib is None:
        make, sgd, schedulers = param, optim.SGD, optim.lr_scheduler
    else:
        make, sgd = (lambda: lib.zeros(1, requires_grad=True)), lib.optim.SGD
        schedulers = lib.optim.lr_scheduler
    opt = sgd([{"params": [make()]}, {"params": [make()], "lr": 0.5}], lr=0.1)
    if scenario == "two schedulers":
        chain = [schedulers.StepLR(opt, 3, 0.5), schedulers.ExponentialLR(opt, 0.9)]
    elif scenario == "cosine and step":
        chain = [schedulers.CosineAnnealingLR(opt, 5), schedulers.StepLR(opt, 2, 0.3)]
    elif scenario == "set by hand":
        chain = [schedulers.CosineAnnealingLR(opt, 10, eta_min=0.07)]
    elif scenario == "group added":
        chain = [schedulers.StepLR(opt, 2, 0.5)]
    else:  # a float period
        chain = [schedulers.CosineAnnealingLR(opt, 2.5, eta_min=0.01)]
    lrs = []
    for epoch in range(epochs):
        if scenario == "set by hand" and epoch == 4:
            for group in opt.param_groups:
                group["lr"] = 0.02
        if scenario == "group added" and epoch == 4:
            opt.add_param_group({"params": [make()], "lr": 0.01})
        opt.step()
        for scheduler in chain:
            scheduler.step()
        assert chain[-1].get_last_lr() == [group["lr"] for group in opt.param_groups]
        lrs.append(chain[-1].get_last_lr())
    return lrs


SCENARIOS = ["two schedulers", "cosine and step", "set by hand", "group added", "float period"]


def test_schedulers_compose_and_follow_the_groups_lr():
    lrs = _scheduled(None, "two schedulers", 7)
    # StepLR halves at epochs 3 and 6, ExponentialLR multiplies by 0.9 every epoch: both apply
    expected = [0.1 * 0.9**e * 0.5 ** (e // 3) for e in range(1, 8)]
    np.testing.assert_allclose([lr[0] for lr in lrs], expected, rtol=1e-12)
    # An lr set by hand before epoch 5's step: the cosine goes on from it
    by_hand = _scheduled(None, "set by hand", 6)
    ratio = (1 + math.cos(math.pi * 5 / 10)) / (1 + math.cos(math.pi * 4 / 10))
    assert by_hand[4] == [pytest.approx(ratio * (0.02 - 0.07) + 0.07)] * 2
    added = _scheduled(None, "group added", 8)  # a third group from epoch 5 on
    assert [len(lr) for lr in added] == [2] * 4 + [3] * 4
    assert [lr[2] for lr in added[4:]] == [0.01, 0.005, 0.005, 0.0025]  # halved at 6 and 8


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scheduler_scenarios_match_torch(scenario):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():  # torch's "lr_scheduler.step() before optimizer.step()"
        warnings.simplefilter("ignore")
        theirs = _scheduled(torch, scenario)
    ours = _scheduled(None, scenario)
    assert [len(lrs) for lrs in ours] == [len(lrs) for lrs in theirs]
    for mine, torchs in zip(ours, theirs):
        np.testing.assert_allclose(mine, torchs, rtol=1e-12, atol=1e-15)


def test_a_group_added_later_has_no_base_lr_for_the_cosines_turn():
    opt = optim.SGD([param()], lr=1.0)
    scheduler = CosineAnnealingLR(opt, T_max=2)
    opt.add_param_group({"params": [param()], "lr": 0.5})
    scheduler.step()
    scheduler.step()  # epoch 2: the bottom, stepped down from the groups' lrs
    with pytest.raises(ValueError, match="group 1 was added after the scheduler"):
        scheduler.step()  # epoch 3 turns up by (base_lr - eta_min): group 1 has no base lr


def test_scheduler_checks():
    opt = optim.SGD([param()], lr=1.0)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)
    with pytest.raises(TypeError, match="step_size must be an int"):
        StepLR(opt, step_size=2.5)  # torch takes it, but its two forms of StepLR then disagree
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(TypeError, match="Optimizer"):
        ExponentialLR(object(), gamma=0.5)
    scheduler = ExponentialLR(opt, gamma=0.5)
    with pytest.raises(ValueError, match="expected keys"):
        scheduler.load_state_dict({"gamma": 0.5})
    bad = {**scheduler.state_dict(), "base_lrs": [1.0, 2.0]}
    with pytest.raises(ValueError, match="'base_lrs' has 2 entries"):
        scheduler.load_state_dict(bad)


# ------------------------------------------------------------------------------ minimising


def saito_bowl(xy):
    """The lessons' optimizer-comparison surface f(x, y) = x**2 / 20 + y**2."""
    return xy[0] ** 2 / 20 + xy[1] ** 2


def rosenbrock(xy):
    """A mild Rosenbrock valley, (1 - x)**2 + 10 (y - x**2)**2, minimum 0 at (1, 1)."""
    return (1 - xy[0]) ** 2 + 10 * (xy[1] - xy[0] ** 2) ** 2


MINIMISERS = [
    (optim.SGD, dict(lr=0.95)),  # the lessons' settings for the bowl
    (optim.SGD, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=1.5)),
    (optim.RMSprop, dict(lr=0.1)),
    (optim.Adadelta, dict(lr=1.0)),
    (optim.Adam, dict(lr=0.3)),
    (optim.AdamW, dict(lr=0.3)),
]


def minimiser_id(value):
    return (
        value.__name__
        if isinstance(value, type)
        else "-".join(f"{k}={v}" for k, v in value.items())
    )


@pytest.mark.parametrize(("cls", "kwargs"), MINIMISERS, ids=minimiser_id)
def test_each_optimizer_minimises_the_lessons_bowl(cls, kwargs):
    xy = Tensor(np.array([-7.0, 2.0]), requires_grad=True)  # the lessons' starting point
    opt = cls([xy], **kwargs)
    losses = []
    for _ in range(100):
        opt.zero_grad()
        loss = saito_bowl(xy)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    final = saito_bowl(xy).item()
    # Adadelta's first steps are ~sqrt(eps) long, so it only starts to move in 100 steps.
    assert final < (0.99 if cls is optim.Adadelta else 0.1) * losses[0], losses[::10]


VALLEY = [
    (optim.SGD, dict(lr=0.01)),
    (optim.SGD, dict(lr=0.01, momentum=0.9)),
    (optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=0.5)),
    (optim.RMSprop, dict(lr=0.01)),
    (optim.Adadelta, dict(lr=1.0)),
    (optim.Adam, dict(lr=0.05)),
    (optim.AdamW, dict(lr=0.05)),
]


@pytest.mark.parametrize(("cls", "kwargs"), VALLEY, ids=minimiser_id)
def test_each_optimizer_descends_a_rosenbrock_valley(cls, kwargs):
    xy = Tensor(np.array([-1.0, 1.5]), requires_grad=True)
    opt = cls([xy], **kwargs)
    start = rosenbrock(xy).item()
    for _ in range(300):
        opt.zero_grad()
        rosenbrock(xy).backward()
        opt.step()
    assert rosenbrock(xy).item() < (0.5 if cls is optim.Adadelta else 0.01) * start


# ---------------------------------------------------------------- against torch.optim itself


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "cls", "kwargs", "ref"), CASES, ids=CASE_IDS)
def test_matches_torch_optim(name, cls, kwargs, ref, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    p0 = rng.standard_normal((4, 5)).astype(dtype)
    ours = Tensor(p0.copy(), requires_grad=True)
    theirs = torch.tensor(p0.copy(), requires_grad=True)
    opt = cls([ours], **kwargs)
    torch_opt = getattr(torch.optim, cls.__name__)([theirs], foreach=False, **kwargs)
    for step in range(1, 6):
        g = rng.standard_normal(p0.shape).astype(dtype)
        ours.grad = g.copy()
        theirs.grad = torch.tensor(g.copy())
        opt.step()
        torch_opt.step()
        # float32: agreement to float precision (ulp-level differences in operation order).
        atol = 1e-7 if dtype == np.float32 else 1e-15
        rtol = 1e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(
            ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol, err_msg=f"step {step}"
        )
    theirs_state = {
        k: v for k, v in torch_opt.state_dict()["state"].get(0, {}).items() if v is not None
    }
    assert set(opt.state_dict()["state"].get(0, {})) == set(theirs_state)


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,), (2, 2, 2)]]
    for norm_type in (2.0, 1.0, float("inf")):
        ours = with_grads(*grads)
        for p in ours:
            p.grad = p.grad.data.astype(np.float32)
        theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for t, g in zip(theirs, grads):
            t.grad = torch.tensor(g)
        total = optim.clip_grad_norm_(ours, 1.0, norm_type)
        torch_total = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
        # Both sum 25 float32 squares, in different orders (torch: a norm per tensor, then the
        # norm of the norms): a relative difference up to ~25 eps32 = 3e-6 is rounding.
        rounding = 64 * float(np.finfo(np.float32).eps)  # a float, as pytest 9.2's approx asks
        assert total.item() == pytest.approx(torch_total.item(), rel=rounding)
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=rounding, atol=1e-7)


@pytest.mark.parametrize(("cls", "kwargs", "closed_form"), SCHEDULERS)
def test_schedulers_match_torch(cls, kwargs, closed_form):
    torch = pytest.importorskip("torch")
    torch_opt = torch.optim.SGD(
        [{"params": [torch.zeros(1)]}, {"params": [torch.zeros(1)], "lr": 0.5}], lr=0.1
    )
    torch_scheduler = getattr(torch.optim.lr_scheduler, cls.__name__)(torch_opt, **kwargs)
    scheduler = cls(two_group_sgd(), **kwargs)
    for _ in range(25):
        np.testing.assert_allclose(
            scheduler.get_last_lr(), torch_scheduler.get_last_lr(), rtol=1e-9, atol=1e-15
        )
        torch_opt.step()
        torch_scheduler.step()
        scheduler.step()
