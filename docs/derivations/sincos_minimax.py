"""Fits the sin/cos polynomials of crates/init/src/fastmath.rs (SIN_P, COS_P).

Minimax (least maximum absolute error) fits on [0, pi/2], by linear programming over 4001
points, of the forms the stream uses:

    sin x ~ x + x*z*(S0 + z*(S1 + z*(S2 + z*S3))),   z = x^2
    cos x ~ 1 + z*(C0 + z*(C1 + z*(C2 + z*C3)))

Both are even/odd in x, so the fit on [0, pi/2] holds on [-pi/2, pi/2]. Then it evaluates the
Box-Muller rotation in float32, in the stream's operation order, for all 2^24 angle uniforms the
stream can produce, against float64 truth (with Taylor to x^13 / x^12, the previous polynomials,
for comparison).

Not part of the build: run by hand (needs numpy and scipy).
"""

import numpy as np
from scipy.optimize import linprog


def minimax(target, basis):
    """Coefficients c minimising max |target - basis @ c|, and that maximum.

    Scaled by 1e6 first: the solver's feasibility tolerance (1e-7) would otherwise be as large
    as the errors being minimised.
    """
    n, m = basis.shape[1], len(target)
    target, basis = target * 1e6, basis * 1e6
    a_ub = np.vstack(
        [np.hstack([basis, -np.ones((m, 1))]), np.hstack([-basis, -np.ones((m, 1))])]
    )
    b_ub = np.concatenate([target, -target])
    cost = np.zeros(n + 1)
    cost[-1] = 1
    r = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * (n + 1), method="highs")
    coeffs = r.x[:n]
    return coeffs, np.abs(target - basis @ coeffs).max() / 1e6


def fit():
    x = np.linspace(0, np.pi / 2, 4001)
    z = x * x
    sin_p, sin_err = minimax(np.sin(x) - x, np.stack([x * z * z**k for k in range(4)], 1))
    cos_p, cos_err = minimax(np.cos(x) - 1, np.stack([z * z**k for k in range(4)], 1))
    return sin_p, sin_err, cos_p, cos_err


def rotation_errors(sin_p, cos_p):
    f = np.float32
    k = np.arange(1 << 24, dtype=np.int64)
    v = (2 * k + 1 - (1 << 24)).astype(np.float32) * f(2.0**-24)  # counter.rs signed_unit
    x = v * f(np.pi / 2)
    z = x * x

    def horner(coeffs):
        p = f(coeffs[-1])
        for c in coeffs[-2::-1]:
            p = f(c) + z * p
        return p

    s = x + x * z * horner(sin_p)
    c = f(1.0) + z * horner(cos_p)
    theta = 2 * (v.astype(np.float64) * np.pi / 2) + np.pi
    cos_err = np.abs((s * s - c * c) - np.cos(theta)).max()
    sin_err = np.abs(f(-2.0) * (s * c) - np.sin(theta)).max()
    return cos_err, sin_err


if __name__ == "__main__":
    sin_p, sin_err, cos_p, cos_err = fit()
    print("SIN_P", [float(c) for c in sin_p], "max error", float(sin_err))
    print("COS_P", [float(c) for c in cos_p], "max error", float(cos_err))
    print("minimax x^9/x^8, max |error| of (cos θ, sin θ) in f32:", [float(e) for e in rotation_errors(sin_p, cos_p)])
    taylor_sin = [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800, 1 / 6227020800]
    taylor_cos = [-0.5, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800, 1 / 479001600]
    print("Taylor x^13/x^12, same:", [float(e) for e in rotation_errors(taylor_sin, taylor_cos)])
