//! The losses and accuracy rules of the engine on one tile of outputs, feature-major
//! (`o[j][r]`: output j of tile row r), so every loop runs over a contiguous row of the tile
//! and vectorizes.
//!
//! Rows are added to the running sum in data order (and, for elementwise losses, the elements
//! of a row in column order), so the total is the engine's sequential sum whatever the tiling;
//! the mean's factor is the engine's f32 rounding of 1/count.

use initsift_init::lanes::fastmath::ln;
use initsift_nn::loss::argmax;
use initsift_nn::{AccuracyRule, Loss};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis};

use crate::Isa;
use crate::score::math::{exp_nonpositive, sigmoid_from, softplus};

crate::isa_dispatch! {
    /// [`TileLoss::tile`]'s body compiled per ISA.
    #[allow(clippy::too_many_arguments)]
    fn tile_on(
        this: &TileLoss,
        first: usize,
        o: ArrayView2<'_, f32>,
        sc: &mut LossScratch,
        sum: &mut f32,
        correct: Option<&mut usize>,
        grad: Option<ArrayViewMut2<'_, f32>>,
    ) {
        this.tile_body(first, o, sc, sum, correct, grad)
    }
}

/// A loss on fixed targets.
#[derive(Debug, Clone)]
pub(crate) struct TileLoss {
    loss: Loss,
    rule: AccuracyRule,
    /// The mean's factor: 1/(rows·cols) elementwise, 1/rows for cross-entropy.
    pub(crate) scale: f32,
    /// The targets, feature-major (outputs × rows).
    targets_t: Array2<f32>,
    /// Σⱼ tᵢⱼ per row (cross-entropy's target mass).
    mass: Vec<f32>,
    /// Per row: the target class (argmax rule) or whether the target is ≥ 0.5 (threshold).
    class: Vec<usize>,
}

/// The engine's f32 rounding of 1/count for `loss` over `rows` rows of `k` outputs: count is
/// the rows for cross-entropy, the elements otherwise.
fn mean_factor(loss: Loss, rows: usize, k: usize) -> f32 {
    let count = match loss {
        Loss::CrossEntropy => rows,
        _ => rows * k,
    };
    (1.0 / count as f64) as f32
}

/// Row `j` of a tile whose rows are contiguous (a column range of a standard-layout array).
fn contiguous<'a>(a: &ArrayView2<'a, f32>, j: usize) -> &'a [f32] {
    (*a).index_axis_move(Axis(0), j)
        .to_slice()
        .expect("tile rows are contiguous")
}

/// Per-thread buffers of the loss.
#[derive(Default)]
pub(crate) struct LossScratch {
    values: Vec<f32>,
    m: Vec<f32>,
    s: Vec<f32>,
    s2: Vec<f32>,
    e: Vec<f32>,
    best_v: Vec<f32>,
    best_i: Vec<u32>,
}

impl TileLoss {
    pub(crate) fn new(loss: Loss, targets: ArrayView2<'_, f32>) -> Self {
        let (n, k) = targets.dim();
        let rule = loss.accuracy_rule(k);
        Self {
            loss,
            rule,
            scale: mean_factor(loss, n, k),
            targets_t: targets.t().as_standard_layout().into_owned(),
            mass: targets.rows().into_iter().map(|r| r.sum()).collect(),
            class: targets
                .rows()
                .into_iter()
                .map(|t| match rule {
                    AccuracyRule::Threshold(_) => usize::from(t[0] >= 0.5),
                    AccuracyRule::Argmax => argmax(t.iter().copied()),
                })
                .collect(),
        }
    }

    /// Takes the mean over `rows` rows of these targets (a minibatch of them) rather than over
    /// all of them: sets [`scale`](Self::scale) as `new` would on those rows alone.
    pub(crate) fn mean_over(&mut self, rows: usize) {
        self.scale = mean_factor(self.loss, rows, self.targets_t.nrows());
    }

    /// Adds tile rows `first..first + R` (`o` is outputs × R, standard layout) to `sum`,
    /// counts correct rows into `correct` when asked (training steps do not ask), and when
    /// `grad` is given fills it (outputs × R) with ∂L/∂o, mean factor included. Runs on the
    /// clone `isa` names, so the loops are as wide as the CPU.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn tile(
        &self,
        isa: Isa,
        first: usize,
        o: ArrayView2<'_, f32>,
        sc: &mut LossScratch,
        sum: &mut f32,
        correct: Option<&mut usize>,
        grad: Option<ArrayViewMut2<'_, f32>>,
    ) {
        tile_on(isa, self, first, o, sc, sum, correct, grad);
    }

    #[inline(always)]
    fn tile_body(
        &self,
        first: usize,
        o: ArrayView2<'_, f32>,
        sc: &mut LossScratch,
        sum: &mut f32,
        correct: Option<&mut usize>,
        grad: Option<ArrayViewMut2<'_, f32>>,
    ) {
        let (k, rows) = o.dim();
        let t = self.targets_t.slice(ndarray::s![.., first..first + rows]);
        if let Some(correct) = correct {
            *correct += self.correct_rows(first, o, sc);
        }
        let scale = self.scale;
        match self.loss {
            Loss::Mse | Loss::BceWithLogits => {
                let bce = self.loss == Loss::BceWithLogits;
                sc.values.clear();
                sc.values.resize(k * rows, 0.0);
                for (j, v) in sc.values.chunks_exact_mut(rows).enumerate() {
                    let (oj, tj) = (contiguous(&o, j), contiguous(&t, j));
                    if bce {
                        for ((v, &y), &tt) in v.iter_mut().zip(oj).zip(tj) {
                            *v = softplus(y) - y * tt;
                        }
                    } else {
                        for ((v, &y), &tt) in v.iter_mut().zip(oj).zip(tj) {
                            let d = y - tt;
                            *v = d * d;
                        }
                    }
                }
                // The engine's order: row by row, columns within a row.
                for r in 0..rows {
                    for j in 0..k {
                        *sum += sc.values[j * rows + r];
                    }
                }
                if let Some(mut g) = grad {
                    ndarray::Zip::from(&mut g)
                        .and(&o)
                        .and(&t)
                        .for_each(|g, &y, &tt| {
                            *g = if bce {
                                (sigmoid_from(y, exp_nonpositive(-y.abs())) - tt) * scale
                            } else {
                                (2.0 * (y - tt)) * scale
                            };
                        });
                }
            }
            Loss::CrossEntropy => self.cross_entropy(first, o, t, sc, sum, grad),
        }
    }

    /// How many of tile rows `first..first + R` the accuracy rule counts correct.
    #[inline(always)]
    fn correct_rows(&self, first: usize, o: ArrayView2<'_, f32>, sc: &mut LossScratch) -> usize {
        let rows = o.ncols();
        let class = &self.class[first..first + rows];
        match self.rule {
            AccuracyRule::Threshold(th) => o
                .row(0)
                .iter()
                .zip(class)
                .filter(|(y, c)| usize::from(f64::from(**y) >= th) == **c)
                .count(),
            AccuracyRule::Argmax => {
                // torch.argmax per row, across rows at once: the first maximum wins and a NaN
                // never does.
                // Values and indices in separate arrays, so the compare-and-select vectorizes.
                sc.best_v.clear();
                sc.best_v.resize(rows, f32::NEG_INFINITY);
                sc.best_i.clear();
                sc.best_i.resize(rows, 0);
                let o_all = o.to_slice().expect("outputs are standard layout");
                for (j, oj) in o_all.chunks_exact(rows).enumerate() {
                    for ((bv, bi), &y) in sc.best_v.iter_mut().zip(&mut sc.best_i).zip(oj) {
                        // `max` for the value, so the store is unconditional: a select
                        // compiles to a masked store, microcoded and slow on AMD. The two
                        // differ only on a tie of ±0 (a NaN never wins either), where every
                        // later comparison comes out the same.
                        let better = y > *bv;
                        *bi = if better { j as u32 } else { *bi };
                        *bv = bv.max(y);
                    }
                }
                sc.best_i
                    .iter()
                    .zip(class)
                    .filter(|(b, c)| **b as usize == **c)
                    .count()
            }
        }
    }

    /// The engine's log-sum-exp form, across the tile's rows at once: max first (NaN ignored),
    /// then Σ exp(x − max) in column order, lse = max + ln Σ.
    #[inline(always)]
    fn cross_entropy(
        &self,
        first: usize,
        o: ArrayView2<'_, f32>,
        t: ArrayView2<'_, f32>,
        sc: &mut LossScratch,
        sum: &mut f32,
        grad: Option<ArrayViewMut2<'_, f32>>,
    ) {
        let (k, rows) = o.dim();
        let mass = &self.mass[first..first + rows];
        let o_all = o.to_slice().expect("outputs are standard layout");
        sc.m.clear();
        sc.m.resize(rows, f32::NEG_INFINITY);
        for oj in o_all.chunks_exact(rows) {
            sc.m.iter_mut().zip(oj).for_each(|(m, &x)| *m = m.max(x));
        }
        sc.e.clear();
        sc.e.resize(k * rows, 0.0);
        sc.s.clear();
        sc.s.resize(rows, 0.0);
        for (ej, oj) in sc.e.chunks_exact_mut(rows).zip(o_all.chunks_exact(rows)) {
            for (((e, s), &x), &m) in ej.iter_mut().zip(&mut sc.s).zip(oj).zip(&sc.m) {
                // exp(x − m) ≤ 1 when m is finite; rows with an infinite max are redone below.
                *e = exp_nonpositive(x - m);
                *s += *e;
            }
        }
        sc.values.clear();
        sc.values.resize(rows, 0.0);
        // Zipped, not indexed, so the loop vectorizes.
        for ((v, &m), &s) in sc.values.iter_mut().zip(&sc.m).zip(&sc.s) {
            // s ≥ 1 when m is finite: the polynomial ln's domain.
            *v = m + ln(s);
        }
        for r in 0..rows {
            if !sc.m[r].is_finite() {
                let mut s = 0.0f32;
                for j in 0..k {
                    sc.e[j * rows + r] = o[(j, r)].exp();
                    s += sc.e[j * rows + r];
                }
                sc.s[r] = s;
                sc.values[r] = s.ln();
            }
        }
        // Σⱼ tⱼ·oⱼ per row in column order, across rows at once; then rows in data order.
        sc.s2.clear();
        sc.s2.resize(rows, 0.0);
        for (j, oj) in o_all.chunks_exact(rows).enumerate() {
            let tj = contiguous(&t, j);
            for ((p, &x), &tt) in sc.s2.iter_mut().zip(oj).zip(tj) {
                *p += tt * x;
            }
        }
        // Each row's loss across rows at once, then the rows added in data order.
        for ((v, &ms), &picked) in sc.values.iter_mut().zip(mass).zip(&sc.s2) {
            *v = *v * ms - picked;
        }
        for v in &sc.values {
            *sum += v;
        }
        if let Some(mut g) = grad {
            let g_all = g.as_slice_mut().expect("gradients are standard layout");
            for (j, gj) in g_all.chunks_exact_mut(rows).enumerate() {
                let ej = &sc.e[j * rows..(j + 1) * rows];
                for ((((g, &e), &s), &ms), &tt) in gj
                    .iter_mut()
                    .zip(ej)
                    .zip(&sc.s)
                    .zip(mass)
                    .zip(contiguous(&t, j))
                {
                    *g = ((e / s) * ms - tt) * self.scale;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tile's argmax accuracy counts a row exactly when the engine's `argmax` picks its
    /// class: first maximum wins, NaN never, ±0 ties, infinities, on every ISA.
    #[test]
    fn argmax_accuracy_is_the_engines_on_ties_nans_and_infinities() {
        let (nan, inf) = (f32::NAN, f32::INFINITY);
        let mut rows: Vec<[f32; 3]> = vec![
            [1.0, 1.0, 0.5],
            [0.5, 1.0, 1.0],
            [-0.0, 0.0, -1.0],
            [0.0, -0.0, -1.0],
            [nan, 0.5, 0.4],
            [0.4, nan, 0.5],
            [nan, nan, nan],
            [-inf, -inf, -inf],
            [inf, inf, 2.0],
            [-inf, nan, -inf],
            [-1.0, -1.0, -1.0],
        ];
        // More rows than a vector, so the vector loop and its tail both run.
        rows.extend((0..40).map(|i| {
            let v = |k: usize| ((i * 7 + k * 3) % 5) as f32 * 0.5 - 1.0;
            [v(0), v(1), v(2)]
        }));
        let n = rows.len();
        for class in 0..3 {
            let mut targets = Array2::zeros((n, 3));
            targets.column_mut(class).fill(1.0);
            let loss = TileLoss::new(Loss::CrossEntropy, targets.view());
            let o = Array2::from_shape_fn((3, n), |(j, r)| rows[r][j]);
            let want = rows
                .iter()
                .filter(|r| argmax(r.iter().copied()) == class)
                .count();
            for isa in Isa::available() {
                let (mut sum, mut correct) = (0.0, 0);
                let mut sc = LossScratch::default();
                loss.tile(
                    isa,
                    0,
                    o.view(),
                    &mut sc,
                    &mut sum,
                    Some(&mut correct),
                    None,
                );
                assert_eq!(correct, want, "class {class} on {isa}");
            }
        }
    }
}
