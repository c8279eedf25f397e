"""DataLoader worker processes (issue 14, item 11): PyTorch's semantics, checked end to end."""
import multiprocessing as mp
import os
import time

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, get_worker_info

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(),
                                reason="these tests define datasets locally and need fork")
FORK = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None


class Jittery:
    """Items finish out of order: index i sleeps (i * 7 % 5) ms."""

    def __len__(self):
        return 40

    def __getitem__(self, i):
        time.sleep((i * 7 % 5) / 1000)
        return np.array([i, i * i], dtype=np.float32)


class WhoAmI:
    def __len__(self):
        return 24

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([i, info.id, os.getpid(), np.random.randint(1 << 30), info.seed], dtype=np.int64)


def _no_children_left():
    for _ in range(50):
        if not mp.active_children():
            return True
        time.sleep(0.05)
    return False


def test_same_batches_in_the_same_order_as_the_main_process():
    here = [b.tolist() for b in DataLoader(Jittery(), batch_size=3, shuffle=True, seed=5)]
    loader = DataLoader(Jittery(), batch_size=3, shuffle=True, seed=5, num_workers=3,
                        multiprocessing_context=FORK)
    assert [b.tolist() for b in loader] == here
    assert [x.tolist() for x in DataLoader(Jittery(), batch_size=None, num_workers=2,
                                           multiprocessing_context=FORK)] \
        == [x.tolist() for x in DataLoader(Jittery(), batch_size=None)]
    assert _no_children_left()


def test_worker_seeds_init_fn_and_info():
    started = mp.get_context("fork").Queue()

    def init(worker_id):
        info = get_worker_info()
        started.put((worker_id, info.num_workers))

    def run():
        mg.manual_seed(11)
        batches = list(DataLoader(WhoAmI(), batch_size=4, num_workers=3, worker_init_fn=init,
                                  multiprocessing_context=FORK))
        return np.concatenate([b.numpy() for b in batches])

    rows = run()
    assert sorted(started.get(timeout=5) for _ in range(3))[:3] == [(0, 3), (1, 3), (2, 3)]
    assert rows[:, 0].tolist() == list(range(24))
    assert rows[:, 1].tolist() == [(i // 4) % 3 for i in range(24)]  # batch n goes to worker n % 3
    seeds = {int(w): int(s) for w, s in rows[:, [1, 4]]}
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0] + 2  # base_seed + worker_id
    assert len(set(rows[:4, 3].tolist()) & set(rows[4:8, 3].tolist())) == 0  # workers draw differently
    np.testing.assert_array_equal(run()[:, [0, 1, 3, 4]], rows[:, [0, 1, 3, 4]])  # manual_seed: same run
    assert get_worker_info() is None


def test_persistent_workers_survive_epochs_and_others_do_not():
    def pids(loader):
        return {int(b[2]) for batch in loader for b in batch.numpy()}

    persistent = DataLoader(WhoAmI(), batch_size=4, num_workers=2, persistent_workers=True,
                            multiprocessing_context=FORK)
    first, second = pids(persistent), pids(persistent)
    assert first == second and len(first) == 2 and os.getpid() not in first
    persistent._pool.shutdown()
    fresh = DataLoader(WhoAmI(), batch_size=4, num_workers=2, multiprocessing_context=FORK)
    assert pids(fresh).isdisjoint(pids(fresh))
    assert _no_children_left()


class Faulty:
    def __len__(self):
        return 20

    def __getitem__(self, i):
        if i == 13:
            raise KeyError(f"no item {i}")
        return np.float32(i)


def test_worker_error_is_reraised_naming_the_worker_and_index():
    loader = DataLoader(Faulty(), batch_size=2, num_workers=2, multiprocessing_context=FORK)
    with pytest.raises(KeyError, match=r"worker process 0 while loading index 13[\s\S]*no item 13"):
        list(loader)
    assert _no_children_left()


class Dying:
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 5:
            os._exit(3)
        return np.float32(i)


def test_a_worker_that_dies_is_reported():
    loader = DataLoader(Dying(), batch_size=2, num_workers=2, multiprocessing_context=FORK)
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0 \(pid \d+\) exited unexpectedly "
                                           r"with exit code 3"):
        list(loader)
    assert _no_children_left()


def test_breaking_out_early_shuts_the_workers_down():
    it = iter(DataLoader(Jittery(), batch_size=2, num_workers=2, multiprocessing_context=FORK))
    next(it)
    assert len(mp.active_children()) == 2
    it.close()
    assert _no_children_left()


def test_abandoned_epoch_of_persistent_workers_does_not_leak_into_the_next():
    loader = DataLoader(Jittery(), batch_size=2, num_workers=2, persistent_workers=True,
                        prefetch_factor=3, multiprocessing_context=FORK)
    it = iter(loader)
    next(it), next(it)
    it.close()
    assert [b.tolist() for b in loader] == [b.tolist() for b in DataLoader(Jittery(), batch_size=2)]
    loader._pool.shutdown()


@pytest.mark.parametrize("kwargs, match", [
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(num_workers=2, prefetch_factor=0), "prefetch_factor must be a positive integer"),
    (dict(timeout=-1), "timeout option should be non-negative"),
])
def test_worker_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(list(range(4)), **kwargs)


def test_unpicklable_dataset_under_spawn_is_explained():
    data = [np.float32(i) for i in range(4)]
    loader = DataLoader(data, batch_size=2, num_workers=1, collate_fn=lambda b: b,
                        multiprocessing_context="spawn")
    with pytest.raises(RuntimeError, match="could not start worker 0 with the 'spawn' start method"):
        list(loader)
    assert _no_children_left()


def test_a_second_pass_supersedes_the_first_with_persistent_workers():
    loader = DataLoader(Jittery(), batch_size=2, num_workers=2, persistent_workers=True,
                        multiprocessing_context=FORK)
    first = iter(loader)
    next(first)
    second = iter(loader)
    expected = [b.tolist() for b in DataLoader(Jittery(), batch_size=2)]
    assert [b.tolist() for b in second] == expected
    with pytest.raises(RuntimeError, match="superseded by a newer pass"):
        next(first)
    loader._pool.shutdown()


def test_an_exception_class_that_cannot_be_pickled_still_reports_the_index():
    class Local(Exception):
        pass

    class Bad:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise Local("local failure")
            return np.float32(i)

    loader = DataLoader(Bad(), batch_size=1, num_workers=2, multiprocessing_context=FORK)
    with pytest.raises(RuntimeError, match=r"Caught Local in DataLoader worker process 0 while "
                                           r"loading index 2[\s\S]*local failure"):
        list(loader)


class Sleepy:
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(0.6)
        return np.float32(i)


def test_timeout_waiting_for_a_batch():
    loader = DataLoader(Sleepy(), batch_size=1, num_workers=1, timeout=0.2, multiprocessing_context=FORK)
    with pytest.raises(RuntimeError, match="timed out after 0.2 seconds"):
        list(loader)
    assert _no_children_left()
