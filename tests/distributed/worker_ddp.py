"""2-rank worker: DDP on half of a fixed global batch each == one process on the whole batch.

The model is an LSTM classifier with an Embedding and packed sequences (dropout off); every check
compares the DDP parameters after N optimizer steps with a reference model trained here, in this
process, on the whole batch. Usage: worker_ddp.py float64|float32
"""
import copy
import sys

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
from minigrad.nn.parallel import DistributedDataParallel as DDP
from minigrad.nn.utils.rnn import pack_padded_sequence

DTYPE = {"float64": mg.float64, "float32": mg.float32}[sys.argv[1]]
RTOL = {"float64": 1e-12, "float32": 1e-5}[sys.argv[1]]
STEPS, GLOBAL_BATCH, VOCAB = 3, 8, 23

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()


class Classifier(nn.Module):
    def __init__(self, with_unused=False):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 6, padding_idx=0)
        self.rnn = nn.LSTM(6, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(10, 3)
        if with_unused:
            self.spare = nn.Linear(4, 4)   # never used in forward

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True,
                                      enforce_sorted=False)
        _, (h, _) = self.rnn(packed)
        return self.fc(mg.cat([h[-2], h[-1]], 1))


data_rng = np.random.default_rng(1234)
LENGTHS = data_rng.integers(1, 9, size=GLOBAL_BATCH)
LENGTHS[0] = 8
TOKENS = np.zeros((GLOBAL_BATCH, 8), np.int64)
for i, n in enumerate(LENGTHS):
    TOKENS[i, :n] = data_rng.integers(1, VOCAB, size=n)
LABELS = data_rng.integers(0, 3, size=GLOBAL_BATCH)


def batch(rows):
    """Token ids padded to the longest of these rows (so ranks' shards differ in length)."""
    t = int(LENGTHS[rows].max())
    return mg.tensor(TOKENS[rows, :t]), mg.tensor(LENGTHS[rows]), mg.tensor(LABELS[rows])


def shard(step):
    """This rank's half of the global batch of `step` (the batch is rotated a little per step)."""
    rows = np.roll(np.arange(GLOBAL_BATCH), step)
    per = GLOBAL_BATCH // world
    return rows[rank * per:(rank + 1) * per], rows


def make_model(with_unused=False, seed=0):
    mg.manual_seed(seed)
    return Classifier(with_unused).to(DTYPE)


def train_reference(model, steps=STEPS):
    opt = mg.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(steps):
        _, rows = shard(step)
        tokens, lengths, labels = batch(rows)
        opt.zero_grad()
        loss_fn(model(tokens, lengths), labels).backward()
        opt.step()
    return model


def train_ddp(ddp, steps=STEPS, micro_batches=1):
    opt = mg.optim.SGD(ddp.parameters(), lr=0.5, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(steps):
        mine, _ = shard(step)
        opt.zero_grad()
        for m, rows in enumerate(np.array_split(mine, micro_batches)):
            tokens, lengths, labels = batch(rows)
            last = m == micro_batches - 1
            ctx = ddp.no_sync() if not last else _nothing()
            with ctx:
                (loss_fn(ddp(tokens, lengths), labels) / micro_batches).backward()
        opt.step()
    return ddp


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def assert_same(reference, ddp, what):
    ref = dict(reference.named_parameters())
    for name, p in ddp.module.named_parameters():
        if name.startswith("spare."):
            continue
        np.testing.assert_allclose(p.array, ref[name].array, rtol=RTOL, atol=RTOL * 1e-3,
                                   err_msg=f"{what}: {name} on rank {rank}")


reference = train_reference(make_model())

# rank 1 starts from different weights: DDP's construction must broadcast rank 0's
for cap, expected_buckets in ((None, None), (1e-6, "per-param"), (1e4, 1)):
    ddp = DDP(make_model(seed=rank), bucket_cap_mb=cap)
    if expected_buckets == "per-param":
        assert ddp.bucket_sizes == [1] * len(list(ddp.parameters())), ddp.bucket_sizes
    elif expected_buckets == 1:
        assert ddp.bucket_sizes == [len(list(ddp.parameters()))], ddp.bucket_sizes
    assert_same(reference, train_ddp(ddp), f"bucket_cap_mb={cap}")

# gradient accumulation with no_sync: two micro-batches per rank, one all-reduce per step
ddp = DDP(make_model(seed=rank))
launched = []
real_launch = ddp._launch_ready_buckets
ddp._launch_ready_buckets = lambda: (launched.append(ddp.require_backward_grad_sync), real_launch())
assert_same(reference, train_ddp(ddp, micro_batches=2), "no_sync accumulation")
assert launched and all(launched), "a bucket was all-reduced inside no_sync"

# overlap: with one bucket per parameter, the last layer's bucket is already being reduced while
# backward has not yet reached the embedding
ddp = DDP(make_model(seed=rank), bucket_cap_mb=1e-6)
seen = []
emb = ddp.module.embedding.weight
ddp.module.fc.bias.register_post_accumulate_grad_hook(
    lambda p: seen.append((ddp._buckets[0].work is not None, emb.grad is None)))
tokens, lengths, labels = batch(shard(0)[0])
nn.CrossEntropyLoss()(ddp(tokens, lengths), labels).backward()
assert seen == [(True, True)], seen
assert emb.grad is not None

# unused parameters: without the flag the next forward explains; with it, training matches and the
# unused parameter's grad stays None
ddp = DDP(make_model(with_unused=True, seed=rank))
nn.CrossEntropyLoss()(ddp(tokens, lengths), labels).backward()
try:
    ddp(tokens, lengths)
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e) and "spare.weight" in str(e), e
else:
    raise AssertionError("unfinished reduction not reported")
ddp = DDP(make_model(with_unused=True, seed=rank), find_unused_parameters=True)
assert_same(reference, train_ddp(ddp), "find_unused_parameters")
assert ddp.module.spare.weight.grad is None

# state_dict keys as torch's: "module." + the wrapped model's keys; loads back
sd = ddp.state_dict()
assert sorted(sd) == sorted("module." + k for k in ddp.module.state_dict()), sorted(sd)[:3]
ddp.load_state_dict(copy.deepcopy(sd))
print(f"rank {rank}: DDP {sys.argv[1]} OK")
