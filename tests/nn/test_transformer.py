"""Transformer layers, stacks and the full model against PyTorch: outputs and the gradients of the
inputs and of every parameter over a grid of options and masks; state dicts both ways; module paths;
minigrad.onnx."""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from conftest import mg_from_np, requires_torch, to_np, torch

pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")  # torch's, not ours
TOL = {np.float64: dict(rtol=1e-9, atol=1e-10), np.float32: dict(rtol=1e-4, atol=2e-5)}
D, H, FF, N, S, T = 8, 2, 12, 2, 5, 4


def rand(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def activation_for(lib, name):
    """The activation argument: a name, or (for 'callable') a function of that library."""
    if name != "callable":
        return name
    return lambda x: lib.nn.functional.gelu(x, approximate="tanh")


def build(lib, kind, options, dtype):
    act = activation_for(lib, options.get("activation", "relu"))
    kw = dict(dim_feedforward=FF, dropout=0.0, activation=act, batch_first=options.get("batch_first", False),
              norm_first=options.get("norm_first", False), bias=options.get("bias", True))
    if kind == "encoder_layer":
        m = lib.nn.TransformerEncoderLayer(D, H, **kw)
    elif kind == "decoder_layer":
        m = lib.nn.TransformerDecoderLayer(D, H, **kw)
    elif kind == "encoder":
        m = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, H, **kw), 2,
                                      norm=lib.nn.LayerNorm(D), enable_nested_tensor=False)
    elif kind == "decoder":
        m = lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(D, H, **kw), 2, norm=lib.nn.LayerNorm(D))
    else:
        m = lib.nn.Transformer(D, H, 2, 1, **kw)
    return m.double() if dtype == np.float64 else m.float()


def masks(kind, dtype):
    """src/tgt key padding (True = padded) and the causal tgt mask, in the requested kind."""
    kpm = np.zeros((N, S), dtype=bool)
    kpm[1, 3:] = True
    tkpm = np.zeros((N, T), dtype=bool)
    tkpm[0, 3:] = True
    causal = np.triu(np.ones((T, T), dtype=bool), 1)
    src_causal = np.triu(np.ones((S, S), dtype=bool), 1)
    if kind == "none":
        return {}
    if kind == "bool":
        return dict(src_kpm=kpm, tgt_kpm=tkpm, tgt_mask=causal, src_mask=src_causal)
    f = lambda m: np.where(m, -np.inf, 0.0).astype(dtype)  # noqa: E731
    return dict(src_kpm=f(kpm), tgt_kpm=f(tkpm), tgt_mask=f(causal), src_mask=f(src_causal))


def call(lib, m, kind, x, y, mk):
    w = {k: (None if v is None else lib.tensor(v)) for k, v in mk.items()}
    if kind in ("encoder_layer", "encoder"):
        kw = dict(src_key_padding_mask=w.get("src_kpm"))
        kw["src_mask" if kind == "encoder_layer" else "mask"] = w.get("src_mask")
        return m(x, **kw)
    if kind in ("decoder_layer", "decoder"):
        return m(x, y, tgt_mask=w.get("tgt_mask"), tgt_key_padding_mask=w.get("tgt_kpm"),
                 memory_key_padding_mask=w.get("src_kpm"))
    return m(y, x, tgt_mask=w.get("tgt_mask"), src_key_padding_mask=w.get("src_kpm"),
             tgt_key_padding_mask=w.get("tgt_kpm"), memory_key_padding_mask=w.get("src_kpm"))


def run_parity(kind, options, mask_kind, dtype, unbatched=False):
    tm = build(torch, kind, options, dtype)
    mm = build(mg, kind, options, dtype)
    assert list(mm.state_dict()) == list(tm.state_dict())
    mm.load_state_dict({k: mg.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    bf = options.get("batch_first", False)
    # x is the decoder's input (length T) for decoders, the encoder's (S) otherwise; y the other one
    lx = T if kind in ("decoder_layer", "decoder", "transformer") else S
    ly = S if lx == T else T

    def shape(length):
        if unbatched:
            return (length, D)
        return (N, length, D) if bf else (length, N, D)
    xa, ya = rand(*shape(lx), dtype=dtype, seed=1), rand(*shape(ly), dtype=dtype, seed=2)
    mk = masks(mask_kind, dtype)
    if unbatched:
        mk = {k: v[0] if v.ndim == 2 and "kpm" in k else v for k, v in mk.items()}
    mx, my = mg_from_np(xa, requires_grad=True), mg_from_np(ya, requires_grad=True)
    tx, ty = torch.tensor(xa, requires_grad=True), torch.tensor(ya, requires_grad=True)
    mo, to = call(mg, mm, kind, mx, my, mk), call(torch, tm, kind, tx, ty, mk)
    np.testing.assert_allclose(to_np(mo), to.detach().numpy(), **TOL[dtype])
    g = rand(*mo.shape, dtype=dtype, seed=3)
    mo.backward(mg_from_np(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(mx.grad), tx.grad.numpy(), **TOL[dtype], err_msg="input grad")
    if ty.grad is not None:
        np.testing.assert_allclose(to_np(my.grad), ty.grad.numpy(), **TOL[dtype], err_msg="memory grad")
    mparams = dict(mm.named_parameters())
    for name, tp in tm.named_parameters():
        np.testing.assert_allclose(to_np(mparams[name].grad), tp.grad.numpy(), **TOL[dtype], err_msg=name)


OPTIONS = [
    dict(),
    dict(batch_first=True, norm_first=True),
    dict(activation="gelu", bias=False),
    dict(activation="callable", batch_first=True),
]
KINDS = ["encoder_layer", "decoder_layer", "encoder", "decoder", "transformer"]


def _id(o):
    return "-".join(f"{k}={v}" for k, v in o.items()) or "default"


@requires_torch
@pytest.mark.parametrize("mask_kind", ["none", "bool", "float"])
@pytest.mark.parametrize("options", OPTIONS, ids=_id)
@pytest.mark.parametrize("kind", KINDS)
def test_matches_torch_float64(kind, options, mask_kind):
    run_parity(kind, options, mask_kind, np.float64)


@requires_torch
@pytest.mark.parametrize("options", OPTIONS[:2], ids=_id)
@pytest.mark.parametrize("kind", KINDS)
def test_matches_torch_float32(kind, options):
    run_parity(kind, options, "bool", np.float32)


@requires_torch
@pytest.mark.parametrize("kind", ["encoder_layer", "decoder_layer", "transformer"])
def test_unbatched_matches_torch(kind):
    run_parity(kind, {}, "bool", np.float64, unbatched=True)


@requires_torch
def test_state_dict_from_minigrad_loads_into_torch():
    mg.manual_seed(5)
    mm = nn.Transformer(D, H, 1, 1, FF, dropout=0.0, dtype=mg.float64)
    tm = torch.nn.Transformer(D, H, 1, 1, FF, dropout=0.0).double()
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mm.state_dict().items()})
    src, tgt = rand(S, N, D, seed=1), rand(T, N, D, seed=2)
    mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=mg.float64)
    mo = mm(mg.tensor(src), mg.tensor(tgt), tgt_mask=mask)
    to = tm(torch.tensor(src), torch.tensor(tgt), tgt_mask=torch.tensor(mask.numpy()))
    np.testing.assert_allclose(to_np(mo), to.detach().numpy(), **TOL[np.float64])


@requires_torch
def test_generate_square_subsequent_mask_matches_torch():
    m = nn.Transformer.generate_square_subsequent_mask(5)
    t = torch.nn.Transformer.generate_square_subsequent_mask(5)
    assert m.dtype == mg.float32
    np.testing.assert_array_equal(m.numpy(), t.numpy())


def test_transformer_init_is_xavier_and_clones_are_independent():
    model = nn.Transformer(16, 4, 2, 2, 32)
    w = to_np(model.encoder.layers[0].linear1.weight)
    bound = np.sqrt(6.0 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    l0, l1 = model.encoder.layers
    assert l0.linear1.weight is not l1.linear1.weight
    assert not np.array_equal(to_np(l0.linear1.weight), to_np(l1.linear1.weight))
    layer = nn.TransformerEncoderLayer(16, 4, 32)
    enc = nn.TransformerEncoder(layer, 2)
    np.testing.assert_array_equal(to_np(enc.layers[1].linear1.weight), to_np(layer.linear1.weight))


def test_bad_input():
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(mg.ones(5, 2, 8), mg.ones(4, 3, 8))
    with pytest.raises(RuntimeError, match="feature number"):
        model(mg.ones(5, 2, 8), mg.ones(4, 2, 6))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
    with pytest.raises(AssertionError, match="divisible"):
        nn.TransformerEncoderLayer(10, 3)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        nn.TransformerDecoderLayer(8, 2)(mg.ones(4, 2, 8), mg.ones(5, 2, 8), tgt_is_causal=True)


def test_dropout_active_in_training_only():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = mg.tensor(rand(5, 2, 8, dtype=np.float32))
    layer.eval()
    a, b = layer(x), layer(x)
    np.testing.assert_array_equal(to_np(a), to_np(b))
    layer.train()
    assert not np.allclose(to_np(layer(x)), to_np(a))


def test_module_paths_pytorch_code_names():
    import minigrad.nn.modules.transformer as mt
    from minigrad.nn.modules.activation import MultiheadAttention
    from minigrad.nn.modules.linear import NonDynamicallyQuantizableLinear
    assert mt.TransformerEncoderLayer is nn.TransformerEncoderLayer and mt.Transformer is nn.Transformer
    assert MultiheadAttention is nn.MultiheadAttention
    assert issubclass(NonDynamicallyQuantizableLinear, nn.Linear)
    assert nn.modules.container.ModuleList is nn.ModuleList
    assert nn.modules.sparse.Embedding is nn.Embedding
    # a deep copy of a model keeps working (the encoder clones its layer the same way)
    model = nn.TransformerEncoderLayer(8, 2, 16)
    twin = copy.deepcopy(model)
    with mg.no_grad():
        twin.linear1.weight.fill_(0.0)
    assert not np.array_equal(to_np(model.linear1.weight), to_np(twin.linear1.weight))


def test_onnx_imports_and_export_says_no():
    import minigrad.onnx
    assert minigrad.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match="minigrad does not export ONNX"):
        minigrad.onnx.export(nn.Linear(2, 2), (mg.ones(1, 2),), "model.onnx")
