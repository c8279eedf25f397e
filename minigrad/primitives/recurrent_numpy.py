"""The fused recurrent time loops written with array calls: NumPy (and CuPy without the fused gate
kernels of recurrent_cuda.py, whose functions have the same names and arguments).

Each forward runs one direction of one layer in place in preallocated buffers and returns what its
backward needs; each backward returns the pre-activation gradients of all steps (see recurrent.py
for the data layout).  A large step's gate math is split by rows between two threads (split_rows.py).
"""
from .split_rows import SPLIT_MIN, run_split


FACTORS_AHEAD_MAX = 2 ** 20   # elements (rows * gate width): up to this, backward factors in one pass


def _transposed(xp, w):
    """w.T as a C-contiguous copy: the recurrent product h (B, H) @ W^T has few rows, and OpenBLAS
    runs it 20-30% faster with a row-major right operand than with the transposed view (measured on
    (32, 128) @ (128, 512) and (64, 256) @ (256, 1024)); the copy is paid once per sequence."""
    return xp.ascontiguousarray(w.T)


class NumPyLoops:
    """The RNN / LSTM / GRU time loops; ``threads`` (1 or 2) is how many threads may share a
    step's gate math."""

    def __init__(self, threads=1, split_min=SPLIT_MIN):
        self.threads = threads
        self.split_min = split_min

    def rows(self, fn, r0, bt, width):
        """fn(r0, lo, hi) over the rows [0, bt) of the step starting at packed row r0."""
        run_split(lambda lo, hi: fn(r0, lo, hi), bt, width, self.threads, self.split_min)

    def all_rows(self, fn, n, width):
        """fn(lo, hi) over all n packed rows."""
        run_split(fn, n, width, self.threads, self.split_min)

    def with_factors(self, factors, gate_grads, n, width):
        """gate_grads preceded by factors (the derivative factors that do not depend on the incoming
        gradient): for all n rows at once when they fit in cache (fewer calls), else for each step's
        rows just before its gate gradients, while those rows are in cache (a pass over all rows
        would stream the whole (N, G*H) array through memory several times)."""
        if n * width <= FACTORS_AHEAD_MAX:
            self.all_rows(factors, n, width)
            return gate_grads

        def step(r0, lo, hi):
            factors(r0 + lo, r0 + hi)
            gate_grads(r0, lo, hi)
        return step

    # ------------------------------------------------------------------------------------------ RNN
    def rnn_forward(self, xp, gates, h, w_hh, steps, y, hp, relu):
        """Run the tanh/relu recurrence in place: gates (N, H) holds x W_ih^T + b and becomes h_t;
        h_prev of every step goes to hp (N, H); returns the saved (hp,)."""
        N, H = gates.shape
        gh = xp.empty_like(h)
        w_t = _transposed(xp, w_hh)

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
            self.rows(gate_math, r0, bt, H)
            y[r0:r0 + bt] = h[:bt]
        return (hp,)


    def rnn_backward(self, xp, gates, saved, w_hh, steps, dy, dh, relu):
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

        gate_grads = self.with_factors(factors, gate_grads, gates.shape[0], gates.shape[1])
        for r0, bt in reversed(steps):
            self.rows(gate_grads, r0, bt, gates.shape[1])
            xp.matmul(dG[r0:r0 + bt], w_hh, out=dh[:bt])
        return dG, dG


    # ----------------------------------------------------------------------------------------- LSTM
    def lstm_forward(self, xp, gates, h, c, w_hh, steps, y, hp, w_hr=None):
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
        w_t = _transposed(xp, w_hh)
        w_hr_t = None if w_hr is None else _transposed(xp, w_hr)

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
            self.rows(gate_math, r0, bt, 4 * H)
            if m is not None:
                xp.matmul(m[r0:r1], w_hr_t, out=h[:bt])    # h = (o * tanh(c)) W_hr^T
            y[r0:r1] = h[:bt]
        return (hp, cp, tc) if m is None else (hp, cp, tc, m)


    def lstm_backward(self, xp, gates, saved, w_hh, steps, dy, dh, dc, w_hr=None):
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

        gate_grads = self.with_factors(factors, gate_grads, gates.shape[0], 4 * H)
        for r0, bt in reversed(steps):
            r1 = r0 + bt
            dh[:bt] += dy[r0:r1]                           # all the gradient reaching h_t
            if dH is not None:
                dH[r0:r1] = dh[:bt]
                xp.matmul(dh[:bt], w_hr, out=dm_buf[:bt])
            self.rows(gate_grads, r0, bt, 4 * H)
            xp.matmul(dG[r0:r1], w_hh, out=dh[:bt])        # dh_prev = dG W_hh
        return dG, dG, dH


    # ------------------------------------------------------------------------------------------ GRU
    def gru_forward(self, xp, gates, h, w_hh, b_hn, steps, y, hp):
        """Run the GRU recurrence in place and return the saved (h_prev (written to hp),
        W_hn h_prev + b_hn), each (N, H).

        gates (N, 3H) holds x W_ih^T + b_ih + (b_hr, b_hz, 0), negated in the r and z blocks (folded into
        the weights, as is w_hh's), and becomes the activated (r, z, n).
        """
        N, H = gates.shape[0], h.shape[1]
        hn = xp.empty((N, H), dtype=gates.dtype)
        gh = xp.empty((h.shape[0], 3 * H), dtype=gates.dtype)
        tmp = xp.empty_like(h)
        w_t = _transposed(xp, w_hh)

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
            self.rows(gate_math, r0, bt, 3 * H)
            y[r0:r0 + bt] = h[:bt]
        return hp, hn


    def gru_backward(self, xp, gates, saved, w_hh, steps, dy, dh):
        """Backward through time; returns dGx (N, 3H), the pre-activation gradients of the input side,
        and dGh_n (N, H), the n block of the hidden side's (dGx_n * r; its r and z blocks are dGx's, so
        they are not stored twice).

        dGx starts as the factors computed for all steps at once: hn r (1-r), (h_prev - n) z (1-z) and
        (1 - z)(1 - n^2); the step loop multiplies them by dn_pre, dh and dh.
        """
        hp, hn = saved
        H = dh.shape[1]
        dGx = xp.empty_like(gates)
        dGh_n = xp.empty_like(hn)
        dGh = xp.empty((dh.shape[0], 3 * H), dtype=gates.dtype)   # one step's hidden side, for W_hh
        direct = xp.empty_like(dh)                         # dh * z: the part of dh_prev that skips W_hh

        def factors(lo, hi):
            a, d = gates[lo:hi], dGx[lo:hi]
            z, n = a[:, H:2 * H], a[:, 2 * H:]
            rz = d[:, :2 * H]                              # s (1 - s) for r, z
            xp.subtract(1, a[:, :2 * H], out=rz)
            rz *= a[:, :2 * H]
            d[:, :H] *= hn[lo:hi]                          # dr = dn_pre * hn * r (1 - r)
            dz = d[:, H:2 * H]                             # dz = dh * (h_prev - n) * z (1 - z)
            xp.subtract(hp[lo:hi], n, out=dGh_n[lo:hi])    # (dGh_n as scratch)
            dz *= dGh_n[lo:hi]
            dn = d[:, 2 * H:]                              # dn_pre = dh * (1 - z) * (1 - n^2)
            xp.multiply(n, n, out=dn)
            xp.subtract(1, dn, out=dn)
            xp.subtract(1, z, out=dGh_n[lo:hi])
            dn *= dGh_n[lo:hi]

        def gate_grads(r0, lo, hi):
            a_, b_ = r0 + lo, r0 + hi
            dx, dhh, dhs = dGx[a_:b_], dGh[lo:hi], dh[lo:hi]
            dhs += dy[a_:b_]
            dn = dx[:, 2 * H:]
            dn *= dhs
            dx[:, :H] *= dn
            dx[:, H:2 * H] *= dhs
            dhh[:, :2 * H] = dx[:, :2 * H]
            xp.multiply(dn, gates[a_:b_, :H], out=dhh[:, 2 * H:])
            dGh_n[a_:b_] = dhh[:, 2 * H:]
            xp.multiply(dhs, gates[a_:b_, H:2 * H], out=direct[lo:hi])

        gate_grads = self.with_factors(factors, gate_grads, gates.shape[0], 3 * H)
        for r0, bt in reversed(steps):
            self.rows(gate_grads, r0, bt, 3 * H)
            xp.matmul(dGh[:bt], w_hh, out=dh[:bt])         # dh_prev = dh * z + dGh W_hh
            dh[:bt] += direct[:bt]
        return dGx, dGh_n
