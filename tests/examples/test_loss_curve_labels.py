"""The legend of the translation example's loss_curve.png says which validation loss each line is."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CODE = ("import json, sys; sys.path.insert(0, sys.argv[1]); from train import loss_curves\n"
        "print(json.dumps(loss_curves({'eval_teacher_forcing': float(sys.argv[2])})))")


@pytest.mark.parametrize("p, extra", [
    (1.0, None),                                   # the default: valid_loss is teacher forced too
    (0.0, "valid (own predictions)"),
    (0.5, "valid (teacher forcing 0.5)"),
])
def test_loss_curve_lines_and_labels(p, extra):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-c", CODE, os.path.join(ROOT, "examples", "translation"),
                           str(p)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    curves = [tuple(c) for c in json.loads(proc.stdout)]
    expected = [("train_loss", "train"), ("valid_loss_tf", "valid (teacher forced)")]
    assert curves == expected + ([("valid_loss", extra)] if extra else [])
