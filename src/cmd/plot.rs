//! `cabin plot`: figures of a cut file (PNG and SVG) into a folder, written atomically.
//!
//! The distribution figure needs the events: given data options (as for `cabin train`) are
//! used, otherwise the inputs the cut file records (`inputs`, with `label` and `weight` from
//! `config` if present, else the `label` column and unit weights); a recorded input whose
//! checksum differs is reported as a warning. Every event is histogrammed (both splits), with
//! the cut file's features. `--no-data` skips that figure.
//!
//! For a quantised cut file the ROC also shows the fixed-point (hardware) efficiencies of every
//! working point on the test split (the given data options' split, or the recorded one),
//! computed as `cabin eval` computes them (`cmd::eval::fixed_effect`); the cuts figure marks
//! each fixed-point threshold that differs visibly from its float cut.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cabin_infer::binned::file_binning;
use cabin_train::data::{self, Dataset, Split};

use super::data_args::DataArgs;
use crate::output::write_dir_atomic;
use crate::plot::{self, Events, Options};

/// Options of `cabin plot`.
#[derive(clap::Args)]
pub struct Args {
    /// The cut file (`cabin.cuts/1` JSON), e.g. from `cabin train` or `cabin compare`.
    pub cuts: PathBuf,

    /// Output folder; replaced as a whole once every figure is drawn.
    #[arg(short, long)]
    pub output: PathBuf,

    /// Target efficiency of the working point whose cuts the distributions mark (the nearest
    /// working point is used).
    #[arg(long, default_value_t = 0.5)]
    pub point: f64,

    /// Logarithmic background-efficiency axis on the ROC figure.
    #[arg(long)]
    pub log_y: bool,

    /// Histogram bins per feature.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub bins: u16,

    /// Do not reload the events; leaves out the distribution figure.
    #[arg(long)]
    pub no_data: bool,

    /// The events for the distributions [default: the inputs recorded in the cut file].
    #[command(flatten)]
    pub data: DataArgs,
}

/// Runs `cabin plot`.
pub fn run(args: Args) -> Result<()> {
    if !(0.0..=1.0).contains(&args.point) {
        bail!("--point is {}, expected a target efficiency between 0 and 1", args.point);
    }
    let (file, _) = super::read_cuts(&args.cuts)?;

    let given = [&args.data.input, &args.data.data, &args.data.signal, &args.data.background]
        .iter()
        .any(|o| o.is_some());
    // The events and their test split: the given data options' split, or the recorded one.
    let loaded: Option<(Dataset, Split)> = if args.no_data {
        None
    } else if given {
        let mut d = args.data.clone();
        if d.features.is_none() {
            d.features = Some(file.features.iter().map(|f| f.name.clone()).collect());
        }
        Some(d.load()?)
    } else {
        let rec =
            data::recorded(&file, &args.cuts).context("use --no-data to skip the distributions")?;
        let ds = data::load(&rec.source, &rec.options).context(
            "cannot reload the events recorded in the cut file for the distributions (use --no-data to skip them)",
        )?;
        super::note_inputs(&ds);
        for c in rec.changed(&ds) {
            log::warn!("{c}");
        }
        super::note_test_rows(&rec);
        let split =
            rec.split(&ds).context("cannot split the recorded events into train and test")?;
        super::data_args::warn_small_split(&ds, &split);
        Some((ds, split))
    };
    let dataset = loaded.as_ref().map(|(ds, _)| ds);

    // The fixed-point efficiencies per working point, as `cabin eval` reports them.
    let fixed = match &loaded {
        Some((ds, split)) if file.quantization.is_some() => {
            let binning = file_binning(&file)
                .with_context(|| format!("cannot use '{}'", args.cuts.display()))?;
            super::eval::fixed_effect(&file, binning.as_ref(), ds, &split.test)
                .context("cannot draw the fixed-point ROC points")?
        }
        _ => None,
    };
    let events = dataset.map(|ds| Events {
        features: &ds.features,
        columns: &ds.columns,
        is_signal: &ds.is_signal,
        weights: &ds.weights,
    });
    let opts = Options { roc_log_y: args.log_y, point: args.point, bins: usize::from(args.bins) };

    let mut rendered = None;
    write_dir_atomic(&args.output, |dir| {
        rendered = Some(plot::render(dir, &file, events, fixed.as_deref(), &opts)?);
        Ok(())
    })?;
    if let Some(r) = rendered {
        for s in &r.skipped {
            errln!("skipped {s}");
        }
        outln!(
            "wrote {} to '{}': {}",
            super::count(r.written.len(), "file"),
            args.output.display(),
            r.written.join(", ")
        );
    }
    Ok(())
}
