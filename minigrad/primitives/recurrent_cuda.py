"""CuPy kernels for the fused recurrent layers: each step's gate math, forward and backward, is ONE
elementwise kernel launch (plus the step's cuBLAS matmul), instead of one launch per array op.

Imported lazily by primitives/recurrent.py, only for CuPy arrays (CPU never needs cupy).  The functions have
the same signatures and conventions as the array-code loops in primitives/recurrent_numpy.py, which stay the
reference: set minigrad.ops.recurrent.USE_CUDA_KERNELS = False to run those on the GPU instead.
Every kernel works on (rows, H) views: a gate block of a (rows, G*H) buffer is passed as its own
strided view, so CuPy's indexing handles the layout and no raw pointer arithmetic is needed.
"""
from .. import backend as B

_SOURCES = {}   # name -> (in_params, out_params, operation)

# LSTM, gate order (i, f, g, o); the projection blocks hold -a for i, f, o and -2a for g
_LSTM_GATES = """
    T vi = 1 / (1 + exp(gi + ri));
    T vf = 1 / (1 + exp(gf + rf));
    T vo = 1 / (1 + exp(go + ro));
    T vg = tanh((T)(-0.5) * (gg + rg));
    T cn = vf * c + vi * vg;
    T t = tanh(cn);
"""
_SOURCES["LSTM_FWD"] = (
    "T ri, T rf, T rg, T ro",
    "T gi, T gf, T gg, T go, T c, T h, T hp, T cp, T tc, T y",
    _LSTM_GATES + """
    hp = h;
    cp = c;
    gi = vi; gf = vf; go = vo; gg = vg;
    c = cn;
    tc = t;
    h = vo * t;
    y = vo * t;
    """)

_SOURCES["LSTM_FWD_PROJ"] = (   # the same, writing m = o * tanh(c); h = m W_hr^T follows
    "T ri, T rf, T rg, T ro",
    "T gi, T gf, T gg, T go, T c, T cp, T tc, T m",
    _LSTM_GATES + """
    cp = c;
    gi = vi; gf = vf; go = vo; gg = vg;
    c = cn;
    tc = t;
    m = vo * t;
    """)

_SOURCES["LSTM_BWD"] = (
    "T gi, T gf, T gg, T go, T tc, T cp, T dy, T dh",
    "T di, T df, T dg, T dout, T dc",
    """
    T dht = dh + dy;
    T dct = dc + dht * go * (1 - tc * tc);
    di = dct * gg * gi * (1 - gi);
    df = dct * cp * gf * (1 - gf);
    dout = dht * tc * go * (1 - go);
    dg = dct * gi * (1 - gg * gg);
    dc = dct * gf;
    """)

# GRU, gate order (r, z, n); the projection blocks hold -a for r and z, a for n
_SOURCES["GRU_FWD"] = (
    "T rr, T rz, T rn, T bhn",
    "T gr, T gz, T gn, T h, T hp, T hn, T y",
    """
    T r = 1 / (1 + exp(gr + rr));
    T z = 1 / (1 + exp(gz + rz));
    T hv = rn + bhn;
    T n = tanh(gn + r * hv);
    T hprev = h;
    hp = hprev;
    hn = hv;
    gr = r; gz = z; gn = n;
    h = n + z * (hprev - n);
    y = n + z * (hprev - n);
    """)

_SOURCES["GRU_BWD"] = (
    "T gr, T gz, T gn, T hn, T hp, T dy, T dh",
    "T dxr, T dxz, T dxn, T dhr, T dhz, T dhn, T direct",
    """
    T dht = dh + dy;
    T dnp = dht * (1 - gz) * (1 - gn * gn);
    T drp = dnp * hn * gr * (1 - gr);
    T dzp = dht * (hp - gn) * gz * (1 - gz);
    dxr = drp; dxz = dzp; dxn = dnp;
    dhr = drp; dhz = dzp; dhn = dnp * gr;
    direct = dht * gz;
    """)

_SOURCES["RNN_FWD"] = (
    "T r, int32 relu",
    "T g, T h, T hp, T y",
    """
    T a = g + r;
    a = relu ? (a > 0 ? a : (T)0) : tanh(a);
    hp = h;
    g = a;
    h = a;
    y = a;
    """)

_SOURCES["RNN_BWD"] = (
    "T g, T dy, T dh, int32 relu",
    "T d",
    """
    T dht = dh + dy;
    d = relu ? (g > 0 ? dht : (T)0) : dht * (1 - g * g);
    """)


_kernels = {}


def _k(name):
    """The compiled-on-first-use cupy.ElementwiseKernel `name`."""
    kernel = _kernels.get(name)
    if kernel is None:
        cp = B.xp_for("cuda")
        kernel = _kernels[name] = cp.ElementwiseKernel(*_SOURCES[name], "minigrad_" + name.lower())
    return kernel


def _blocks(a, k, H):
    """The k column blocks (rows, H) of a (rows, k*H) array, as views."""
    return [a[:, j * H:(j + 1) * H] for j in range(k)]


def lstm_forward(xp, gates, h, c, w_hh, steps, y, hp, w_hr=None):
    """As recurrent_numpy.NumPyLoops.lstm_forward, one kernel per step (a projection adds a copy and a matmul)."""
    N, H = gates.shape[0], c.shape[1]
    cp_ = xp.empty((N, H), dtype=gates.dtype)
    tc = xp.empty_like(cp_)
    m = None if w_hr is None else xp.empty_like(cp_)
    gh = xp.empty((h.shape[0], 4 * H), dtype=gates.dtype)
    w_t = w_hh.T
    for r0, bt in steps:
        r1 = r0 + bt
        xp.matmul(h[:bt], w_t, out=gh[:bt])
        if m is None:
            _k("LSTM_FWD")(*_blocks(gh[:bt], 4, H), *_blocks(gates[r0:r1], 4, H), c[:bt], h[:bt],
                           hp[r0:r1], cp_[r0:r1], tc[r0:r1], y[r0:r1])
        else:
            hp[r0:r1] = h[:bt]
            _k("LSTM_FWD_PROJ")(*_blocks(gh[:bt], 4, H), *_blocks(gates[r0:r1], 4, H), c[:bt],
                                cp_[r0:r1], tc[r0:r1], m[r0:r1])
            xp.matmul(m[r0:r1], w_hr.T, out=h[:bt])
            y[r0:r1] = h[:bt]
    return (hp, cp_, tc) if m is None else (hp, cp_, tc, m)


def lstm_backward(xp, gates, saved, w_hh, steps, dy, dh, dc, w_hr=None):
    """As recurrent_numpy.NumPyLoops.lstm_backward, one kernel per step (a projection adds an add, a copy and
    a matmul)."""
    hp, cp_, tc = saved[:3]
    H = dc.shape[1]
    dG = xp.empty_like(gates)
    dH = None if w_hr is None else xp.empty(hp.shape, dtype=hp.dtype)
    if dH is not None:
        dm = xp.empty_like(dc)
        zeros = xp.zeros_like(dc)
    for r0, bt in reversed(steps):
        r1 = r0 + bt
        d = dG[r0:r1]
        if dH is None:
            grad_h, grad_y = dh[:bt], dy[r0:r1]
        else:
            dh[:bt] += dy[r0:r1]
            dH[r0:r1] = dh[:bt]
            xp.matmul(dh[:bt], w_hr, out=dm[:bt])
            grad_h, grad_y = dm[:bt], zeros[:bt]
        _k("LSTM_BWD")(*_blocks(gates[r0:r1], 4, H), tc[r0:r1], cp_[r0:r1], grad_y, grad_h,
                       *_blocks(d, 4, H), dc[:bt])
        xp.matmul(d, w_hh, out=dh[:bt])
    return dG, dG, dH


def gru_forward(xp, gates, h, w_hh, b_hn, steps, y, hp):
    """As recurrent_numpy.NumPyLoops.gru_forward, one kernel per step."""
    N, H = gates.shape[0], h.shape[1]
    hn = xp.empty((N, H), dtype=gates.dtype)
    gh = xp.empty((h.shape[0], 3 * H), dtype=gates.dtype)
    bhn = xp.zeros(H, dtype=gates.dtype) if b_hn is None else b_hn
    w_t = w_hh.T
    for r0, bt in steps:
        r1 = r0 + bt
        xp.matmul(h[:bt], w_t, out=gh[:bt])
        _k("GRU_FWD")(*_blocks(gh[:bt], 3, H), bhn, *_blocks(gates[r0:r1], 3, H), h[:bt],
                 hp[r0:r1], hn[r0:r1], y[r0:r1])
    return hp, hn


def gru_backward(xp, gates, saved, w_hh, steps, dy, dh):
    """As recurrent_numpy.NumPyLoops.gru_backward, one kernel per step (plus the matmul and one add)."""
    hp, hn = saved
    H = dh.shape[1]
    dGx = xp.empty_like(gates)
    dGh = xp.empty_like(gates)
    direct = xp.empty_like(dh)
    for r0, bt in reversed(steps):
        r1 = r0 + bt
        _k("GRU_BWD")(*_blocks(gates[r0:r1], 3, H), hn[r0:r1], hp[r0:r1], dy[r0:r1], dh[:bt],
                 *_blocks(dGx[r0:r1], 3, H), *_blocks(dGh[r0:r1], 3, H), direct[:bt])
        xp.matmul(dGh[r0:r1], w_hh, out=dh[:bt])
        dh[:bt] += direct[:bt]
    return dGx, dGh


def rnn_forward(xp, gates, h, w_hh, steps, y, hp, relu):
    """As recurrent_numpy.NumPyLoops.rnn_forward, one kernel per step."""
    N, H = gates.shape
    gh = xp.empty_like(h)
    w_t = w_hh.T
    for r0, bt in steps:
        r1 = r0 + bt
        xp.matmul(h[:bt], w_t, out=gh[:bt])
        _k("RNN_FWD")(gh[:bt], int(relu), gates[r0:r1], h[:bt], hp[r0:r1], y[r0:r1])
    return (hp,)


def rnn_backward(xp, gates, saved, w_hh, steps, dy, dh, relu):
    """As recurrent_numpy.NumPyLoops.rnn_backward, one kernel per step."""
    dG = xp.empty_like(gates)
    for r0, bt in reversed(steps):
        r1 = r0 + bt
        _k("RNN_BWD")(gates[r0:r1], dy[r0:r1], dh[:bt], int(relu), dG[r0:r1])
        xp.matmul(dG[r0:r1], w_hh, out=dh[:bt])
    return dG, dG
