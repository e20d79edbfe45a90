//! The grid's SVG figures: heat maps (schemes × selections, one panel per optimizer) and
//! success against the sampling budget with intervals.

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use crate::plot::Interval;

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing a figure: {e}")
}

/// One heat-map panel: a title, row and column labels, and values (`None`: no data).
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// Row labels (top to bottom).
    pub rows: Vec<String>,
    /// Column labels (left to right).
    pub cols: Vec<String>,
    /// `values[row][col]`.
    pub values: Vec<Vec<Option<f64>>>,
}

/// White (low) to dark blue (high) for t in [0, 1].
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + t * (b - a)).round() as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

/// Panels stacked vertically, each cell coloured on `range` and labelled by `label(value)`.
pub fn heat_maps(
    title: &str,
    panels: &[Panel],
    range: (f64, f64),
    label: impl Fn(f64) -> String,
) -> Result<String> {
    let mut svg = String::new();
    let cols = panels.iter().map(|p| p.cols.len()).max().unwrap_or(1);
    let rows: usize = panels.iter().map(|p| p.rows.len()).sum();
    let (cell_w, cell_h) = (46i32, 20i32);
    let (left, top, col_label, panel_title) = (120i32, 40i32, 110i32, 26i32);
    let width = (left + cell_w * cols as i32 + 20) as u32;
    let height =
        (top + rows as i32 * cell_h + panels.len() as i32 * (col_label + panel_title) + 10) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let font = ("sans-serif", 12).into_font();
        root.draw(&Text::new(title.to_string(), (10, 10), ("sans-serif", 18)))
            .map_err(err)?;
        let mut y = top;
        for p in panels {
            root.draw(&Text::new(p.title.clone(), (10, y), ("sans-serif", 15)))
                .map_err(err)?;
            y += panel_title;
            for (c, name) in p.cols.iter().enumerate() {
                let x = left + c as i32 * cell_w + cell_w / 2;
                let style = font
                    .clone()
                    .transform(FontTransform::Rotate270)
                    .color(&BLACK);
                root.draw(&Text::new(name.clone(), (x - 6, y + col_label - 4), style))
                    .map_err(err)?;
            }
            y += col_label;
            for (r, name) in p.rows.iter().enumerate() {
                let y0 = y + r as i32 * cell_h;
                root.draw(&Text::new(name.clone(), (8, y0 + 4), font.clone()))
                    .map_err(err)?;
                for (c, v) in p.values[r].iter().enumerate() {
                    let x0 = left + c as i32 * cell_w;
                    let (fill, text) = match v {
                        Some(v) => (shade((v - range.0) / (range.1 - range.0)), label(*v)),
                        None => (RGBColor(220, 220, 220), "–".to_string()),
                    };
                    root.draw(&Rectangle::new(
                        [(x0, y0), (x0 + cell_w - 1, y0 + cell_h - 1)],
                        fill.filled(),
                    ))
                    .map_err(err)?;
                    let dark = v.is_some_and(|v| (v - range.0) / (range.1 - range.0) > 0.55);
                    let color = if dark { WHITE } else { BLACK };
                    root.draw(&Text::new(
                        text,
                        (x0 + 4, y0 + 4),
                        ("sans-serif", 11).into_font().color(&color),
                    ))
                    .map_err(err)?;
                }
            }
            y += p.rows.len() as i32 * cell_h;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Success rate against the sampling budget (log axis), one series per label, with intervals.
pub fn success_vs_budget(title: &str, series: &[(String, Vec<Interval>)]) -> Result<String> {
    let mut svg = String::new();
    let max_n = series
        .iter()
        .flat_map(|(_, v)| v.iter().map(|p| p.x))
        .fold(10.0f64, f64::max);
    {
        let root = SVGBackend::with_string(&mut svg, (800, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0.8f64..max_n * 1.3).log_scale(), 0.0..1.05)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("candidates scored per run (best of n; 1 = the plain draw)")
            .y_desc("success rate, 95 % interval")
            .draw()
            .map_err(err)?;
        let palette = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];
        for (k, (name, points)) in series.iter().enumerate() {
            let color = palette[k % palette.len()];
            let shift = 1.0 + 0.03 * k as f64;
            chart
                .draw_series(points.iter().map(|p| {
                    PathElement::new(
                        vec![(p.x * shift, p.lo), (p.x * shift, p.hi)],
                        color.stroke_width(2),
                    )
                }))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (p.x * shift, p.y)),
                    color.stroke_width(1),
                ))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
