"""repr of layers and nested models equals PyTorch's string for the same structure (live comparison)."""
from collections import OrderedDict

import pytest

import minigrad.nn as nn
from conftest import requires_torch, torch

pytestmark = requires_torch

LAYERS = [
    ("Linear", (3, 4), {}), ("Linear", (3, 4), {"bias": False}),
    ("Embedding", (7855, 256), {}), ("Embedding", (10, 3), {"padding_idx": 0}),
    ("Embedding", (10, 3), {"padding_idx": -1, "max_norm": 2.0}),
    ("Dropout", (), {}), ("Dropout", (0.25,), {"inplace": True}),
    ("LayerNorm", (8,), {}), ("LayerNorm", ((2, 3),), {"eps": 1e-3, "elementwise_affine": False}),
    ("LayerNorm", (4,), {"bias": False}),
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("Tanh", (), {}), ("Sigmoid", (), {}),
    ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}), ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {}), ("LogSoftmax", (), {"dim": -1}), ("Identity", (), {}), ("Flatten", (), {}),
    ("Flatten", (0, 2), {}), ("Unflatten", (1, (2, 3)), {}),
    ("CrossEntropyLoss", (), {}), ("NLLLoss", (), {}), ("BCEWithLogitsLoss", (), {}),
    ("MSELoss", (), {}), ("Sequential", (), {}), ("ModuleList", (), {}), ("ModuleDict", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", LAYERS)
def test_layer_repr(name, args, kwargs):
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def seq2seq(lib):
    """An encoder-decoder of the kind in the issue, built from the same layers in either library."""

    class Encoder(lib.Module):
        def __init__(self):
            super().__init__()
            self.embedding = lib.Embedding(7855, 256)
            self.layers = lib.ModuleList([lib.Linear(256, 256) for _ in range(3)] + [lib.Tanh()])
            self.norm = lib.LayerNorm(256)
            self.dropout = lib.Dropout(0.5)

    class Attention(lib.Module):
        def __init__(self, hidden):
            super().__init__()
            self.hidden = hidden
            self.score = lib.Linear(hidden, 1, bias=False)

        def extra_repr(self):
            return f"hidden={self.hidden}"

    class Decoder(lib.Module):
        def __init__(self):
            super().__init__()
            self.embedding = lib.Embedding(5893, 256, padding_idx=1)
            self.attention = Attention(512)
            self.mlp = lib.Sequential(OrderedDict([("fc1", lib.Linear(512, 512)),
                                                   ("act", lib.GELU()),
                                                   ("fc2", lib.Linear(512, 5893))]))
            self.heads = lib.ModuleDict({"copy": lib.Sequential(lib.Linear(512, 1), lib.Sigmoid()),
                                         "out": lib.LogSoftmax(dim=-1)})

    class Seq2Seq(lib.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.decoder = Decoder()
            self.blocks = lib.ModuleList([lib.Sequential(lib.Linear(4, 4), lib.ReLU())
                                          for _ in range(2)])
            self.empty = lib.ModuleList()

    return Seq2Seq()


def test_nested_model_repr():
    text = repr(seq2seq(nn))
    assert text == repr(seq2seq(torch.nn))
    assert "(0-2): 3 x Linear(in_features=256, out_features=256, bias=True)" in text


def test_module_list_compression_repr():
    for build in [lambda lib: lib.ModuleList([lib.ReLU(), lib.ReLU(), lib.Tanh(), lib.ReLU(),
                                              lib.Linear(2, 2), lib.Linear(2, 2)]),
                  lambda lib: lib.ModuleList([lib.Linear(2, 2), lib.Linear(2, 3), lib.Linear(2, 2)]),
                  lambda lib: lib.Sequential(lib.ReLU(), lib.ReLU(), lib.ReLU())]:
        assert repr(build(nn)) == repr(build(torch.nn))


def test_custom_multiline_extra_repr():
    def build(lib):
        class Custom(lib.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.Linear(1, 1)

            def extra_repr(self):
                return "alpha=1,\nbeta=2"
        return lib.Sequential(Custom())
    assert repr(build(nn)) == repr(build(torch.nn))
