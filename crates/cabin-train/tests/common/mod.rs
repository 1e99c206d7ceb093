//! Shared by the integration tests that run on `../shared/data`; a test file uses them with
//! `mod common;`.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;

use cabin_infer::doc::CutsFile;
use cabin_train::data::{load, Dataset, LoadOptions, Source, SourceSpec};

/// The genetic search's (test signal, test background) efficiencies on the SUSY-like sample,
/// from the project's optimisation issue (TMVA, population 200, 10 steps, 5 cycles).
pub const GA: [(f64, f64); 10] = [
    (0.103, 0.0),
    (0.212, 0.0),
    (0.308, 0.0008),
    (0.406, 0.0020),
    (0.499, 0.0055),
    (0.606, 0.0160),
    (0.702, 0.0520),
    (0.799, 0.1517),
    (0.898, 0.2513),
    (0.948, 0.3578),
];

/// `rel` (e.g. `../shared/data/x.csv`) from the repository root, or `None` with a printed
/// reason when it is absent (a clone without the shared folder).
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel);
    if path.is_file() {
        Some(path)
    } else {
        println!("skipped: ../shared not found");
        None
    }
}

/// `../shared/data/susy_like_synthetic.csv`, labelled by its `label` column.
pub fn susy() -> Option<Dataset> {
    let path = shared("../shared/data/susy_like_synthetic.csv")?;
    let spec = SourceSpec::parse(&path.to_string_lossy());
    let source = Source::Labelled { data: spec, label: "label".into() };
    Some(load(&source, &LoadOptions::default()).expect("the shared CSV loads"))
}

/// Test background interpolated linearly at test signal `s`, with (0,0) and (1,1) added.
pub fn bkg_at(doc: &CutsFile, s: f64) -> f64 {
    let mut p: Vec<(f64, f64)> =
        doc.working_points.iter().map(|w| (w.test.eff_sig, w.test.eff_bkg)).collect();
    p.extend([(0.0, 0.0), (1.0, 1.0)]);
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.windows(2)
        .find(|w| w[0].0 <= s && s <= w[1].0)
        .map(|w| {
            let f = if w[1].0 > w[0].0 { (s - w[0].0) / (w[1].0 - w[0].0) } else { 0.0 };
            w[0].1 + f * (w[1].1 - w[0].1)
        })
        .unwrap_or(f64::NAN)
}
