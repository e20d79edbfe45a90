//! `torch.nn.init.orthogonal_` on a given Gaussian matrix: Householder QR in f64 with the sign
//! fix, so Q is Haar-distributed (uniform on the orthogonal group).
//!
//! This is block-level work (O(rows·cols·min(rows, cols))), so it is not part of the SIMD
//! element path; it is still deterministic, since the Gaussian comes from the counter stream
//! and the arithmetic below is plain sequential f64 without FMA contraction.

/// Turns `gaussian` (`rows × cols`, row-major, N(0, 1) entries) into `gain`·Q as PyTorch
/// does: work on the tall matrix M (the input, or its transpose when rows < cols), take
/// M = QR with Q `m × n`, multiply Q's column k by sign(R_kk) (sign 0 counts as +1, where
/// PyTorch would zero the column; that event has probability 0), transpose back.
///
/// Result: for rows ≤ cols, W·Wᵀ = gain²·I; for rows ≥ cols, Wᵀ·W = gain²·I.
pub fn orthogonalize(gaussian: &[f32], rows: usize, cols: usize, gain: f64, out: &mut [f32]) {
    debug_assert_eq!(gaussian.len(), rows * cols);
    debug_assert_eq!(out.len(), rows * cols);
    let transpose = rows < cols;
    let (m, n) = if transpose {
        (cols, rows)
    } else {
        (rows, cols)
    };
    // Column-major m × n copy of M: column k is a[k*m .. (k+1)*m].
    let mut a = vec![0.0f64; m * n];
    for r in 0..rows {
        for c in 0..cols {
            let x = gaussian[r * cols + c] as f64;
            let (i, k) = if transpose { (c, r) } else { (r, c) };
            a[k * m + i] = x;
        }
    }
    let mut reflectors: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut diag_sign = vec![1.0f64; n];
    for k in 0..n {
        let norm = a[k * m + k..(k + 1) * m]
            .iter()
            .map(|x| x * x)
            .sum::<f64>()
            .sqrt();
        let x0 = a[k * m + k];
        // R_kk = −sign(x0)·‖x‖ avoids cancellation in v0 = x0 − R_kk.
        let r_kk = if x0 >= 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[k * m + k..(k + 1) * m].to_vec();
        v[0] -= r_kk;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        diag_sign[k] = if r_kk < 0.0 { -1.0 } else { 1.0 };
        if vv > 0.0 {
            for j in k..n {
                let col = &mut a[j * m + k..(j + 1) * m];
                let dot: f64 = v.iter().zip(col.iter()).map(|(x, y)| x * y).sum();
                let f = 2.0 * dot / vv;
                for (y, x) in col.iter_mut().zip(&v) {
                    *y -= f * x;
                }
            }
        }
        reflectors.push(v);
    }
    // Q = H_0 H_1 … H_{n−1} · I[:, :n], applied right to left.
    let mut q = vec![0.0f64; m * n];
    for k in 0..n {
        q[k * m + k] = 1.0;
    }
    for k in (0..n).rev() {
        let v = &reflectors[k];
        let vv: f64 = v.iter().map(|x| x * x).sum();
        if vv == 0.0 {
            continue;
        }
        // Columns j < k are still e_j, zero in the rows H_k touches: skipping them changes no bit.
        for j in k..n {
            let col = &mut q[j * m + k..(j + 1) * m];
            let dot: f64 = v.iter().zip(col.iter()).map(|(x, y)| x * y).sum();
            let f = 2.0 * dot / vv;
            for (y, x) in col.iter_mut().zip(v) {
                *y -= f * x;
            }
        }
    }
    for r in 0..rows {
        for c in 0..cols {
            let (i, k) = if transpose { (c, r) } else { (r, c) };
            out[r * cols + c] = (gain * (q[k * m + i] * diag_sign[k])) as f32;
        }
    }
}
