//! The `cabin.cuts/1` JSON document: what `cabin train` writes and every other command reads.
//!
//! The document carries the learned cuts in physical units (`working_points[].cuts`), the
//! scaler the trainer used, the hard-cut efficiencies on the training and test splits, the
//! training configuration and history, the inputs' checksums and, once quantised, the
//! fixed-point table. [`CutsFile::table`] and [`CutsFile::fixed_table`] turn it into the
//! evaluation types of this crate, so every tool applies the same cuts the same way.
//!
//! Fields this crate does not interpret (evaluation results, baselines) are kept in `extra`
//! maps and written back unchanged.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cut::{CutTable, Op, Slot, TableError};
use crate::fixed::{Decision, FixedCut, FixedTable, Format, FormatError, Rounding};

/// The schema tag of this document version.
pub const SCHEMA: &str = "cabin.cuts/1";

/// A whole cut file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CutsFile {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// What wrote the file, e.g. `cabin 0.1.0`.
    #[serde(default)]
    pub generator: String,
    /// The features, in input order: the order of values in an event.
    pub features: Vec<Feature>,
    /// One per target efficiency, sorted by target.
    pub working_points: Vec<WorkingPoint>,
    /// Every hyperparameter and the seed, as the trainer wrote them.
    #[serde(default)]
    pub config: Map<String, Value>,
    /// The files the cuts were learned from.
    #[serde(default)]
    pub inputs: Vec<Input>,
    /// Loss components per epoch.
    #[serde(default)]
    pub history: Vec<Epoch>,
    /// The fixed-point table, once `cabin quantize` has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantization: Option<Quantization>,
    /// Anything else (evaluation results, baselines), kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One input feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// Column or branch name.
    pub name: String,
    /// The direction of its cut: `>` keeps events above the threshold, `<` below.
    pub direction: Op,
    /// Mean of the training split (the standardisation offset).
    pub mean: f64,
    /// Standard deviation of the training split (the standardisation scale).
    pub scale: f64,
}

/// One cut in physical units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cut {
    /// Feature name, one of [`CutsFile::features`].
    pub feature: String,
    /// Comparison.
    pub op: Op,
    /// Threshold in the feature's physical units.
    pub value: f64,
}

/// Hard-cut efficiencies of one working point on one split, weighted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Efficiency {
    /// Weighted fraction of signal passing.
    pub eff_sig: f64,
    /// Weighted fraction of background passing.
    pub eff_bkg: f64,
    /// Other figures (event counts, soft efficiencies, ...), kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One working point: a target signal efficiency and its cuts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkingPoint {
    /// The target signal efficiency it was trained for.
    pub target: f64,
    /// Its cuts; every working point has the same (feature, op) sequence.
    pub cuts: Vec<Cut>,
    /// Efficiencies on the training split.
    pub train: Efficiency,
    /// Efficiencies on the test split.
    pub test: Efficiency,
    /// Other figures, kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One input file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// `signal`, `background`, or `data` (one file with a label column).
    pub role: String,
    /// Path as given on the command line.
    pub path: String,
    /// TTree name for ROOT files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// Entries read.
    pub entries: u64,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
}

/// The loss and its components at one epoch, summed over working points.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Losses {
    /// Total loss.
    pub total: f64,
    /// `alpha * (target - eff_sig)^2`.
    pub effic: f64,
    /// `beta * eff_bkg`.
    pub backg: f64,
    /// `gamma / m * sum b^2`.
    pub cutsz: f64,
    /// `eps * smoothness`.
    pub smooth: f64,
    /// `delta * BCE`.
    pub bce: f64,
}

/// One epoch of training history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    /// Epoch number, from 0.
    pub epoch: u32,
    /// Losses on the training split.
    pub train: Losses,
    /// Losses on the test split, when computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Losses>,
}

/// The fixed-point form of the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantization {
    /// How inputs are mapped onto the grid.
    pub rounding: Rounding,
    /// One format per feature, in feature order.
    pub formats: Vec<FeatureFormat>,
    /// Per working point (same order as `working_points`), one cut per slot.
    pub working_points: Vec<Vec<QuantCut>>,
    /// Other figures (efficiency change from quantisation, saturation), kept as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A feature's fixed-point format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureFormat {
    /// Feature name.
    pub feature: String,
    /// The format.
    #[serde(flatten)]
    pub format: Format,
}

/// One quantised cut.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantCut {
    /// Feature name.
    pub feature: String,
    /// The comparison and the raw threshold or constant answer.
    #[serde(flatten)]
    pub cut: FixedCut,
    /// The exact grid value of the raw threshold (absent for constant cuts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// Why a document could not be used.
#[derive(Clone, Debug, PartialEq)]
pub enum DocError {
    /// Not JSON, or not the shape of a cut file.
    Json(String),
    /// The schema tag is not [`SCHEMA`].
    Schema {
        /// The tag found.
        found: String,
    },
    /// A cut names a feature the file does not list.
    UnknownFeature {
        /// Working point index.
        point: usize,
        /// Feature name.
        feature: String,
    },
    /// Working points differ in which (feature, op) cuts they have.
    SlotMismatch {
        /// Working point index.
        point: usize,
        /// What differs.
        detail: String,
    },
    /// A feature listed twice.
    DuplicateFeature {
        /// Feature name.
        feature: String,
    },
    /// The file has no `quantization` section.
    NotQuantized,
    /// A format is out of range.
    Format {
        /// Feature name.
        feature: String,
        /// What is wrong.
        error: FormatError,
    },
    /// The table's shape is not valid.
    Table(TableError),
    /// The file breaks a rule of the schema (a target outside `[0, 1]`, unsorted working points,
    /// a scaler that is not finite and positive, a cut slot listed twice).
    Invalid {
        /// Where: `working point 3`, `feature 'met'`, ...
        location: String,
        /// What is wrong and what was expected.
        detail: String,
    },
    /// A quantised cut is not what its float cut quantises to: the file was edited by hand or
    /// its float cuts changed after `cabin quantize`.
    Stale {
        /// Working point index.
        point: usize,
        /// Feature name.
        feature: String,
        /// What the file says and what the float cut gives.
        detail: String,
    },
    /// A quantised cut compares with a raw threshold its feature's format cannot hold.
    Threshold {
        /// Working point index.
        point: usize,
        /// Feature name.
        feature: String,
        /// The raw threshold found.
        raw: i64,
        /// The format of the feature.
        format: Format,
    },
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocError::Json(e) => write!(f, "not a cabin cut file: {e}"),
            DocError::Schema { found } => {
                write!(f, "cut file schema is '{found}', expected '{SCHEMA}'")
            }
            DocError::UnknownFeature { point, feature } => write!(
                f,
                "working point {point} cuts on feature '{feature}', which the file does not list"
            ),
            DocError::SlotMismatch { point, detail } => {
                write!(f, "working point {point} has different cuts from working point 0: {detail}")
            }
            DocError::DuplicateFeature { feature } => {
                write!(f, "feature '{feature}' is listed twice")
            }
            DocError::NotQuantized => {
                write!(f, "cut file has no fixed-point table; run `cabin quantize` first")
            }
            DocError::Format { feature, error } => write!(f, "feature '{feature}': {error}"),
            DocError::Table(e) => write!(f, "{e}"),
            DocError::Invalid { location, detail } => write!(f, "{location}: {detail}"),
            DocError::Stale { point, feature, detail } => write!(
                f,
                "working point {point}, feature '{feature}': the quantised cut does not match \
                 the float cut ({detail}); run `cabin quantize` again"
            ),
            DocError::Threshold { point, feature, raw, format } => write!(
                f,
                "working point {point}: raw threshold {raw} of feature '{feature}' is outside \
                 its format {format} (expected {}..={})",
                format.min_raw(),
                format.max_raw()
            ),
        }
    }
}

impl From<TableError> for DocError {
    fn from(e: TableError) -> Self {
        DocError::Table(e)
    }
}

/// A float table with owned storage; [`OwnedTable::view`] gives the evaluation type.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedTable {
    /// Feature names, in input order.
    pub names: Vec<String>,
    /// Target efficiency per working point.
    pub targets: Vec<f64>,
    /// The cut slots.
    pub slots: Vec<Slot>,
    /// Row-major thresholds, `points * slots`.
    pub thresholds: Vec<f64>,
}

impl OwnedTable {
    /// The borrowed evaluation view.
    pub fn view(&self) -> Result<CutTable<'_>, TableError> {
        CutTable::new(self.names.len(), &self.slots, &self.thresholds)
    }
}

/// A fixed-point table with owned storage; [`OwnedFixedTable::view`] gives the evaluation type.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedFixedTable {
    /// Feature names, in input order.
    pub names: Vec<String>,
    /// Target efficiency per working point.
    pub targets: Vec<f64>,
    /// How float inputs are quantised.
    pub rounding: Rounding,
    /// One format per input.
    pub formats: Vec<Format>,
    /// The cut slots.
    pub slots: Vec<Slot>,
    /// Row-major cuts, `points * slots`.
    pub cuts: Vec<FixedCut>,
}

impl OwnedFixedTable {
    /// The borrowed evaluation view.
    pub fn view(&self) -> Result<FixedTable<'_>, TableError> {
        FixedTable::new(&self.formats, &self.slots, &self.cuts)
    }
}

impl CutsFile {
    /// Parses and checks the schema tag.
    pub fn from_json(text: &str) -> Result<CutsFile, DocError> {
        let file: CutsFile =
            serde_json::from_str(text).map_err(|e| DocError::Json(e.to_string()))?;
        if file.schema != SCHEMA {
            return Err(DocError::Schema { found: file.schema });
        }
        file.validate()?;
        Ok(file)
    }

    /// Checks the rules of the schema that JSON types alone cannot express: every target is in
    /// `[0, 1]`; working points are sorted by strictly increasing target (binned files, which
    /// repeat the targets once per bin, are checked per bin); every scaler is finite with a
    /// positive scale; no (feature, op) cut slot appears twice.
    pub fn validate(&self) -> Result<(), DocError> {
        let invalid =
            |location: String, detail: String| Err(DocError::Invalid { location, detail });
        for f in &self.features {
            if !(f.mean.is_finite() && f.scale.is_finite() && f.scale > 0.0) {
                return invalid(
                    format!("feature '{}'", f.name),
                    format!(
                        "scaler mean {} and scale {}, expected finite values and a scale above 0",
                        f.mean, f.scale
                    ),
                );
            }
        }
        let per_bin = self
            .extra
            .get("binning")
            .and_then(|b| b.get("points"))
            .and_then(Value::as_u64)
            .map_or(self.working_points.len(), |p| p as usize);
        for (p, wp) in self.working_points.iter().enumerate() {
            if !(0.0..=1.0).contains(&wp.target) {
                return invalid(
                    format!("working point {p}"),
                    format!("target {}, expected a signal efficiency in [0, 1]", wp.target),
                );
            }
            if per_bin > 0 && p % per_bin != 0 {
                let prev = self.working_points[p - 1].target;
                if wp.target <= prev {
                    return invalid(
                        format!("working point {p}"),
                        format!(
                            "target {} after {prev}, expected working points sorted by \
                             strictly increasing target",
                            wp.target
                        ),
                    );
                }
            }
        }
        if let Some(first) = self.working_points.first() {
            for (i, c) in first.cuts.iter().enumerate() {
                if first.cuts[..i].iter().any(|d| d.feature == c.feature && d.op == c.op) {
                    return invalid(
                        "working point 0".to_string(),
                        format!("cut '{} {}' appears twice", c.feature, c.op),
                    );
                }
            }
        }
        Ok(())
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        // Serialising these types cannot fail: every map key is a string.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Index of a feature by name.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }

    /// The slots, taken from working point 0 and checked against every other working point.
    pub fn slots(&self) -> Result<Vec<Slot>, DocError> {
        for (i, f) in self.features.iter().enumerate() {
            if self.features[..i].iter().any(|g| g.name == f.name) {
                return Err(DocError::DuplicateFeature { feature: f.name.clone() });
            }
        }
        let Some(first) = self.working_points.first() else {
            return Err(DocError::Table(TableError::NoPoints));
        };
        let slots = first
            .cuts
            .iter()
            .map(|c| {
                let input = self.feature_index(&c.feature).ok_or_else(|| {
                    DocError::UnknownFeature { point: 0, feature: c.feature.clone() }
                })?;
                Ok(Slot { input: input as u16, op: c.op })
            })
            .collect::<Result<Vec<_>, DocError>>()?;
        for (p, wp) in self.working_points.iter().enumerate().skip(1) {
            if wp.cuts.len() != slots.len() {
                return Err(DocError::SlotMismatch {
                    point: p,
                    detail: format!("{} cuts instead of {}", wp.cuts.len(), slots.len()),
                });
            }
            for (c, s) in wp.cuts.iter().zip(&slots) {
                let want = &self.features[s.input as usize].name;
                if &c.feature != want || c.op != s.op {
                    return Err(DocError::SlotMismatch {
                        point: p,
                        detail: format!(
                            "'{} {}' where '{} {}' was expected",
                            c.feature, c.op, want, s.op
                        ),
                    });
                }
            }
        }
        Ok(slots)
    }

    /// The float table in physical units.
    pub fn table(&self) -> Result<OwnedTable, DocError> {
        let slots = self.slots()?;
        let thresholds =
            self.working_points.iter().flat_map(|wp| wp.cuts.iter().map(|c| c.value)).collect();
        let table = OwnedTable {
            names: self.features.iter().map(|f| f.name.clone()).collect(),
            targets: self.working_points.iter().map(|wp| wp.target).collect(),
            slots,
            thresholds,
        };
        table.view()?;
        Ok(table)
    }

    /// A `quantization` section for these cuts: one format per feature (in feature order), each
    /// float cut quantised with [`FixedCut::new`], the exact grid value of every raw threshold
    /// recorded, and `extra` empty for the caller to fill.
    pub fn quantize_cuts(
        &self,
        formats: &[Format],
        rounding: Rounding,
    ) -> Result<Quantization, DocError> {
        let slots = self.slots()?;
        if formats.len() != self.features.len() {
            return Err(DocError::Table(TableError::FormatCount {
                inputs: self.features.len(),
                formats: formats.len(),
            }));
        }
        let mut checked = Vec::with_capacity(formats.len());
        for (f, &fmt) in self.features.iter().zip(formats) {
            let fmt = fmt
                .validate()
                .map_err(|error| DocError::Format { feature: f.name.clone(), error })?;
            checked.push(FeatureFormat { feature: f.name.clone(), format: fmt });
        }
        let working_points = self
            .working_points
            .iter()
            .map(|wp| {
                wp.cuts
                    .iter()
                    .zip(&slots)
                    .map(|(c, s)| {
                        let format = formats[s.input as usize];
                        let cut = FixedCut::new(c.op, c.value, format);
                        QuantCut {
                            feature: c.feature.clone(),
                            cut,
                            value: cut.threshold_value(format),
                        }
                    })
                    .collect()
            })
            .collect();
        Ok(Quantization { rounding, formats: checked, working_points, extra: Map::new() })
    }

    /// The fixed-point table from the `quantization` section.
    pub fn fixed_table(&self) -> Result<OwnedFixedTable, DocError> {
        let q = self.quantization.as_ref().ok_or(DocError::NotQuantized)?;
        let slots = self.slots()?;
        if q.formats.len() != self.features.len() {
            return Err(DocError::Table(TableError::FormatCount {
                inputs: self.features.len(),
                formats: q.formats.len(),
            }));
        }
        let mut formats = Vec::with_capacity(q.formats.len());
        for (f, ff) in self.features.iter().zip(&q.formats) {
            if ff.feature != f.name {
                return Err(DocError::SlotMismatch {
                    point: 0,
                    detail: format!("format for '{}' where '{}' was expected", ff.feature, f.name),
                });
            }
            let fmt = ff
                .format
                .validate()
                .map_err(|error| DocError::Format { feature: f.name.clone(), error })?;
            formats.push(fmt);
        }
        if q.working_points.len() != self.working_points.len() {
            return Err(DocError::SlotMismatch {
                point: q.working_points.len().min(self.working_points.len()),
                detail: format!(
                    "{} quantised working points for {} float ones",
                    q.working_points.len(),
                    self.working_points.len()
                ),
            });
        }
        let mut cuts = Vec::with_capacity(slots.len() * q.working_points.len());
        for (p, qp) in q.working_points.iter().enumerate() {
            if qp.len() != slots.len() {
                return Err(DocError::SlotMismatch {
                    point: p,
                    detail: format!("{} quantised cuts instead of {}", qp.len(), slots.len()),
                });
            }
            for (c, s) in qp.iter().zip(&slots) {
                let want = &self.features[s.input as usize].name;
                if &c.feature != want || c.cut.op != s.op {
                    return Err(DocError::SlotMismatch {
                        point: p,
                        detail: format!(
                            "quantised '{} {}' where '{} {}' was expected",
                            c.feature, c.cut.op, want, s.op
                        ),
                    });
                }
                let format = formats[s.input as usize];
                if let Decision::Compare(raw) = c.cut.decision {
                    if raw < format.min_raw() || raw > format.max_raw() {
                        return Err(DocError::Threshold {
                            point: p,
                            feature: c.feature.clone(),
                            raw,
                            format,
                        });
                    }
                }
                let float = &self.working_points[p].cuts[cuts.len() % slots.len()];
                let expected = FixedCut::new(float.op, float.value, format);
                if expected != c.cut {
                    return Err(DocError::Stale {
                        point: p,
                        feature: c.feature.clone(),
                        detail: format!(
                            "file has {:?}, the float cut {} {} gives {:?} in {}",
                            c.cut.decision, float.op, float.value, expected.decision, format
                        ),
                    });
                }
                let grid = expected.threshold_value(format);
                if c.value.is_some() && c.value != grid {
                    return Err(DocError::Stale {
                        point: p,
                        feature: c.feature.clone(),
                        detail: format!(
                            "recorded grid value {:?}, the raw threshold stands for {:?}",
                            c.value, grid
                        ),
                    });
                }
                cuts.push(c.cut);
            }
        }
        let table = OwnedFixedTable {
            names: self.features.iter().map(|f| f.name.clone()).collect(),
            targets: self.working_points.iter().map(|wp| wp.target).collect(),
            rounding: q.rounding,
            formats,
            slots,
            cuts,
        };
        table.view()?;
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::Decision;

    fn file() -> CutsFile {
        let text = r#"{
          "schema": "cabin.cuts/1",
          "features": [
            {"name": "met", "direction": ">", "mean": 50.0, "scale": 20.0},
            {"name": "dphi", "direction": "<", "mean": 1.0, "scale": 0.5}
          ],
          "working_points": [
            {"target": 0.5, "cuts": [{"feature": "met", "op": ">", "value": 60.3},
                                     {"feature": "dphi", "op": "<", "value": 1.2}],
             "train": {"eff_sig": 0.5, "eff_bkg": 0.1}, "test": {"eff_sig": 0.5, "eff_bkg": 0.1}},
            {"target": 0.9, "cuts": [{"feature": "met", "op": ">", "value": -5.0},
                                     {"feature": "dphi", "op": "<", "value": 9.0}],
             "train": {"eff_sig": 0.9, "eff_bkg": 0.4}, "test": {"eff_sig": 0.9, "eff_bkg": 0.4}}
          ]
        }"#;
        CutsFile::from_json(text).unwrap()
    }

    #[test]
    fn quantize_cuts_round_trips_through_json() {
        let mut f = file();
        let formats = [Format::new(false, 16, 6).unwrap(), Format::new(false, 8, 5).unwrap()];
        let q = f.quantize_cuts(&formats, Rounding::Truncate).unwrap();
        // met > 60.3 at 2^6: floor(3859.2) = 3859, which stands for 60.296875.
        assert_eq!(q.working_points[0][0].cut.decision, Decision::Compare(3859));
        assert_eq!(q.working_points[0][0].value, Some(60.296875));
        // met > -5 on an unsigned format passes everything; dphi < 9 is above u8.5's 7.97.
        assert_eq!(q.working_points[1][0].cut.decision, Decision::AlwaysPass);
        assert_eq!(q.working_points[1][1].cut.decision, Decision::AlwaysPass);
        assert_eq!(q.working_points[1][1].value, None);
        f.quantization = Some(q);
        let back = CutsFile::from_json(&f.to_json()).unwrap();
        assert_eq!(back, f);
        let t = back.fixed_table().unwrap();
        assert_eq!(t.formats, formats);
        assert_eq!(t.view().unwrap().mask_raw(&[3860, 38]).unwrap(), 0b11);
    }

    #[test]
    fn raw_threshold_outside_the_format_is_rejected() {
        let mut f = file();
        let formats = [Format::new(false, 16, 6).unwrap(), Format::new(false, 8, 5).unwrap()];
        let mut q = f.quantize_cuts(&formats, Rounding::Truncate).unwrap();
        q.working_points[0][1].cut.decision = Decision::Compare(300);
        f.quantization = Some(q);
        let e = f.fixed_table().unwrap_err();
        assert!(matches!(e, DocError::Threshold { point: 0, raw: 300, .. }), "{e}");
        assert!(e.to_string().contains("outside its format u8.5 (expected 0..=255)"), "{e}");
    }

    #[test]
    fn a_hand_edited_quantised_cut_is_stale() {
        // Regression: export used raw thresholds that no longer matched the float cuts.
        let mut f = file();
        let formats = [Format::new(false, 16, 6).unwrap(), Format::new(false, 8, 5).unwrap()];
        f.quantization = Some(f.quantize_cuts(&formats, Rounding::Truncate).unwrap());
        f.working_points[0].cuts[0].value = -100.0;
        let e = f.fixed_table().unwrap_err();
        assert!(matches!(e, DocError::Stale { point: 0, .. }), "{e}");
        assert!(e.to_string().contains("run `cabin quantize` again"), "{e}");

        let mut g = file();
        let mut q = g.quantize_cuts(&formats, Rounding::Truncate).unwrap();
        q.working_points[0][0].value = Some(61.0);
        g.quantization = Some(q);
        assert!(matches!(g.fixed_table(), Err(DocError::Stale { point: 0, .. })));
    }

    #[test]
    fn schema_rules_are_checked_on_reading() {
        let ok = file().to_json();
        let bad = [
            (ok.replace("\"target\": 0.9", "\"target\": 2.0"), "expected a signal efficiency"),
            (ok.replace("\"target\": 0.9", "\"target\": 0.5"), "strictly increasing"),
            (ok.replace("\"scale\": 20.0", "\"scale\": 0.0"), "scale above 0"),
            (
                ok.replace(
                    "\"feature\": \"dphi\",\n          \"op\": \"<\"",
                    "\"feature\": \"met\",\n          \"op\": \">\"",
                ),
                "appears twice",
            ),
        ];
        for (text, want) in bad {
            assert_ne!(text, ok, "the edit for '{want}' did not apply");
            let e = CutsFile::from_json(&text).unwrap_err().to_string();
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
