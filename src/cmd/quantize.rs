//! `cabin quantize`: turn a cut table into a fixed-point table.
//!
//! Reads a `cabin.cuts/1` file, reloads the events it was trained on (the `inputs` it records,
//! with the features, label, weight, test fraction and seed of its `config`; or the data
//! options given here), chooses one fixed-point format per feature on the training split,
//! quantises every cut (see `cabin_infer::fixed` for the rules), measures the efficiency change
//! on the test split and writes the cut file with its `quantization` section.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cabin_infer::doc::CutsFile;
use cabin_infer::{Format, Rounding};
use cabin_train::data::{self, Dataset, Source, Split, DEFAULT_SEED, DEFAULT_TEST_FRACTION};
use cabin_train::quantize::{self, FormatRequest, FracChoice, Outcome};

use super::data_args::DataArgs;
use crate::output::write_atomic;

/// Options of `cabin quantize`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The cut file to quantise (`cabin.cuts/1` JSON, as written by `cabin train`).
    #[arg(value_name = "CUTS.json")]
    pub cuts: PathBuf,

    /// Bits per input `W` (1..=32; signed formats need at least 2).
    #[arg(long, value_name = "W", default_value_t = 16)]
    pub bits: u8,

    /// The same number of fractional bits for every feature (-32..=32; negative means a grid
    /// coarser than 1). Without it, `--auto` is used.
    #[arg(long, value_name = "F", allow_hyphen_values = true, conflicts_with = "auto")]
    pub frac: Option<i8>,

    /// Choose the fractional bits per feature: the finest grid on which no training event (or
    /// at most `--max-saturation` of them) saturates. The default.
    #[arg(long)]
    pub auto: bool,

    /// How inputs are put on the grid: `truncate` (AP_TRN, toward minus infinity) or `round`
    /// (AP_RND, to nearest, halves up). Both saturate (AP_SAT).
    #[arg(long, value_name = "MODE", default_value = "truncate", value_parser = parse_rounding)]
    pub rounding: Rounding,

    /// With `--auto`: the largest fraction of training events allowed to saturate per feature
    /// (then the range is taken from quantiles), e.g. 1e-4.
    #[arg(
        long,
        value_name = "X",
        default_value_t = 0.0,
        conflicts_with = "frac",
        allow_negative_numbers = true
    )]
    pub max_saturation: f64,

    /// A per-feature format that overrides the choice: `NAME:s<W>.<F>` (signed) or
    /// `NAME:u<W>.<F>` (unsigned), e.g. `met:u16.4` (16 bits, 4 fractional, `ap_ufixed<16,12>`).
    /// Repeat or separate with commas.
    #[arg(long = "format", value_name = "NAME:FMT", value_delimiter = ',', value_parser = parse_override)]
    pub formats: Vec<(String, Format)>,

    /// Where to write the quantised cut file.
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,

    /// Data to choose formats on and measure the effect with; by default the inputs recorded
    /// in the cut file. The test fraction and seed default to the cut file's.
    #[command(flatten)]
    pub data: DataArgs,
}

fn parse_rounding(s: &str) -> Result<Rounding, String> {
    match s {
        "truncate" | "trn" | "AP_TRN" => Ok(Rounding::Truncate),
        "round" | "rnd" | "AP_RND" => Ok(Rounding::Round),
        _ => Err(format!("rounding '{s}' not known, expected 'truncate' or 'round'")),
    }
}

fn parse_override(s: &str) -> Result<(String, Format), String> {
    let (name, fmt) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("format override '{s}' must be NAME:FORMAT, e.g. met:u16.4"))?;
    if name.is_empty() {
        return Err(format!("format override '{s}' has no feature name"));
    }
    let f: Format = fmt.parse().map_err(|e| format!("format override '{s}': {e}"))?;
    Ok((name.to_string(), f))
}

/// Runs `cabin quantize`.
pub fn run(args: Args) -> Result<()> {
    super::data_args::refuse_duplicates("--format", args.formats.iter().map(|(n, _)| n.as_str()))?;
    let (file, _) = super::read_cuts(&args.cuts)?;
    if file.quantization.is_some() {
        log::info!("'{}' already has a fixed-point table; it is replaced", args.cuts.display());
    }

    let (ds, split) = load_data(&args, &file)?;
    let frac = match args.frac {
        Some(f) => FracChoice::Fixed(f),
        None => FracChoice::Auto { max_saturation: args.max_saturation },
    };
    let req = FormatRequest {
        bits: args.bits,
        frac,
        rounding: args.rounding,
        overrides: args.formats.clone(),
    };
    let out = quantize::quantize(&file, &ds, &split.train, &split.test, &req)
        .context("cannot quantise the cuts")?;

    for c in &out.choices {
        let sat = c.saturated_below + c.saturated_above;
        if sat > args.max_saturation {
            log::warn!(
                "feature '{}': {:.3}% of training events saturate in format {} ({})",
                c.feature,
                100.0 * sat,
                c.format,
                c.how
            );
        }
    }
    write_atomic(&args.output, out.file.to_json().as_bytes())?;
    print_report(&file, &out, split.test.len());
    for line in large_changes(&out.effect) {
        errln!("warning: {line}");
    }
    outln!("wrote {}", args.output.display());
    Ok(())
}

/// The events: from the data options if any input is given, else from the cut file's inputs
/// (`cabin_train::data::recorded`). The label, weight and drop options given here override
/// the recorded ones; the test fraction and seed too, unless they are left at their defaults.
fn load_data(args: &Args, file: &CutsFile) -> Result<(Dataset, Split)> {
    let rec = data::recorded(file, &args.cuts);
    let recorded_split = rec.as_ref().ok().map(|r| (r.test_fraction, r.seed));
    let recorded_rows = rec.as_ref().ok().filter(|r| r.test_rows.is_some()).cloned();
    let test_fraction =
        chosen(args.data.test_fraction, DEFAULT_TEST_FRACTION, recorded_split.map(|r| r.0));
    let seed = chosen(args.data.seed, DEFAULT_SEED, recorded_split.map(|r| r.1));
    let features: Vec<String> = file.features.iter().map(|f| f.name.clone()).collect();
    let given = args.data.input.is_some()
        || args.data.data.is_some()
        || args.data.signal.is_some()
        || args.data.background.is_some();

    let ds = if given {
        let mut d = args.data.clone();
        if d.features.is_none() {
            d.features = Some(features.clone());
        }
        d.test_fraction = test_fraction;
        d.seed = seed;
        let source = d.source()?;
        data::load(&source, &d.options()).context("cannot load the data")?
    } else {
        let mut rec = rec?;
        if let (Some(l), Source::Labelled { label, .. }) = (&args.data.label, &mut rec.source) {
            label.clone_from(l);
        }
        if let Some(w) = &args.data.weight {
            rec.options.weight = Some(w.clone());
        }
        rec.options.drop_nonfinite |= args.data.drop_nonfinite;
        let ds = data::load(&rec.source, &rec.options)
            .context("cannot reload the inputs recorded in the cut file (give the data options)")?;
        super::note_inputs(&ds);
        for c in rec.changed(&ds) {
            log::warn!("{c}");
        }
        ds
    };
    if ds.features != features {
        bail!(
            "the data's features ({}) are not the cut file's ({})",
            ds.features.join(", "),
            features.join(", ")
        );
    }
    // Recorded test rows hold unless the data or the split are given here.
    let split = match (&args.data.test_rows, recorded_rows) {
        (Some(_), _) => args.data.split(&ds)?,
        (None, Some(r)) if !given && test_fraction == r.test_fraction => {
            super::note_test_rows(&r);
            r.split(&ds).context("cannot split the data")?
        }
        _ => data::split(&ds, test_fraction, seed).context("cannot split the data")?,
    };
    super::data_args::warn_small_split(&ds, &split);
    log::info!(
        "{}, {} train / {} test (test fraction {test_fraction}, seed {seed})",
        super::count(ds.len(), "event"),
        split.train.len(),
        split.test.len()
    );
    Ok((ds, split))
}

/// The flag's value unless it is the default and the cut file recorded another.
fn chosen<T: PartialEq>(flag: T, default: T, recorded: Option<T>) -> T {
    match recorded {
        Some(r) if flag == default => r,
        _ => flag,
    }
}

/// Efficiency changes above this are reported as a warning, not only in the table.
const LOUD_CHANGE: f64 = 0.01;

/// One line per working point whose efficiency quantisation moved by more than
/// [`LOUD_CHANGE`] (e.g. `--bits 1`, where every point selects nothing).
fn large_changes(effect: &[quantize::Effect]) -> Vec<String> {
    effect
        .iter()
        .enumerate()
        .filter(|(_, e)| e.delta_eff_sig.abs() > LOUD_CHANGE || e.delta_eff_bkg.abs() > LOUD_CHANGE)
        .map(|(p, e)| {
            format!(
                "quantisation changes working point {p} (target {:.3}): signal efficiency \
                 {:.4} -> {:.4}, background {:.4} -> {:.4}; more bits or --format may help",
                e.target, e.float_eff_sig, e.fixed_eff_sig, e.float_eff_bkg, e.fixed_eff_bkg
            )
        })
        .collect()
}

fn print_report(file: &CutsFile, out: &Outcome, test_events: usize) {
    let w = out.choices.iter().map(|c| c.feature.len()).max().unwrap_or(0).max(7);
    outln!(
        "{:<w$} {:>9} {:>8} {:>25} {:>10} {:>10}",
        "feature",
        "format",
        "chosen",
        "training range",
        "sat.below",
        "sat.above"
    );
    for c in &out.choices {
        let range = format!("[{:.4}, {:.4}]", c.data_min, c.data_max);
        outln!(
            "{:<w$} {:>9} {:>8} {:>25} {:>10.2e} {:>10.2e}",
            c.feature,
            c.format,
            c.how,
            range,
            c.saturated_below,
            c.saturated_above
        );
    }
    outln!();
    // A binned file's rows are (bin, working point) pairs: report its working points, all bins
    // together, as every other command does.
    let binning = cabin_infer::binned::file_binning(file).ok().flatten();
    let effect = super::eval::fold_over_bins(out.effect.clone(), binning.as_ref());
    let scope = match &binning {
        Some(b) => format!(
            ", per working point over all {} of {}",
            super::count(b.bins.bins, "bin"),
            b.feature
        ),
        None => String::new(),
    };
    outln!(
        "efficiency change from quantisation on the test split ({}{scope}):",
        super::count(test_events, "event")
    );
    outln!(
        "{:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "target",
        "eff_sig",
        "fixed",
        "delta",
        "eff_bkg",
        "fixed",
        "delta",
        "flipped"
    );
    for e in &effect {
        outln!(
            "{:>7.3} {:>10.6} {:>10.6} {:>+10.2e} {:>10.6} {:>10.6} {:>+10.2e} {:>8}",
            e.target,
            e.float_eff_sig,
            e.fixed_eff_sig,
            e.delta_eff_sig,
            e.float_eff_bkg,
            e.fixed_eff_bkg,
            e.delta_eff_bkg,
            e.flipped_events
        );
    }
    if !out.constant_cuts.is_empty() {
        outln!();
        outln!(
            "{} constant (threshold outside the format):",
            super::count(out.constant_cuts.len(), "cut") + " became"
        );
        if let Some(q) = &out.file.quantization {
            for (p, feature) in &out.constant_cuts {
                let what = q.working_points[*p]
                    .iter()
                    .find(|c| &c.feature == feature && c.value.is_none())
                    .map(|c| match c.cut.decision {
                        cabin_infer::Decision::AlwaysPass => "always passes",
                        _ => "always fails",
                    })
                    .unwrap_or("constant");
                outln!(
                    "  working point {p} (target {:.3}): '{feature}' {what}",
                    out.effect[*p].target
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_rounding() {
        let (n, f) = parse_override("met:u16.4").unwrap();
        assert_eq!((n.as_str(), f), ("met", Format::new(false, 16, 4).unwrap()));
        let (n, f) = parse_override("a:b:s12.-2").unwrap();
        assert_eq!((n.as_str(), f), ("a:b", Format::new(true, 12, -2).unwrap()));
        assert!(parse_override("met").unwrap_err().contains("NAME:FORMAT"));
        assert!(parse_override("met:x16.4").unwrap_err().contains("'s<W>.<F>'"));
        assert!(parse_override("met:u40.4").unwrap_err().contains("width 40"));
        assert_eq!(parse_rounding("round").unwrap(), Rounding::Round);
        assert!(parse_rounding("even").unwrap_err().contains("'even'"));
    }

    #[test]
    fn recorded_value_wins_only_over_the_default() {
        assert_eq!(chosen(0.2, 0.2, Some(0.3)), 0.3);
        assert_eq!(chosen(0.25, 0.2, Some(0.3)), 0.25);
        assert_eq!(chosen(0.2, 0.2, None), 0.2);
        assert_eq!(chosen(42u64, 42, Some(7)), 7);
    }
}
