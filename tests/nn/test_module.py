"""Module, Parameter, Sequential, ModuleList: registration, traversal, modes, state dicts,
repr, and the name scopes recorded on compute nodes."""

from collections import OrderedDict

import numpy as np
import pytest

import autodiff
import nn
from autodiff import Tensor


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.bn(self.fc(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(np.ones(2))
        self.not_registered = [nn.Linear(2, 2)]  # a plain list hides its modules

    def forward(self, x):
        return self.head(self.block(x)) * self.scale


def test_parameter_is_a_float_copy_that_requires_grad():
    data = np.arange(3)
    p = nn.Parameter(data)
    assert p.requires_grad and p.is_leaf
    assert p.dtype == autodiff.get_default_dtype()
    f64 = np.zeros(2)
    q = nn.Parameter(f64)
    assert q.dtype == np.float64 and q.data is not f64
    assert repr(q).startswith("Parameter containing:")
    assert isinstance(q, Tensor)


def test_named_parameters_buffers_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "block.fc.weight", "block.fc.bias", "block.bn.weight", "block.bn.bias",
        "head.weight",
    ]  # fmt: skip
    assert len(list(net.parameters())) == 6
    assert [n for n, _ in net.named_buffers()] == [
        "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked"
    ]  # fmt: skip
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "", "block", "block.fc", "block.bn", "block.act", "head",
    ]  # fmt: skip
    assert net.head.bias is None and "head.bias" not in dict(net.named_parameters())


def test_shared_parameters_are_listed_once():
    fc = nn.Linear(2, 2)
    seq = nn.Sequential(fc, nn.ReLU(), fc)
    assert len(list(seq.parameters())) == 2


def test_reassigning_an_attribute_moves_it_between_registries():
    net = Net()
    net.head = nn.Identity()
    assert "head.weight" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="parameter 'scale'"):
        net.scale = np.ones(2)
    net.scale = None
    assert "scale" not in dict(net.named_parameters())
    del net.head
    assert not hasattr(net, "head")


def _reassigned(lib, zeros):
    """A small net whose parameter, child and buffer are replaced after construction."""
    net = lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.BatchNorm1d(3))
    net[0].weight = lib.Parameter(zeros((3, 2)))
    setattr(net, "0", lib.Linear(2, 3))
    net[2].running_mean = zeros(3)
    return net


def test_reassigning_a_parameter_child_or_buffer_keeps_its_position():
    net = _reassigned(nn, np.zeros)
    params = ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in net.named_parameters()] == params
    assert list(net.state_dict())[:5] == params + ["2.running_mean"]
    assert [n for n, _ in net.named_modules()] == ["", "0", "1", "2"]
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(np.zeros((2, 2)))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]

    torch = pytest.importorskip("torch")
    theirs = _reassigned(torch.nn, torch.zeros)
    assert list(net.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in net.named_modules()] == [n for n, _ in theirs.named_modules()]


def _shared(lib):
    """A module whose Linear is registered twice (a and b), beside a ReLU."""
    m = lib.Module()
    m.a = lib.Linear(2, 2)
    m.act = lib.ReLU()
    m.b = m.a
    return m


def test_a_shared_submodule_is_in_the_state_dict_under_every_path_and_a_child_once():
    m = _shared(nn)
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert [n for n, _ in m.named_children()] == ["a", "act"]
    assert len(list(m.children())) == 2 and len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_modules()] == ["", "a", "act"]
    assert [n for n, _ in m.named_modules(remove_duplicate=False)] == ["", "a", "act", "b"]
    state = {k: np.full(v.shape, 3.0) for k, v in m.state_dict().items()}
    assert m.load_state_dict(state) == ([], [])
    assert np.all(m.a.weight.data == 3.0)
    with pytest.raises(RuntimeError, match="missing keys: b.weight, b.bias"):
        m.load_state_dict({"a.weight": state["a.weight"], "a.bias": state["a.bias"]})

    torch = pytest.importorskip("torch")
    theirs = _shared(torch.nn).double()
    assert list(m.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in m.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in m.named_modules(remove_duplicate=False)] == [
        n for n, _ in theirs.named_modules(remove_duplicate=False)
    ]
    ours = _shared(nn).double()
    assert ours.load_state_dict(theirs.state_dict()) == ([], [])  # strict, from torch's tensors
    np.testing.assert_array_equal(ours.b.weight.data, theirs.b.weight.detach().numpy())


def test_assigning_before_init_explains_itself():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_train_eval_recurse_and_return_self():
    net = Net()
    assert net.training and net.block.bn.training
    assert net.eval() is net
    assert not net.training and not net.block.bn.training and not net.block.act.training
    net.train()
    assert net.block.fc.training


def _frozen_batchnorm(lib):
    class FrozenBN(lib.BatchNorm1d):
        def train(self, mode=True):  # the "frozen BatchNorm" pattern: always in eval mode
            return super().train(False)

    return FrozenBN(2)


def test_train_calls_each_childs_train_so_overrides_are_honoured():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(_frozen_batchnorm(nn)))
    net.train()
    assert net.training and net[0].training and net[1].training and not net[1][0].training
    with pytest.raises(ValueError, match="Sequential.train: mode must be a bool"):
        net.train(1)

    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), _frozen_batchnorm(torch.nn))
    ours = nn.Sequential(nn.Linear(2, 2), _frozen_batchnorm(nn))
    for mode in (True, False, True):
        theirs.train(mode), ours.train(mode)
        assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]


def test_zero_grad_sets_grads_to_none():
    net = Net()
    net(autodiff.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_zero_grad_without_none_zeros_the_same_tensors_in_place_as_pytorch():
    # A reference kept to a gradient sees the next backward's sums, as in PyTorch (it was
    # replaced by a fresh array, and the reference kept the stale zeros).
    net, x = Net(), autodiff.randn(5, 3)
    net(x).sum().backward()
    kept = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.data.any() for p, g in zip(net.parameters(), kept))
    net(x).sum().backward()
    first = [g.data.copy() for g in kept]
    net.zero_grad(False)
    net(x).sum().backward()
    for p, g, expected in zip(net.parameters(), kept, first, strict=True):
        assert p.grad is g
        np.testing.assert_allclose(g.data, expected)
    # A recorded gradient (create_graph) is replaced by zeros, its graph left alone.
    lin = nn.Linear(2, 1)
    autodiff.autograd.backward((lin(autodiff.randn(3, 2)) ** 2).sum(), create_graph=True)
    recorded = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is not recorded and not lin.weight.grad.data.any()
    assert recorded.data.any()


def test_state_dict_round_trip():
    a, b = Net(), Net()
    a(autodiff.randn(6, 3))  # updates a's running statistics
    state = a.state_dict()
    assert list(state) == [
        "scale", "block.fc.weight", "block.fc.bias", "block.bn.weight", "block.bn.bias",
        "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked",
        "head.weight",
    ]  # fmt: skip
    assert all(isinstance(v, np.ndarray) for v in state.values())
    assert not np.allclose(state["block.bn.running_mean"], 0)
    state["scale"][:] = 7  # a copy: does not touch the module
    assert np.all(a.scale.data == 1)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(va, vb, err_msg=k)
    x = autodiff.randn(4, 3)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_names_missing_unexpected_and_mis_shaped_keys():
    net = Net()
    state = net.state_dict()
    before = net.state_dict()
    del state["head.weight"]
    state["extra.weight"] = np.zeros(3)
    state["block.fc.bias"] = np.zeros(5)
    state["scale"] = np.full(2, 3.0)
    with pytest.raises(RuntimeError) as e:
        net.load_state_dict(state)
    msg = str(e.value)
    assert "missing keys: head.weight" in msg
    assert "unexpected keys: extra.weight" in msg
    assert "block.fc.bias: expected shape (4,), got (5,)" in msg
    # Nothing was loaded.
    np.testing.assert_array_equal(net.scale.data, before["scale"])
    # Non-strict skips missing/unexpected keys but still refuses wrong shapes.
    with pytest.raises(RuntimeError, match="mis-shaped"):
        net.load_state_dict(state, strict=False)
    state["block.fc.bias"] = np.zeros(4)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["head.weight"] and result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(net.scale.data, [3.0, 3.0])
    assert net.block.fc.bias.dtype == np.float32  # float64 values were loaded into float32
    # PyTorch's texts for the result, as a notebook shows it
    expected = "_IncompatibleKeys(missing_keys=['head.weight'], unexpected_keys=['extra.weight'])"
    assert repr(result) == str(result) == expected
    assert repr(net.load_state_dict(net.state_dict())) == "<All keys matched successfully>"


def test_dir_lists_the_registered_names_as_pytorchs():
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    assert {"weight", "bias", "forward"} <= set(dir(net[0]))
    assert {"running_mean", "num_batches_tracked"} <= set(dir(net[1]))
    assert "0" not in dir(net) and "append" in dir(net)
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    for ours, their in zip(net, theirs, strict=True):
        registered = {*their._parameters, *their._buffers}
        assert registered <= set(dir(their)) and registered <= set(dir(ours))
    assert "0" not in dir(theirs)


@pytest.mark.parametrize(
    "bad",
    [
        np.full((4,), "x"),  # strings of the right shape
        np.array([1 + 2j, 0, 0, 0]),  # complex into float32 ("same_kind" refuses)
        np.array([None, None, None, None], dtype=object),
        [[1.0, 2.0], [3.0]],  # ragged
    ],
    ids=["strings", "complex", "objects", "ragged"],
)
def test_load_state_dict_is_all_or_nothing_for_bad_values(bad):
    """A bad *second* entry used to leave the first one overwritten."""
    net = Net()
    before = net.state_dict()
    state = {k: v + 1 for k, v in before.items()}  # every entry changes...
    state["block.fc.bias"] = bad  # ... but this one (after "scale", "block.fc.weight") is bad
    with pytest.raises(RuntimeError, match="mis-typed keys: block.fc.bias"):
        net.load_state_dict(state)
    for name, value in before.items():  # nothing was written
        np.testing.assert_array_equal(net.state_dict()[name], value, err_msg=name)


@pytest.mark.parametrize("bad", [[1], None, "weight"], ids=["list", "None", "str"])
def test_load_state_dict_of_something_not_dict_like_names_it(bad):
    # A list failed inside with "sequence item 0: expected str instance, int found".
    with pytest.raises(
        TypeError, match=r"load_state_dict for Net: expected state_dict to be dict-like, got"
    ):
        Net().load_state_dict(bad)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="dict-like"):
        torch.nn.Linear(1, 1).load_state_dict(bad)


def test_load_state_dict_refuses_floats_into_an_integer_buffer():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(np.zeros(2))
            self.register_buffer("steps", np.zeros((), dtype=np.int64))

    module = Counter()
    with pytest.raises(RuntimeError, match="steps: cannot copy dtype float64 into int64"):
        module.load_state_dict({"weight": np.ones(2), "steps": np.array(2.5)})
    assert np.all(module.weight.data == 0)
    module.load_state_dict({"weight": np.ones(2), "steps": np.array(3)})
    assert int(module.steps.data) == 3


def test_repr_is_nested_like_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (bn): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n"
        "    (act): ReLU()\n"
        "  )\n"
        "  (head): Linear(in_features=4, out_features=2, bias=False)\n"
        ")"
    )


def test_sequential_and_module_list():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.Linear)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2
    x = autodiff.randn(5, 3)
    np.testing.assert_allclose(seq(x).data, seq[2](seq[1](seq[0](x))).data)
    with pytest.raises(IndexError):
        seq[3]
    named = nn.Sequential({"fc": nn.Linear(3, 2), "act": nn.Tanh()})
    assert [n for n, _ in named.named_children()] == ["fc", "act"]

    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 4 and len(list(layers.parameters())) == 8
    with pytest.raises(NotImplementedError):
        layers(x)


def _edited(lib):
    """A Sequential and a ModuleList edited with del, insert and pop, as lists of names."""
    seq = lib.Sequential(lib.Linear(2, 2), lib.ReLU(), lib.Tanh(), lib.Sigmoid())
    del seq[0]  # the head removed: the rest numbered 0, 1, ... again
    seq.insert(-1, lib.Identity())  # before the last, as list.insert
    popped = seq.pop(1)
    seq.insert(len(seq), lib.Linear(2, 2))
    named = lib.Sequential(OrderedDict(fc=lib.Linear(2, 2), act=lib.ReLU(), out=lib.Tanh()))
    del named[1:]
    named.insert(1, lib.ReLU())  # at the end: a new position after the names
    layers = lib.ModuleList([lib.ReLU(), lib.Tanh(), lib.Sigmoid()])
    del layers[:2]
    layers.insert(0, lib.Identity())
    return [
        [(n, type(m).__name__) for n, m in module.named_children()]
        for module in (seq, named, layers)
    ] + [type(popped).__name__, list(seq.state_dict()), list(named.state_dict())]


def test_del_insert_and_pop_number_the_children_again_as_pytorchs():
    ours = _edited(nn)
    assert ours[0] == [("0", "ReLU"), ("1", "Identity"), ("2", "Sigmoid"), ("3", "Linear")]
    assert ours[1] == [("0", "Linear"), ("1", "ReLU")] and ours[3] == "Tanh"
    assert ours[2] == [("0", "Identity"), ("1", "Sigmoid")]
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    with pytest.raises(KeyError, match="names"):  # PyTorch fails there too (KeyError: '1')
        named.insert(0, nn.Tanh())
    with pytest.raises(IndexError):
        named.insert(3, nn.Tanh())
    torch = pytest.importorskip("torch")
    assert ours == _edited(torch.nn)


def test_a_slice_of_a_sequential_keeps_the_childrens_names():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    assert list(seq[1:].state_dict()) == ["2.weight", "2.bias"]
    assert seq[1:][1] is seq[2] and seq[::2][1] is seq[2]
    named = nn.Sequential({"fc": nn.Linear(2, 3), "act": nn.ReLU(), "out": nn.Linear(3, 2)})
    assert [n for n, _ in named[1:].named_children()] == ["act", "out"]

    torch = pytest.importorskip("torch")
    from collections import OrderedDict

    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    assert list(seq[1:].state_dict()) == list(theirs[1:].state_dict())
    assert list(seq[::2].state_dict()) == list(theirs[::2].state_dict())
    layers = OrderedDict(fc=torch.nn.Linear(2, 3), act=torch.nn.ReLU(), out=torch.nn.Linear(3, 2))
    assert list(named[1:].state_dict()) == list(torch.nn.Sequential(layers)[1:].state_dict())


def test_to_double_converts_parameters_and_buffers():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    # Float buffers follow; the integer batch counter stays int64, as in PyTorch.
    assert [b.dtype for b in net.buffers()] == [np.float64, np.float64, np.int64]
    assert net(autodiff.randn(4, 3, dtype=np.float64)).dtype == np.float64


@pytest.mark.parametrize("convert", ["double", "float", "to"])
def test_to_dtype_converts_existing_gradients(convert):
    def converted(lib, ones, float64):
        m = lib.Linear(2, 1)
        if convert == "float":
            m.double()
        m(ones((3, 2), dtype=m.weight.dtype)).sum().backward()
        grad = m.weight.grad
        {"double": m.double, "float": m.float, "to": lambda: m.to(float64)}[convert]()
        assert m.weight.grad is grad and m.weight.grad.dtype == m.weight.dtype  # in place
        return m.weight.grad, m.bias.grad

    ours = converted(nn, autodiff.ones, np.float64)
    assert [g.tolist() for g in ours] == [[[3.0, 3.0]], [3.0]]
    torch = pytest.importorskip("torch")
    theirs = converted(torch.nn, torch.ones, torch.float64)
    assert [str(g.dtype) for g in ours] == [str(g.dtype).replace("torch.", "") for g in theirs]
    assert [g.tolist() for g in ours] == [g.tolist() for g in theirs]


def _nested(lib):
    return lib.Sequential(lib.Linear(1, 1), lib.Sequential(lib.Tanh(), lib.ReLU()), lib.Sigmoid())


def test_apply_visits_each_childs_subtree_then_the_module():
    visited = []
    _nested(nn).apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "Tanh", "ReLU", "Sequential", "Sigmoid", "Sequential"]
    torch = pytest.importorskip("torch")
    theirs = []
    _nested(torch.nn).apply(lambda m: theirs.append(type(m).__name__))
    assert visited == theirs


def test_named_parameters_and_buffers_take_pytorchs_arguments():
    net = nn.Sequential(nn.Linear(1, 1), nn.BatchNorm1d(1))
    net.add_module("again", net[0])
    assert [n for n, _ in net.named_parameters("enc")] == [
        "enc.0.weight", "enc.0.bias", "enc.1.weight", "enc.1.bias",
    ]  # fmt: skip
    assert [n for n, _ in net[1].named_buffers("bn", False)][0] == "bn.running_mean"
    every = [n for n, _ in net.named_parameters(remove_duplicate=False)]
    assert every[-2:] == ["again.weight", "again.bias"]

    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.BatchNorm1d(1))
    theirs.add_module("again", theirs[0])
    for args in [("enc",), ("enc", False), ("", True, False)]:
        for method in ("named_parameters", "named_buffers"):
            ours = [n for n, _ in getattr(net, method)(*args)]
            assert ours == [n for n, _ in getattr(theirs, method)(*args)], (method, args)


def test_calls_record_the_module_scopes_on_compute_nodes():
    net = Net()
    out = net(autodiff.randn(5, 3))
    scopes = {f.op_name(): f.scope for f in autodiff.graph.walk(out).functions}
    assert scopes["linear"] in {("Net", "block", "fc"), ("Net", "head")}
    assert scopes["batch_norm"] == ("Net", "block", "bn")
    assert scopes["relu"] == ("Net", "block", "act")
    assert scopes["*"] == ("Net",)
    assert out.grad_fn.scope == ("Net",)
    net.scope_name = "model"
    assert net(autodiff.randn(5, 3)).grad_fn.scope == ("model",)
    assert autodiff.current_scope() == ()  # scopes are left on exit


def test_a_module_that_overrides_name_scope_is_called_in_its_own_scope():
    class Tagged(nn.Linear):
        def name_scope(self):
            return autodiff.name_scope("tagged")

    layer = Tagged(3, 2)
    assert layer(autodiff.randn(4, 3)).grad_fn.scope == ("tagged",)
    plain = nn.Linear(3, 2)
    plain.scope_name = 5  # a bad name still raises name_scope's error
    with pytest.raises(ValueError, match="name_scope: the name must be"):
        plain(autodiff.randn(4, 3))
    assert autodiff.current_scope() == ()


def test_sequential_children_scope_by_position():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    out = seq(autodiff.randn(2, 3))
    assert [f.scope for f in autodiff.graph.walk(out).functions] == [
        ("Sequential", "0"),
        ("Sequential", "1"),
    ]


def test_registered_reads_what_getattr_reads():
    from nn.module import registered

    layer = nn.Linear(3, 2, bias=False)
    layer.register_buffer("running", autodiff.zeros(2))
    layer.child = nn.ReLU()
    layer.plain = 7
    for name in ("weight", "bias", "running", "child", "plain", "training", "forward"):
        assert registered(layer, name) is getattr(layer, name) or (
            registered(layer, name) == getattr(layer, name)  # bound methods: equal, not one
        )
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'missing'"):
        registered(layer, "missing")
    # The functional-call trick: a parameter deleted and replaced by a plain tensor.
    replacement = autodiff.ones(2, 3)
    del layer.weight
    layer.weight = replacement
    assert registered(layer, "weight") is replacement is layer.weight
    np.testing.assert_allclose(layer(autodiff.ones(1, 3)).data, [[3.0, 3.0]])
    # Before Module.__init__ ran: getattr's error, not a KeyError.
    bare = nn.Linear.__new__(nn.Linear)
    with pytest.raises(AttributeError, match="no attribute 'weight'"):
        registered(bare, "weight")


@pytest.mark.parametrize("cls", [nn.Conv2d, nn.Linear])
def test_no_class_attribute_shadows_the_parameters_the_layers_read_directly(cls):
    # Conv2d and Linear read weight and bias with `registered`, which skips class attributes.
    for klass in cls.__mro__:
        assert "weight" not in vars(klass) and "bias" not in vars(klass)


def test_a_subclass_with_a_weight_property_gets_it_in_forward():
    class Halved(nn.Linear):
        @property
        def weight(self):
            return self._parameters["weight"] * 0.5

    layer = Halved(2, 1, bias=False)
    layer._parameters["weight"].data[:] = 4.0
    np.testing.assert_allclose(layer(autodiff.ones(1, 2)).data, [[4.0]])
