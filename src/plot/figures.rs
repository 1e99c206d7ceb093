//! Drawing each figure on a plotters drawing area; generic over the backend (PNG, SVG).

use anyhow::{anyhow, bail, Result};
use cabin_infer::cut::Op;
use cabin_infer::doc::{CutsFile, Losses};
use cabin_train::baselines::roc::{Roc, RocPoint};
use cabin_train::baselines::Summary;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::hist::{finite_range, log_range, nearest_target, padded, quantile_range, Histogram};
use super::{Events, Figure, Options, FONT};

/// Line colours, chosen to stay apart for colour-blind readers (Okabe-Ito).
const COLORS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];
const SIGNAL: RGBColor = RGBColor(0, 114, 178);
const BACKGROUND: RGBColor = RGBColor(213, 94, 0);

const LIGHT_GRID: RGBColor = RGBColor(242, 242, 242);
const BOLD_GRID: RGBColor = RGBColor(205, 205, 205);

/// Lower end of a log efficiency axis.
const LOG_FLOOR: f64 = 1e-5;

fn de<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e}")
}

fn line(color: RGBColor, width: u32) -> ShapeStyle {
    ShapeStyle { color: color.to_rgba(), filled: false, stroke_width: width }
}

fn is_greater(op: Op) -> bool {
    matches!(op, Op::Gt | Op::Ge)
}

/// Features that have at least one cut, with the indices of their slots.
fn cut_features(file: &CutsFile) -> Vec<(String, Vec<usize>)> {
    let Some(first) = file.working_points.first() else {
        return Vec::new();
    };
    file.features
        .iter()
        .filter_map(|f| {
            let slots: Vec<usize> = first
                .cuts
                .iter()
                .enumerate()
                .filter(|(_, c)| c.feature == f.name)
                .map(|(s, _)| s)
                .collect();
            (!slots.is_empty()).then(|| (f.name.clone(), slots))
        })
        .collect()
}

fn grid(n: usize) -> (usize, usize) {
    let cols = n.clamp(1, 3);
    (n.div_ceil(cols).max(1), cols)
}

/// Pixel size of a figure.
pub(crate) fn size(fig: &Figure, file: &CutsFile) -> (u32, u32) {
    match fig {
        Figure::Cuts | Figure::Distributions(_) => {
            let (rows, cols) = grid(cut_features(file).len());
            (cols as u32 * 460, rows as u32 * 340 + 50)
        }
        Figure::Roc(_) => (900, 720),
        Figure::Loss => (1000, 650),
    }
}

/// Draws `fig` on `root`.
pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    file: &CutsFile,
    opts: &Options,
) -> Result<()> {
    root.fill(&WHITE).map_err(de)?;
    match fig {
        Figure::Cuts => cuts(root, file),
        Figure::Roc(base) => roc(root, file, base, opts.roc_log_y),
        Figure::Loss => loss(root, file),
        Figure::Distributions(ev) => distributions(root, file, ev, opts),
    }
}

fn cuts<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, file: &CutsFile) -> Result<()> {
    let feats = cut_features(file);
    let root = root
        .titled(
            "Cuts against the target signal efficiency (solid: keep above, dashed: keep below)",
            (FONT, 20),
        )
        .map_err(de)?;
    let panels = root.split_evenly(grid(feats.len()));
    let targets: Vec<f64> = file.working_points.iter().map(|w| w.target).collect();
    let (xlo, xhi) = padded(
        targets.iter().copied().fold(f64::INFINITY, f64::min),
        targets.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    for ((name, slots), area) in feats.iter().zip(&panels) {
        let values =
            file.working_points.iter().flat_map(|w| slots.iter().map(|&s| w.cuts[s].value));
        let Some((lo, hi)) = finite_range(values) else {
            continue;
        };
        let (ylo, yhi) = padded(lo, hi);
        let mut chart = ChartBuilder::on(area)
            .caption(name, (FONT, 18))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(70)
            .build_cartesian_2d(xlo..xhi, ylo..yhi)
            .map_err(de)?;
        chart
            .configure_mesh()
            .light_line_style(LIGHT_GRID)
            .bold_line_style(BOLD_GRID)
            .x_desc("target signal efficiency")
            .y_desc(format!("cut on {name} (input units)"))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(de)?;
        for (j, &s) in slots.iter().enumerate() {
            let op = file.working_points[0].cuts[s].op;
            let pts: Vec<(f64, f64)> = file
                .working_points
                .iter()
                .map(|w| (w.target, w.cuts[s].value))
                .filter(|p| p.1.is_finite())
                .collect();
            let style = line(COLORS[j % COLORS.len()], 2);
            let label = format!("keep {name} {op} cut");
            if is_greater(op) {
                chart
                    .draw_series(LineSeries::new(pts.clone(), style))
                    .map_err(de)?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            } else {
                chart
                    .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, style))
                    .map_err(de)?
                    .label(label)
                    .legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, style)
                    });
            }
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 3, style.filled())))
                .map_err(de)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()
            .map_err(de)?;
    }
    Ok(())
}

/// One ROC curve to draw: label, points, colour, dashed.
struct Curve {
    label: String,
    points: Vec<RocPoint>,
    color: RGBColor,
    dashed: bool,
    markers: bool,
}

fn roc_curves(file: &CutsFile, base: &[Summary]) -> Vec<Curve> {
    let test = Roc::from_points(
        file.working_points
            .iter()
            .map(|w| RocPoint { eff_sig: w.test.eff_sig, eff_bkg: w.test.eff_bkg }),
    );
    let train = Roc::from_points(
        file.working_points
            .iter()
            .map(|w| RocPoint { eff_sig: w.train.eff_sig, eff_bkg: w.train.eff_bkg }),
    );
    let auc = |r: &Roc| r.with_ends().auc().map(|a| format!(" (AUC {a:.3})")).unwrap_or_default();
    let mut curves = vec![Curve {
        label: format!("cabin cuts, test{}", auc(&test)),
        points: test.points.clone(),
        color: BLACK,
        dashed: false,
        markers: true,
    }];
    curves.push(Curve {
        label: "cabin cuts, train".to_string(),
        points: train.points,
        color: RGBColor(150, 150, 150),
        dashed: true,
        markers: false,
    });
    for (i, b) in base.iter().enumerate() {
        let auc = b.auc.map(|a| format!(" (AUC {a:.3})")).unwrap_or_default();
        curves.push(Curve {
            label: format!("{}{auc}", b.method),
            points: b.roc.clone(),
            color: COLORS[i % COLORS.len()],
            dashed: false,
            markers: false,
        });
    }
    curves
}

fn draw_curves<'a, DB, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
    curves: &[Curve],
    log_y: bool,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    Y: Ranged<ValueType = f64>,
{
    let keep = |p: &RocPoint| !log_y || p.eff_bkg > 0.0;
    let diag: Vec<(f64, f64)> = (0..=100)
        .map(|i| i as f64 / 100.0)
        .filter(|&v| !log_y || v > 0.0)
        .map(|v| (v, v))
        .collect();
    let grey = line(RGBColor(190, 190, 190), 1);
    chart
        .draw_series(DashedLineSeries::new(diag, 4, 4, grey))
        .map_err(de)?
        .label("random")
        .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 24, y)], 4, 3, grey));
    for c in curves {
        let pts: Vec<(f64, f64)> =
            c.points.iter().filter(|p| keep(p)).map(|p| (p.eff_sig, p.eff_bkg)).collect();
        let style = line(c.color, 2);
        if c.dashed {
            chart
                .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, style))
                .map_err(de)?
                .label(&c.label)
                .legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, style)
                });
        } else {
            chart
                .draw_series(LineSeries::new(pts.clone(), style))
                .map_err(de)?
                .label(&c.label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        }
        if c.markers {
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 3, style.filled())))
                .map_err(de)?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 15))
        .draw()
        .map_err(de)?;
    Ok(())
}

fn roc<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    file: &CutsFile,
    base: &[Summary],
    log_y: bool,
) -> Result<()> {
    let curves = roc_curves(file, base);
    let title = "ROC on the test split: cabin's cut scan and baselines";
    let mut builder = ChartBuilder::on(root);
    builder.caption(title, (FONT, 22)).margin(15).x_label_area_size(50).y_label_area_size(75);
    let x_desc = "signal efficiency (fraction of weighted signal kept)";
    let y_desc = "background efficiency (fraction of weighted background kept)";
    if log_y {
        let all = curves.iter().flat_map(|c| c.points.iter().map(|p| p.eff_bkg));
        let (lo, hi) = log_range(all, LOG_FLOOR);
        let mut chart = builder
            .build_cartesian_2d(0.0..1.0, (lo..hi.min(1.0).max(lo * 10.0)).log_scale())
            .map_err(de)?;
        chart
            .configure_mesh()
            .light_line_style(LIGHT_GRID)
            .bold_line_style(BOLD_GRID)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(de)?;
        draw_curves(&mut chart, &curves, true)
    } else {
        let mut chart = builder.build_cartesian_2d(0.0..1.0, 0.0..1.0).map_err(de)?;
        chart
            .configure_mesh()
            .light_line_style(LIGHT_GRID)
            .bold_line_style(BOLD_GRID)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(de)?;
        draw_curves(&mut chart, &curves, false)
    }
}

/// The named loss components, in legend order.
fn components(l: &Losses) -> [(&'static str, f64); 6] {
    [
        ("total", l.total),
        ("efficiency (alpha)", l.effic),
        ("background (beta)", l.backg),
        ("cut size (gamma)", l.cutsz),
        ("smoothness (eps)", l.smooth),
        ("BCE (delta)", l.bce),
    ]
}

/// Runs of consecutive positive values, for a log axis that cannot show 0.
fn positive_runs(pts: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &p in pts {
        if p.1 > 0.0 && p.1.is_finite() {
            if let Some(r) = runs.last_mut() {
                r.push(p);
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn loss<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, file: &CutsFile) -> Result<()> {
    let hist = &file.history;
    let epochs = hist.iter().map(|e| f64::from(e.epoch));
    let (x0, x1) = finite_range(epochs).unwrap_or((0.0, 1.0));
    let all = hist.iter().flat_map(|e| {
        let test = e.test.map(|t| components(&t).map(|c| c.1));
        components(&e.train).map(|c| c.1).into_iter().chain(test.into_iter().flatten())
    });
    let (lo, hi) = log_range(all, 1e-12);
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Loss per epoch, summed over working points (solid: train, dashed: test)",
            (FONT, 20),
        )
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(75)
        .build_cartesian_2d(x0..x1.max(x0 + 1.0), (lo..hi).log_scale())
        .map_err(de)?;
    chart
        .configure_mesh()
        .light_line_style(LIGHT_GRID)
        .bold_line_style(BOLD_GRID)
        .x_desc("epoch")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("loss (dimensionless)")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(de)?;
    for c in 0..6 {
        let name = components(&hist[0].train)[c].0;
        let color = COLORS[c % COLORS.len()];
        let style = line(color, if c == 0 { 3 } else { 2 });
        let train: Vec<(f64, f64)> =
            hist.iter().map(|e| (f64::from(e.epoch), components(&e.train)[c].1)).collect();
        let test: Vec<(f64, f64)> = hist
            .iter()
            .filter_map(|e| e.test.map(|t| (f64::from(e.epoch), components(&t)[c].1)))
            .collect();
        let train_runs = positive_runs(&train);
        let test_runs = positive_runs(&test);
        if train_runs.is_empty() && test_runs.is_empty() {
            continue;
        }
        let mut labelled = false;
        for r in train_runs {
            let s = chart.draw_series(LineSeries::new(r, style)).map_err(de)?;
            if !labelled {
                s.label(name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
                labelled = true;
            }
        }
        for r in test_runs {
            let s = chart.draw_series(DashedLineSeries::new(r, 8, 5, style)).map_err(de)?;
            if !labelled {
                s.label(name).legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, style)
                });
                labelled = true;
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 15))
        .draw()
        .map_err(de)?;
    Ok(())
}

fn distributions<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    file: &CutsFile,
    ev: &Events,
    opts: &Options,
) -> Result<()> {
    let targets: Vec<f64> = file.working_points.iter().map(|w| w.target).collect();
    let Some(p) = nearest_target(&targets, opts.point) else {
        bail!("the cut file has no working points");
    };
    let wp = &file.working_points[p];
    let feats = cut_features(file);
    let title = format!(
        "Weighted, normalised distributions with the cuts of target {:.2} (test: signal {:.3}, background {:.4})",
        wp.target, wp.test.eff_sig, wp.test.eff_bkg
    );
    let root = root.titled(&title, (FONT, 18)).map_err(de)?;
    let panels = root.split_evenly(grid(feats.len()));
    for ((name, slots), area) in feats.iter().zip(&panels) {
        let Some(k) = ev.features.iter().position(|f| f == name) else {
            bail!("the events have no feature '{name}' (have: {})", ev.features.join(", "));
        };
        let col = &ev.columns[k];
        let Some((qlo, qhi)) = quantile_range(col, 0.005) else {
            continue;
        };
        let cuts: Vec<(Op, f64)> =
            slots.iter().map(|&s| (wp.cuts[s].op, wp.cuts[s].value)).collect();
        let (lo, hi) =
            finite_range(cuts.iter().map(|c| c.1).chain([qlo, qhi])).unwrap_or((qlo, qhi));
        let (lo, hi) = padded(lo, hi);
        let sig = Histogram::fill(col, ev.weights, |i| ev.is_signal[i], lo, hi, opts.bins);
        let bkg = Histogram::fill(col, ev.weights, |i| !ev.is_signal[i], lo, hi, opts.bins);
        let ymax =
            [&sig, &bkg].iter().filter_map(|h| h.as_ref().map(|h| h.max())).fold(0.0, f64::max);
        let ymax = if ymax > 0.0 { ymax * 1.5 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption(name, (FONT, 18))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, 0.0..ymax)
            .map_err(de)?;
        chart
            .configure_mesh()
            .light_line_style(LIGHT_GRID)
            .bold_line_style(BOLD_GRID)
            .x_desc(format!("{name} (input units)"))
            .x_label_formatter(&|v| tick(*v))
            .y_desc("density (per input unit)")
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(de)?;
        for (h, color, label) in [(&sig, SIGNAL, "signal"), (&bkg, BACKGROUND, "background")] {
            let Some(h) = h else { continue };
            chart
                .draw_series(std::iter::once(Polygon::new(h.steps(), color.mix(0.18).filled())))
                .map_err(de)?;
            let style = line(color, 2);
            chart.draw_series(LineSeries::new(h.steps(), style)).map_err(de)?.label(label).legend(
                move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], color.mix(0.5).filled())
                },
            );
        }
        for (op, v) in cuts {
            let style = line(BLACK, 2);
            let pts = vec![(v, 0.0), (v, ymax * 0.7)];
            let label = format!("keep {op} {}", short(v));
            if is_greater(op) {
                chart
                    .draw_series(LineSeries::new(pts, style))
                    .map_err(de)?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            } else {
                chart
                    .draw_series(DashedLineSeries::new(pts, 8, 5, style))
                    .map_err(de)?
                    .label(label)
                    .legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, style)
                    });
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()
            .map_err(de)?;
    }
    Ok(())
}

/// An axis tick: plain decimals with at most three significant digits, exponent form for very
/// large or small values.
fn tick(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".to_string();
    }
    if v.abs() >= 1e5 || v.abs() < 1e-3 {
        return format!("{v:.1e}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A cut value with four significant digits.
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        format!("{v:.3}")
    } else if v.abs() >= 1e5 || v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_has_at_most_three_columns() {
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(3), (1, 3));
        assert_eq!(grid(7), (3, 3));
        assert_eq!(grid(0), (1, 1));
    }

    #[test]
    fn positive_runs_split_at_zeros() {
        let pts = [(0.0, 1.0), (1.0, 0.5), (2.0, 0.0), (3.0, 0.2), (4.0, f64::NAN)];
        assert_eq!(positive_runs(&pts), vec![vec![(0.0, 1.0), (1.0, 0.5)], vec![(3.0, 0.2)]]);
        assert!(positive_runs(&[(0.0, 0.0)]).is_empty());
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(0.05), "0.05");
        assert_eq!(tick(0.125), "0.125");
        assert_eq!(tick(12.5), "12.5");
        assert_eq!(tick(300.0), "300");
        assert_eq!(tick(2e-4), "2.0e-4");
    }

    #[test]
    fn short_keeps_four_significant_digits() {
        assert_eq!(short(123.456), "123.5");
        assert_eq!(short(0.5), "0.5000");
        assert_eq!(short(2.5e-5), "2.500e-5");
        assert_eq!(short(0.0), "0.000");
    }
}
