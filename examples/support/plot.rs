//! Training and validation curves as a PNG (plotters, text drawn with the bundled DejaVu
//! Sans, so no system font is needed).

use nn_core::train::History;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::Path;

/// DejaVu Sans (Bitstream Vera licence, see `examples/support/README.md`).
const FONT: &[u8] = include_bytes!("DejaVuSans.ttf");

/// Writes loss (left) and accuracy (right) per epoch, training and validation, to `path`.
pub fn curves(
    path: &Path,
    title: &str,
    history: &History,
) -> Result<(), Box<dyn std::error::Error>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font could not be read")?;
    let root = BitMapBackend::new(path, (1200, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 24))?;
    let (left, right) = root.split_horizontally(600);
    let epochs = history.epochs.len().max(1) as f64;
    let series = |f: &dyn Fn(&nn_core::train::EpochStats) -> Option<f64>| -> Vec<(f64, f64)> {
        history
            .epochs
            .iter()
            .filter_map(|e| f(e).map(|v| (e.epoch as f64, v)))
            .collect()
    };
    type Points = Vec<(f64, f64)>;
    let panels: [(_, &str, Points, Points); 2] = [
        (
            &left,
            "loss",
            series(&|e| Some(e.train.loss)),
            series(&|e| e.validation.map(|v| v.loss)),
        ),
        (
            &right,
            "accuracy",
            series(&|e| e.train.accuracy),
            series(&|e| e.validation.and_then(|v| v.accuracy)),
        ),
    ];
    for (area, name, train, val) in panels {
        let all = train.iter().chain(&val).map(|p| p.1);
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let pad = ((hi - lo) * 0.05).max(1e-6);
        let mut chart = ChartBuilder::on(area)
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(1.0..epochs.max(2.0), (lo - pad)..(hi + pad))?;
        chart.configure_mesh().x_desc("epoch").y_desc(name).draw()?;
        chart
            .draw_series(LineSeries::new(train, BLUE.stroke_width(2)))?
            .label("training")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(val, RED.stroke_width(2)))?
            .label("validation")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// One curve of [`lines`]: a label and its points.
#[allow(dead_code)] // used by the examples that plot learning curves
pub type Curve = (String, Vec<(f64, f64)>);

/// Writes curves of `y` against `x` on one chart to `path`, with a horizontal dashed line at
/// `goal` if given.
#[allow(dead_code)] // used by the examples that plot learning curves
pub fn lines(
    path: &Path,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    curves: &[Curve],
    goal: Option<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the bundled font could not be read")?;
    let root = BitMapBackend::new(path, (1000, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 24))?;
    let points = || curves.iter().flat_map(|(_, p)| p.iter());
    let x_hi = points().map(|p| p.0).fold(1.0, f64::max);
    let y_hi = points().map(|p| p.1).chain(goal).fold(1.0, f64::max);
    let y_lo = points().map(|p| p.1).fold(0.0, f64::min);
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_hi, y_lo..y_hi * 1.05)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()?;
    if let Some(g) = goal {
        chart.draw_series(DashedLineSeries::new(
            [(0.0, g), (x_hi, g)],
            8,
            6,
            BLACK.stroke_width(1),
        ))?;
    }
    for (i, (label, pts)) in curves.iter().enumerate() {
        let color = Palette99::pick(i).stroke_width(2);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}
