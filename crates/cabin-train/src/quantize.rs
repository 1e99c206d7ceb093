//! Choosing fixed-point formats from the training data, and measuring what quantisation does to
//! the efficiencies on the test split.
//!
//! **Formats.** For each feature the width is the bit budget `W`; the format is unsigned when
//! the training minimum is `>= 0`, signed otherwise. With `--frac F` the fractional bits are
//! given. With auto, `F` is the largest value (the finest grid) such that no training value
//! saturates ([`cabin_infer::fit_format_signed`] on the training minimum and maximum); when a
//! saturated fraction `q > 0` is allowed, the range is instead the `k`-th smallest and `k`-th
//! largest training value with `k = floor(q * n / 2)`, so at most `2k <= q * n` events saturate
//! (every value between the two fits). Per-feature overrides replace the choice. Whatever the
//! choice, the saturated fractions below and above are measured on the training rows and
//! reported, unweighted (event counts).
//!
//! **Effect.** For each working point, the weighted signal and background efficiencies of the
//! float cuts ([`cabin_infer::CutTable`]) and of the fixed-point cuts applied to the quantised
//! inputs ([`cabin_infer::FixedTable::mask_float`]) on the same test rows, their differences,
//! and the number of test events whose pass/fail flips.

use cabin_infer::doc::{CutsFile, DocError, Quantization};
use cabin_infer::{fit_format_signed, FitError, Format, FormatError, Rounding};
use serde::Serialize;
use serde_json::{json, Value};

use crate::data::Dataset;

/// Why formats or the effect could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    /// The cut file's features are not the data set's features, in order.
    #[error("cut file features ({want}) differ from the loaded data's features ({have})")]
    Features {
        /// The cut file's features, comma-separated.
        want: String,
        /// The data set's features, comma-separated.
        have: String,
    },
    /// There are no training (or test) rows to work on.
    #[error("no {which} events to quantise with")]
    NoRows {
        /// `training` or `test`.
        which: &'static str,
    },
    /// A format override names a feature the file does not have.
    #[error(
        "format override for feature '{feature}', which the cut file does not have (have: {have})"
    )]
    UnknownOverride {
        /// The name given.
        feature: String,
        /// The features, comma-separated.
        have: String,
    },
    /// The allowed saturated fraction is not in `[0, 1)`.
    #[error("maximum saturated fraction {0} out of range, expected 0 <= fraction < 1")]
    MaxSaturation(f64),
    /// No format of the width fits the feature's range.
    #[error("feature '{feature}': {cause}")]
    Fit {
        /// Feature name.
        feature: String,
        /// Why (already in the message, so not also returned as the error's source).
        cause: FitError,
    },
    /// A width or fractional-bit count out of range.
    #[error("feature '{feature}': {cause}")]
    Format {
        /// Feature name.
        feature: String,
        /// Why (already in the message, so not also returned as the error's source).
        cause: FormatError,
    },
    /// The cut file is inconsistent.
    #[error("{0}")]
    Doc(DocError),
}

impl From<DocError> for QuantizeError {
    fn from(e: DocError) -> Self {
        QuantizeError::Doc(e)
    }
}

/// How the fractional bits are chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FracChoice {
    /// The same `F` for every feature.
    Fixed(i8),
    /// The finest grid that saturates at most the allowed fraction of training events.
    Auto {
        /// Allowed saturated fraction per feature, `0 <= q < 1`.
        max_saturation: f64,
    },
}

/// What the caller asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatRequest {
    /// Bits per input `W`.
    pub bits: u8,
    /// How `F` is chosen.
    pub frac: FracChoice,
    /// How inputs are mapped onto the grid (also used when checking saturation).
    pub rounding: Rounding,
    /// Per-feature formats that replace the choice.
    pub overrides: Vec<(String, Format)>,
}

/// The format chosen for one feature and how it behaves on the training rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureChoice {
    /// Feature name.
    pub feature: String,
    /// The format, as `u16.4` / `s16.-2`.
    pub format: String,
    /// `auto`, `frac` or `override`.
    pub how: &'static str,
    /// Smallest training value.
    pub data_min: f64,
    /// Largest training value.
    pub data_max: f64,
    /// Fraction of training events that saturate at the bottom of the range.
    pub saturated_below: f64,
    /// Fraction of training events that saturate at the top of the range.
    pub saturated_above: f64,
    /// The parsed format (not serialised: `format` carries it).
    #[serde(skip)]
    pub parsed: Format,
}

/// Chooses one format per feature from the training rows `rows` of `ds` (see the module doc).
pub fn choose_formats(
    ds: &Dataset,
    rows: &[usize],
    req: &FormatRequest,
) -> Result<Vec<FeatureChoice>, QuantizeError> {
    if rows.is_empty() {
        return Err(QuantizeError::NoRows { which: "training" });
    }
    for (name, _) in &req.overrides {
        if !ds.features.contains(name) {
            return Err(QuantizeError::UnknownOverride {
                feature: name.clone(),
                have: ds.features.join(", "),
            });
        }
    }
    let mut out = Vec::with_capacity(ds.features.len());
    for (k, name) in ds.features.iter().enumerate() {
        let mut values: Vec<f64> = rows.iter().map(|&i| ds.columns[k][i]).collect();
        values.sort_by(f64::total_cmp);
        let (data_min, data_max) = (values[0], values[values.len() - 1]);
        let signed = data_min < 0.0;
        let over = req.overrides.iter().rev().find(|(n, _)| n == name).map(|(_, f)| *f);
        let (format, how) = match (over, req.frac) {
            (Some(f), _) => (f, "override"),
            (None, FracChoice::Fixed(frac)) => {
                let f = Format::new(signed, req.bits, frac)
                    .map_err(|cause| QuantizeError::Format { feature: name.clone(), cause })?;
                (f, "frac")
            }
            (None, FracChoice::Auto { max_saturation }) => {
                if !(0.0..1.0).contains(&max_saturation) {
                    return Err(QuantizeError::MaxSaturation(max_saturation));
                }
                let k = (max_saturation * values.len() as f64 / 2.0).floor() as usize;
                let k = k.min((values.len() - 1) / 2);
                let (lo, hi) = (values[k], values[values.len() - 1 - k]);
                let f = fit_format_signed(signed, lo, hi, req.bits, req.rounding)
                    .map_err(|cause| QuantizeError::Fit { feature: name.clone(), cause })?;
                (f, "auto")
            }
        };
        let (mut below, mut above) = (0usize, 0usize);
        for &x in &values {
            if format.saturates(x, req.rounding) {
                if x < 0.0 || x < format.min_value() {
                    below += 1;
                } else {
                    above += 1;
                }
            }
        }
        let n = values.len() as f64;
        log::debug!(
            "feature '{name}': range [{data_min}, {data_max}], format {format} ({how}), \
             {below} below and {above} above saturate"
        );
        out.push(FeatureChoice {
            feature: name.clone(),
            format: format.to_string(),
            how,
            data_min,
            data_max,
            saturated_below: below as f64 / n,
            saturated_above: above as f64 / n,
            parsed: format,
        });
    }
    Ok(out)
}

/// Float and fixed-point efficiencies of one working point on the test rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Effect {
    /// Target signal efficiency of the working point.
    pub target: f64,
    /// Weighted signal efficiency of the float cuts.
    pub float_eff_sig: f64,
    /// Weighted background efficiency of the float cuts.
    pub float_eff_bkg: f64,
    /// Weighted signal efficiency of the fixed-point cuts on quantised inputs.
    pub fixed_eff_sig: f64,
    /// Weighted background efficiency of the fixed-point cuts on quantised inputs.
    pub fixed_eff_bkg: f64,
    /// `fixed_eff_sig - float_eff_sig`.
    pub delta_eff_sig: f64,
    /// `fixed_eff_bkg - float_eff_bkg`.
    pub delta_eff_bkg: f64,
    /// Test events whose pass/fail at this working point differs between the two.
    pub flipped_events: u64,
}

/// The efficiency change quantisation causes, per working point, on rows `rows` of `ds`;
/// `file` must carry a `quantization` section and the same features as `ds`.
pub fn effect(file: &CutsFile, ds: &Dataset, rows: &[usize]) -> Result<Vec<Effect>, QuantizeError> {
    check_features(file, ds)?;
    if rows.is_empty() {
        return Err(QuantizeError::NoRows { which: "test" });
    }
    let float = file.table()?;
    let fixed = file.fixed_table()?;
    let fv = float.view().map_err(DocError::Table)?;
    let xv = fixed.view().map_err(DocError::Table)?;
    let p = fv.points();
    // Per point: weighted passes (float, fixed) per class, and the flip count.
    let mut pass = vec![[[0.0f64; 2]; 2]; p];
    let mut flips = vec![0u64; p];
    let mut total = [0.0f64; 2];
    let mut row = vec![0.0; ds.features.len()];
    for &i in rows {
        ds.fill_row(i, &mut row);
        let class = usize::from(!ds.is_signal[i]);
        let w = ds.weights[i];
        total[class] += w;
        let a = fv.mask(&row).map_err(DocError::Table)?;
        let b = xv.mask_float(&row, fixed.rounding).map_err(DocError::Table)?;
        for (q, (pq, fq)) in pass.iter_mut().zip(flips.iter_mut()).enumerate() {
            let (fa, fb) = ((a >> q) & 1 == 1, (b >> q) & 1 == 1);
            if fa {
                pq[0][class] += w;
            }
            if fb {
                pq[1][class] += w;
            }
            *fq += u64::from(fa != fb);
        }
    }
    let eff = |num: f64, den: f64| if den != 0.0 { num / den } else { 0.0 };
    Ok(pass
        .iter()
        .zip(&flips)
        .zip(&fixed.targets)
        .map(|((pq, &flipped_events), &target)| {
            let float_eff_sig = eff(pq[0][0], total[0]);
            let float_eff_bkg = eff(pq[0][1], total[1]);
            let fixed_eff_sig = eff(pq[1][0], total[0]);
            let fixed_eff_bkg = eff(pq[1][1], total[1]);
            Effect {
                target,
                float_eff_sig,
                float_eff_bkg,
                fixed_eff_sig,
                fixed_eff_bkg,
                delta_eff_sig: fixed_eff_sig - float_eff_sig,
                delta_eff_bkg: fixed_eff_bkg - float_eff_bkg,
                flipped_events,
            }
        })
        .collect())
}

/// Everything `cabin quantize` computes.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The cut file with its `quantization` section (formats, cuts, and in `extra`: `bits`,
    /// `frac`, `max_saturation`, `formats_chosen`, `constant_cuts`, `effect`).
    pub file: CutsFile,
    /// The format of each feature.
    pub choices: Vec<FeatureChoice>,
    /// The efficiency change per working point.
    pub effect: Vec<Effect>,
    /// Cuts that became constant (always pass or always fail), as (working point, feature).
    pub constant_cuts: Vec<(usize, String)>,
}

/// Chooses formats on `train` rows, quantises the cuts and measures the effect on `test` rows.
pub fn quantize(
    file: &CutsFile,
    ds: &Dataset,
    train: &[usize],
    test: &[usize],
    req: &FormatRequest,
) -> Result<Outcome, QuantizeError> {
    check_features(file, ds)?;
    let choices = choose_formats(ds, train, req)?;
    let formats: Vec<Format> = choices.iter().map(|c| c.parsed).collect();
    let mut q: Quantization = file.quantize_cuts(&formats, req.rounding)?;
    let constant_cuts: Vec<(usize, String)> = q
        .working_points
        .iter()
        .enumerate()
        .flat_map(|(p, cuts)| {
            cuts.iter().filter(|c| c.value.is_none()).map(move |c| (p, c.feature.clone()))
        })
        .collect();
    let mut out = file.clone();
    q.extra.insert("bits".into(), json!(req.bits));
    let frac = match req.frac {
        FracChoice::Fixed(f) => json!(f),
        FracChoice::Auto { .. } => json!("auto"),
    };
    q.extra.insert("frac".into(), frac);
    if let FracChoice::Auto { max_saturation } = req.frac {
        q.extra.insert("max_saturation".into(), json!(max_saturation));
    }
    q.extra.insert("formats_chosen".into(), to_value(&choices));
    let consts: Vec<Value> =
        constant_cuts.iter().map(|(p, f)| json!({"point": p, "feature": f})).collect();
    q.extra.insert("constant_cuts".into(), Value::Array(consts));
    out.quantization = Some(q);
    let effect = effect(&out, ds, test)?;
    if let Some(q) = out.quantization.as_mut() {
        q.extra.insert("effect".into(), to_value(&effect));
    }
    Ok(Outcome { file: out, choices, effect, constant_cuts })
}

fn to_value<T: Serialize>(v: &T) -> Value {
    // Plain structs of numbers and strings always serialise.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn check_features(file: &CutsFile, ds: &Dataset) -> Result<(), QuantizeError> {
    let want: Vec<&str> = file.features.iter().map(|f| f.name.as_str()).collect();
    if want != ds.features.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(QuantizeError::Features {
            want: want.join(", "),
            have: ds.features.join(", "),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_infer::doc::{Cut, Efficiency, Feature, WorkingPoint};
    use cabin_infer::Op;
    use serde_json::Map;

    fn dataset() -> Dataset {
        // x: 0, 0.5, ..., 49.5 (signal for x >= 25); y: -10..10 in 0.2 steps, with one outlier.
        let n = 100;
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
        let mut y: Vec<f64> = (0..n).map(|i| -10.0 + i as f64 * 0.2).collect();
        y[99] = 1000.0;
        Dataset {
            features: vec!["x".into(), "y".into()],
            columns: vec![x.clone(), y],
            is_signal: x.iter().map(|&v| v >= 25.0).collect(),
            weights: vec![1.0; n],
            inputs: Vec::new(),
            dropped_nonfinite: 0,
        }
    }

    fn cuts(values: &[(f64, f64)]) -> CutsFile {
        let eff = || Efficiency { eff_sig: 0.0, eff_bkg: 0.0, extra: Map::new() };
        CutsFile {
            schema: cabin_infer::doc::SCHEMA.into(),
            generator: String::new(),
            features: vec![
                Feature { name: "x".into(), direction: Op::Gt, mean: 0.0, scale: 1.0 },
                Feature { name: "y".into(), direction: Op::Lt, mean: 0.0, scale: 1.0 },
            ],
            working_points: values
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| WorkingPoint {
                    target: 0.5 + i as f64 * 0.1,
                    cuts: vec![
                        Cut { feature: "x".into(), op: Op::Gt, value: a },
                        Cut { feature: "y".into(), op: Op::Lt, value: b },
                    ],
                    train: eff(),
                    test: eff(),
                    extra: Map::new(),
                })
                .collect(),
            config: Map::new(),
            inputs: Vec::new(),
            history: Vec::new(),
            quantization: None,
            extra: Map::new(),
        }
    }

    fn req(frac: FracChoice) -> FormatRequest {
        FormatRequest { bits: 8, frac, rounding: Rounding::Truncate, overrides: Vec::new() }
    }

    #[test]
    fn auto_formats_follow_the_range_or_the_quantiles() {
        let ds = dataset();
        let rows: Vec<usize> = (0..100).collect();
        let c = choose_formats(&ds, &rows, &req(FracChoice::Auto { max_saturation: 0.0 })).unwrap();
        // x in [0, 49.5], unsigned 8 bits: 49.5 * 4 = 198 <= 255, * 8 does not fit.
        assert_eq!(c[0].format, "u8.2");
        assert_eq!((c[0].saturated_below, c[0].saturated_above), (0.0, 0.0));
        // y has the outlier 1000: signed 8 bits must reach 1000, so F = -3 (127 * 8 = 1016).
        assert_eq!(c[1].format, "s8.-3");
        // Allowing 2% saturation drops the outlier (k = 1): y in [-9.8, 9.4] -> 9.8 * 8 = 78.4.
        let c =
            choose_formats(&ds, &rows, &req(FracChoice::Auto { max_saturation: 0.02 })).unwrap();
        assert_eq!(c[1].format, "s8.3");
        assert_eq!(c[1].saturated_above, 0.01, "only the outlier saturates");
        assert_eq!(c[1].saturated_below, 0.0, "-10 * 8 = -80 still fits");
    }

    #[test]
    fn fixed_frac_and_overrides() {
        let ds = dataset();
        let rows: Vec<usize> = (0..100).collect();
        let mut r = req(FracChoice::Fixed(3));
        r.overrides.push(("y".into(), "s16.4".parse().unwrap()));
        let c = choose_formats(&ds, &rows, &r).unwrap();
        // x * 8 reaches 396 > 255: the top saturates (x > 31.875: 36 of 100 events).
        assert_eq!((c[0].format.as_str(), c[0].how), ("u8.3", "frac"));
        assert_eq!(c[0].saturated_above, 0.36);
        assert_eq!((c[1].format.as_str(), c[1].how), ("s16.4", "override"));
        r.overrides.push(("z".into(), "s16.4".parse().unwrap()));
        let e = choose_formats(&ds, &rows, &r).unwrap_err().to_string();
        assert!(e.contains("'z'") && e.contains("have: x, y"), "{e}");
    }

    #[test]
    fn effect_counts_events_that_flip() {
        let ds = dataset();
        let rows: Vec<usize> = (0..100).collect();
        // x > 24.9: float passes x >= 25 (50 events). In u8.0 (truncate), X > floor(24.9) = 24
        // passes x >= 25 too, but x = 24.5 quantises to 24 and fails either way: no flip.
        // x > 24.2 with u8.0: float passes 24.5 (one more event); fixed X > 24 fails 24.5.
        let file = cuts(&[(24.9, 100.0), (24.2, 100.0)]);
        let mut r = req(FracChoice::Fixed(0));
        r.overrides.push(("y".into(), "s16.0".parse().unwrap()));
        let out = quantize(&file, &ds, &rows, &rows, &r).unwrap();
        assert_eq!(out.effect[0].flipped_events, 0);
        assert_eq!(out.effect[1].flipped_events, 1);
        assert_eq!(out.effect[1].float_eff_bkg, 1.0 / 50.0);
        assert_eq!(out.effect[1].fixed_eff_bkg, 0.0);
        assert_eq!(out.effect[1].delta_eff_bkg, -0.02);
        // The y = 1000 outlier is a signal event failing y < 100 in both.
        assert_eq!(out.effect[0].float_eff_sig, 0.98);
        assert_eq!(out.effect[0].fixed_eff_sig, 0.98);
        let q = out.file.quantization.as_ref().unwrap();
        assert!(q.extra.contains_key("effect") && q.extra.contains_key("formats_chosen"));
        // y < 100 is above s16.0's range only if 100 > 32767: no; so no constant cuts here.
        assert!(out.constant_cuts.is_empty());
        out.file.fixed_table().unwrap();
    }

    #[test]
    fn bad_requests_are_errors() {
        let ds = dataset();
        let rows: Vec<usize> = (0..100).collect();
        let e = choose_formats(&ds, &rows, &req(FracChoice::Auto { max_saturation: 1.5 }));
        assert!(matches!(e, Err(QuantizeError::MaxSaturation(_))));
        assert!(matches!(
            choose_formats(&ds, &[], &req(FracChoice::Fixed(0))),
            Err(QuantizeError::NoRows { .. })
        ));
        let mut r = req(FracChoice::Fixed(0));
        r.bits = 40;
        assert!(matches!(choose_formats(&ds, &rows, &r), Err(QuantizeError::Format { .. })));
        let mut r = req(FracChoice::Fixed(40));
        r.bits = 16;
        assert!(matches!(choose_formats(&ds, &rows, &r), Err(QuantizeError::Format { .. })));
        let mut other = cuts(&[(1.0, 1.0)]);
        other.features[1].name = "w".into();
        other.working_points[0].cuts[1].feature = "w".into();
        assert!(matches!(
            quantize(&other, &ds, &rows, &rows, &req(FracChoice::Fixed(0))),
            Err(QuantizeError::Features { .. })
        ));
    }

    /// The message with every `source()` below it, as a chain printer (anyhow's `{:#}`) shows.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut s = e.to_string();
        let mut next = e.source();
        while let Some(c) = next {
            s.push_str(&format!(": {c}"));
            next = c.source();
        }
        s
    }

    #[test]
    fn format_errors_are_not_repeated_by_the_chain() {
        // `--bits 40` printed "...width 40 out of range, expected 1..=32 bits" twice.
        let ds = dataset();
        let rows: Vec<usize> = (0..100).collect();
        let mut r = req(FracChoice::Fixed(0));
        r.bits = 40;
        let e = choose_formats(&ds, &rows, &r).unwrap_err();
        assert_eq!(
            chain(&e),
            "feature 'x': unsigned fixed-point width 40 out of range, expected 1..=32 bits"
        );
        let e = choose_formats(&ds, &rows, &req(FracChoice::Fixed(40))).unwrap_err();
        assert_eq!(
            chain(&e),
            "feature 'x': fixed-point fractional bits 40 out of range, expected -32..=32"
        );
    }
}
