//! Basin maps as PNG images: coloured by outcome or by epochs, with initial-loss contours at
//! given thresholds and marks at given points. The image's x axis is `u`, its y axis `v`
//! (upwards).

use super::png::encode_rgb;
use super::{BasinMap, Outcome};

type Rgb = [u8; 3];

/// Contour colours, one per threshold in order (white, cyan, magenta, then repeating).
pub const CONTOUR_COLOURS: [Rgb; 3] = [[255, 255, 255], [0, 230, 230], [230, 0, 230]];

/// A point to mark with a cross, in slice coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// Coordinate along `u`.
    pub a: f64,
    /// Coordinate along `v`.
    pub b: f64,
}

fn outcome_colour(o: Outcome) -> Rgb {
    match o {
        Outcome::Success => [46, 160, 67],
        Outcome::Stuck75 => [255, 165, 0],
        Outcome::Stuck50 => [214, 39, 40],
        Outcome::Stuck25 => [148, 103, 189],
        Outcome::Diverged => [0, 0, 0],
    }
}

/// A perceptual ramp from dark blue (fast) through green to yellow (slow), t in [0, 1].
fn ramp(t: f64) -> Rgb {
    const STOPS: [Rgb; 5] = [
        [68, 1, 84],
        [59, 82, 139],
        [33, 145, 140],
        [94, 201, 98],
        [253, 231, 37],
    ];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let k = (x.floor() as usize).min(STOPS.len() - 2);
    let w = x - k as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + w * (f64::from(b) - f64::from(a))).round() as u8;
    [0, 1, 2].map(|c| mix(STOPS[k][c], STOPS[k + 1][c]))
}

fn failure_grey(o: Outcome) -> Rgb {
    match o {
        Outcome::Stuck75 => [200, 200, 200],
        Outcome::Stuck50 => [140, 140, 140],
        Outcome::Stuck25 => [90, 90, 90],
        _ => [0, 0, 0],
    }
}

fn draw(
    map: &BasinMap,
    colour: impl Fn(usize, usize) -> Rgb,
    thresholds: &[f64],
    marks: &[Mark],
) -> Vec<u8> {
    let res = map.slice.resolution;
    let mut rgb = vec![0u8; 3 * res * res];
    let at = |i: usize, j: usize| 3 * ((res - 1 - j) * res + i);
    for j in 0..res {
        for i in 0..res {
            let k = at(i, j);
            rgb[k..k + 3].copy_from_slice(&colour(i, j));
        }
    }
    for (t, &threshold) in thresholds.iter().enumerate() {
        let c = CONTOUR_COLOURS[t % CONTOUR_COLOURS.len()];
        let below = |i, j| map.pixel(i, j).initial_loss < threshold;
        for j in 0..res {
            for i in 0..res {
                let here = below(i, j);
                let crosses = (i + 1 < res && below(i + 1, j) != here)
                    || (j + 1 < res && below(i, j + 1) != here);
                if crosses {
                    let k = at(i, j);
                    rgb[k..k + 3].copy_from_slice(&c);
                }
            }
        }
    }
    let arm = (res / 100).max(2);
    for m in marks {
        let (ci, cj) = (map.slice.index_of(m.a), map.slice.index_of(m.b));
        for d in 0..=2 * arm {
            let off = d as isize - arm as isize;
            for (i, j) in [
                (ci as isize + off, cj as isize),
                (ci as isize, cj as isize + off),
            ] {
                if (0..res as isize).contains(&i) && (0..res as isize).contains(&j) {
                    let k = at(i as usize, j as usize);
                    rgb[k..k + 3].copy_from_slice(&[0, 0, 0]);
                }
            }
        }
    }
    encode_rgb(res as u32, res as u32, &rgb)
}

/// The map coloured by outcome (green success, orange 75 %, red 50 %, purple ≤ 25 %, black
/// diverged), as a PNG.
pub fn render_outcomes(map: &BasinMap, thresholds: &[f64], marks: &[Mark]) -> Vec<u8> {
    draw(
        map,
        |i, j| outcome_colour(map.pixel(i, j).outcome),
        thresholds,
        marks,
    )
}

/// The map coloured by epochs to converge on a log scale (dark blue fast, yellow slow) where
/// the run succeeded, greys where it failed (light 75 %, mid 50 %, dark ≤ 25 %), as a PNG.
pub fn render_epochs(map: &BasinMap, thresholds: &[f64], marks: &[Mark]) -> Vec<u8> {
    let max = map.config.stop.max_epochs.max(2) as f64;
    draw(
        map,
        |i, j| {
            let p = map.pixel(i, j);
            if p.outcome == Outcome::Success {
                ramp(f64::from(p.epochs.max(1)).ln() / max.ln())
            } else {
                failure_grey(p.outcome)
            }
        },
        thresholds,
        marks,
    )
}
