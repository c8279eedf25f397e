"""Fused recurrent layers: one autograd node runs one direction of an RNN / LSTM / GRU layer over the
whole sequence, with a hand-derived backward through time.  A bidirectional layer is two such nodes
(the reverse one walks the steps from last to first) whose outputs are concatenated.

Layout.  A batch of sequences is *packed*: `x` is (N, I) and holds the rows of step 0, then the rows of
step 1, and so on; step t has `batch_sizes[t]` rows, which belong to the first `batch_sizes[t]`
sequences (sequences are sorted by length, longest first, as in a PackedSequence).  A padded
(T, B, I) batch of full-length sequences is the special case batch_sizes = (B,) * T, x = x.reshape(T*B, I).

States.  Each direction keeps state buffers h, c of shape (B, H), initialised with h0, c0.  Step t
updates only rows [:bt], so a sequence's state freezes after its own last step (giving h_n), and in the
reverse direction a sequence starts from h0 at its own last step (its rows were never touched before).
The backward pass walks the steps in the opposite order with gradient buffers dh, dc of the same shape,
which start as dh_n, dc_n and end as dh0, dc0.

Speed.  The input projection of all steps is one matmul (N, I) x (I, G*H) with the biases fused in;
each step does one recurrent matmul and the gate math in place (`out=`) in preallocated buffers.  Only
what backward needs is kept: the activated gates (written over the projection), the previous states and
tanh(c).  Backward first computes, for all steps at once, every derivative factor that does not depend
on the incoming gradient, so the sequential loop is a few multiplies and one matmul per step; it
accumulates the pre-activation gradients of all steps in one (N, G*H) buffer, so each weight gradient
and the input gradient is one matmul over all steps.  On NumPy a large step's gate math is split
by rows between two threads (split_rows.py), unless the step's matmul already uses the BLAS's
threads (minigrad/threads.py); on CuPy it is one fused kernel (recurrent_cuda.py).

Code.  What differs between RNN, LSTM and GRU is one strategy object per mode (`Recurrence`: the gate
count, the weight preparation, which time loops run, what forward saves for backward, by name); the
time loops themselves are in recurrent_numpy.py (array code) and recurrent_cuda.py (kernels, same
functions).  One autograd node (`RNNLayer`, `LSTMLayer`, `GRULayer`) is one direction of one layer;
nn/rnn.py composes them into directions and stacks.

Gate order as in PyTorch: LSTM (i, f, g, o), GRU (r, z, n).
"""

from typing import NamedTuple, Optional, Tuple

from .. import backend as B
from .. import threads
from .base import Op
from .recurrent_numpy import NumPyLoops
from .split_rows import SPLIT_MIN

__all__ = ["RNNLayer", "LSTMLayer", "GRULayer", "Recurrence", "RECURRENCES", "USE_CUDA_KERNELS"]

USE_CUDA_KERNELS = True  # on CuPy: fused gate kernels (True) or the generic array code (False)
GATE_THREADS = None      # threads for a step's gate math: None = the thread policy decides, or 1 / 2
SPLIT_MIN = SPLIT_MIN    # elements (rows * width) from which a step's gate math is split


def _cuda(xp):
    """The fused-kernel module when running on CuPy with kernels enabled, else None."""
    if xp is B.np or not USE_CUDA_KERNELS:
        return None
    from . import recurrent_cuda
    return recurrent_cuda


def _loops(xp, state_rows, state_size, gate_width):
    """The time-loop implementation for this run: the CUDA kernels on CuPy (when enabled), else the
    array code, with the step's gate math on two threads only when the step's matmul runs on one
    BLAS thread and another core is free (never more busy threads than cores)."""
    kernels = _cuda(xp)
    if kernels is not None:
        return kernels
    if xp is not B.np:
        return NumPyLoops(1)
    if GATE_THREADS is not None:
        return NumPyLoops(GATE_THREADS, SPLIT_MIN)
    if threads.gemm_threads(state_rows, state_size, gate_width) > 1:
        return NumPyLoops(1)
    return NumPyLoops(threads.free_threads(), SPLIT_MIN)


def _steps(batch_sizes, reverse):
    """[(first row, number of rows)] of every step, in processing order."""
    out, row = [], 0
    for b in batch_sizes:
        out.append((row, b))
        row += b
    return out[::-1] if reverse else out


# --------------------------------------------------------------- what forward keeps, by name
class RNNSaved(NamedTuple):
    h_prev: object                 # (N, H) the state each step started from


class LSTMSaved(NamedTuple):
    h_prev: object                 # (N, P) the state each step started from
    c_prev: object                 # (N, H) the cell state each step started from
    tanh_c: object                 # (N, H) tanh(c_t)
    m: object = None               # (N, H) o * tanh(c_t), with a projection only


class GRUSaved(NamedTuple):
    h_prev: object                 # (N, H) the state each step started from
    hn: object                     # (N, H) W_hn h_prev + b_hn


class Prepared(NamedTuple):
    """The weights as the forward time loop uses them."""
    w_ih: object                   # (G*H, I), rows scaled as the gate math expects
    w_hh: object                   # (G*H, P), scaled the same way
    bias: object                   # (G*H,) the biases folded into the input projection, or None
    b_hn: object = None            # GRU: the hidden bias of the n gate (it sits inside r * (...))


class Run(NamedTuple):
    """Everything one direction's forward keeps for its backward."""
    recurrence: "Recurrence"
    w_ih: object                   # the unscaled weights (backward works with the true ones)
    w_hh: object
    w_hr: object                   # LSTM projection (P, H), or None
    gates: object                  # (N, G*H) the activated gates of every step
    saved: tuple                   # RNNSaved / LSTMSaved / GRUSaved
    steps: list                    # [(first row, rows)] in processing order
    relu: bool
    bias: bool


class Recurrence:
    """The strategy of one mode: gate count, weight preparation, which loops run, what is saved.

    Subclasses: RNN (tanh or relu), LSTM (with a cell state, optionally projected), GRU.
    """
    name = "RNN"
    num_gates = 1
    has_cell_state = False

    def prepare(self, xp, w_ih, w_hh, b_ih, b_hh):
        """Prepared weights for the forward loop (RNN: as they are, the biases summed)."""
        return Prepared(w_ih, w_hh, None if b_ih is None else b_ih + b_hh)

    def forward(self, loops, xp, gates, h, c, prep, w_hr, steps, y, h_prev, relu):
        """Run the time loop in place; return the saved values."""
        return RNNSaved(*loops.rnn_forward(xp, gates, h, prep.w_hh, steps, y, h_prev, relu))

    def backward(self, loops, xp, run, dy, dh, dc):
        """Backward through time: (dG input side, dG hidden side, gradient reaching every h_t
        (projection only, else None))."""
        dGx, dGh = loops.rnn_backward(xp, run.gates, run.saved, run.w_hh, run.steps, dy, dh, run.relu)
        return dGx, dGh, None

    def hidden_grads(self, dGx, dGh, h_prev, db_ih, need_w, need_b):
        """(dW_hh, db_hh) from backward's gradients: dGh (N, G*H) over all steps, else None."""
        dw_hh = threads.matmul(dGh.T, h_prev) if need_w else None
        db_hh = None
        if need_b:
            db_hh = db_ih if dGh is dGx else dGh.sum(axis=0)
        return dw_hh, db_hh


def _scale_rows(a, scale):
    """a * scale along axis 0 (scale: (rows,) exact powers of two)."""
    return a * (scale if a.ndim == 1 else scale[:, None])


class LSTMRecurrence(Recurrence):
    name = "LSTM"
    num_gates = 4
    has_cell_state = True

    def prepare(self, xp, w_ih, w_hh, b_ih, b_hh):
        """Rows scaled by -1 (sigmoid gates i, f, o) and -2 (g, tanh): see lstm_forward."""
        H = w_ih.shape[0] // 4
        scale = xp.full(4 * H, -1, dtype=w_ih.dtype)
        scale[2 * H:3 * H] = -2
        bias = None if b_ih is None else (b_ih + b_hh) * scale
        return Prepared(_scale_rows(w_ih, scale), _scale_rows(w_hh, scale), bias)

    def forward(self, loops, xp, gates, h, c, prep, w_hr, steps, y, h_prev, relu):
        return LSTMSaved(*loops.lstm_forward(xp, gates, h, c, prep.w_hh, steps, y, h_prev, w_hr))

    def backward(self, loops, xp, run, dy, dh, dc):
        return loops.lstm_backward(xp, run.gates, run.saved, run.w_hh, run.steps, dy, dh, dc, run.w_hr)


class GRURecurrence(Recurrence):
    name = "GRU"
    num_gates = 3

    def prepare(self, xp, w_ih, w_hh, b_ih, b_hh):
        """Rows of r, z negated (sigmoid by one exp); b_hr, b_hz folded into the input bias."""
        H = w_ih.shape[0] // 3
        scale = xp.ones(3 * H, dtype=w_ih.dtype)
        scale[:2 * H] = -1
        bias = b_hn = None
        if b_ih is not None:
            bias = b_ih.copy()
            bias[:2 * H] += b_hh[:2 * H]
            bias *= scale
            b_hn = b_hh[2 * H:]
        return Prepared(_scale_rows(w_ih, scale), _scale_rows(w_hh, scale), bias, b_hn)

    def forward(self, loops, xp, gates, h, c, prep, w_hr, steps, y, h_prev, relu):
        return GRUSaved(*loops.gru_forward(xp, gates, h, prep.w_hh, prep.b_hn, steps, y, h_prev))

    def backward(self, loops, xp, run, dy, dh, dc):
        dGx, dGh = loops.gru_backward(xp, run.gates, run.saved, run.w_hh, run.steps, dy, dh)
        return dGx, dGh, None

    def hidden_grads(self, dGx, dGh, h_prev, db_ih, need_w, need_b):
        """The hidden side's r and z blocks are dGx's; the array loops return only its n block
        (N, H) (the CUDA kernels the whole (N, 3H))."""
        H = dGx.shape[1] // 3
        if dGh.shape[1] == 3 * H:
            return super().hidden_grads(dGx, dGh, h_prev, db_ih, need_w, need_b)
        dw_hh = db_hh = None
        if need_w:
            dw_hh = B.get_array_module(dGx).empty((3 * H, h_prev.shape[1]), dtype=dGx.dtype)
            dw_hh[:2 * H] = threads.matmul(dGx[:, :2 * H].T, h_prev)
            dw_hh[2 * H:] = threads.matmul(dGh.T, h_prev)
        if need_b:
            db_hh = db_ih.copy()
            db_hh[2 * H:] = dGh.sum(axis=0)
        return dw_hh, db_hh


RECURRENCES = {"RNN_TANH": Recurrence(), "RNN_RELU": Recurrence(), "LSTM": LSTMRecurrence(),
               "GRU": GRURecurrence()}


# ------------------------------------------------------------------------------------ the nodes
def _add_row(a, b):
    """fn(lo, hi) that adds the row vector b to the rows lo:hi of a, in place."""
    def add(lo, hi):
        a[lo:hi] += b
    return add


class _Layer(Op):
    """Shared driver for one direction of one layer: input projection, the time loop, the saved
    values and the weight gradients; `recurrence` says what differs between the modes."""
    recurrence = None

    @classmethod
    def _run(cls, ctx, x, h0, c0, weights, batch_sizes, bias, reverse, relu=False, proj=False):
        rec = cls.recurrence
        xp = B.get_array_module(x)
        N, I, nb = x.shape[0], x.shape[1], batch_sizes[0]
        S = weights[1].shape[1]                          # state size: hidden_size, or proj_size
        H = weights[-1].shape[1] if proj else S          # hidden (cell) size
        if N != sum(batch_sizes):
            raise RuntimeError(f"{cls.__name__}: the input has {N} rows but batch_sizes sum to "
                               f"{sum(batch_sizes)}")
        for w in weights:
            if w.dtype != x.dtype:
                raise RuntimeError(f"{cls.__name__}: input dtype {x.dtype} does not match weight "
                                   f"dtype {w.dtype}")
        w_hr = weights[-1] if proj else None
        y = xp.empty((N, S), dtype=x.dtype)
        h_prev = xp.empty((N, S), dtype=x.dtype)
        steps = _steps(batch_sizes, reverse)
        with B.np.errstate(over="ignore"):
            prep = rec.prepare(xp, weights[0], weights[1], *(weights[2:4] if bias else (None, None)))
            gates = threads.matmul(x, prep.w_ih.T)       # every step's input projection at once
            loops = _loops(xp, nb, S, prep.w_hh.shape[0])
            if prep.bias is not None and isinstance(loops, NumPyLoops):
                loops.all_rows(_add_row(gates, prep.bias), N, gates.shape[1])
            elif prep.bias is not None:
                gates += prep.bias
            h = xp.zeros((nb, S), dtype=x.dtype) if h0 is None else h0.copy()
            c = None
            if rec.has_cell_state:
                c = xp.zeros((nb, H), dtype=x.dtype) if c0 is None else c0.copy()
            with threads.blas_threads(threads.gemm_threads(nb, S, prep.w_hh.shape[0])):
                saved = rec.forward(loops, xp, gates, h, c, prep, w_hr, steps, y, h_prev, relu)
        ctx.save_for_backward(x, *weights)
        ctx.run = Run(rec, weights[0], weights[1], w_hr, gates, saved, steps, relu, bias)
        return (y, h, c) if rec.has_cell_state else (y, h)

    @staticmethod
    def _grads(ctx, dy, dhn, dcn):
        run = ctx.run
        rec = run.recurrence
        x = ctx.saved_tensors[0]
        xp = B.get_array_module(x)
        needs = ctx.needs_input_grad
        need_w = needs[3 if rec.has_cell_state else 2:]
        dh = dhn.copy()
        dc = dcn.copy() if rec.has_cell_state else None
        nb, S = dh.shape
        loops = _loops(xp, nb, run.w_hh.shape[0], S)
        with threads.blas_threads(threads.gemm_threads(nb, run.w_hh.shape[0], S)):
            dGx, dGh, dH = rec.backward(loops, xp, run, dy, dh, dc)
        # every weight gradient and the input gradient: one matmul over all steps
        dx = threads.matmul(dGx, run.w_ih) if needs[0] else None
        dw_ih = threads.matmul(dGx.T, x) if need_w[0] else None
        need_b = run.bias and (need_w[2] or need_w[3])
        db_ih = dGx.sum(axis=0) if need_b else None
        dw_hh, db_hh = rec.hidden_grads(dGx, dGh, run.saved.h_prev, db_ih, need_w[1], need_b)
        wgrads = [dw_ih, dw_hh]
        if run.bias:
            wgrads += [db_ih, db_hh]
        if run.w_hr is not None:
            wgrads.append(threads.matmul(dH.T, run.saved.m) if need_w[-1] else None)
        return dx, (dh if needs[1] else None), (dc if dc is not None and needs[2] else None), wgrads


class RNNLayer(_Layer):
    """One direction of an Elman RNN layer over a packed sequence: x (N, I), h0 (B, H) or None,
    w_ih (H, I), w_hh (H, H)[, b_ih (H,), b_hh (H,)] -> output (N, H), h_n (B, H)."""
    recurrence = RECURRENCES["RNN_TANH"]

    @staticmethod
    def forward(ctx, x, h0, *weights, batch_sizes, bias=True, reverse=False, nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        return RNNLayer._run(ctx, x, h0, None, weights, batch_sizes, bias, reverse,
                             relu=nonlinearity == "relu")

    @staticmethod
    def backward(ctx, dy, dhn):
        dx, dh0, _, wgrads = _Layer._grads(ctx, dy, dhn, None)
        return (dx, dh0, *wgrads)


class LSTMLayer(_Layer):
    """One direction of an LSTM layer over a packed sequence: x (N, I), h0 (B, P), c0 (B, H) or None,
    w_ih (4H, I), w_hh (4H, P)[, b_ih, b_hh (4H,)][, w_hr (P, H) when proj=True]
    -> output (N, P), h_n (B, P), c_n (B, H); P = H without a projection."""
    recurrence = RECURRENCES["LSTM"]

    @staticmethod
    def forward(ctx, x, h0, c0, *weights, batch_sizes, bias=True, reverse=False, proj=False):
        return LSTMLayer._run(ctx, x, h0, c0, weights, batch_sizes, bias, reverse, proj=proj)

    @staticmethod
    def backward(ctx, dy, dhn, dcn):
        dx, dh0, dc0, wgrads = _Layer._grads(ctx, dy, dhn, dcn)
        return (dx, dh0, dc0, *wgrads)


class GRULayer(_Layer):
    """One direction of a GRU layer over a packed sequence: x (N, I), h0 (B, H) or None,
    w_ih (3H, I), w_hh (3H, H)[, b_ih, b_hh (3H,)] -> output (N, H), h_n (B, H)."""
    recurrence = RECURRENCES["GRU"]

    @staticmethod
    def forward(ctx, x, h0, *weights, batch_sizes, bias=True, reverse=False):
        return GRULayer._run(ctx, x, h0, None, weights, batch_sizes, bias, reverse)

    @staticmethod
    def backward(ctx, dy, dhn):
        dx, dh0, _, wgrads = _Layer._grads(ctx, dy, dhn, None)
        return (dx, dh0, *wgrads)
