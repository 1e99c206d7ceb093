//! Options of the features beyond the paper: window cuts, the significance objective and its
//! yields, and cuts binned in one variable. `cabin train` flattens [`TrainBeyond`]; `cabin eval`
//! flattens [`YieldArgs`] to report `Z` per working point.

use anyhow::{Context, Result};
use cabin_train::binned::BinSpec;
use cabin_train::significance::{
    ObjectiveKind, Significance, SignificanceSettings, Yields, DEFAULT_MIN_BKG,
};
use clap::ValueEnum;
use serde_json::{Map, Value};

/// What the loss rewards besides each target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// Low background efficiency (the paper's `beta * eff_bkg`).
    Efficiency,
    /// High expected discovery significance (`-beta * ln Z` from the yields).
    Significance,
}

/// Yield and significance options (shared by train and eval).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct YieldArgs {
    /// Integrated luminosity multiplying every event weight [default: 1, or as trained].
    #[arg(long, allow_hyphen_values = true, help_heading = "Significance")]
    pub lumi: Option<f64>,
    /// Weight factor of the signal sample, e.g. cross-section / generated events [default:
    /// 1, or as trained].
    #[arg(long, allow_hyphen_values = true, help_heading = "Significance")]
    pub sig_xsec: Option<f64>,
    /// Weight factor of the background sample [default: 1, or as trained].
    #[arg(long, allow_hyphen_values = true, help_heading = "Significance")]
    pub bkg_xsec: Option<f64>,
    /// Background uncertainty as a fraction of the background yield, e.g. 0.3 (0 = Asimov
    /// Z0) [default: 0, or as trained].
    #[arg(long, allow_hyphen_values = true, help_heading = "Significance")]
    pub bkg_uncertainty: Option<f64>,
    /// Background yields below this count as this: the asymptotic formulas diverge as b -> 0
    /// [default: 1 expected event, or as trained].
    #[arg(long, allow_hyphen_values = true, help_heading = "Significance")]
    pub min_bkg: Option<f64>,
}

impl YieldArgs {
    /// The settings: given options over `base` (e.g. the ones recorded at training).
    pub fn settings(&self, base: SignificanceSettings) -> Result<SignificanceSettings> {
        let mut s = base;
        let set = |dst: &mut f64, v: Option<f64>| {
            if let Some(v) = v {
                *dst = v;
            }
        };
        set(&mut s.yields.lumi, self.lumi);
        set(&mut s.yields.xsec_sig, self.sig_xsec);
        set(&mut s.yields.xsec_bkg, self.bkg_xsec);
        set(&mut s.formula.bkg_uncertainty, self.bkg_uncertainty);
        set(&mut s.formula.min_bkg, self.min_bkg);
        s.validate().context("invalid significance options")
    }
}

/// The significance settings recorded in a cut file's `config` (defaults if absent).
pub fn recorded_settings(config: &Map<String, Value>) -> SignificanceSettings {
    config.get("significance").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or(
        SignificanceSettings {
            formula: Significance { bkg_uncertainty: 0.0, min_bkg: DEFAULT_MIN_BKG },
            yields: Yields::default(),
        },
    )
}

/// `cabin train` options beyond the paper.
#[derive(clap::Args, Clone, Debug)]
pub struct TrainBeyond {
    /// Two-sided (window) cuts on these features, e.g. `mass`: a lower and an upper threshold.
    #[arg(long, value_delimiter = ',', value_name = "FEATURE", help_heading = "Beyond the paper")]
    pub window: Vec<String>,
    /// What the loss rewards besides each target.
    #[arg(long, value_enum, default_value = "efficiency", help_heading = "Beyond the paper")]
    pub objective: ObjectiveArg,
    /// Yields and the significance formula (used by `--objective significance`).
    #[command(flatten)]
    pub yields: YieldArgs,
    /// Learn one set of cuts per bin of a variable, e.g. `eta:0,0.8,1.37,1.52,2.47` (bins
    /// [lo, hi); the variable is loaded as an input and never cut on; bins x targets <= 64).
    #[arg(long, value_name = "NAME:EDGES", help_heading = "Beyond the paper")]
    pub bin_by: Option<String>,
    /// Strength of the term keeping each cut close to its value in neighbouring bins.
    #[arg(long, default_value_t = 0.1, help_heading = "Beyond the paper")]
    #[arg(allow_negative_numbers = true)]
    pub bin_smoothness: f64,
    /// Learn the cut directions (weights w) with the biases: `tanh` (the default when given
    /// bare) bounds |w| < 1, so the steepness never exceeds n; `unbounded` is for comparison
    /// (its weights grow for as long as training runs).
    #[arg(
        long,
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "tanh",
        value_name = "BOUND",
        help_heading = "Beyond the paper"
    )]
    pub learn_weights: Option<WeightBoundArg>,
}

/// How `--learn-weights` bounds the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WeightBoundArg {
    /// w = tanh(u): |w| < 1.
    Tanh,
    /// w = u (diverges; for comparison).
    Unbounded,
}

impl WeightBoundArg {
    /// The library's setting.
    pub fn bound(self) -> cabin_train::learned::WeightBound {
        match self {
            WeightBoundArg::Tanh => cabin_train::learned::WeightBound::Tanh,
            WeightBoundArg::Unbounded => cabin_train::learned::WeightBound::Unbounded,
        }
    }
}

impl TrainBeyond {
    /// The objective kind.
    pub fn objective(&self) -> ObjectiveKind {
        match self.objective {
            ObjectiveArg::Efficiency => ObjectiveKind::Efficiency,
            ObjectiveArg::Significance => ObjectiveKind::Significance,
        }
    }

    /// The binning, if asked for.
    pub fn binning(&self) -> Result<Option<BinSpec>> {
        self.bin_by.as_deref().map(|s| BinSpec::parse(s).context("invalid --bin-by")).transpose()
    }
}
