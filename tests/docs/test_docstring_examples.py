"""Run every ``>>>`` example in the public modules' docstrings, so the API reference cannot rot.

Each module's examples run with doctest (ELLIPSIS and NORMALIZE_WHITESPACE) after
``minigrad.manual_seed(0)``, in the module's namespace plus ``minigrad``, ``nn`` and ``F``
(``minigrad.nn.functional``).  An example that prints a random value must seed it itself.  The
dataset loaders' examples read the project's offline copy of the data (``../shared/data``, as the
page snippets do) and are skipped where no copy is present.
"""
import doctest
import importlib
import os
import pkgutil

import pytest

import minigrad

PACKAGES = ["minigrad.nn", "minigrad.optim", "minigrad.data", "minigrad.ops"]
EXTRA = ["minigrad", "minigrad.creation", "minigrad.tensor", "minigrad.grad_mode", "minigrad.backend",
         "minigrad.serialization", "minigrad.interchange", "minigrad.nn.utils.rnn",
         "minigrad.nn.utils.clip_grad", "minigrad.nn.utils.summary"]


def public_modules():
    names = list(EXTRA)
    for pkg in PACKAGES:
        module = importlib.import_module(pkg)
        names.append(pkg)
        names += [f"{pkg}.{info.name}" for info in pkgutil.iter_modules(module.__path__)
                  if not info.name.startswith("_") and not info.ispkg]
    return sorted(set(names))


MODULES = public_modules()
SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_examples_exist_where_promised():
    """The layers, losses and optimizers carry examples (a finder that found nothing would pass)."""
    found = {t.name for m in ("minigrad.nn.linear", "minigrad.nn.rnn", "minigrad.nn.loss")
             for t in doctest.DocTestFinder().find(importlib.import_module(m)) if t.examples}
    assert {"minigrad.nn.linear.Linear", "minigrad.nn.rnn.LSTM", "minigrad.nn.loss.MSELoss"} <= found


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    if not os.environ.get("MINIGRAD_DATA") and os.path.isdir(SHARED_DATA):
        monkeypatch.setenv("MINIGRAD_DATA", os.path.abspath(SHARED_DATA))
    folders = ("sst", "imdb", "rt_polarity", "nsmc", "multi30k", "tatoeba_manythings")
    root = minigrad.data.data_root()
    have_data = all(os.path.isdir(os.path.join(root, f)) for f in folders)
    if name == "minigrad.data.datasets" and not have_data:
        pytest.skip("the dataset files are not available here")
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    globs = {"minigrad": minigrad, "nn": minigrad.nn, "F": minigrad.nn.functional}
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    dtype, device = minigrad.get_default_dtype(), minigrad.backend.get_default_device()
    try:
        for test in finder.find(module, name, extraglobs=globs):
            if test.examples:
                minigrad.manual_seed(0)
                runner.run(test)
    finally:  # an example may change the defaults (set_default_dtype's does)
        minigrad.set_default_dtype(dtype)
        minigrad.backend.set_default_device(device)
    failed, _ = runner.summarize(verbose=False)
    assert failed == 0, f"{failed} docstring example(s) failed in {name} (doctest output above)"
