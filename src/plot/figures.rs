//! Drawing each figure on a plotters drawing area; generic over the backend (PNG, SVG).

use anyhow::{anyhow, bail, Result};
use cabin_infer::cut::Op;
use cabin_infer::doc::{CutsFile, Losses};
use cabin_infer::Decision;
use cabin_train::baselines::roc::{Roc, RocPoint};
use cabin_train::baselines::Summary;
use cabin_train::quantize::Effect;
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
/// Fixed-point (hardware) marks: vermilion, kept out of the per-slot colours of the cut figure.
const FIXED: RGBColor = RGBColor(213, 94, 0);
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
        Figure::Roc(..) => (900, 720),
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
        Figure::Roc(base, fixed) => roc(root, file, base, *fixed, opts.roc_log_y),
        Figure::Loss => loss(root, file),
        Figure::Distributions(ev) => distributions(root, file, ev, opts),
    }
}

/// A fixed-point threshold is marked when it is further than this fraction of the panel's
/// vertical range from the float cut: about 3 pixels, where the float marker stops hiding it.
const VISIBLE_SHIFT: f64 = 0.012;

/// Colour of the `j`-th cut slot of a feature; vermilion is left for the fixed-point marks.
fn slot_color(j: usize) -> RGBColor {
    const SLOTS: [usize; 6] = [0, 2, 3, 4, 5, 6];
    COLORS[SLOTS[j % SLOTS.len()]]
}

/// The fixed-point marks of one cut slot: thresholds that moved visibly, as (target, float,
/// fixed), and constant cuts, as (target, float, always passes).
#[derive(Default)]
struct FixedMarks {
    moved: Vec<(f64, f64, f64)>,
    constant: Vec<(f64, f64, bool)>,
}

fn fixed_marks(file: &CutsFile, slot: usize, span: f64) -> FixedMarks {
    let mut marks = FixedMarks::default();
    let Some(q) = &file.quantization else {
        return marks;
    };
    for (w, qw) in file.working_points.iter().zip(&q.working_points) {
        let (Some(c), Some(f)) = (w.cuts.get(slot), qw.get(slot)) else {
            continue;
        };
        if !c.value.is_finite() {
            continue;
        }
        match (f.value, f.cut.decision) {
            (Some(v), _) if v.is_finite() && (v - c.value).abs() > VISIBLE_SHIFT * span => {
                marks.moved.push((w.target, c.value, v));
            }
            (None, Decision::AlwaysPass) => marks.constant.push((w.target, c.value, true)),
            (None, Decision::AlwaysFail) => marks.constant.push((w.target, c.value, false)),
            _ => {}
        }
    }
    marks
}

/// The legend corner covering the fewest of `points` (data coordinates in `x` by `y`), for a
/// legend of `size` pixels on a plotting area of `area` pixels; ties go to the earlier corner.
fn free_corner(
    points: &[(f64, f64)],
    x: (f64, f64),
    y: (f64, f64),
    size: (u32, u32),
    area: (u32, u32),
    order: &[SeriesLabelPosition],
) -> SeriesLabelPosition {
    let (wf, hf) = (
        f64::from(size.0 + 10) / f64::from(area.0.max(1)),
        f64::from(size.1 + 10) / f64::from(area.1.max(1)),
    );
    let covered = |pos: &SeriesLabelPosition| {
        let (left, top) = match pos {
            SeriesLabelPosition::UpperLeft => (true, true),
            SeriesLabelPosition::UpperRight => (false, true),
            SeriesLabelPosition::LowerLeft => (true, false),
            _ => (false, false),
        };
        points
            .iter()
            .filter(|&&(px, py)| {
                let u = (px - x.0) / (x.1 - x.0);
                let v = (py - y.0) / (y.1 - y.0);
                let in_x = if left { u <= wf } else { u >= 1.0 - wf };
                let in_y = if top { v >= 1.0 - hf } else { v <= hf };
                in_x && in_y
            })
            .count()
    };
    let mut best = (usize::MAX, SeriesLabelPosition::UpperLeft);
    for pos in order {
        let n = covered(pos);
        if n < best.0 {
            best = (n, pos.clone());
        }
    }
    best.1
}

/// A polyline sampled every 1/20 of each segment, so a legend placed by [`free_corner`] avoids
/// the lines and not only their markers.
fn sampled(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = pts.to_vec();
    for w in pts.windows(2) {
        for i in 1..20 {
            let t = f64::from(i) / 20.0;
            out.push((w[0].0 + t * (w[1].0 - w[0].0), w[0].1 + t * (w[1].1 - w[0].1)));
        }
    }
    out
}

/// Estimated pixel size of a legend with these labels (plotters' layout: margin 10, a symbol
/// area, lines 1.25 font heights apart).
fn legend_size<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[String],
    font: u32,
    symbol: u32,
) -> (u32, u32) {
    let style = TextStyle::from((FONT, font).into_font());
    let w = labels
        .iter()
        .filter_map(|l| area.estimate_text_size(l, &style).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);
    let h = (labels.len() as f64 * 1.25 * f64::from(font)).ceil() as u32;
    (w + symbol + 20, h + 20)
}

/// The legend symbol area: a 24-pixel sample of the line and 12 pixels of space before the text.
const LEGEND_SYMBOL: u32 = 36;

/// The working-point rows drawn as one line each: per bin for a binned file (with the bin's
/// label), else all rows.
/// A line of the cuts figure: its bin's label (none for a flat file) and its rows.
type RowGroup = (Option<String>, std::ops::Range<usize>);

fn row_groups(file: &CutsFile) -> (Option<String>, Vec<RowGroup>) {
    let n = file.working_points.len();
    match cabin_infer::binned::file_binning(file).ok().flatten() {
        Some(b) => {
            let p = b.bins.points;
            let groups = (0..b.bins.bins)
                .map(|j| {
                    let label = format!(
                        "{} in [{}, {})",
                        b.feature,
                        tick(b.edges[j]),
                        tick(b.edges[j + 1])
                    );
                    (Some(label), j * p..(j + 1) * p)
                })
                .collect();
            (Some(b.feature), groups)
        }
        None => (None, vec![(None, 0..n)]),
    }
}

fn cuts<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, file: &CutsFile) -> Result<()> {
    let (bin_feature, groups) = row_groups(file);
    // The bin variable only selects a bin's thresholds; it is not a cut of the selection.
    let feats: Vec<(String, Vec<usize>)> = cut_features(file)
        .into_iter()
        .filter(|(name, _)| bin_feature.as_ref() != Some(name))
        .collect();
    let title = match (file.quantization.is_some(), &bin_feature) {
        (true, None) => "Cuts against the target signal efficiency (solid: keep above, dashed: \
                         keep below; squares: fixed-point thresholds)"
            .to_string(),
        (false, None) => {
            "Cuts against the target signal efficiency (solid: keep above, dashed: keep below)"
                .to_string()
        }
        (q, Some(f)) => format!(
            "Cuts against the target signal efficiency, one line per bin of {f} (solid: keep \
             above, dashed: keep below{})",
            if q { "; squares: fixed-point thresholds" } else { "" }
        ),
    };
    let root = root.margin(8, 0, 0, 0).titled(&title, (FONT, 20)).map_err(de)?;
    let panels = root.split_evenly(grid(feats.len()));
    let targets: Vec<f64> = file.working_points.iter().map(|w| w.target).collect();
    let (xlo, xhi) = padded(
        targets.iter().copied().fold(f64::INFINITY, f64::min),
        targets.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let quant = file.quantization.as_ref();
    for ((name, slots), area) in feats.iter().zip(&panels) {
        let float = file.working_points.iter().flat_map(|w| slots.iter().map(|&s| w.cuts[s].value));
        let fixed = quant.into_iter().flat_map(|q| {
            q.working_points.iter().flat_map(|w| slots.iter().filter_map(|&s| w.get(s)?.value))
        });
        let Some((lo, hi)) = finite_range(float.chain(fixed)) else {
            continue;
        };
        let (ylo, yhi) = padded(lo, hi);
        let marks: Vec<FixedMarks> =
            slots.iter().map(|&s| fixed_marks(file, s, yhi - ylo)).collect();
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
        let mut labels = Vec::new();
        let mut occupied = Vec::new();
        let series = slots
            .iter()
            .enumerate()
            .flat_map(|(j, &s)| groups.iter().enumerate().map(move |(g, group)| (j, s, g, group)));
        for (j, s, g, (bin, rows)) in series {
            let op = file.working_points[0].cuts[s].op;
            let pts: Vec<(f64, f64)> = file.working_points[rows.clone()]
                .iter()
                .map(|w| (w.target, w.cuts[s].value))
                .filter(|p| p.1.is_finite())
                .collect();
            occupied.extend(sampled(&pts));
            let style = line(slot_color(j + g), 2);
            let label = match bin {
                Some(b) => format!("keep {name} {op} cut, {b}"),
                None => format!("keep {name} {op} cut"),
            };
            labels.push(label.clone());
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
        fixed_series(&mut chart, &marks, &mut labels, &mut occupied)?;
        let size = legend_size(area, &labels, 13, LEGEND_SYMBOL);
        let corner = free_corner(
            &occupied,
            (xlo, xhi),
            (ylo, yhi),
            size,
            chart.plotting_area().dim_in_pixel(),
            &[
                SeriesLabelPosition::UpperRight,
                SeriesLabelPosition::UpperLeft,
                SeriesLabelPosition::LowerLeft,
                SeriesLabelPosition::LowerRight,
            ],
        );
        chart
            .configure_series_labels()
            .position(corner)
            .legend_area_size(LEGEND_SYMBOL)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()
            .map_err(de)?;
    }
    Ok(())
}

/// Draws the fixed-point marks of one panel: a hollow square at each threshold that moved
/// visibly, joined to its float cut by a thin line, and a cross at the float value of each cut
/// that became constant. One legend entry per kind present.
fn fixed_series<'a, DB>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    marks: &[FixedMarks],
    labels: &mut Vec<String>,
    occupied: &mut Vec<(f64, f64)>,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
{
    let thin = line(FIXED, 1);
    let thick = line(FIXED, 2);
    let moved: Vec<(f64, f64, f64)> = marks.iter().flat_map(|m| m.moved.iter().copied()).collect();
    let constant: Vec<(f64, f64, bool)> =
        marks.iter().flat_map(|m| m.constant.iter().copied()).collect();
    if !moved.is_empty() {
        chart
            .draw_series(
                moved.iter().map(|&(t, f, q)| PathElement::new(vec![(t, f), (t, q)], thin)),
            )
            .map_err(de)?;
        let label = "fixed-point threshold".to_string();
        labels.push(label.clone());
        chart
            .draw_series(moved.iter().map(|&(t, _, q)| {
                EmptyElement::at((t, q)) + Rectangle::new([(-4, -4), (4, 4)], thick)
            }))
            .map_err(de)?
            .label(label)
            .legend(move |(x, y)| {
                EmptyElement::at((x + 12, y)) + Rectangle::new([(-4, -4), (4, 4)], thick)
            });
        occupied.extend(moved.iter().map(|&(t, _, q)| (t, q)));
    }
    if !constant.is_empty() {
        let pass = constant.iter().filter(|c| c.2).count();
        let label = match (pass, constant.len() - pass) {
            (_, 0) => "fixed point: always passes",
            (0, _) => "fixed point: always fails",
            _ => "fixed point: constant cut",
        }
        .to_string();
        labels.push(label.clone());
        chart
            .draw_series(constant.iter().map(|&(t, f, _)| Cross::new((t, f), 5, thick)))
            .map_err(de)?
            .label(label)
            .legend(move |(x, y)| Cross::new((x + 12, y), 5, thick));
    }
    Ok(())
}

/// How the points of a ROC curve are drawn.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    /// A solid line.
    Solid,
    /// A solid line with a dot at every point.
    Dotted,
    /// A dashed line.
    Dashed,
    /// A thin line with a triangle at every point (the fixed-point working points).
    Triangles,
}

/// One ROC curve to draw.
struct Curve {
    label: String,
    points: Vec<RocPoint>,
    color: RGBColor,
    style: Style,
}

/// The AUC of a curve for its legend label, as for every curve of the figure.
fn auc_label(r: &Roc) -> String {
    r.with_ends().auc().map(|a| format!(" (AUC {a:.3})")).unwrap_or_default()
}

/// The combined (all bins) efficiencies of `split` (`train` or `test`) per working point of a
/// binned file; `None` for a flat file or a binning section without them.
fn combined(file: &CutsFile, split: &str) -> Option<Vec<RocPoint>> {
    let rows = file.extra.get("binning")?.get("combined")?.as_array()?;
    rows.iter()
        .map(|r| {
            let e = r.get(split)?;
            let eff_sig = e.get("eff_sig")?.as_f64()?;
            let eff_bkg = e.get("eff_bkg")?.as_f64()?;
            Some(RocPoint { eff_sig, eff_bkg })
        })
        .collect()
}

fn roc_curves(file: &CutsFile, base: &[Summary], fixed: Option<&[Effect]>) -> Vec<Curve> {
    // With the fixed-point figures, the float series is theirs too: the same events and, for
    // a binned file, the same folding over bins, so the two series compare point by point.
    // A binned file's rows are (bin, working point) pairs; its ROC is that of the working
    // points, all bins together, as recorded in its `binning` section.
    let rows = |split: &str| match combined(file, split) {
        Some(points) => Roc::from_points(points),
        None => Roc::from_points(file.working_points.iter().map(|w| {
            let e = if split == "train" { &w.train } else { &w.test };
            RocPoint { eff_sig: e.eff_sig, eff_bkg: e.eff_bkg }
        })),
    };
    let test = match fixed {
        Some(effect) => Roc::from_points(
            effect.iter().map(|e| RocPoint { eff_sig: e.float_eff_sig, eff_bkg: e.float_eff_bkg }),
        ),
        None => rows("test"),
    };
    let train = rows("train");
    let float = if fixed.is_some() { "cabin cuts, float, test" } else { "cabin cuts, test" };
    let mut curves = vec![Curve {
        label: format!("{float}{}", auc_label(&test)),
        points: test.points.clone(),
        color: BLACK,
        style: Style::Dotted,
    }];
    if let Some(effect) = fixed {
        let roc = Roc::from_points(
            effect.iter().map(|e| RocPoint { eff_sig: e.fixed_eff_sig, eff_bkg: e.fixed_eff_bkg }),
        );
        curves.push(Curve {
            label: format!("cabin cuts, fixed point (hardware), test{}", auc_label(&roc)),
            points: roc.points,
            color: FIXED,
            style: Style::Triangles,
        });
    }
    curves.push(Curve {
        label: "cabin cuts, train".to_string(),
        points: train.points,
        color: RGBColor(150, 150, 150),
        style: Style::Dashed,
    });
    for (i, b) in base.iter().enumerate() {
        let auc = b.auc.map(|a| format!(" (AUC {a:.3})")).unwrap_or_default();
        curves.push(Curve {
            label: format!("{}{auc}", b.method),
            points: b.roc.clone(),
            // Vermilion is the fixed-point series.
            color: COLORS[[0, 2, 3, 4, 5, 6][i % 6]],
            style: Style::Solid,
        });
    }
    curves
}

/// The title of the ROC figure, naming what it shows.
fn roc_title(base: &[Summary], fixed: bool) -> String {
    let mut t = "ROC of cabin's cut scan".to_string();
    if fixed {
        t.push_str(", float and fixed point");
    }
    if !base.is_empty() {
        t.push_str(if fixed { ", with baselines" } else { " and baselines" });
    }
    t
}

/// Draws the curves and the legend, in the corner that hides the least of them; `y` is the
/// vertical range (on a log axis, its bounds).
fn draw_curves<'a, DB, Y>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
    curves: &[Curve],
    y: (f64, f64),
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
        match c.style {
            Style::Dashed => {
                chart
                    .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, style))
                    .map_err(de)?
                    .label(&c.label)
                    .legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, style)
                    });
            }
            Style::Solid => {
                chart
                    .draw_series(LineSeries::new(pts.clone(), style))
                    .map_err(de)?
                    .label(&c.label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            }
            Style::Dotted => {
                chart.draw_series(LineSeries::new(pts.clone(), style)).map_err(de)?;
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 3, style.filled())))
                    .map_err(de)?
                    .label(&c.label)
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (24, 0)], style)
                            + Circle::new((12, 0), 3, style.filled())
                    });
            }
            Style::Triangles => {
                let thin = line(c.color, 1);
                chart.draw_series(LineSeries::new(pts.clone(), thin)).map_err(de)?;
                chart
                    .draw_series(pts.iter().map(|&p| TriangleMarker::new(p, 6, style)))
                    .map_err(de)?
                    .label(&c.label)
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (24, 0)], thin)
                            + TriangleMarker::new((12, 0), 6, style)
                    });
            }
        }
    }
    // Where the legend goes: judged on the axis as drawn (log10 of a log axis).
    let axis = |v: f64| if log_y { v.max(y.0).log10() } else { v };
    let mut occupied: Vec<(f64, f64)> =
        (0..=100).map(|i| f64::from(i) / 100.0).map(|v| (v, axis(v.max(y.0)))).collect();
    for c in curves {
        let pts: Vec<(f64, f64)> =
            c.points.iter().filter(|p| keep(p)).map(|p| (p.eff_sig, axis(p.eff_bkg))).collect();
        occupied.extend(sampled(&pts));
    }
    let mut labels: Vec<String> = curves.iter().map(|c| c.label.clone()).collect();
    labels.push("random".to_string());
    let corner = free_corner(
        &occupied,
        (0.0, 1.0),
        (axis(y.0), axis(y.1)),
        legend_size(root, &labels, 15, LEGEND_SYMBOL),
        chart.plotting_area().dim_in_pixel(),
        &[
            SeriesLabelPosition::UpperLeft,
            SeriesLabelPosition::LowerRight,
            SeriesLabelPosition::UpperRight,
            SeriesLabelPosition::LowerLeft,
        ],
    );
    chart
        .configure_series_labels()
        .position(corner)
        .legend_area_size(LEGEND_SYMBOL)
        .margin(12)
        .background_style(WHITE.mix(0.9))
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
    fixed: Option<&[Effect]>,
    log_y: bool,
) -> Result<()> {
    let curves = roc_curves(file, base, fixed);
    let title = roc_title(base, fixed.is_some());
    let mut builder = ChartBuilder::on(root);
    builder.caption(title, (FONT, 22)).margin(15).x_label_area_size(50).y_label_area_size(75);
    let x_desc = "signal efficiency (fraction of weighted signal kept)";
    let y_desc = "background efficiency (fraction of weighted background kept)";
    if log_y {
        let all = curves.iter().flat_map(|c| c.points.iter().map(|p| p.eff_bkg));
        let (lo, hi) = log_range(all, LOG_FLOOR);
        let hi = hi.min(1.0).max(lo * 10.0);
        let mut chart = builder.build_cartesian_2d(0.0..1.0, (lo..hi).log_scale()).map_err(de)?;
        chart
            .configure_mesh()
            .light_line_style(LIGHT_GRID)
            .bold_line_style(BOLD_GRID)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .y_label_formatter(&|v| log_tick(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(de)?;
        draw_curves(root, &mut chart, &curves, (lo, hi), true)
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
        draw_curves(root, &mut chart, &curves, (0.0, 1.0), false)
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
    // Headroom above the curves for the six-line legend: about a quarter of the height.
    let hi = hi * (hi / lo).powf(0.4);
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
        .y_label_formatter(&|v| log_tick(*v))
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
        .legend_area_size(LEGEND_SYMBOL)
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
    let root = root.margin(8, 0, 0, 0).titled(&title, (FONT, 18)).map_err(de)?;
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
        let mut labels = Vec::new();
        let mut occupied = Vec::new();
        for (h, color, label) in [(&sig, SIGNAL, "signal"), (&bkg, BACKGROUND, "background")] {
            let Some(h) = h else { continue };
            labels.push(label.to_string());
            occupied.extend(sampled(&h.steps()));
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
            labels.push(label.clone());
            occupied.extend(sampled(&pts));
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
        let corner = free_corner(
            &occupied,
            (lo, hi),
            (0.0, ymax),
            legend_size(area, &labels, 13, LEGEND_SYMBOL),
            chart.plotting_area().dim_in_pixel(),
            &[SeriesLabelPosition::UpperRight, SeriesLabelPosition::UpperLeft],
        );
        chart
            .configure_series_labels()
            .position(corner)
            .legend_area_size(LEGEND_SYMBOL)
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
    // Rounding noise of an axis step through zero (e.g. -2.2e-16) is zero.
    if v.abs() < 1e-12 || !v.is_finite() {
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

/// A tick of a log axis: plain between 0.1 and 1, exponent form (`1e-2`, `1e1`) elsewhere.
fn log_tick(v: f64) -> String {
    if (0.1..=1.0).contains(&v) {
        tick(v)
    } else {
        format!("{v:.0e}")
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
    fn binned_roc_is_the_combined_one() {
        let wp = |t: f64, sig: f64| {
            serde_json::json!({
                "target": t, "cuts": [{"feature": "x", "op": ">", "value": 1.0}],
                "train": {"eff_sig": sig, "eff_bkg": 0.01}, "test": {"eff_sig": sig, "eff_bkg": 0.01}
            })
        };
        let mut doc = serde_json::json!({
            "schema": "cabin.cuts/1", "generator": "test",
            "features": [{"name": "x", "direction": ">", "mean": 0.0, "scale": 1.0}],
            "working_points": [wp(0.5, 0.2), wp(0.9, 0.3)],
        });
        let flat = CutsFile::from_json(&doc.to_string()).unwrap();
        let sigs = |f: &CutsFile| -> Vec<f64> {
            roc_curves(f, &[], None)[0].points.iter().map(|p| p.eff_sig).collect()
        };
        assert_eq!(sigs(&flat), [0.2, 0.3]);
        let e = |s: f64| serde_json::json!({"eff_sig": s, "eff_bkg": 0.1});
        doc["binning"] = serde_json::json!({"combined": [
            {"target": 0.5, "train": e(0.5), "test": e(0.52)},
            {"target": 0.9, "train": e(0.9), "test": e(0.88)},
        ]});
        let binned = CutsFile::from_json(&doc.to_string()).unwrap();
        assert_eq!(sigs(&binned), [0.52, 0.88]);
        assert_eq!(combined(&binned, "train").unwrap()[1].eff_sig, 0.9);
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(-2.2e-16), "0");
        assert_eq!(tick(0.05), "0.05");
        assert_eq!(tick(0.125), "0.125");
        assert_eq!(tick(12.5), "12.5");
        assert_eq!(tick(300.0), "300");
        assert_eq!(tick(2e-4), "2.0e-4");
    }

    #[test]
    fn legend_goes_to_the_emptiest_corner() {
        use SeriesLabelPosition::*;
        let order = [UpperRight, UpperLeft, LowerLeft, LowerRight];
        // A falling curve fills the upper left and lower right; the upper right is free.
        let falling = sampled(&[(0.0, 1.0), (1.0, 0.0)]);
        let c = free_corner(&falling, (0.0, 1.0), (0.0, 1.0), (100, 40), (400, 300), &order);
        assert!(matches!(c, UpperRight), "{c:?}");
        // A rising curve: the upper left.
        let rising = sampled(&[(0.0, 0.0), (1.0, 1.0)]);
        let c = free_corner(&rising, (0.0, 1.0), (0.0, 1.0), (100, 40), (400, 300), &order);
        assert!(matches!(c, UpperLeft), "{c:?}");
        // Everything high: a lower corner.
        let high = sampled(&[(0.0, 0.9), (1.0, 0.95)]);
        let c = free_corner(&high, (0.0, 1.0), (0.0, 1.0), (100, 40), (400, 300), &order);
        assert!(matches!(c, LowerLeft), "{c:?}");
    }

    #[test]
    fn roc_title_names_what_is_drawn() {
        assert_eq!(roc_title(&[], false), "ROC of cabin's cut scan");
        assert_eq!(roc_title(&[], true), "ROC of cabin's cut scan, float and fixed point");
    }

    #[test]
    fn log_ticks() {
        assert_eq!(log_tick(1.0), "1");
        assert_eq!(log_tick(0.1), "0.1");
        assert_eq!(log_tick(0.001), "1e-3");
        assert_eq!(log_tick(10.0), "1e1");
    }

    #[test]
    fn short_keeps_four_significant_digits() {
        assert_eq!(short(123.456), "123.5");
        assert_eq!(short(0.5), "0.5000");
        assert_eq!(short(2.5e-5), "2.500e-5");
        assert_eq!(short(0.0), "0.000");
    }
}
