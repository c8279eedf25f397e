"""Reliability under concurrency, faults and bad input (issue 14): one test (or a few) per finding."""
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim


# ------------------------------------------------------------------ 1. grad mode is per thread
def _train(model, steps, x, y):
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()


def _fresh_model():
    mg.manual_seed(3)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def test_training_thread_unaffected_by_no_grad_in_another_thread():
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((16, 4)).astype(np.float32))
    y = mg.tensor(rng.standard_normal((16, 1)).astype(np.float32))
    alone = _fresh_model()
    _train(alone, 200, x, y)

    model = _fresh_model()
    done = threading.Event()
    evals = []
    errors = []

    def evaluate():
        try:
            while not done.is_set():
                with mg.no_grad():
                    out = model(x)
                    evals.append(out.requires_grad)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def train():
        try:
            _train(model, 200, x, y)
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so no_grad overlaps training
    try:
        threads = [threading.Thread(target=evaluate), threading.Thread(target=train)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
    assert len(evals) > 10 and not any(evals)
    for a, b in zip(alone.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_new_thread_starts_with_grad_enabled():
    seen = []
    with mg.no_grad():
        t = threading.Thread(target=lambda: seen.append(mg.is_grad_enabled()))
        t.start()
        t.join()
        assert not mg.is_grad_enabled()
    assert seen == [True]
    assert mg.is_grad_enabled()


# ------------------------------------------------------- 2. Module.load_state_dict is all-or-nothing
def test_failed_load_state_dict_changes_nothing():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2))
    before = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    bad = {k: np.full(v.shape, 7.0, dtype=np.float32) for k, v in before.items()}
    bad["1.bias"] = np.array(["x", "y"])  # right shape, cannot become float32: found after the others
    with pytest.raises(RuntimeError, match=r'"1\.bias".*dtype <U1'):
        model.load_state_dict(bad)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), before[k])


def test_load_state_dict_still_converts_dtypes():
    model = nn.Linear(2, 2)
    state = {k: np.ones(v.shape, dtype=np.int64) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert model.weight.dtype == mg.float32
    np.testing.assert_array_equal(model.weight.detach().numpy(), np.ones((2, 2), np.float32))


# ------------------------------------------- 3. optimizer state is checked at load; step never half-applies
def _two_param_adam():
    a = nn.Parameter(mg.ones(3))
    b = nn.Parameter(mg.ones(2, 2))
    opt = optim.Adam([a, b], lr=0.1)
    (a.sum() + (b * b).sum()).backward()
    opt.step()
    return a, b, opt


def test_optimizer_load_state_dict_rejects_wrong_state_shape():
    a, b, opt = _two_param_adam()
    state = opt.state_dict()
    state["state"][1]["exp_avg"] = mg.zeros(5)
    a2, b2, fresh = _two_param_adam()
    before = fresh.state_dict()
    with pytest.raises(RuntimeError, match=r"exp_avg.*parameter 1.*\(5,\).*\(2, 2\)"):
        fresh.load_state_dict(state)
    after = fresh.state_dict()
    np.testing.assert_array_equal(after["state"][1]["exp_avg"].numpy(),
                                  before["state"][1]["exp_avg"].numpy())


def test_optimizer_step_never_half_applies():
    a, b, opt = _two_param_adam()
    (a.sum() + (b * b).sum()).backward()
    opt.state[b]["exp_avg_sq"] = mg.zeros(4)  # corrupted by hand
    a_before = a.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=r"exp_avg_sq.*\(4,\).*\(2, 2\)"):
        opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), a_before)
    assert opt.state[a]["step"] == 1


# ------------------------------------------------------- 4. a crafted checkpoint cannot make load allocate
def _checkpoint_with_entry(path, write_entry, compression=zipfile.ZIP_STORED):
    mg.save({"w": np.zeros(2)}, path)
    with zipfile.ZipFile(path) as zf:
        structure = zf.read("structure.json")
    with zipfile.ZipFile(path, "w", compression) as zf:
        zf.writestr("structure.json", structure)
        with zf.open("w.npy", "w") as f:
            write_entry(f)


def test_header_claiming_huge_shape_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "huge.mg"

    def lying_header(f):
        header = {"descr": "<f8", "fortran_order": False, "shape": (10 ** 14,)}
        np.lib.format.write_array_header_1_0(f, header)
        f.write(b"\0" * 16)
    _checkpoint_with_entry(path, lying_header)
    with pytest.raises(mg.serialization.CheckpointError, match=r"declares float64\[100000000000000\]"):
        mg.load(path)


def test_compressed_entry_is_refused(tmp_path):
    path = tmp_path / "bomb.mg"
    _checkpoint_with_entry(path, lambda f: np.lib.format.write_array(f, np.zeros(2)),
                           compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(mg.serialization.CheckpointError, match="compressed"):
        mg.load(path)


# -------------------------------------------- 5. kill -9 during save: old checkpoint loads, no temp piles up
def _save_forever(path, size):
    version = 0
    while True:
        version += 1
        mg.save({"version": version, "w": np.full(size, float(version))}, path)


@pytest.mark.skipif(os.name != "posix" or "fork" not in mp.get_all_start_methods(),
                    reason="needs fork and kill -9")
def test_kill_during_save_keeps_previous_checkpoint_and_cleans_up(tmp_path):
    path = tmp_path / "ckpt.mg"
    size = 200_000  # 1.6 MB: a save takes a few milliseconds, so kills land mid-write
    mg.save({"version": 0, "w": np.zeros(size)}, path)
    rng = np.random.default_rng(0)
    ctx = mp.get_context("fork")
    leftovers = 0
    for trial in range(24):
        child = ctx.Process(target=_save_forever, args=(str(path), size), daemon=True)
        child.start()
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        loaded = mg.load(path)  # whatever the kill interrupted, a complete checkpoint is there
        assert np.all(loaded["w"] == float(loaded["version"])), trial
        leftovers += len(list(tmp_path.glob(".ckpt.mg.*.tmp")))
    mg.save({"version": -1, "w": np.zeros(3)}, path)
    assert mg.load(path)["version"] == -1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.mg"]
    assert leftovers > 0  # the kills did interrupt writes (else this test would prove nothing)


def test_save_keeps_a_live_writers_temporary(tmp_path):
    path = tmp_path / "ckpt.mg"
    live = tmp_path / f".ckpt.mg.{os.getppid()}-{'ab' * 6}.tmp"  # our parent is alive
    live.write_bytes(b"partial")
    mg.save({"a": 1}, path)
    assert live.exists()


# --------------------------------------------------- 6. a hand-built PackedSequence is validated early
@pytest.mark.parametrize("batch_sizes, match", [
    ([1, 2], "must not increase"),
    ([2, 0, 1], "positive"),
    ([2, 2], "sum to 4 but data has 3 rows"),
    ([], "non-empty"),
])
def test_inconsistent_packed_sequence_is_refused(batch_sizes, match):
    data = mg.randn(3, 4)
    with pytest.raises(ValueError, match=match):
        nn.utils.rnn.PackedSequence(data, mg.tensor(batch_sizes, dtype=mg.int64))


def test_rnn_refuses_a_packed_sequence_that_bypassed_the_constructor():
    rnn = nn.LSTM(4, 3)
    good = nn.utils.rnn.pack_sequence([mg.randn(2, 4), mg.randn(1, 4)])
    bad = good._replace(batch_sizes=mg.tensor([1, 2], dtype=mg.int64))  # namedtuple API skips __new__
    with pytest.raises(ValueError, match="LSTM: batch_sizes must not increase"):
        rnn(bad)
    with pytest.raises(ValueError, match="pad_packed_sequence: batch_sizes must not increase"):
        nn.utils.rnn.pad_packed_sequence(bad)


def test_packed_sequence_with_a_bad_permutation_is_refused():
    with pytest.raises(ValueError, match="sorted_indices must be a permutation of range"):
        nn.utils.rnn.PackedSequence(mg.randn(3, 4), mg.tensor([2, 1], dtype=mg.int64),
                                    mg.tensor([0, 0], dtype=mg.int64))


# ------------------------------------------------------------------ 7. Vocab refuses what it would misread
def _vocab():
    return mg.data.Vocab.build([["a", "good", "movie"], ["a", "bad", "movie"]])


@pytest.mark.parametrize("index", [-1, 100])
def test_vocab_lookup_tokens_out_of_range(index):
    vocab = _vocab()
    with pytest.raises(IndexError, match=f"index {index} is out of range for a vocabulary of size "
                                         f"{len(vocab)}"):
        vocab.lookup_tokens([0, index])


def test_vocab_lookup_tokens_needs_integers():
    with pytest.raises(TypeError, match="integers, got 1.5"):
        _vocab().lookup_tokens([1.5])
    assert _vocab().lookup_tokens(mg.tensor([0, 1])) == ["<pad>", "<unk>"]


def test_vocab_build_from_strings_is_refused():
    with pytest.raises(TypeError, match="item 0 is a string .*tokenize first"):
        mg.data.Vocab.build(["a good movie", "a bad movie"])


@pytest.mark.parametrize("bad, match", [
    ({"format": "minigrad.vocab", "itos": 3}, "'itos' must be a list of strings, got 3"),
    ({"format": "minigrad.vocab", "itos": ["a", 2]}, "'itos' must be a list of strings"),
    ({"format": "minigrad.vocab", "itos": ["a"], "unk_token": 5}, "'unk_token' must be a string or None"),
    (["not", "a", "dict"], "not a minigrad vocab description"),
])
def test_vocab_from_dict_names_the_bad_field(bad, match):
    with pytest.raises(ValueError, match=match):
        mg.data.Vocab.from_dict(bad)


# ------------------------------------- 8. loss errors are RuntimeError (PyTorch's class) and ValueError
F = nn.functional
_LOSS_ERRORS = {
    "cross_entropy target shape": lambda: F.cross_entropy(mg.randn(3, 5), mg.tensor([1, 2])),
    "cross_entropy target dtype": lambda: F.cross_entropy(mg.randn(3, 5), mg.tensor([True, False, True])),
    "cross_entropy probability target shape": lambda: F.cross_entropy(mg.randn(3, 5), mg.rand(3, 4)),
    "cross_entropy weight length": lambda: F.cross_entropy(mg.randn(3, 5), mg.tensor([1, 2, 0]),
                                                           weight=mg.ones(4)),
    "nll_loss target shape": lambda: F.nll_loss(mg.randn(3, 5), mg.tensor([1, 2])),
    "mse_loss shape mismatch": lambda: F.mse_loss(mg.randn(3, 5), mg.randn(4, 5)),
    "cross_entropy label_smoothing": lambda: F.cross_entropy(mg.randn(3, 5), mg.tensor([1, 2, 0]),
                                                             label_smoothing=2.0),
    "bce_with_logits weight": lambda: F.binary_cross_entropy_with_logits(
        mg.randn(3, 5), mg.rand(3, 5), weight=mg.rand(4)),
}


@pytest.mark.parametrize("case", sorted(_LOSS_ERRORS))
def test_loss_errors_are_runtime_errors_like_torch(case):
    with pytest.raises(RuntimeError) as info:
        _LOSS_ERRORS[case]()
    assert isinstance(info.value, (ValueError, TypeError))  # still what minigrad raised before


def test_class_target_dtype_error_is_runtime_and_type_error():
    with pytest.raises(RuntimeError, match="integer dtype") as info:
        F.nll_loss(F.log_softmax(mg.randn(3, 5), 1), mg.tensor([1, 2, 0], dtype=mg.int32).float())
    assert isinstance(info.value, TypeError)


# ---------------------------------------------------------------- 9. messages name the offending value
def test_embedding_negative_size_names_it():
    with pytest.raises(RuntimeError, match="num_embeddings must be non-negative, got -1"):
        nn.Embedding(-1, 4)
    with pytest.raises(RuntimeError, match="embedding_dim must be non-negative, got -4"):
        nn.Embedding(3, -4)
    with pytest.raises(TypeError, match="num_embeddings must be an int, got 2.5"):
        nn.Embedding(2.5, 4)


@pytest.mark.parametrize("data, kind", [(["a", "b"], "str"), ([b"a"], "bytes"), ([1, None], "NoneType"),
                                        ([1, "a"], "str")])
def test_tensor_from_non_numbers_names_the_python_type(data, kind):
    with pytest.raises(TypeError, match=f"list holding {kind} values"):
        mg.tensor(data)


# -------------------------------------- beyond the list: more bad input, checked against PyTorch's class
@pytest.mark.parametrize("call, cls, match", [
    (lambda: nn.init.normal_(mg.ones(2), std=-1.0), RuntimeError, "std >= 0.0, but got std=-1.0"),
    (lambda: nn.init.normal_(mg.ones(2), std=float("nan")), RuntimeError, "std >= 0.0"),
    (lambda: nn.init.uniform_(mg.ones(2), 1.0, 0.0), RuntimeError, "a <= b, but got a=1.0, b=0.0"),
    (lambda: mg.arange(0, float("inf")), RuntimeError, "unsupported range 0 -> inf"),
    (lambda: mg.arange(0, float("nan")), RuntimeError, "unsupported range 0 -> nan"),
    (lambda: F.pad(mg.ones(2, 3), (1,)), RuntimeError, "padding length must be even"),
    (lambda: nn.Embedding(3, 2)(mg.tensor([1.0])), RuntimeError, "integer .* index tensor"),
    (lambda: mg.ones(2).to("tpu"), RuntimeError, "unknown device 'tpu'"),
    (lambda: mg.ones(2).to("cuda:x"), RuntimeError, "invalid device index 'x'"),
    (lambda: mg.ones(2) < "a", TypeError, "'<' not supported between instances of 'Tensor' and 'str'"),
    (lambda: mg.ones(2) >= "a", TypeError, "'>=' not supported"),
])
def test_more_bad_input_raises_like_torch(call, cls, match):
    with pytest.raises(cls, match=match):
        call()


@pytest.mark.parametrize("weights, match", [([-1.0, 1.0], "got -1.0"), ([float("nan"), 1.0], "got nan"),
                                            ([0.0, 0.0], "got all zeros")])
def test_weighted_sampler_bad_weights_are_runtime_errors_like_torch(weights, match):
    with pytest.raises(RuntimeError, match=match) as info:
        mg.data.WeightedRandomSampler(weights, 2)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage"])
def test_damaged_checkpoint_is_a_runtime_error_like_torch(content):
    import io
    with pytest.raises(RuntimeError, match="not a valid minigrad checkpoint") as info:
        mg.load(io.BytesIO(content))
    assert isinstance(info.value, ValueError)


def test_optimizer_load_state_dict_rejects_integer_state():
    a, b, opt = _two_param_adam()
    state = opt.state_dict()
    state["state"][0]["exp_avg"] = np.zeros(3, dtype=np.int64)  # in-place float updates would fail
    with pytest.raises(RuntimeError, match=r"exp_avg.*parameter 0.*dtype minigrad.int64"):
        _two_param_adam()[2].load_state_dict(state)


@pytest.mark.parametrize("dtype", ["uint8", "int64", "float32", "bool"])
def test_descending_sort_and_topk_match_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for _ in range(10):
        a = rng.integers(0, 4, (3, 7)).astype(dtype)
        if dtype == "float32":
            a[rng.random(a.shape) < 0.2] = np.nan  # PyTorch counts NaN as the largest value
        ours, theirs = mg.tensor(a), torch.tensor(a)
        for dim in (0, 1):
            np.testing.assert_array_equal(ours.sort(dim=dim, descending=True, stable=True)[1].numpy(),
                                          theirs.sort(dim=dim, descending=True, stable=True)[1].numpy())
            if dtype != "bool":  # torch has no topk for bool
                np.testing.assert_array_equal(ours.topk(2, dim=dim)[0].numpy(),
                                              theirs.topk(2, dim=dim)[0].numpy())


def test_std_of_one_element_has_nan_gradient_like_torch():
    x = mg.tensor([1.0], requires_grad=True)
    x.std().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_outer_of_a_matrix_is_refused_like_torch():
    with pytest.raises(RuntimeError, match="outer: Expected 1-D argument self, but got 2-D"):
        mg.outer(mg.ones(2, 2), mg.ones(2))
    np.testing.assert_array_equal(mg.outer(mg.ones(2), mg.ones(3)).numpy(), np.ones((2, 3)))


@pytest.mark.parametrize("call, also", [
    (lambda: mg.cat([]), ValueError), (lambda: mg.stack([]), ValueError),
    (lambda: float(mg.ones(2)), ValueError), (lambda: mg.ones(2).item(), ValueError),
])
def test_conversion_and_empty_list_errors_are_both_classes_torch_uses(call, also):
    with pytest.raises(RuntimeError) as info:  # torch: stack and item RuntimeError, cat and float ValueError
        call()
    assert isinstance(info.value, also)
