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
