//! Figures of a cut file, drawn with plotters to PNG and SVG.
//!
//! | file | what |
//! |---|---|
//! | `cuts.{png,svg}` | each feature's cut against the target efficiency; `>` solid, `<` dashed; for a quantised file the fixed-point threshold where it differs visibly |
//! | `roc.{png,svg}` | test background against signal efficiency of the scan, with baselines; for a quantised file also the fixed-point (hardware) efficiencies of every working point |
//! | `loss.{png,svg}` | loss components per epoch, training solid, test dashed, log scale |
//! | `distributions.{png,svg}` | weighted, normalised signal and background histograms per feature, with one working point's cuts |
//!
//! The fixed-point efficiencies are computed by the caller (`cabin eval`'s code path, through
//! cabin-infer's fixed-point table); the fixed-point thresholds are the grid values recorded in
//! the file's `quantization` section. Nothing here re-implements a fixed-point rule.
//!
//! A figure whose data the file lacks (no history, no events given) is left out and named in
//! the returned list of skipped figures. Text is drawn with DejaVu Sans, compiled into the
//! binary, so no system font is needed at run time. Drawing is generic over the plotters
//! backend; [`render`] draws each figure once per backend into a folder.

mod figures;
pub mod hist;

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, Context, Result};
use cabin_infer::doc::CutsFile;
use cabin_train::baselines::Summary;
use cabin_train::quantize::Effect;
use plotters::prelude::*;

/// Name under which the bundled font is registered with plotters.
const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font once per process.
fn register_font() -> Result<()> {
    static LOADED: OnceLock<bool> = OnceLock::new();
    let ok = *LOADED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if !ok {
        return Err(anyhow!("the bundled font could not be loaded"));
    }
    Ok(())
}

/// Events for the distribution figure, column-major, in physical units.
#[derive(Clone, Copy, Debug)]
pub struct Events<'a> {
    /// Feature names, matching `columns`.
    pub features: &'a [String],
    /// `columns[k][i]`: feature `k` of event `i`.
    pub columns: &'a [Vec<f64>],
    /// Class per event.
    pub is_signal: &'a [bool],
    /// Weight per event.
    pub weights: &'a [f64],
}

/// What to draw and how.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Logarithmic background-efficiency axis on the ROC figure.
    pub roc_log_y: bool,
    /// Target efficiency of the working point whose cuts the distributions mark (the nearest).
    pub point: f64,
    /// Histogram bins.
    pub bins: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { roc_log_y: false, point: 0.5, bins: 40 }
    }
}

/// What [`render`] wrote and left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendered {
    /// File names written, e.g. `cuts.png`.
    pub written: Vec<String>,
    /// Figures left out, each with the reason.
    pub skipped: Vec<String>,
}

/// The baselines stored by `cabin compare` under the file's `baselines` key; none when absent.
pub fn baselines(file: &CutsFile) -> Result<Vec<Summary>> {
    match file.extra.get("baselines") {
        None => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v.clone())
            .context("the cut file's 'baselines' section is not a list of method summaries"),
    }
}

/// One figure, drawable on any backend.
pub(crate) enum Figure<'a> {
    Cuts,
    Roc(&'a [Summary], Option<&'a [Effect]>),
    Loss,
    Distributions(Events<'a>),
}

impl Figure<'_> {
    fn name(&self) -> &'static str {
        match self {
            Figure::Cuts => "cuts",
            Figure::Roc(..) => "roc",
            Figure::Loss => "loss",
            Figure::Distributions(_) => "distributions",
        }
    }
}

/// Draws every figure the file has data for into `dir` (which must exist), PNG and SVG.
///
/// `fixed` holds the float and fixed-point efficiencies per working point of a quantised file
/// on the test split (`cabin_train::quantize::effect`); when given, the ROC overlays them.
pub fn render(
    dir: &Path,
    file: &CutsFile,
    events: Option<Events>,
    fixed: Option<&[Effect]>,
    opts: &Options,
) -> Result<Rendered> {
    register_font()?;
    file.slots().map_err(|e| anyhow!("cannot plot this cut file: {e}"))?;
    let base = baselines(file)?;
    let mut out = Rendered::default();
    if file.quantization.is_some() && fixed.is_none() {
        out.skipped
            .push("fixed-point ROC points: no events were loaded to measure them on".to_string());
    }
    let mut figs = vec![Figure::Cuts, Figure::Roc(&base, fixed)];
    if file.history.is_empty() {
        out.skipped.push("loss: the cut file has no training history".to_string());
    } else {
        figs.push(Figure::Loss);
    }
    match events {
        Some(ev) => figs.push(Figure::Distributions(ev)),
        None => out.skipped.push("distributions: no events were loaded".to_string()),
    }

    for fig in &figs {
        let size = figures::size(fig, file);
        let png = dir.join(format!("{}.png", fig.name()));
        {
            let root = BitMapBackend::new(&png, size).into_drawing_area();
            figures::draw(&root, fig, file, opts)
                .with_context(|| format!("cannot draw '{}'", png.display()))?;
            root.present().map_err(|e| anyhow!("cannot write '{}': {e}", png.display()))?;
        }
        out.written.push(format!("{}.png", fig.name()));
        let svg = dir.join(format!("{}.svg", fig.name()));
        {
            let root = SVGBackend::new(&svg, size).into_drawing_area();
            figures::draw(&root, fig, file, opts)
                .with_context(|| format!("cannot draw '{}'", svg.display()))?;
            root.present().map_err(|e| anyhow!("cannot write '{}': {e}", svg.display()))?;
        }
        out.written.push(format!("{}.svg", fig.name()));
    }
    Ok(out)
}
