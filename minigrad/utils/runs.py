"""Plumbing for training scripts that can be stopped and resumed (used by the examples).

A run saves its settings (the parsed command-line options) in its checkpoints. ``resume_options``
gives a resumed run those settings back, except the options the user typed again, which win and are
reported; ``stop_cleanly`` turns Ctrl-C into one line saying what was saved and how to continue.
"""
import argparse
import contextlib
import os
import shlex
import shutil
import sys

__all__ = ["explicit_options", "resume_options", "resume_command", "without_resume", "Progress",
           "stop_cleanly"]


def explicit_options(parser, argv=None):
    """The destinations (e.g. ``{'epochs', 'out'}``) of the options present in `argv`.

    Args:
        parser: the script's argparse.ArgumentParser.
        argv: the arguments (default ``sys.argv[1:]``).

    Example::

        >>> import argparse
        >>> p = argparse.ArgumentParser()
        >>> _ = p.add_argument("--epochs", type=int, default=6)
        >>> _ = p.add_argument("--lr", type=float, default=1e-3)
        >>> sorted(explicit_options(p, ["--epochs", "6"]))
        ['epochs']
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    unset = object()
    # argparse fills in a default only where the namespace has no value yet: preset every option
    # to a marker, and the options still holding it afterwards were not on the command line
    dests = vars(parser.parse_known_args(argv)[0])
    given, _ = parser.parse_known_args(argv, namespace=argparse.Namespace(**dict.fromkeys(dests, unset)))
    return {k for k, v in vars(given).items() if v is not unset}


def resume_options(args, saved, explicit, fixed=(), ignore=("resume",)):
    """Give `args` the settings of the run being resumed; return notes on what the user changed.

    Every option in `saved` (the stopped run's settings) replaces the value in `args`, unless the user
    gave it explicitly this time (it is in `explicit`): then the new value stays and a note says so.
    Options in `fixed` (those the checkpoint's model or vocabulary depend on) cannot change: giving a
    different value exits with an error. Options in `ignore` are never taken from `saved`.

    Args:
        args: the argparse.Namespace of this invocation (changed in place).
        saved: dict of the stopped run's option values.
        explicit: the options typed on this command line (see explicit_options).
        fixed: options that must keep their saved value.
        ignore: options that always come from this invocation.

    Returns:
        A list of notes such as ``"--epochs 3 -> 5 (given on the command line)"``.
    """
    notes = []
    for key, old in saved.items():
        if key in ignore or not hasattr(args, key):
            continue
        new = getattr(args, key)
        if key not in explicit or new == old:
            setattr(args, key, old)
            continue
        flag = "--" + key.replace("_", "-")
        if key in fixed:
            sys.exit(f"error: {flag} cannot change when resuming (the checkpoint was made with "
                     f"{old!r}); drop the flag, or start a new run in another --out folder")
        notes.append(f"{flag} {old!r} -> {new!r} (given on the command line)")
    return notes


def resume_command(checkpoint, options=(), script=None):
    """The shell command that resumes from `checkpoint`: ``python SCRIPT --resume CHECKPOINT
    [OPTIONS]`` (``python`` when that is this interpreter on the PATH, else its full path)."""
    script = sys.argv[0] if script is None else script
    python = sys.executable or "python"
    on_path = shutil.which("python")
    if on_path and os.path.realpath(on_path) == os.path.realpath(python):
        python = "python"
    return shlex.join([python, script, "--resume", os.fspath(checkpoint), *options])


def without_resume(argv):
    """`argv` without its ``--resume [CKPT]`` (the options a resumed run was given on top)."""
    out, argv, i = [], list(argv), 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--resume":
            i += 2 if i + 1 < len(argv) and not argv[i + 1].startswith("-") else 1
            continue
        if not arg.startswith("--resume="):
            out.append(arg)
        i += 1
    return out


@contextlib.contextmanager
def stop_cleanly(progress):
    """On Ctrl-C inside the block, print one line saying what `progress` (a Progress) holds and how
    to continue, instead of a traceback, and exit with status 130 (the shell's code for Ctrl-C)."""
    try:
        yield
    except KeyboardInterrupt:
        print("\ninterrupted: " + progress.message(), file=sys.stderr, flush=True)
        raise SystemExit(130) from None


class Progress:
    """What a run has saved so far, for the line ``stop_cleanly`` prints on Ctrl-C.

    Example::

        >>> progress = Progress(epochs=6)
        >>> progress.saved("runs/x/last.ckpt", 2)
        >>> progress.message("train.py").split(";")[0]
        'runs/x/last.ckpt holds epoch 2 of 6'
    """

    def __init__(self, epochs=None):
        self.checkpoint, self.epoch, self.epochs, self.options = None, None, epochs, ()

    def saved(self, checkpoint, epoch, options=()):
        """Record that `checkpoint` now holds the run after `epoch` epochs; `options` are what the
        continuing command needs on top of ``--resume`` (the overrides of a resumed run that no
        checkpoint holds yet)."""
        self.checkpoint, self.epoch, self.options = os.fspath(checkpoint), epoch, tuple(options)

    def message(self, script=None):
        """One line: what was saved and the command that continues the run."""
        if self.checkpoint is None:
            command = shlex.join([os.path.basename(sys.executable or "python"), *sys.argv])
            return f"nothing was saved yet; start again with: {command}"
        of = f" of {self.epochs}" if self.epochs is not None else ""
        return (f"{self.checkpoint} holds epoch {self.epoch}{of}; continue with: "
                f"{resume_command(self.checkpoint, self.options, script)}")
