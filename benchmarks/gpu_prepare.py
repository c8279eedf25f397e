"""Prepare a GPU check: copy the few data files it needs into the ignored folder .gpudata/ of this
checkout, and print the command to run on the GPU machine with the folders it must carry.

    python benchmarks/gpu_prepare.py [--data DIR]     # DIR: default $MINIGRAD_DATA, else ../shared/data

The GPU machine receives a copy of the working tree (tracked and untracked-not-ignored files, at most
64 MiB with the carried folders) but not the data beside the checkout, so the check reads SST-2 and
Multi30k (de, en) from .gpudata/ (about 3 MiB). Files already copied and unchanged are left alone.
"""
import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TARGET = ".gpudata"
# dataset folder -> files the check reads (the sentiment and translation examples and their tests)
FILES = {
    "sst": ["stsa.binary.train.gz", "stsa.binary.dev.gz", "stsa.binary.test.gz"],
    "multi30k": [f"{split}{tok}.{lang}.gz" for split in ("train", "val", "test_2016_flickr")
                 for tok in ("", ".lc.norm.tok") for lang in ("de", "en")],
}
CARRY_LIMIT = 64 * 2**20
GPU_SECONDS = 600   # the command's timeout_s: the check plans 8 minutes for itself


def default_source():
    return os.environ.get("MINIGRAD_DATA") or os.path.join(ROOT, "..", "shared", "data")


def copy_data(source, target):
    """Copy FILES from `source` into `target`; returns the bytes now in `target`. Raises
    FileNotFoundError naming the first missing file."""
    total = 0
    for folder, names in FILES.items():
        os.makedirs(os.path.join(target, folder), exist_ok=True)
        for name in names:
            src, dst = os.path.join(source, folder, name), os.path.join(target, folder, name)
            if not os.path.isfile(src):
                raise FileNotFoundError(f"{src} is missing: pass --data DIR (the folder with "
                                        f"{', '.join(FILES)})")
            if not (os.path.isfile(dst) and filecmp.cmp(src, dst, shallow=False)):
                shutil.copyfile(src, dst)
            total += os.path.getsize(dst)
    return total


def is_ignored(path):
    """True when git ignores the folder `path` (relative to the checkout), so it travels only when
    carried."""
    # asked as a folder ("path/"): a pattern such as "/.gpudata/" matches folders only, and the
    # folder may not exist yet on a fresh clone
    proc = subprocess.run(["git", "check-ignore", "-q", path.rstrip("/") + "/"], cwd=ROOT,
                          capture_output=True)
    return proc.returncode == 0


def tree_bytes():
    """Size of what travels anyway: tracked files and untracked files that git does not ignore."""
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                          cwd=ROOT, capture_output=True)
    if proc.returncode:
        return None
    names = [n for n in proc.stdout.decode().split("\0") if n]
    return sum(os.path.getsize(os.path.join(ROOT, n)) for n in names
               if os.path.isfile(os.path.join(ROOT, n)))


def gpu_command():
    """The exact shell command for the GPU machine (run from the repository root)."""
    return ("export PYTHONPATH=$PWD MINIGRAD_DATA=$PWD/.gpudata PYTHONUNBUFFERED=1; "
            "MINIGRAD_BACKEND=cupy python3 benchmarks/gpu_check.py --out \"${OUT:-runs/gpu_check}\"")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=default_source(), help="the data root (default: %(default)s)")
    args = ap.parse_args(argv)
    target = os.path.join(ROOT, TARGET)
    size = copy_data(os.path.abspath(args.data), target)
    if not is_ignored(TARGET):
        print(f"warning: {TARGET}/ is not ignored by git: add it to .gitignore", file=sys.stderr)
    travel = tree_bytes()
    print(f"copied the check's data into {TARGET}/ ({size / 2**20:.1f} MiB)")
    if travel is not None:
        total = travel + size
        print(f"working tree {travel / 2**20:.1f} MiB + carried {size / 2**20:.1f} MiB = "
              f"{total / 2**20:.1f} MiB of the 64 MiB a call may carry")
        if total > CARRY_LIMIT:
            print("error: that is over the limit", file=sys.stderr)
            return 1
    print()
    print("On the GPU machine (device tool `run`), from the repository root:")
    print(f"  carry:     {[TARGET]}")
    print(f"  timeout_s: {GPU_SECONDS}")
    print(f"  command:   {gpu_command()}")
    print("as the device tool's arguments:")
    print("  " + json.dumps({"command": gpu_command(), "carry": [TARGET], "timeout_s": GPU_SECONDS}))
    print()
    print("What comes back from $OUT: summary.md (one page), summary.json, log.txt.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
