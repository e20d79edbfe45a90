//! SVG figures for the reports (plotters' SVG backend: no system libraries, text as `<text>`).

use anyhow::{Result, anyhow};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::stats::Spread;

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing a figure: {e}")
}

/// A histogram of `values` over `range` in `bins` bins, with labelled vertical lines.
pub fn histogram(
    title: &str,
    x_label: &str,
    values: &[f64],
    range: (f64, f64),
    bins: usize,
    lines: &[(f64, String)],
) -> Result<String> {
    let width = (range.1 - range.0) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &v in values {
        if v >= range.0 && v < range.1 {
            counts[((v - range.0) / width) as usize] += 1;
        }
    }
    let total = values.len().max(1) as f64;
    let top = counts.iter().copied().max().unwrap_or(1) as f64 / total * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(range.0..range.1, 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("share of draws")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x0 = range.0 + i as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width, c as f64 / total)],
                    BLUE.mix(0.5).filled(),
                )
            }))
            .map_err(err)?;
        let palette = [RED, GREEN, MAGENTA, CYAN, BLACK, YELLOW];
        for (k, (x, label)) in lines.iter().enumerate() {
            let color = palette[k % palette.len()];
            chart
                .draw_series(LineSeries::new(
                    vec![(*x, 0.0), (*x, top)],
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        if !lines.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A point with a 95 % interval.
#[derive(Debug, Clone)]
pub struct Interval {
    /// x position.
    pub x: f64,
    /// Estimate.
    pub y: f64,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// Rates against a threshold, ours and the write-up's, each with its interval, and horizontal
/// reference lines (e.g. the control's rate).
pub fn rates_vs_threshold(
    title: &str,
    series: &[(String, Vec<Interval>)],
    references: &[(String, f64)],
    x_range: (f64, f64),
) -> Result<String> {
    interval_chart(
        title,
        (
            "initial-loss threshold (accept below)",
            "success rate, 95 % interval",
        ),
        (x_range, (0.0, 1.05)),
        series,
        references,
    )
}

/// The series' legend in the lower right corner, on a translucent white box.
fn lower_right_legend<'a, 'b>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> Result<()>
where
    'b: 'a,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

/// Points with 95 % intervals per series (offset slightly in x so they do not overlap) and
/// horizontal reference lines, on the given axes `(x, y)` and ranges `(x, y)`; the y range
/// widens to hold every interval and reference.
pub fn interval_chart(
    title: &str,
    (x_desc, y_desc): (&str, &str),
    (x_range, y_range): ((f64, f64), (f64, f64)),
    series: &[(String, Vec<Interval>)],
    references: &[(String, f64)],
) -> Result<String> {
    let y_range = series
        .iter()
        .flat_map(|(_, v)| v.iter().flat_map(|p| [p.lo, p.hi]))
        .chain(references.iter().map(|r| r.1))
        .filter(|v| v.is_finite())
        .fold(y_range, |(lo, hi), v| (lo.min(v), hi.max(v)));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .draw()
            .map_err(err)?;
        let palette = [BLUE, RED, GREEN, MAGENTA];
        for (k, (name, points)) in series.iter().enumerate() {
            let color = palette[k % palette.len()];
            let dx = (x_range.1 - x_range.0) * 0.006 * k as f64;
            chart
                .draw_series(points.iter().map(|p| {
                    PathElement::new(
                        vec![(p.x + dx, p.lo), (p.x + dx, p.hi)],
                        color.stroke_width(2),
                    )
                }))
                .map_err(err)?;
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.x + dx, p.y), 4, color.filled())),
                )
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        for (k, (name, y)) in references.iter().enumerate() {
            let color = palette[(k + series.len()) % palette.len()];
            chart
                .draw_series(LineSeries::new(
                    vec![(x_range.0, *y), (x_range.1, *y)],
                    color.stroke_width(1),
                ))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        lower_right_legend(&mut chart)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Box plots of epochs per arm: whiskers from p10 to the maximum, the box p25–p75, the
/// median marked.
pub fn epochs_per_arm(title: &str, arms: &[(String, Spread)], max_epochs: f64) -> Result<String> {
    let mut svg = String::new();
    {
        let height = 120 + 36 * arms.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (800, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = arms.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..max_epochs * 1.02, -0.5..n - 0.5)
            .map_err(err)?;
        let names: Vec<String> = arms.iter().map(|(a, _)| a.clone()).collect();
        chart
            .configure_mesh()
            .x_desc("epochs completed (p10, p25, median, p75, max)")
            .y_labels(arms.len())
            .y_label_formatter(&|y| row_label(&names, *y))
            .draw()
            .map_err(err)?;
        for (i, (_, s)) in arms.iter().enumerate() {
            let y = i as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(s.p10, y), (s.max, y)],
                    BLACK,
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(s.p25, y - 0.3), (s.p75, y + 0.3)],
                    BLUE.mix(0.4).filled(),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(s.median, y - 0.35), (s.median, y + 0.35)],
                    RED.stroke_width(3),
                )))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The name of row `y` of a chart with one row per name at y = 0, 1, … (blank between rows).
fn row_label(names: &[String], y: f64) -> String {
    let i = y.round();
    if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
        names[i as usize].clone()
    } else {
        String::new()
    }
}

/// One row per `(name, estimate, (lo, hi))`, top to bottom in the order given: the estimate as
/// a dot and its 95 % interval as a bar, with a vertical line at `reference` (e.g. a
/// baseline's estimate). Non-finite rows are left blank.
pub fn intervals_by_row(
    title: &str,
    x_desc: &str,
    rows: &[(String, f64, (f64, f64))],
    reference: Option<(&str, f64)>,
) -> Result<String> {
    let finite: Vec<f64> = rows
        .iter()
        .flat_map(|(_, m, (lo, hi))| [*m, *lo, *hi])
        .chain(reference.map(|r| r.1))
        .filter(|v| v.is_finite())
        .collect();
    let (x0, x1) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (x0, x1) = if x0.is_finite() && x1 > x0 {
        let pad = (x1 - x0) * 0.05;
        (x0 - pad, x1 + pad)
    } else if x0.is_finite() {
        (x0 - 0.5, x0 + 0.5)
    } else {
        (0.0, 1.0)
    };
    let n = rows.len();
    // Row k is drawn at y = n − 1 − k so the first row is on top.
    let names: Vec<String> = rows.iter().rev().map(|r| r.0.clone()).collect();
    let mut svg = String::new();
    {
        let height = 120 + 30 * n as u32;
        let root = SVGBackend::with_string(&mut svg, (820, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(190)
            .build_cartesian_2d(x0..x1, -0.5..n as f64 - 0.5)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_labels(n)
            .y_label_formatter(&|y| row_label(&names, *y))
            .draw()
            .map_err(err)?;
        if let Some((label, x)) = reference.filter(|r| r.1.is_finite()) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, -0.5), (x, n as f64 - 0.5)],
                    RED.stroke_width(1),
                )))
                .map_err(err)?
                .label(label.to_string())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        }
        for (k, (_, m, (lo, hi))) in rows.iter().enumerate() {
            if !(m.is_finite() && lo.is_finite() && hi.is_finite()) {
                continue;
            }
            let y = (n - 1 - k) as f64;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*lo, y), (*hi, y)],
                    BLUE.stroke_width(2),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new((*m, y), 4, BLUE.filled())))
                .map_err(err)?;
        }
        if reference.is_some() {
            lower_right_legend(&mut chart)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A scatter plot of one or more point series (at most `max_points` per series are drawn,
/// evenly spaced, to keep the SVG small).
pub fn scatter(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    max_points: usize,
) -> Result<String> {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|(_, v)| v.iter().filter(finite).copied())
        .collect();
    let (x0, x1) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    let (y0, y1) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let pad = |a: f64, b: f64| {
        if a.is_finite() && b > a {
            ((b - a) * 0.03).max(1e-9)
        } else {
            1.0
        }
    };
    let (px, py) = (pad(x0, x1), pad(y0, y1));
    let (x0, x1, y0, y1) = if all.is_empty() {
        (0.0, 1.0, 0.0, 1.0)
    } else {
        (x0 - px, x1 + px, y0 - py, y1 + py)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(err)?;
        let palette = [BLUE, RED, GREEN, MAGENTA];
        for (k, (name, points)) in series.iter().enumerate() {
            let color = palette[k % palette.len()];
            let step = points.len().div_ceil(max_points.max(1)).max(1);
            chart
                .draw_series(
                    points
                        .iter()
                        .step_by(step)
                        .filter(finite)
                        .map(|&p| Circle::new(p, 2, color.mix(0.5).filled())),
                )
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_svg_with_their_titles() {
        let h = histogram(
            "losses",
            "loss",
            &[0.1, 0.2, 0.2, 0.9],
            (0.0, 1.0),
            10,
            &[(0.5, "t".into())],
        )
        .unwrap();
        assert!(h.starts_with("<svg") && h.contains("losses") && h.trim_end().ends_with("</svg>"));
        let pts = vec![Interval {
            x: 0.3,
            y: 0.5,
            lo: 0.4,
            hi: 0.6,
        }];
        let r = rates_vs_threshold(
            "rates",
            &[("ours".into(), pts)],
            &[("control".into(), 0.58)],
            (0.0, 0.6),
        )
        .unwrap();
        assert!(r.contains("rates") && r.contains("ours") && r.contains("control"));
        let s = Spread {
            p10: 10.0,
            p25: 20.0,
            median: 30.0,
            p75: 40.0,
            max: 90.0,
        };
        let e = epochs_per_arm("epochs", &[("control".into(), s)], 100.0).unwrap();
        assert!(e.contains("control") && e.contains("epochs"));
        let pts: Vec<(f64, f64)> = (0..100).map(|i| (f64::from(i), f64::from(i * i))).collect();
        let sc = scatter("sc", "x", "y", &[("a".into(), pts)], 10).unwrap();
        assert_eq!(
            sc.matches("<circle").count(),
            10 + 1,
            "10 points and one legend marker"
        );
    }
}
