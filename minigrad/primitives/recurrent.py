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
and the input gradient is one matmul over all steps.  On NumPy a large step's gate
math is split by rows between two threads; on CuPy it is one fused kernel (ops/recurrent_cuda.py).

Gate order as in PyTorch: LSTM (i, f, g, o), GRU (r, z, n).
"""
import os
from concurrent.futures import ThreadPoolExecutor

from .. import backend as B
from .base import Op

__all__ = ["RNNLayer", "LSTMLayer", "GRULayer", "USE_CUDA_KERNELS"]

USE_CUDA_KERNELS = True  # on CuPy: fused gate kernels (True) or the generic array code below (False)


def _cuda(xp):
    """The fused-kernel module when running on CuPy with kernels enabled, else None."""
    if xp is B.np or not USE_CUDA_KERNELS:
        return None
    from . import recurrent_cuda
    return recurrent_cuda


def _steps(batch_sizes, reverse):
    """[(first row, number of rows)] of every step, in processing order."""
    out, row = [], 0
    for b in batch_sizes:
        out.append((row, b))
        row += b
    return out[::-1] if reverse else out


# NumPy runs elementwise loops on one core; a step's gate math on many elements is split by rows
# between the caller and one helper thread (NumPy releases the GIL inside its loops).  One thread
# when the BLAS is limited to one (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS = 1) or there is one core.
_threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count()
GATE_THREADS = 2 if str(_threads).isdigit() and int(_threads) > 1 else 1
SPLIT_MIN = 32768          # elements (rows * width) from which splitting the rows pays off
_pool = None


def _forget_pool():
    global _pool
    _pool = None  # a forked child has no helper thread: start a new one when needed


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _rows(fn, r0, bt, width, xp):
    """Run fn(r0, lo, hi) over the rows [0, bt) of the step starting at packed row r0."""
    global _pool
    if GATE_THREADS < 2 or bt < 2 or bt * width < SPLIT_MIN or xp is not B.np:
        fn(r0, 0, bt)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(1, thread_name_prefix="minigrad-rnn")
    mid = bt // 2
    job = _pool.submit(fn, r0, mid, bt)
    fn(r0, 0, mid)
    job.result()


def _all_rows(fn, n, width, xp):
    """Run fn(lo, hi) over all n packed rows (in two threads when large)."""
    _rows(lambda r0, lo, hi: fn(lo, hi), 0, n, width, xp)


# ------------------------------------------------------------------------------------------ RNN
def _rnn_forward(xp, gates, h, w_hh, steps, y, hp, relu):
    """Run the tanh/relu recurrence in place: gates (N, H) holds x W_ih^T + b and becomes h_t;
    h_prev of every step goes to hp (N, H); returns the saved (hp,)."""
    N, H = gates.shape
    gh = xp.empty_like(h)
    w_t = w_hh.T

    def gate_math(r0, lo, hi):
        g, hs = gates[r0 + lo:r0 + hi], h[lo:hi]
        hp[r0 + lo:r0 + hi] = hs
        g += gh[lo:hi]
        if relu:
            xp.maximum(g, 0, out=g)
        else:
            xp.tanh(g, out=g)
        hs[...] = g

    for r0, bt in steps:
        xp.matmul(h[:bt], w_t, out=gh[:bt])
        _rows(gate_math, r0, bt, H, xp)
        y[r0:r0 + bt] = h[:bt]
    return (hp,)


def _rnn_backward(xp, gates, saved, w_hh, steps, dy, dh, relu):
    """Backward through time; returns dG (N, H), the gradient of the pre-activations (twice: input
    and hidden side)."""
    dG = xp.empty_like(gates)

    def factors(lo, hi):                               # act'(pre-activation), for every step at once
        a, d = gates[lo:hi], dG[lo:hi]
        if relu:
            xp.greater(a, 0, out=d)
        else:
            xp.multiply(a, a, out=d)
            xp.subtract(1, d, out=d)

    def gate_grads(r0, lo, hi):
        d, dhs = dG[r0 + lo:r0 + hi], dh[lo:hi]
        dhs += dy[r0 + lo:r0 + hi]
        d *= dhs

    _all_rows(factors, gates.shape[0], gates.shape[1], xp)
    for r0, bt in reversed(steps):
        _rows(gate_grads, r0, bt, gates.shape[1], xp)
        xp.matmul(dG[r0:r0 + bt], w_hh, out=dh[:bt])
    return dG, dG


# ----------------------------------------------------------------------------------------- LSTM
def _lstm_forward(xp, gates, h, c, w_hh, steps, y, hp, w_hr=None):
    """Run the LSTM recurrence in place and return what backward needs: (h_prev (N, P), written to
    hp, c_prev and tanh(c_t) (N, H)[, m_t = o * tanh(c_t) (N, H) with a projection]).

    gates (N, 4H) holds the input projection in PyTorch's order (i, f, g, o), pre-scaled by -1 for
    the sigmoid gates and by -2 for g (the factors are folded into the weights: exact powers of two),
    so one exp and one divide serve all four: sigmoid(a) = 1 / (1 + exp(-a)) and
    tanh(a) = 2 / (1 + exp(-2a)) - 1.  w_hh is scaled the same way; the activated gates are written
    over `gates`.  With w_hr (P, H) the state is projected: h = (o * tanh(c)) W_hr^T (else P = H).
    """
    N, H = gates.shape[0], c.shape[1]
    cp = xp.empty((N, H), dtype=gates.dtype)
    tc = xp.empty_like(cp)
    m = None if w_hr is None else xp.empty_like(cp)
    gh = xp.empty((h.shape[0], 4 * H), dtype=gates.dtype)
    tmp = xp.empty_like(c)
    numer = xp.ones(4 * H, dtype=gates.dtype)          # 1 / (1 + e) for i, f, o and 2 / (1 + e) for g
    numer[2 * H:3 * H] = 2
    w_t = w_hh.T

    def gate_math(r0, lo, hi):
        a, b = r0 + lo, r0 + hi
        g, cs, t, tcr = gates[a:b], c[lo:hi], tmp[lo:hi], tc[a:b]
        hp[a:b] = h[lo:hi]
        cp[a:b] = cs
        g += gh[lo:hi]
        xp.exp(g, out=g)
        g += 1
        xp.divide(numer, g, out=g)
        gg = g[:, 2 * H:3 * H]
        gg -= 1                                        # i, f, o = sigmoid, g = tanh
        cs *= g[:, H:2 * H]                            # c = f * c_prev + i * g
        xp.multiply(g[:, :H], gg, out=t)
        cs += t
        xp.tanh(cs, out=tcr)
        xp.multiply(g[:, 3 * H:], tcr, out=h[lo:hi] if m is None else m[a:b])  # o * tanh(c)

    for r0, bt in steps:
        r1 = r0 + bt
        xp.matmul(h[:bt], w_t, out=gh[:bt])
        _rows(gate_math, r0, bt, 4 * H, xp)
        if m is not None:
            xp.matmul(m[r0:r1], w_hr.T, out=h[:bt])    # h = (o * tanh(c)) W_hr^T
        y[r0:r1] = h[:bt]
    return (hp, cp, tc) if m is None else (hp, cp, tc, m)


def _lstm_backward(xp, gates, saved, w_hh, steps, dy, dh, dc, w_hr=None):
    """Backward through time; dh, dc go from (dh_n, dc_n) to (dh0, dc0).  Returns dG (N, 4H) twice
    (input and hidden side) and, with a projection, the gradient reaching every h_t (N, P).

    Everything that does not depend on the incoming gradient is computed for all steps at once
    first: dG starts as the factors (g i(1-i), c_prev f(1-f), i (1-g^2), tanh(c) o(1-o)) that the
    step loop multiplies by dc or dm, and K = o (1 - tanh(c)^2) carries dm into dc.
    """
    hp, cp, tc = saved[:3]
    H = dc.shape[1]
    dG = xp.empty_like(gates)
    K = xp.empty_like(tc)
    u_buf = xp.empty_like(dc)
    dH = None if w_hr is None else xp.empty(hp.shape, dtype=hp.dtype)
    dm_buf = dh if w_hr is None else xp.empty_like(dc)   # gradient reaching o * tanh(c_t)

    def factors(lo, hi):
        a, d, t = gates[lo:hi], dG[lo:hi], tc[lo:hi]
        i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        xp.subtract(1, a, out=d)                       # s (1 - s) for the sigmoid gates
        d *= a
        d[:, :H] *= g                                  # di = dc * g * i (1 - i)
        d[:, H:2 * H] *= cp[lo:hi]                     # df = dc * c_prev * f (1 - f)
        d[:, 3 * H:] *= t                              # do = dm * tanh(c) * o (1 - o)
        dg = d[:, 2 * H:3 * H]                         # dg = dc * i * (1 - g^2)
        xp.multiply(g, g, out=dg)
        xp.subtract(1, dg, out=dg)
        dg *= i
        k = K[lo:hi]                                   # dc += dm * o * (1 - tanh(c)^2)
        xp.multiply(t, t, out=k)
        xp.subtract(1, k, out=k)
        k *= o

    def gate_grads(r0, lo, hi):
        a, b = r0 + lo, r0 + hi
        d, dm, dcs, u = dG[a:b], dm_buf[lo:hi], dc[lo:hi], u_buf[lo:hi]
        xp.multiply(dm, K[a:b], out=u)
        dcs += u
        d3 = d.reshape(hi - lo, 4, H)
        d3[:, :3] *= dcs[:, None, :]                   # i, f, g blocks
        d3[:, 3] *= dm                                 # o block
        dcs *= gates[a:b, H:2 * H]                     # dc_prev = dc * f

    _all_rows(factors, gates.shape[0], 4 * H, xp)
    for r0, bt in reversed(steps):
        r1 = r0 + bt
        dh[:bt] += dy[r0:r1]                           # all the gradient reaching h_t
        if dH is not None:
            dH[r0:r1] = dh[:bt]
            xp.matmul(dh[:bt], w_hr, out=dm_buf[:bt])
        _rows(gate_grads, r0, bt, 4 * H, xp)
        xp.matmul(dG[r0:r1], w_hh, out=dh[:bt])        # dh_prev = dG W_hh
    return dG, dG, dH


# ------------------------------------------------------------------------------------------ GRU
def _gru_forward(xp, gates, h, w_hh, b_hn, steps, y, hp):
    """Run the GRU recurrence in place and return the saved (h_prev (written to hp),
    W_hn h_prev + b_hn), each (N, H).

    gates (N, 3H) holds x W_ih^T + b_ih + (b_hr, b_hz, 0), negated in the r and z blocks (folded into
    the weights, as is w_hh's), and becomes the activated (r, z, n).
    """
    N, H = gates.shape[0], h.shape[1]
    hn = xp.empty((N, H), dtype=gates.dtype)
    gh = xp.empty((h.shape[0], 3 * H), dtype=gates.dtype)
    tmp = xp.empty_like(h)
    w_t = w_hh.T

    def gate_math(r0, lo, hi):
        a, b = r0 + lo, r0 + hi
        g, hs, t, ghs, hnr = gates[a:b], h[lo:hi], tmp[lo:hi], gh[lo:hi], hn[a:b]
        hp[a:b] = hs
        rz = g[:, :2 * H]                              # r, z = 1 / (1 + exp(-a))
        rz += ghs[:, :2 * H]
        xp.exp(rz, out=rz)
        rz += 1
        xp.divide(1, rz, out=rz)
        if b_hn is None:
            hnr[...] = ghs[:, 2 * H:]
        else:
            xp.add(ghs[:, 2 * H:], b_hn, out=hnr)
        n = g[:, 2 * H:]                               # n = tanh(x W_in^T + b_in + r * (W_hn h + b_hn))
        xp.multiply(g[:, :H], hnr, out=t)
        n += t
        xp.tanh(n, out=n)
        hs -= n                                        # h = n + z * (h_prev - n)
        hs *= g[:, H:2 * H]
        hs += n

    for r0, bt in steps:
        xp.matmul(h[:bt], w_t, out=gh[:bt])
        _rows(gate_math, r0, bt, 3 * H, xp)
        y[r0:r0 + bt] = h[:bt]
    return hp, hn


def _gru_backward(xp, gates, saved, w_hh, steps, dy, dh):
    """Backward through time; returns dGx (N, 3H) for the input side and dGh (N, 3H) for the hidden
    side (they differ in the n block: dGh_n = dGx_n * r).

    dGx starts as the factors computed for all steps at once: hn r (1-r), (h_prev - n) z (1-z) and
    (1 - z)(1 - n^2); the step loop multiplies them by dn_pre, dh and dh.
    """
    hp, hn = saved
    H = dh.shape[1]
    dGx = xp.empty_like(gates)
    dGh = xp.empty_like(gates)
    direct = xp.empty_like(dh)                         # dh * z: the part of dh_prev that skips W_hh

    def factors(lo, hi):
        a, d = gates[lo:hi], dGx[lo:hi]
        z, n = a[:, H:2 * H], a[:, 2 * H:]
        rz = d[:, :2 * H]                              # s (1 - s) for r, z
        xp.subtract(1, a[:, :2 * H], out=rz)
        rz *= a[:, :2 * H]
        d[:, :H] *= hn[lo:hi]                          # dr = dn_pre * hn * r (1 - r)
        dz = d[:, H:2 * H]                             # dz = dh * (h_prev - n) * z (1 - z)
        xp.subtract(hp[lo:hi], n, out=dGh[lo:hi, :H])  # (dGh as scratch)
        dz *= dGh[lo:hi, :H]
        dn = d[:, 2 * H:]                              # dn_pre = dh * (1 - z) * (1 - n^2)
        xp.multiply(n, n, out=dn)
        xp.subtract(1, dn, out=dn)
        xp.subtract(1, z, out=dGh[lo:hi, :H])
        dn *= dGh[lo:hi, :H]

    def gate_grads(r0, lo, hi):
        a_, b_ = r0 + lo, r0 + hi
        dx, dhh, dhs = dGx[a_:b_], dGh[a_:b_], dh[lo:hi]
        dhs += dy[a_:b_]
        dn = dx[:, 2 * H:]
        dn *= dhs
        dx[:, :H] *= dn
        dx[:, H:2 * H] *= dhs
        dhh[:, :2 * H] = dx[:, :2 * H]
        xp.multiply(dn, gates[a_:b_, :H], out=dhh[:, 2 * H:])
        xp.multiply(dhs, gates[a_:b_, H:2 * H], out=direct[lo:hi])

    _all_rows(factors, gates.shape[0], 3 * H, xp)
    for r0, bt in reversed(steps):
        _rows(gate_grads, r0, bt, 3 * H, xp)
        xp.matmul(dGh[r0:r0 + bt], w_hh, out=dh[:bt])  # dh_prev = dh * z + dGh W_hh
        dh[:bt] += direct[:bt]
    return dGx, dGh


# ------------------------------------------------------------------------------------ the nodes
def _adder(a, b):
    """fn(lo, hi) that adds the row vector b to the rows lo:hi of a, in place."""
    def add(lo, hi):
        a[lo:hi] += b
    return add


class _Layer(Op):
    """Shared driver for one direction of one layer: input projection, the time loop, the saved
    values and the weight gradients."""
    mode = None

    @staticmethod
    def _prepare(xp, w_ih, w_hh, b_ih, b_hh):
        """(w_ih, w_hh, bias) for the forward (rows scaled as the gate math expects, the biases summed
        for the input projection), b_hn (GRU), and the unscaled (w_ih, w_hh) for the backward."""
        bias = None if b_ih is None else b_ih + b_hh
        return w_ih, w_hh, bias, None, w_ih, w_hh

    @staticmethod
    def _run(ctx, x, h0, c0, weights, batch_sizes, bias, reverse, relu=False, proj=False):
        cls = type(ctx)
        xp = B.get_array_module(x)
        impl = _cuda(xp) or _ArrayCode
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
        y = xp.empty((N, S), dtype=x.dtype)
        xh = None
        if cls.mode != "GRU":  # dW_hh, dW_ih share dG: one matmul over [h_prev | x]
            xh = xp.empty((N, S + I), dtype=x.dtype)
            xh[:, S:] = x
        with B.np.errstate(over="ignore"):
            w_ih, w_hh, bias_x, b_hn, bw_ih, bw_hh = cls._prepare(
                xp, weights[0], weights[1], *(weights[2:4] if bias else (None, None)))
            w_hr = weights[-1] if proj else None
            gates = x @ w_ih.T                           # every step's input projection at once
            if bias_x is not None:
                _all_rows(_adder(gates, bias_x), N, gates.shape[1], xp)
            h = xp.zeros((nb, S), dtype=x.dtype) if h0 is None else h0.copy()
            hp = xp.empty((N, S), dtype=x.dtype) if xh is None else xh[:, :S]
            steps = _steps(batch_sizes, reverse)
            c = None
            if cls.mode == "LSTM":
                c = xp.zeros((nb, H), dtype=x.dtype) if c0 is None else c0.copy()
                saved = impl.lstm_forward(xp, gates, h, c, w_hh, steps, y, hp, w_hr)
            elif cls.mode == "GRU":
                saved = impl.gru_forward(xp, gates, h, w_hh, b_hn, steps, y, hp)
            else:
                saved = impl.rnn_forward(xp, gates, h, w_hh, steps, y, hp, relu)
        ctx.save_for_backward(x, *weights)
        ctx.run = (bw_ih, bw_hh, w_hr, gates, saved, steps)
        ctx.xh, ctx.relu, ctx.bias = xh, relu, bias
        return (y, h, c) if cls.mode == "LSTM" else (y, h)

    @staticmethod
    def _grads(ctx, dy, dhn, dcn):
        cls = type(ctx)
        x = ctx.saved_tensors[0]
        xp = B.get_array_module(x)
        impl = _cuda(xp) or _ArrayCode
        lstm = cls.mode == "LSTM"
        w_ih, w_hh, w_hr, gates, saved, steps = ctx.run
        needs = ctx.needs_input_grad
        need_w = needs[3 if lstm else 2:]
        S = dhn.shape[1]
        dh = dhn.copy()
        dc = dcn.copy() if lstm else None
        if lstm:
            dGx, dGh, dH = impl.lstm_backward(xp, gates, saved, w_hh, steps, dy, dh, dc, w_hr)
        elif cls.mode == "GRU":
            dGx, dGh = impl.gru_backward(xp, gates, saved, w_hh, steps, dy, dh)
        else:
            dGx, dGh = impl.rnn_backward(xp, gates, saved, w_hh, steps, dy, dh, ctx.relu)
        dx = dGx @ w_ih if needs[0] else None          # one matmul over all steps
        if ctx.xh is not None and need_w[0] and need_w[1]:  # both in one matmul
            dw = dGx.T @ ctx.xh
            dw_hh, dw_ih = dw[:, :S], dw[:, S:]
        else:
            dw_ih = dGx.T @ x if need_w[0] else None
            dw_hh = dGh.T @ saved[0] if need_w[1] else None   # saved[0]: h_prev of every step
        wgrads = [dw_ih, dw_hh]
        if ctx.bias:
            db_ih = db_hh = None
            if need_w[2] or need_w[3]:
                db_ih = dGx.sum(axis=0)
                db_hh = db_ih if dGh is dGx else dGh.sum(axis=0)
            wgrads += [db_ih, db_hh]
        if w_hr is not None:                             # saved[3]: o * tanh(c) of every step
            wgrads.append(dH.T @ saved[3] if need_w[-1] else None)
        return dx, (dh if needs[1] else None), (dc if lstm and needs[2] else None), wgrads


class RNNLayer(_Layer):
    """One direction of an Elman RNN layer over a packed sequence: x (N, I), h0 (B, H) or None,
    w_ih (H, I), w_hh (H, H)[, b_ih (H,), b_hh (H,)] -> output (N, H), h_n (B, H)."""
    mode = "RNN"

    @staticmethod
    def forward(ctx, x, h0, *weights, batch_sizes, bias=True, reverse=False, nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        return _Layer._run(ctx, x, h0, None, weights, batch_sizes, bias, reverse,
                           relu=nonlinearity == "relu")

    @staticmethod
    def backward(ctx, dy, dhn):
        dx, dh0, _, wgrads = _Layer._grads(ctx, dy, dhn, None)
        return (dx, dh0, *wgrads)


def _scale_rows(a, scale):
    """a * scale along axis 0 (scale: (rows,) exact powers of two)."""
    return a * (scale if a.ndim == 1 else scale[:, None])


class LSTMLayer(_Layer):
    """One direction of an LSTM layer over a packed sequence: x (N, I), h0 (B, P), c0 (B, H) or None,
    w_ih (4H, I), w_hh (4H, P)[, b_ih, b_hh (4H,)][, w_hr (P, H) when proj=True]
    -> output (N, P), h_n (B, P), c_n (B, H); P = H without a projection."""
    mode = "LSTM"

    @staticmethod
    def _prepare(xp, w_ih, w_hh, b_ih, b_hh):
        H = w_ih.shape[0] // 4
        scale = xp.full(4 * H, -1, dtype=w_ih.dtype)   # -a for the sigmoid gates, -2a for g (tanh)
        scale[2 * H:3 * H] = -2
        bias = None if b_ih is None else (b_ih + b_hh) * scale
        return _scale_rows(w_ih, scale), _scale_rows(w_hh, scale), bias, None, w_ih, w_hh

    @staticmethod
    def forward(ctx, x, h0, c0, *weights, batch_sizes, bias=True, reverse=False, proj=False):
        return _Layer._run(ctx, x, h0, c0, weights, batch_sizes, bias, reverse, proj=proj)

    @staticmethod
    def backward(ctx, dy, dhn, dcn):
        dx, dh0, dc0, wgrads = _Layer._grads(ctx, dy, dhn, dcn)
        return (dx, dh0, dc0, *wgrads)


class GRULayer(_Layer):
    """One direction of a GRU layer over a packed sequence: x (N, I), h0 (B, H) or None,
    w_ih (3H, I), w_hh (3H, H)[, b_ih, b_hh (3H,)] -> output (N, H), h_n (B, H)."""
    mode = "GRU"

    @staticmethod
    def _prepare(xp, w_ih, w_hh, b_ih, b_hh):
        H = w_ih.shape[0] // 3
        scale = xp.ones(3 * H, dtype=w_ih.dtype)        # -a for the sigmoid gates r, z
        scale[:2 * H] = -1
        bias = b_hn = None
        if b_ih is not None:
            bias = b_ih.copy()
            bias[:2 * H] += b_hh[:2 * H]                 # b_hr, b_hz sit outside r * (...): fold them
            bias *= scale
            b_hn = b_hh[2 * H:]
        return _scale_rows(w_ih, scale), _scale_rows(w_hh, scale), bias, b_hn, w_ih, w_hh

    @staticmethod
    def forward(ctx, x, h0, *weights, batch_sizes, bias=True, reverse=False):
        return _Layer._run(ctx, x, h0, None, weights, batch_sizes, bias, reverse)

    @staticmethod
    def backward(ctx, dy, dhn):
        dx, dh0, _, wgrads = _Layer._grads(ctx, dy, dhn, None)
        return (dx, dh0, *wgrads)


class _ArrayCode:
    """The per-step loops written with array calls (NumPy; also runs on CuPy without the kernels)."""
    rnn_forward = staticmethod(_rnn_forward)
    rnn_backward = staticmethod(_rnn_backward)
    lstm_forward = staticmethod(_lstm_forward)
    lstm_backward = staticmethod(_lstm_backward)
    gru_forward = staticmethod(_gru_forward)
    gru_backward = staticmethod(_gru_backward)
