"""What a bug report needs to know about this machine: ``python -m minigrad``.

Like ``python -m torch.utils.collect_env``: the versions of minigrad, Python and NumPy, the BLAS
library NumPy calls (vendor, version, threads, via threadpoolctl), the backend minigrad uses by
default, whether CuPy and a CUDA device are usable (and why not), the optional packages, and the
data directory with the datasets found in it.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import sys
from typing import Any, Dict, List, Optional

from .. import backend as B

__all__ = ["get_env_info", "format_env_info", "main"]

OPTIONAL = ("cupy", "tqdm", "matplotlib", "sacrebleu", "safetensors", "tensorboard", "threadpoolctl",
            "torch")


def _version(package: str) -> Optional[str]:
    """The installed distribution's version, or None (nothing is imported)."""
    names = {"cupy": ("cupy", "cupy-cuda12x", "cupy-cuda11x")}.get(package, (package,))
    for name in names:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _blas() -> List[Dict[str, Any]]:
    """One entry per BLAS/OpenMP library loaded by NumPy, or a note on why it is unknown."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "unknown: threadpoolctl is not installed (pip install threadpoolctl)"}]
    keep = ("user_api", "internal_api", "version", "num_threads", "threading_layer", "architecture",
            "filepath")
    return [{k: info.get(k) for k in keep if info.get(k) is not None} for info in threadpool_info()]


def _cuda() -> Dict[str, Any]:
    """CuPy's version, whether minigrad can use the GPU, and why not."""
    info: Dict[str, Any] = {"cupy": _version("cupy"), "available": B.cuda_available()}
    if info["available"]:
        cupy = B._load_cupy()
        runtime = cupy.cuda.runtime
        info["cuda_runtime"] = runtime.runtimeGetVersion()
        info["devices"] = [runtime.getDeviceProperties(i)["name"].decode()
                           for i in range(runtime.getDeviceCount())]
    else:
        info["reason"] = B._cupy_error or "unknown"
    return info


def _datasets(root: str) -> Dict[str, str]:
    """For each dataset folder of the layout: how many of its files are present under `root`."""
    from ..data.registry import RESOURCES
    totals: Dict[str, List[int]] = {}
    for path in RESOURCES:
        name = path.split("/")[0]
        have, total = totals.setdefault(name, [0, 0])
        totals[name] = [have + os.path.isfile(os.path.join(root, *path.split("/"))), total + 1]
    states = {}
    for name, (have, total) in sorted(totals.items()):
        states[name] = (f"complete ({total} files)" if have == total
                        else f"{have} of {total} files" if have else "missing")
    return states


def get_env_info(data_dir: Optional[str] = None) -> Dict[str, Any]:
    """The environment report as a dict (see the module docstring); `data_dir` as for the datasets."""
    from .. import __version__
    from ..data.download import data_root
    root = data_root(data_dir)
    return {
        "minigrad": {"version": __version__,
                     "location": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))},
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable},
        "os": platform.platform(),
        "numpy": {"version": B.np.__version__, "blas": _blas()},
        "backend": {"default": B.get_backend(), "default_device": str(B.default_device()),
                    "MINIGRAD_BACKEND": os.environ.get("MINIGRAD_BACKEND")},
        "cuda": _cuda(),
        "packages": {name: _version(name) for name in OPTIONAL},
        "data": {"root": root, "exists": os.path.isdir(root),
                 "from": "--data-dir" if data_dir else ("MINIGRAD_DATA" if os.environ.get("MINIGRAD_DATA")
                                                       else "the default cache"),
                 "datasets": _datasets(root)},
    }


def format_env_info(info: Dict[str, Any]) -> str:
    """The report as aligned `name: value` lines, for pasting into an issue."""
    lines = []

    def row(name: str, value: Any) -> None:
        lines.append(f"{name + ':':<24}{value}")

    row("minigrad", f"{info['minigrad']['version']} ({info['minigrad']['location']})")
    row("Python", f"{info['python']['version']} ({info['python']['implementation']}, "
                  f"{info['python']['executable']})")
    row("OS", info["os"])
    row("NumPy", info["numpy"]["version"])
    for lib in info["numpy"]["blas"]:
        if "note" in lib:
            row("BLAS", lib["note"])
            continue
        label = {"blas": "BLAS", "openmp": "OpenMP"}.get(lib.get("user_api"), lib.get("user_api"))
        arch = f", {lib['architecture']}" if lib.get("architecture") else ""
        row(label, f"{lib.get('internal_api')} {lib.get('version') or '(version unknown)'}, "
                   f"{lib.get('num_threads')} threads{arch}")
    backend = info["backend"]
    row("default backend", f"{backend['default']} (device {backend['default_device']}; MINIGRAD_BACKEND="
                           f"{backend['MINIGRAD_BACKEND'] or 'unset'})")
    cuda = info["cuda"]
    row("CuPy", cuda["cupy"] or "not installed (GPU: pip install -e \".[cuda]\" from a checkout)")
    if cuda["available"]:
        row("CUDA", f"available: runtime {cuda['cuda_runtime']}, devices {', '.join(cuda['devices'])}")
    else:
        row("CUDA", f"not available ({cuda['reason']})")
    for name, version in info["packages"].items():
        if name != "cupy":
            row(name, version or "not installed")
    data = info["data"]
    row("data directory", f"{data['root']} (from {data['from']})"
        + ("" if data["exists"] else ": does not exist yet"))
    for name, state in data["datasets"].items():
        row("  " + name, state)
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """`python -m minigrad [--data-dir DIR] [--json]`: print the environment report."""
    p = argparse.ArgumentParser(prog="python -m minigrad", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=None, help="dataset root to inspect (default: $MINIGRAD_DATA "
                                                    "or ~/.cache/minigrad/datasets)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    args = p.parse_args(argv)
    info = get_env_info(args.data_dir)
    print(json.dumps(info, indent=1) if args.json else format_env_info(info))
    return info
