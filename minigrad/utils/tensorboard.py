"""TensorBoard logging with PyTorch's API: ``from minigrad.utils.tensorboard import SummaryWriter``.

Events are written by the ``tensorboard`` package's own event-file writer (the one
``torch.utils.tensorboard`` uses too; the optional extra ``pip install -e ".[tensorboard]"``, no torch
or TensorFlow needed). This module builds the summaries - scalars, histograms, text - from minigrad
Tensors, arrays and numbers. View the runs with ``tensorboard --logdir runs``.
"""
from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Union

from .. import backend as B
from ..tensor import Tensor

try:
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
    from tensorboard.plugins.text import plugin_data_pb2 as _text_plugin
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
except ImportError as _exc:  # as torch.utils.tensorboard does without tensorboard
    raise ImportError('minigrad.utils.tensorboard needs the tensorboard package: '
                      'pip install -e ".[tensorboard]" (or pip install tensorboard)') from _exc

__all__ = ["SummaryWriter"]


def _scalar(value: Any, what: str) -> float:
    """A Python float from a number, a one-element Tensor or a one-element array."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{what}: expected a one-element tensor, got shape {tuple(value.shape)}")
        return float(value.item())
    if B.is_array(value) or isinstance(value, B.np.generic):
        if value.size != 1:
            raise ValueError(f"{what}: expected a one-element array, got shape {tuple(value.shape)}")
        return float(B.to_numpy(value).reshape(()))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"{what}: expected a number or a one-element Tensor, got {type(value).__name__}")


def _tensorflow_bin_edges():
    """TensorBoard's default histogram buckets: +-1e-12 * 1.1^k up to 1e20, around 0."""
    positive = [1e-12]
    while positive[-1] < 1e20:
        positive.append(positive[-1] * 1.1)
    return [-x for x in reversed(positive)] + [0.0] + positive


def _histogram(values: Any, bins: Union[str, int], max_bins: Optional[int]) -> summary_pb2.HistogramProto:
    """A HistogramProto of a flat float64 array: counts per bucket, min/max/sum/sum of squares."""
    np = B.np
    edges = _tensorflow_bin_edges() if bins == "tensorflow" else bins
    counts, limits = np.histogram(values, bins=edges)
    if max_bins is not None and len(counts) > max_bins:  # merge neighbours down to max_bins
        group = -(-len(counts) // max_bins)
        pad = (-len(counts)) % group
        counts = np.pad(counts, (0, pad)).reshape(-1, group).sum(axis=1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    nonzero = np.flatnonzero(counts)  # keep the span of non-empty buckets only, as TensorBoard does
    lo, hi = (nonzero[0], nonzero[-1] + 1) if len(nonzero) else (0, 1)
    return summary_pb2.HistogramProto(
        min=float(values.min()), max=float(values.max()), num=int(values.size),
        sum=float(values.sum()), sum_squares=float(values.dot(values)),
        bucket_limit=[float(x) for x in limits[lo + 1:hi + 1]],
        bucket=[float(c) for c in counts[lo:hi]])


class SummaryWriter:
    """Writes scalars, histograms and text for TensorBoard into event files under ``log_dir``.

    Args:
        log_dir: the run's folder; default ``runs/<Mon><day>_<H-M-S>_<hostname><comment>``, as in
            PyTorch.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: TensorBoard hides the events at and after this step left by an earlier, crashed
            run of the same folder (pass the step you resume from).
        max_queue: events held in memory before they are written.
        flush_secs: the longest time (seconds) between writes to disk.
        filename_suffix: appended to the event file names.

    Example:
        >>> from minigrad.utils.tensorboard import SummaryWriter       # doctest: +SKIP
        >>> with SummaryWriter("runs/demo") as writer:                   # doctest: +SKIP
        ...     writer.add_scalar("loss/train", loss, global_step=step)
    """

    def __init__(self, log_dir: Optional[Union[str, "os.PathLike[str]"]] = None, comment: str = "",
                 purge_step: Optional[int] = None, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir: str = os.fspath(log_dir)
        self._options = dict(max_queue_size=max_queue, flush_secs=flush_secs,
                             filename_suffix=filename_suffix)
        self._writers: Dict[str, EventFileWriter] = {}
        self._closed = False
        self._writer(self.log_dir, purge_step)

    def _writer(self, folder: str, purge_step: Optional[int] = None) -> EventFileWriter:
        """The event-file writer of `folder` (the run itself, or one of add_scalars' runs)."""
        if folder not in self._writers:
            writer = EventFileWriter(folder, **self._options)
            if purge_step is not None:  # the marker TensorBoard uses to drop the events after it
                writer.add_event(event_pb2.Event(step=purge_step, wall_time=time.time(),
                                                 session_log=event_pb2.SessionLog(
                                                     status=event_pb2.SessionLog.START)))
            self._writers[folder] = writer
        return self._writers[folder]

    def _add(self, summary: summary_pb2.Summary, global_step: Optional[int],
             walltime: Optional[float], folder: Optional[str] = None) -> None:
        if self._closed:
            raise RuntimeError("SummaryWriter: the writer is closed")
        event = event_pb2.Event(summary=summary, wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            event.step = int(global_step)
        self._writer(folder or self.log_dir).add_event(event)

    def get_logdir(self) -> str:
        """The folder the event files are written to."""
        return self.log_dir

    def add_scalar(self, tag: str, scalar_value: Any, global_step: Optional[int] = None,
                   walltime: Optional[float] = None) -> None:
        """Log one number (a float, an int or a one-element Tensor) under ``tag`` at ``global_step``."""
        value = _scalar(scalar_value, f"add_scalar({tag!r})")
        self._add(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
                  global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: Mapping[str, Any],
                    global_step: Optional[int] = None, walltime: Optional[float] = None) -> None:
        """Log related numbers in one chart: each key becomes its own run, in the folder
        ``<log_dir>/<main_tag>_<key>`` (PyTorch's layout), under the tag ``main_tag``."""
        if not hasattr(tag_scalar_dict, "items"):
            raise TypeError(f"add_scalars({main_tag!r}): expected a dict of numbers, got "
                            f"{type(tag_scalar_dict).__name__}")
        values = {k: _scalar(v, f"add_scalars({main_tag!r})[{k!r}]") for k, v in tag_scalar_dict.items()}
        for key, value in values.items():
            folder = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + str(key))
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=main_tag,
                                                                           simple_value=value)])
            self._add(summary, global_step, walltime, folder)

    def add_histogram(self, tag: str, values: Any, global_step: Optional[int] = None,
                      bins: Union[str, int] = "tensorflow", walltime: Optional[float] = None,
                      max_bins: Optional[int] = None) -> None:
        """Log the distribution of ``values`` (a Tensor such as a weight or its gradient, an array).

        ``bins``: 'tensorflow' (TensorBoard's exponential buckets around 0), a NumPy bin rule
        ('auto', 'fd', ...) or a number of equal-width bins; ``max_bins`` merges neighbouring
        buckets down to at most that many.
        """
        arr = B.to_numpy(values.array) if isinstance(values, Tensor) else (
            B.to_numpy(values) if B.is_array(values) else B.np.asarray(values))
        if arr.size == 0:
            raise ValueError(f"add_histogram({tag!r}): the values are empty")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"add_histogram({tag!r}): expected numbers, got dtype {arr.dtype}")
        arr = arr.astype(B.np.float64).reshape(-1)
        if not B.np.isfinite(arr).all():
            raise ValueError(f"add_histogram({tag!r}): the values contain NaN or infinity")
        histo = _histogram(arr, bins, max_bins)
        self._add(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=histo)]),
                  global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step: Optional[int] = None,
                 walltime: Optional[float] = None) -> None:
        """Log a string (TensorBoard renders Markdown), e.g. the run's configuration; shown under
        ``<tag>/text_summary`` as in PyTorch."""
        if not isinstance(text_string, str):
            raise TypeError(f"add_text({tag!r}): expected a str, got {type(text_string).__name__}")
        plugin = summary_pb2.SummaryMetadata.PluginData(
            plugin_name="text", content=_text_plugin.TextPluginData(version=0).SerializeToString())
        tensor = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING, string_val=[text_string.encode("utf-8")],
            tensor_shape=tensor_shape_pb2.TensorShapeProto(
                dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]))
        value = summary_pb2.Summary.Value(tag=tag + "/text_summary", tensor=tensor,
                                          metadata=summary_pb2.SummaryMetadata(plugin_data=plugin))
        self._add(summary_pb2.Summary(value=[value]), global_step, walltime)

    def flush(self) -> None:
        """Write every pending event to disk (returns once they are written)."""
        for writer in self._writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close the event files; the writer cannot be used afterwards."""
        for writer in self._writers.values():
            writer.close()
        self._closed = True

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
