//! `cabin compare`: cabin's scan and the baselines on one split, one table, one JSON file.
//!
//! The scan is trained exactly as `cabin train` would with the same options. On the same
//! training rows the command then trains the BCE-only one-to-one CABIN network, the linear
//! network and the boosted decision trees (`cabin_train::baselines`), with `--genetic` also the
//! genetic cut search (`cabin_train::hard::genetic`), and judges them all on the test rows. The output is the scan's cut file with two more top-level keys, so `cabin plot`
//! overlays the baselines on the ROC:
//!
//! - `baselines`: one summary per baseline (`method`, `auc`, `eff_bkg_at` at signal
//!   efficiency 0.5/0.8/0.9, `train_seconds`, `roc` as a thinned list of points);
//! - `cabin_summary`: the same figures for the scan, from its working points' test
//!   efficiencies; its AUC closes the scan with (0, 0) and (1, 1).

use std::time::Instant;

use anyhow::{Context, Result};
use cabin_infer::doc::CutsFile;
use cabin_train::baselines::bdt::{train_bdt, BdtConfig};
use cabin_train::baselines::cabin_net::train_bce_net;
use cabin_train::baselines::linear::{train_linear, LinearConfig};
use cabin_train::baselines::roc::{Roc, RocPoint};
use cabin_train::baselines::{BkgAt, Samples, Summary, SUMMARY_EFFS};
use cabin_train::data::Dataset;
use cabin_train::pipeline;
use serde_json::json;

use super::train;
use crate::output::write_atomic;

/// Where `cabin compare` writes its cut file without `-o`.
pub const DEFAULT_OUTPUT: &str = "compare.json";

/// Options of `cabin compare`: every option of `cabin train`, plus the baselines' settings.
///
/// The output defaults to `compare.json`, not `cabin train`'s `cuts.json`, so that comparing
/// after training without `-o` does not replace the trained cut file.
#[derive(clap::Args)]
#[group(id = "compare")]
#[command(mut_arg("output", |a| a.default_value(DEFAULT_OUTPUT)))]
pub struct Args {
    /// Data, split, output and cabin's training options, as for `cabin train`.
    #[command(flatten)]
    pub train: train::Args,

    /// Trees of the boosted-decision-tree baseline.
    #[arg(long, default_value_t = 200, help_heading = "Baselines")]
    pub bdt_trees: usize,

    /// Maximum depth of each tree.
    #[arg(long, default_value_t = 5, help_heading = "Baselines")]
    pub bdt_depth: usize,

    /// Full-batch Adam steps of the linear network.
    #[arg(long, default_value_t = 150, help_heading = "Baselines")]
    pub linear_epochs: usize,

    /// Gradient epochs of the BCE one-to-one network [default: the scan's epochs].
    #[arg(long, help_heading = "Baselines")]
    pub bce_epochs: Option<usize>,

    /// Also run the genetic cut search (`cabin train --recipe genetic` with the `--ga-*`
    /// options; same targets, directions, windows and split, efficiency objective; minutes on
    /// 100k events).
    #[arg(long, help_heading = "Baselines")]
    pub genetic: bool,
}

/// Row-major features, labels and weights of `rows`.
fn rows_of(ds: &Dataset, rows: &[usize]) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    let m = ds.features.len();
    let mut x = Vec::with_capacity(rows.len() * m);
    for &r in rows {
        x.extend(ds.columns.iter().map(|c| c[r]));
    }
    let y = rows.iter().map(|&r| ds.is_signal[r]).collect();
    let w = rows.iter().map(|&r| ds.weights[r]).collect();
    (x, y, w)
}

/// The scan's figures from its working points' test efficiencies.
fn scan_summary(doc: &CutsFile, seconds: f64) -> Summary {
    let scan = Roc::from_points(
        doc.working_points
            .iter()
            .map(|w| RocPoint { eff_sig: w.test.eff_sig, eff_bkg: w.test.eff_bkg }),
    );
    Summary {
        method: "cabin cuts".to_string(),
        auc: scan.with_ends().auc(),
        eff_bkg_at: SUMMARY_EFFS
            .iter()
            // Through (0,0) and (1,1), as the AUC: a point a little off the scan's range still
            // has a figure.
            .map(|&s| BkgAt { eff_sig: s, eff_bkg: scan.with_ends().eff_bkg_at(s) })
            .collect(),
        train_seconds: seconds,
        roc: scan.points,
    }
}

/// The printed table.
pub fn table(rows: &[Summary]) -> String {
    let mut s = format!(
        "{:<22} {:>6}  {:>10} {:>10} {:>10}  {:>9}\n",
        "method", "AUC", "bkg@s=0.5", "bkg@s=0.8", "bkg@s=0.9", "train s"
    );
    let cell = |v: Option<f64>| v.map(|v| format!("{v:.5}")).unwrap_or_else(|| "-".to_string());
    for r in rows {
        s.push_str(&format!(
            "{:<22} {:>6}  {:>10} {:>10} {:>10}  {:>9.2}\n",
            r.method,
            r.auc.map(|a| format!("{a:.4}")).unwrap_or_else(|| "-".to_string()),
            cell(r.bkg_at(0.5)),
            cell(r.bkg_at(0.8)),
            cell(r.bkg_at(0.9)),
            r.train_seconds
        ));
    }
    s
}

/// Runs `cabin compare`.
pub fn run(args: Args) -> Result<()> {
    if args.train.beyond.binning()?.is_some() {
        anyhow::bail!(
            "cabin compare does not train binned cuts (--bin-by); compare a binned file with \
             `cabin eval`"
        );
    }
    let mut cfg = train::config_for(&args.train, args.genetic)?;
    let ga_options = train::genetic_options(&args.train);
    if args.genetic {
        ga_options.check().context("invalid --ga-* option for --genetic")?;
    }
    let (ds, split) = args.train.data.load()?;
    let (xtr, ytr, wtr) = rows_of(&ds, &split.train);
    let (xte, yte, wte) = rows_of(&ds, &split.test);
    let m = ds.features.len();
    let train_s = Samples::new(&xtr, m, &ytr, &wtr).context("training rows")?;
    let test_s = Samples::new(&xte, m, &yte, &wte).context("test rows")?;

    let (mut doc, baselines) = pipeline::with_threads(args.train.threads, |threads| {
        cfg.threads = threads;
        let start = Instant::now();
        let doc = pipeline::train(&ds, &split, &cfg, &mut |_| {})?;
        let scan_seconds = start.elapsed().as_secs_f64();
        log::info!("cabin scan trained in {scan_seconds:.1} s");
        let mut bce_cfg = cfg.clone();
        if let Some(e) = args.bce_epochs {
            bce_cfg.epochs = e;
        }
        let baselines = (|| -> Result<Vec<Summary>> {
            let net = train_bce_net(&ds, &split, &bce_cfg)?;
            let roc = test_s.roc(&net.score(&test_s)?)?;
            let bce = Summary::from_roc("BCE one-to-one net", &roc, net.train_seconds);
            log::info!("BCE one-to-one network trained in {:.1} s", net.train_seconds);

            let lin_cfg = LinearConfig { epochs: args.linear_epochs, ..LinearConfig::default() };
            let lin = train_linear(&train_s, &lin_cfg)?;
            let roc = test_s.roc(&lin.score(&test_s)?)?;
            let linear = Summary::from_roc("linear net (no bias)", &roc, lin.train_seconds);
            log::info!("linear network trained in {:.1} s", lin.train_seconds);

            let bdt_cfg = BdtConfig {
                trees: args.bdt_trees,
                max_depth: args.bdt_depth,
                ..BdtConfig::default()
            };
            let bdt = train_bdt(&train_s, &bdt_cfg)?;
            let roc = test_s.roc(&bdt.score(&test_s)?)?;
            let bdt = Summary::from_roc("BDT (forust-ml)", &roc, bdt.train_seconds);
            let mut rows = vec![bce, linear, bdt];
            if args.genetic {
                let ga_cfg = pipeline::TrainConfig {
                    targets: cfg.targets.clone(),
                    directions: cfg.directions.clone(),
                    windows: cfg.windows.clone(),
                    seed: cfg.seed,
                    test_fraction: cfg.test_fraction,
                    threads,
                    genetic: Some(ga_options.clone()),
                    ..pipeline::TrainConfig::genetic()
                };
                let start = Instant::now();
                let ga = pipeline::train(&ds, &split, &ga_cfg, &mut |_| {})?;
                let mut ga = scan_summary(&ga, start.elapsed().as_secs_f64());
                ga.method = "genetic cut search".to_string();
                log::info!("genetic cut search ran in {:.1} s", ga.train_seconds);
                rows.push(ga);
            }
            Ok(rows)
        })();
        Ok((doc, baselines.map(|b| (b, scan_seconds))))
    })
    .context("training cabin's scan failed")?;
    let (baselines, scan_seconds) = baselines.context("training a baseline failed")?;

    let cabin = scan_summary(&doc, scan_seconds);
    doc.extra.insert("baselines".into(), json!(baselines));
    doc.extra.insert("cabin_summary".into(), json!(cabin));
    write_atomic(&args.train.output, doc.to_json().as_bytes())?;

    let mut rows = vec![cabin];
    rows.extend(baselines);
    out!("{}", table(&rows));
    outln!(
        "{} train / {} test events, {}; wrote {}",
        split.train.len(),
        split.test.len(),
        super::count(m, "feature"),
        args.train.output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_missing_figures_as_dashes() {
        let s = Summary {
            method: "m".into(),
            auc: Some(0.75),
            eff_bkg_at: vec![BkgAt { eff_sig: 0.5, eff_bkg: Some(0.01) }],
            train_seconds: 1.0,
            roc: Vec::new(),
        };
        let t = table(&[s]);
        let line = t.lines().nth(1).unwrap();
        assert!(line.starts_with("m "), "{line}");
        assert!(line.contains("0.7500") && line.contains("0.01000"), "{line}");
        assert_eq!(line.matches(" -").count(), 2, "{line}");
    }
}
