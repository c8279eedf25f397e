"""python -m minigrad.torch_compat: unmodified PyTorch scripts on minigrad, and the one-line stop."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.conftest import requires_torch, torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs")


def _env():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def launch(script, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "minigrad.torch_compat", script, *args], cwd=cwd,
                          env=_env(), capture_output=True, text=True, timeout=300)


def write(tmp_path, body, name="script.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def losses(stdout):
    return np.array([float(line.split()[2]) for line in stdout.splitlines() if line.startswith("loss ")])


# ------------------------------------------------------------------ parity with PyTorch
@requires_torch
@pytest.mark.parametrize("program, tail", [("char_rnn_classifier.py", "guess"),
                                           ("lstm_language_model.py", "reloaded ppl"),
                                           ("seq2seq_attention.py", None)])
def test_program_losses_equal_pytorchs_from_the_same_weights(tmp_path, program, tail):
    script, init = os.path.join(PROGRAMS, program), str(tmp_path / "init.npz")
    want = subprocess.run([sys.executable, script, "--save-init", init], env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert want.returncode == 0, want.stderr
    got = launch(script, "--init", init, cwd=str(tmp_path))
    assert got.returncode == 0, got.stderr
    want_losses, got_losses = losses(want.stdout), losses(got.stdout)
    assert len(got_losses) == len(want_losses) >= 10
    np.testing.assert_allclose(got_losses, want_losses, rtol=2e-5, atol=2e-6)
    assert want_losses[-3:].mean() < want_losses[:3].mean()  # they learn something
    if tail:
        last = [line for line in got.stdout.splitlines() if line.startswith(tail)]
        want_last = [line for line in want.stdout.splitlines() if line.startswith(tail)]
        if tail == "guess":
            assert last == want_last
        else:
            np.testing.assert_allclose(float(last[0].split()[-1]), float(want_last[0].split()[-1]),
                                       rtol=1e-5)


# ------------------------------------------------------------------ the one-line stop
@pytest.mark.parametrize("body, api", [
    ("import torch\nx = torch.zeros(2)\nm = torch.nn.Conv2d()\n", "torch.nn.Conv2d"),
    ("import torch.nn.functional as F\nF.no_such_function(1)\n", "torch.nn.functional.no_such_function"),
    ("from torch import no_such_name\n", "torch.no_such_name"),
    ("import torch.fx\n", "torch.fx"),  # (torch.distributed maps to minigrad.distributed now)
    ("import torch\ntorch.ones(2).no_such_method()\n", "torch.Tensor.no_such_method"),
    ("import torch.onnx\nimport torch\ntorch.onnx.export(None, None, 'f')\n", "torch.onnx.export"),
])
def test_unsupported_api_stops_with_one_line_naming_it(tmp_path, body, api):
    result = launch(write(tmp_path, body))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"minigrad.torch_compat: {api} is not implemented in minigrad (script.py, line "
        f"{body.count(chr(10))})"]


def test_named_but_unused_pytorch_classes_resolve_until_used(tmp_path):
    body = """
        import torch.nn as nn
        class Model(nn.Conv2d):  # defined, never built: fine
            pass
        print("defined", hasattr(nn, "NoSuchLayer"), hasattr(nn, "LSTM"))
        Model()
    """
    result = launch(write(tmp_path, body))
    assert result.stdout.split() == ["defined", "False", "True"] and result.returncode == 1
    assert result.stderr.strip().startswith("minigrad.torch_compat: torch.nn.Conv2d is not")


def test_script_bugs_keep_their_traceback(tmp_path):
    result = launch(write(tmp_path, "import torch\nraise ValueError('a bug in the script')\n"))
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert result.stderr.strip().endswith("ValueError: a bug in the script")


def test_script_runs_as_main_with_its_argv_and_its_folder_on_the_path(tmp_path):
    write(tmp_path, "VALUE = 42\n", name="helper.py")
    body = """
        import sys
        import torch, torch.nn as nn, torch.optim, torch.optim.lr_scheduler, torch.autograd
        import torch.utils.data, torch.nn.utils.rnn, torch.nn.init, torch.backends.cudnn
        import helper
        from torch.utils.data import DataLoader
        assert torch.utils.data.DataLoader is DataLoader and isinstance(torch.zeros(1), torch.Tensor)
        if __name__ == "__main__":
            print(sys.argv[1:], helper.VALUE, torch.nn.Linear.__module__)
            sys.exit(3)
    """
    result = launch(write(tmp_path, body), "--flag", "x", cwd=str(tmp_path / ".."))
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip() == "['--flag', 'x'] 42 minigrad.nn.linear"


def test_usage_and_missing_script():
    result = subprocess.run([sys.executable, "-m", "minigrad.torch_compat"], env=_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "usage:" in result.stderr
    result = launch("no_such_script.py")
    assert result.returncode == 2 and "no such script" in result.stderr


@requires_torch
def test_install_refuses_when_the_real_torch_is_loaded():
    from minigrad import torch_compat
    assert "torch" in sys.modules and sys.modules["torch"] is torch
    with pytest.raises(RuntimeError, match="the real torch is already imported"):
        torch_compat.install()
    assert sys.modules["torch"] is torch
