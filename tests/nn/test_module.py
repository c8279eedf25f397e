"""Module behaviour: registration, dotted names (as PyTorch), state_dict round trips and strict errors,
modes, zero_grad, dtype conversion, apply, requires_grad_, and the containers."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from conftest import mg_from_np, requires_torch, to_np, torch


def build(lib):
    """The same nested model in minigrad (lib=minigrad.nn) or PyTorch (lib=torch.nn)."""

    class Block(lib.Module):
        def __init__(self):
            super().__init__()
            self.norm = lib.LayerNorm(4)
            self.layers = lib.ModuleList([lib.Linear(4, 4), lib.Linear(4, 4, bias=False)])
            self.heads = lib.ModuleDict({"cls": lib.Linear(4, 3), "reg": lib.Linear(4, 1)})
            self.register_buffer("steps", (mg if lib is nn else torch).zeros(2))

        def forward(self, x):
            x = self.norm(x)
            for layer in self.layers:
                x = layer(x).relu()
            return self.heads["cls"](x)

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.embed = lib.Embedding(10, 4, padding_idx=0)
            self.block = Block()
            self.mlp = lib.Sequential(OrderedDict([("fc", lib.Linear(3, 5)), ("act", lib.Tanh()),
                                                   ("drop", lib.Dropout(0.1))]))

        def forward(self, idx):
            return self.mlp(self.block(self.embed(idx)))

    return Net()


@requires_torch
def test_dotted_names_match_torch():
    m, t = build(nn), build(torch.nn)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in m.named_children()] == [n for n, _ in t.named_children()]
    assert list(m.state_dict()) == list(t.state_dict())
    shapes = {k: tuple(v.shape) for k, v in t.state_dict().items()}
    assert {k: v.shape for k, v in m.state_dict().items()} == shapes


@requires_torch
def test_load_torch_state_dict_gives_torch_outputs():
    m, t = build(nn), build(torch.nn)
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    m.eval()
    t.eval()
    idx = np.array([[1, 2, 0], [9, 3, 3]])
    np.testing.assert_allclose(to_np(m(mg_from_np(idx))), t(torch.tensor(idx)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_registration_and_iteration():
    m = build(nn)
    assert isinstance(m.block.layers[0].weight, nn.Parameter)
    assert len(list(m.parameters())) == 1 + 2 + 3 + 4 + 2
    assert len(list(m.buffers())) == 1
    assert [type(c).__name__ for c in m.children()] == ["Embedding", "Block", "Sequential"]
    assert len(list(m.modules())) == 14
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, shared)
    assert len(list(seq.parameters())) == 2  # shared parameters are yielded once
    m.extra = nn.Parameter(mg.zeros(3))
    assert "extra" in dict(m.named_parameters())
    del m.extra
    assert "extra" not in dict(m.named_parameters())
    with pytest.raises(TypeError, match="parameter"):
        m.block.norm.weight = mg.zeros(4)


def test_reassignment_keeps_position_like_torch():
    m = build(nn)
    m.block = nn.Linear(1, 1)
    assert [n for n, _ in m.named_children()] == ["embed", "block", "mlp"]
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    seq[0] = nn.Sigmoid()
    assert [type(s).__name__ for s in seq] == ["Sigmoid", "Tanh"]
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(mg.zeros(2, 2))
    assert list(dict(lin.named_parameters())) == ["weight", "bias"]


def test_state_dict_round_trip_and_arrays():
    a, b = build(nn), build(nn)
    state = a.state_dict()
    assert not any(v.requires_grad for v in state.values())
    b.load_state_dict({k: v.numpy() for k, v in state.items()})
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(to_np(v), to_np(state[k]))
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_load_state_dict_strict_reports_everything_at_once():
    m = build(nn)
    state = dict(m.state_dict())
    del state["embed.weight"]
    del state["block.heads.reg.bias"]
    state["block.extra"] = np.zeros(3)
    state["mlp.fc.weight"] = np.zeros((2, 2))
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(state)
    msg = str(err.value)
    for key in ["embed.weight", "block.heads.reg.bias", "block.extra", "mlp.fc.weight"]:
        assert key in msg
    assert "Missing key(s)" in msg and "Unexpected key(s)" in msg and "size mismatch" in msg
    del state["mlp.fc.weight"]
    result = m.load_state_dict(state, strict=False)
    assert set(result.missing_keys) == {"embed.weight", "block.heads.reg.bias", "mlp.fc.weight"}
    assert result.unexpected_keys == ["block.extra"]


def test_train_eval_zero_grad_requires_grad():
    m = build(nn)
    assert m.training and m.mlp.drop.training
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    out = m(mg.tensor([[1, 2]]))
    out.sum().backward()
    assert m.block.layers[0].weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert not np.any(to_np(m.block.layers[0].weight.grad))
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    assert not m(mg.tensor([[1, 2]])).requires_grad


def test_to_dtype_and_apply():
    m = build(nn)
    m.to(mg.float64)
    assert all(p.dtype == mg.float64 for p in m.parameters())
    assert m.block.steps.dtype == mg.float64
    assert m(mg.tensor([[1, 2]])).dtype == mg.float64
    m.float()
    assert all(p.dtype == mg.float32 for p in m.parameters())
    seen = []

    def zero_linear(mod):
        seen.append(type(mod).__name__)
        if isinstance(mod, nn.Linear):
            nn.init.zeros_(mod.weight)
    assert m.apply(zero_linear) is m
    assert seen[-1] == "Net" and seen.count("Linear") == 5
    assert not np.any(to_np(m.mlp.fc.weight))


# ------------------------------------------------------------------------------- containers
def test_sequential():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert [n for n, _ in sub.named_children()] == ["1", "2"]  # slicing keeps names, as PyTorch
    assert seq(mg.randn(4, 2)).shape == (4, 1)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    seq.insert(0, nn.Identity())
    assert isinstance(seq[0], nn.Identity) and [n for n, _ in seq.named_children()] == list("01234")
    del seq[0]
    assert seq[0] is a and [n for n, _ in seq.named_children()] == list("0123")
    assert seq.pop(3).__class__ is nn.Sigmoid and len(seq) == 3
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    named = nn.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert named.first is a and [n for n, _ in named.named_parameters()] == ["first.weight",
                                                                             "first.bias"]
    assert len(named + nn.Sequential(c)) == 3


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh(), nn.Sigmoid()])
    layers.insert(1, nn.Identity())
    assert [type(x).__name__ for x in layers] == ["Linear", "Identity", "Linear", "Linear", "ReLU",
                                                  "Tanh", "Sigmoid"]
    assert [n for n, _ in layers.named_children()] == [str(i) for i in range(7)]
    assert isinstance(layers[-1], nn.Sigmoid)
    sub = layers[:3]
    assert isinstance(sub, nn.ModuleList) and len(sub) == 3
    del layers[1]
    assert isinstance(layers[1], nn.Linear) and len(layers) == 6
    layers[0] = nn.GELU()
    assert isinstance(layers[0], nn.GELU)
    assert len(list(layers.parameters())) == 4
    layers += [nn.ReLU()]
    assert len(layers) == 7
    with pytest.raises(IndexError):
        layers[10]
    with pytest.raises(NotImplementedError):
        layers(mg.zeros(1))


def test_module_dict():
    d = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    assert len(d) == 2 and "a" in d and list(d) == ["a", "b"] and list(d.keys()) == ["a", "b"]
    d["c"] = nn.Tanh()
    d.update([("e", nn.Sigmoid())])
    assert list(d) == ["a", "b", "c", "e"]
    assert isinstance(d.pop("b"), nn.ReLU) and "b" not in d
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    assert [type(v).__name__ for v in d.values()] == ["Linear", "Tanh", "Sigmoid"]
    d.clear()
    assert len(d) == 0


# ------------------------------------------------------------------ audit regressions
def test_load_state_dict_result_prints_like_torch_when_all_keys_match():
    m = nn.Linear(2, 3)
    assert repr(m.load_state_dict(m.state_dict())) == "<All keys matched successfully>"
    assert "unexpected_keys=['x']" in repr(m.load_state_dict({**m.state_dict(), "x": mg.ones(1)},
                                                             strict=False))


@requires_torch
def test_named_parameters_without_removing_duplicates_matches_torch():
    def build(lib, libnn):
        class M(libnn.Module):
            def __init__(self):
                super().__init__()
                self.a = libnn.Linear(2, 2)
                self.b = self.a
                self.w = libnn.Parameter(lib.ones(2))
                self.w2 = self.w
        return M()
    for flag in (True, False):
        got = [k for k, _ in build(mg, nn).named_parameters(remove_duplicate=flag)]
        want = [k for k, _ in build(torch, torch.nn).named_parameters(remove_duplicate=flag)]
        assert got == want


# --------------------------------------------------- get_submodule, get_parameter, pre-hooks
def _error(fn, *args):
    try:
        fn(*args)
    except AttributeError as e:
        return str(e)
    raise AssertionError("no AttributeError")


@requires_torch
def test_get_submodule_and_get_parameter_match_torch():
    m, t = build(nn), build(torch.nn)
    for path in ["", "block", "block.layers.1", "mlp.fc", "block.heads.cls"]:
        assert type(m.get_submodule(path)).__name__ == type(t.get_submodule(path)).__name__
    assert m.get_submodule("") is m and m.get_submodule("mlp.act") is m.mlp.act
    for path in ["embed.weight", "block.layers.0.bias", "block.norm.weight"]:
        assert m.get_parameter(path).shape == tuple(t.get_parameter(path).shape)
    assert m.get_parameter("mlp.fc.weight") is m.mlp.fc.weight
    for bad in ["block.nope", "block.layers.5", "embed.weight.x", "mlp.fc.weight"]:
        assert _error(m.get_submodule, bad) == _error(t.get_submodule, bad)
    for bad in ["block.steps", "block.nope", "nope.weight", "block.norm.eps"]:
        assert _error(m.get_parameter, bad) == _error(t.get_parameter, bad)


@requires_torch
def test_forward_pre_hook_matches_torch():
    def run(lib, M):
        lin = lib.Linear(3, 2)
        with M.no_grad():
            lin.weight.fill_(0.5)
            lin.bias.fill_(0.1)
        seen = []
        h1 = lin.register_forward_pre_hook(lambda mod, args: seen.append(("h1", len(args))))
        h2 = lin.register_forward_pre_hook(lambda mod, args: args[0] * 2)         # single value
        h3 = lin.register_forward_pre_hook(lambda mod, args: seen.append("first"), prepend=True)
        lin.register_forward_hook(lambda mod, args, out: seen.append(("post", args[0].tolist())))
        out1 = lin(M.ones(1, 3)).tolist()
        h2.remove()
        h2.remove()  # a second remove is harmless
        h4 = lin.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))      # a tuple
        out2 = lin(M.ones(1, 3)).tolist()
        h1.remove(), h3.remove(), h4.remove()
        out3 = lin(M.ones(1, 3)).tolist()
        return seen, out1, out2, out3
    assert run(nn, mg) == run(torch.nn, torch)


def test_forward_pre_hook_rejects_non_callables():
    with pytest.raises(TypeError, match="callable"):
        nn.Linear(2, 2).register_forward_pre_hook(3)
