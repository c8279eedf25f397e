"""Without torch, the test run ends with one line: how many tests skipped for it and how to install it."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_one_summary_line_names_the_skips_and_the_install_command(tmp_path):
    hidden = tmp_path / "no_torch"
    (hidden / "torch").mkdir(parents=True)
    (hidden / "torch" / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(hidden), ROOT, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           os.path.join(ROOT, "tests", "test_serialization_audit.py")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if "the parity oracle, is not installed" in ln]
    assert len(lines) == 1, proc.stdout[-3000:]
    count = int(lines[0].split()[0])
    skipped = int(proc.stdout.rsplit(" skipped", 1)[0].rsplit(" ", 1)[-1])
    assert 0 < count <= skipped
    assert "python -m pip install torch" in lines[0]
