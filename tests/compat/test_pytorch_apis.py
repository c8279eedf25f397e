"""The PyTorch APIs that real programs use and minigrad gained for them (issue 13), against PyTorch."""
import io
import pickle
import re

import numpy as np
import pytest

import minigrad as mg
from tests.conftest import requires_torch, torch


# ------------------------------------------------------------------------- legacy constructors
@requires_torch
@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
                                  "BoolTensor", "ByteTensor", "ShortTensor", "CharTensor"])
@pytest.mark.parametrize("args", [([1, 0, 2],), ([[1.7, -2.2], [0.0, 3.9]],), (2, 3), ()])
def test_typed_constructors_match_torch(name, args):
    if name in ("ByteTensor", "BoolTensor") and args and isinstance(args[0], list) and \
            any(v < 0 for row in args[0] for v in (row if isinstance(row, list) else [row])):
        pytest.skip("negative values do not fit the type")
    got, want = getattr(mg, name)(*args), getattr(torch, name)(*args)
    assert got.dtype.name == str(want.dtype)[6:] and got.shape == tuple(want.shape)
    if args and isinstance(args[0], list):  # from sizes PyTorch leaves memory uninitialised
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@requires_torch
def test_typed_constructor_isinstance_and_errors_match_torch():
    assert isinstance(mg.tensor([1]), mg.LongTensor) == isinstance(torch.tensor([1]), torch.LongTensor)
    assert isinstance(mg.tensor([1.0]), mg.LongTensor) == isinstance(torch.tensor([1.0]), torch.LongTensor)
    assert isinstance(mg.tensor([1.0]), mg.FloatTensor) and not isinstance(3, mg.FloatTensor)
    for bad in [(3.5,), ("a",)]:
        with pytest.raises(TypeError):
            torch.FloatTensor(*bad)
        with pytest.raises(TypeError):
            mg.FloatTensor(*bad)
    with pytest.raises(TypeError):
        torch.LongTensor(torch.tensor([1.5]))
    with pytest.raises(TypeError, match="expected a tensor of dtype minigrad.int64"):
        mg.LongTensor(mg.tensor([1.5]))
    src = mg.tensor([1, 2])
    alias = mg.LongTensor(src)  # wraps the same storage, as torch.LongTensor(long_tensor) does
    alias[0] = 7
    assert src.tolist() == [7, 2]


def test_variable_is_detach_with_requires_grad_as_in_pytorch():
    t = mg.randn(2)
    v = mg.autograd.Variable(t)
    assert v is not t and np.shares_memory(v.array, t.array) and not v.requires_grad
    assert isinstance(v, mg.autograd.Variable) and mg.autograd.Variable(t, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        mg.autograd.Variable([1, 2])


# ------------------------------------------------------------------------- module paths, flags
def test_utils_data_is_an_attribute_path_to_minigrad_data():
    import minigrad.utils.data as ud
    from minigrad.utils.data import DataLoader, random_split
    assert ud is mg.data and mg.utils.data.DataLoader is DataLoader is mg.data.DataLoader
    assert random_split is mg.data.random_split


def test_nn_modules_paths_name_the_same_classes_as_pytorch():
    import minigrad.nn.modules.rnn
    m = mg.nn.modules
    assert m.linear.Linear is mg.nn.Linear and m.sparse.Embedding is mg.nn.Embedding
    assert m.rnn.LSTM is mg.nn.LSTM and minigrad.nn.modules.rnn.GRU is mg.nn.GRU
    assert m.container.ModuleList is mg.nn.ModuleList and m.dropout.Dropout is mg.nn.Dropout
    assert m.activation.ReLU is mg.nn.ReLU and m.loss.NLLLoss is mg.nn.NLLLoss
    assert m.module.Module is mg.nn.Module and m.normalization.LayerNorm is mg.nn.LayerNorm


@requires_torch
def test_backends_flags_exist_like_pytorch_and_mean_what_minigrad_does():
    for flag in ("deterministic", "benchmark", "enabled"):
        assert type(getattr(mg.backends.cudnn, flag)) is type(getattr(torch.backends.cudnn, flag))
    mg.backends.cudnn.deterministic = True
    try:
        a = (mg.manual_seed(3), mg.randn(4))[1]
        b = (mg.manual_seed(3), mg.randn(4))[1]
        assert a.tolist() == b.tolist()
    finally:
        mg.backends.cudnn.deterministic = False
    assert mg.backends.cudnn.is_available() is False and mg.backends.mps.is_available() is False
    assert "deterministic" in mg.backends.__doc__


# ------------------------------------------------------------------------- generators
def test_generator_streams_are_reproducible_and_independent_of_the_global_one():
    g = mg.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5 and str(g.device) == "cpu"
    draws = [mg.randn(3, generator=g), mg.rand(2, generator=g), mg.randperm(6, generator=g),
             mg.randint(0, 9, (4,), generator=g), mg.multinomial(mg.ones(5), 3, generator=g)]
    g.manual_seed(5)
    mg.manual_seed(1)
    mg.randn(10)  # the global stream moving does not change g's draws
    again = [mg.randn(3, generator=g), mg.rand(2, generator=g), mg.randperm(6, generator=g),
             mg.randint(0, 9, (4,), generator=g), mg.multinomial(mg.ones(5), 3, generator=g)]
    for a, b in zip(draws, again):
        assert a.tolist() == b.tolist()
    state = g.get_state()
    x = mg.randn(4, generator=g)
    assert mg.randn(4, generator=g.set_state(state)).tolist() == x.tolist()
    assert mg.Generator().initial_seed() == torch_default_seed()


def torch_default_seed():
    return torch.Generator().initial_seed() if torch is not None else 67280421310721


def test_generator_drives_data_splits_samplers_and_loaders():
    ds = mg.data.TensorDataset(mg.arange(20))
    def run(seed):
        g = mg.Generator().manual_seed(seed)
        a, b = mg.data.random_split(ds, [0.75, 0.25], generator=g)
        order = [int(x[0]) for x in mg.data.DataLoader(a, batch_size=1, shuffle=True, generator=g)]
        sampled = list(mg.data.RandomSampler(b, generator=g))
        return list(a.indices), order, sampled
    assert run(2024) == run(2024) and run(2024) != run(7)
    with pytest.raises(TypeError, match="generator must be"):
        mg.randn(2, generator=np.random.default_rng(0))


@requires_torch
def test_generator_wrong_device_is_rejected_as_in_pytorch():
    g = mg.Generator()
    g.device = mg.device("cuda")  # a cuda generator, without needing a GPU to make one
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but found 'cuda'"):
        mg.randn(2, generator=g)


# ------------------------------------------------------------------------- multinomial
def test_multinomial_without_replacement_draws_distinct_categories_by_weight():
    w = mg.tensor([[0.0, 1.0, 3.0, 6.0], [5.0, 0.0, 0.0, 5.0]])
    out = mg.multinomial(w, 2)
    assert out.dtype == mg.int64 and out.shape == (2, 2)
    assert sorted(out[1].tolist()) == [0, 3] and 0 not in out[0].tolist()
    first = np.array([mg.multinomial(w[0], 1).item() for _ in range(3000)])
    np.testing.assert_allclose(np.bincount(first, minlength=4) / 3000, [0, 0.1, 0.3, 0.6], atol=0.03)
    for _ in range(20):
        row = mg.multinomial(mg.tensor([1.0, 2.0, 3.0]), 3).tolist()
        assert sorted(row) == [0, 1, 2]


@requires_torch
def test_multinomial_without_replacement_runs_out_of_weight_like_torch():
    w = [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    assert mg.multinomial(mg.tensor(w), 3).tolist() == torch.multinomial(torch.tensor(w), 3).tolist()


def test_multinomial_with_replacement_matches_the_probabilities():
    draws = mg.multinomial(mg.tensor([1.0, 0.0, 3.0]), 8000, replacement=True).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 8000, [0.25, 0, 0.75], atol=0.02)


@requires_torch
@pytest.mark.parametrize("args", [([0.0, 1.0], 3, False), ([0.0, 0.0], 1, True), ([-1.0, 1.0], 1, False),
                                  (1.0, 1, False), ([1.0, float("nan")], 1, True), ([1.0, 0.0], 0, True)])
def test_multinomial_errors_match_torch(args):
    data, n, replacement = args
    with pytest.raises(RuntimeError) as want:
        torch.multinomial(torch.tensor(data), n, replacement)
    with pytest.raises(RuntimeError) as got:
        mg.multinomial(mg.tensor(data), n, replacement)
    assert str(got.value).split("(")[0].strip() in str(want.value)


@requires_torch
def test_multinomial_rejects_integer_weights_like_torch():
    with pytest.raises(RuntimeError, match="floating"):
        torch.multinomial(torch.tensor([1, 2]), 1)
    with pytest.raises(RuntimeError, match="floating"):
        mg.multinomial(mg.tensor([1, 2]), 1)


# ------------------------------------------------------------------------- defaults
@requires_torch
def test_default_dtype_and_device_round_trip_like_torch():
    assert mg.get_default_dtype() == mg.float32 and str(mg.get_default_device()) == "cpu"
    try:
        mg.set_default_dtype(mg.float64)
        torch.set_default_dtype(torch.float64)
        for make in (lambda m: m.tensor([1.5]), lambda m: m.zeros(2), lambda m: m.randn(2),
                     lambda m: m.arange(0.0, 1.0, 0.5), lambda m: m.nn.Linear(2, 2).weight):
            assert make(mg).dtype.name == str(make(torch).dtype)[6:] == "float64"
        assert mg.tensor([1]).dtype == mg.int64
    finally:
        mg.set_default_dtype(mg.float32)
        torch.set_default_dtype(torch.float32)
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    with pytest.raises(TypeError, match="only floating-point types"):
        mg.set_default_dtype(mg.int64)
    mg.set_default_device("cpu")
    assert mg.zeros(1).device == mg.get_default_device() == mg.device("cpu")
    mg.set_default_device(None)
    assert str(mg.get_default_device()) == "cpu"


# ------------------------------------------------------------------------- in-place shape ops
@requires_torch
@pytest.mark.parametrize("op, args", [("unsqueeze_", (0,)), ("unsqueeze_", (-1,)), ("squeeze_", ()),
                                      ("squeeze_", (1,)), ("transpose_", (0, 2)), ("t_", ())])
def test_in_place_shape_ops_match_torch(op, args):
    base = np.random.randn(3, 1, 2) if op != "t_" else np.random.randn(3, 2)
    x = mg.tensor(base, dtype=mg.float64, requires_grad=True)
    tx = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    y, ty = x * 2, tx * 2
    vy, vty = y._version.value, ty._version
    assert getattr(y, op)(*args) is y and getattr(ty, op)(*args) is ty
    assert y.shape == tuple(ty.shape) and y._version.value - vy == ty._version - vty
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    weights = np.random.randn(*y.shape)
    (y * mg.tensor(weights)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    z, tz = mg.tensor(base), torch.tensor(base)  # no graph
    getattr(z, op)(*args)
    getattr(tz, op)(*args)
    np.testing.assert_array_equal(z.numpy(), tz.numpy())


@requires_torch
def test_in_place_shape_op_on_a_leaf_that_requires_grad_is_refused_like_torch():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        torch.ones(3, requires_grad=True).unsqueeze_(0)
    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.unsqueeze_(0)
    assert x.shape == (3,)
    with mg.no_grad():
        x.unsqueeze_(0)
    assert x.shape == (1, 3)


# ------------------------------------------------------------------------- grad_fn repr, cat
@requires_torch
def test_grad_fn_repr_is_pytorchs():
    x, tx = mg.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    for f in (lambda a: a + 1, lambda a: a * a, lambda a: a.sum(), lambda a: a.exp()):
        got, want = repr(f(x).grad_fn), repr(f(tx).grad_fn)
        pattern = r"<(\w+) object at 0x[0-9a-f]+>"
        assert re.fullmatch(pattern, got) and re.fullmatch(pattern, want)
        assert re.fullmatch(pattern, got)[1] == re.fullmatch(pattern, want)[1]
    assert "grad_fn=<AddBackward0>" in repr(x + 1)


@requires_torch
def test_cat_of_zero_dim_tensors_raises_torchs_error():
    with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 0\\) cannot be concatenated"):
        torch.cat([torch.tensor(1.0), torch.tensor(2.0)])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 0\\) cannot be concatenated"):
        mg.cat([mg.tensor(1.0), mg.tensor(2.0)])


# ------------------------------------------------------------------------- whole-model save/load
class Tagger(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = mg.nn.Embedding(6, 3)
        self.lstm = mg.nn.LSTM(3, 4)
        self.out = mg.nn.Linear(4, 2)
        self.out.weight_alias = self.out.weight  # shared tensors stay shared

    def forward(self, x):
        return self.out(self.lstm(self.emb(x))[0])


def test_whole_model_save_load_needs_an_opt_in_or_allowlist():
    model, buf = Tagger(), io.BytesIO()
    mg.save(model, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match=r"Weights only load failed.*GLOBAL \S*test_pytorch_apis.Tagger was not"):
        mg.load(buf)
    buf.seek(0)
    loaded = mg.load(buf, weights_only=False)
    x = mg.tensor([[1], [4], [2]])
    assert type(loaded) is Tagger and loaded(x).tolist() == model(x).tolist()
    assert loaded.out.weight_alias is loaded.out.weight and type(loaded.out.weight) is mg.nn.Parameter
    safe = [Tagger, mg.nn.modules.sparse.Embedding, mg.nn.modules.rnn.LSTM, mg.nn.modules.linear.Linear]
    buf.seek(0)
    with mg.serialization.safe_globals(safe):
        assert mg.serialization.get_safe_globals() == safe
        assert mg.load(buf)(x).tolist() == model(x).tolist()
    assert mg.serialization.get_safe_globals() == []
    mg.serialization.add_safe_globals(safe)
    try:
        buf.seek(0)
        assert type(mg.load(buf)) is Tagger
    finally:
        mg.serialization.clear_safe_globals()


def test_weights_only_load_refuses_arbitrary_code():
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))
    buf = io.BytesIO()
    mg.save({"w": mg.ones(2), "evil": Evil()}, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="builtins.print"):
        mg.load(buf)


def test_state_dicts_keep_minigrads_plain_format(tmp_path):
    model = Tagger()
    mg.save(model.state_dict(), tmp_path / "sd.mg")
    import zipfile
    with zipfile.ZipFile(tmp_path / "sd.mg") as zf:
        assert not any(name.endswith(".pkl.npy") or name.endswith(".pkl") for name in zf.namelist())
    fresh = Tagger()
    fresh.load_state_dict(mg.load(tmp_path / "sd.mg"))
    x = mg.tensor([[0], [5]])
    assert fresh(x).tolist() == model(x).tolist()


# ------------------------------------------------------------------------- small conveniences
@requires_torch
def test_format_of_a_zero_dim_tensor_is_its_numbers_as_in_torch():
    for spec in ("+.2f", ".3e", "", "8.1f"):
        assert format(mg.tensor(1.5), spec) == format(torch.tensor(1.5), spec)
    assert f"{mg.tensor([1.0, 2.0])}" == repr(mg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        format(torch.tensor([1.0, 2.0]), ".2f")
    with pytest.raises(TypeError):
        format(mg.tensor([1.0, 2.0]), ".2f")


@requires_torch
def test_deprecated_alpha_first_add_matches_torch():
    p, tp = mg.ones(3), torch.ones(3)
    with pytest.warns(UserWarning, match="deprecated"):
        p.add_(-0.5, mg.tensor([1.0, 2.0, 3.0]))
    with pytest.warns(UserWarning):
        tp.add_(-0.5, torch.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(p.numpy(), tp.numpy())
    with pytest.warns(UserWarning, match="deprecated"):
        p.sub_(2, mg.ones(3))
    assert p.tolist() == [-1.5, -2.0, -2.5]


@requires_torch
@pytest.mark.parametrize("args", [(2, 3), ([1, 2.5],), ()])
def test_legacy_tensor_new_matches_torch(args):
    got = mg.zeros(2, dtype=mg.float64).new(*args)
    want = torch.zeros(2, dtype=torch.float64).new(*args)
    assert got.dtype == mg.float64 and got.shape == tuple(want.shape)
    if args and isinstance(args[0], list):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert mg.tensor([1, 2]).new([3.7]).tolist() == torch.tensor([1, 2]).new([3.7]).tolist()


@requires_torch
def test_type_conversion_to_a_legacy_class_matches_torch():
    got = mg.tensor([1.7, -2.2]).type(mg.LongTensor)
    want = torch.tensor([1.7, -2.2]).type(torch.LongTensor)
    assert got.dtype == mg.int64 and got.tolist() == want.tolist()
