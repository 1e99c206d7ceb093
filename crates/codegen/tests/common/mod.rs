//! Sample cut files for the golden tests, quantised with `cabin-infer` in code.
#![allow(dead_code)]

use cabin_infer::doc::{
    Cut, CutsFile, Efficiency, Feature, FeatureFormat, QuantCut, Quantization, WorkingPoint, SCHEMA,
};
use cabin_infer::{FixedCut, Format, Op, Rounding};
use serde_json::Map;

/// One golden case: a name and a cut file.
pub struct Case {
    pub name: &'static str,
    pub file: CutsFile,
}

fn eff() -> Efficiency {
    Efficiency { eff_sig: 0.5, eff_bkg: 0.1, extra: Map::new() }
}

/// Builds a cut file: features (name, direction, format), slot list (feature index, op) and
/// per working point (target, thresholds per slot).
fn build(
    features: &[(&str, Op, Format)],
    slots: &[(usize, Op)],
    points: &[(f64, Vec<f64>)],
    rounding: Rounding,
) -> CutsFile {
    let wps = points
        .iter()
        .map(|(target, ts)| WorkingPoint {
            target: *target,
            cuts: slots
                .iter()
                .zip(ts)
                .map(|(&(f, op), &value)| Cut { feature: features[f].0.to_string(), op, value })
                .collect(),
            train: eff(),
            test: eff(),
            extra: Map::new(),
        })
        .collect();
    let q = Quantization {
        rounding,
        formats: features
            .iter()
            .map(|(n, _, f)| FeatureFormat { feature: n.to_string(), format: *f })
            .collect(),
        working_points: points
            .iter()
            .map(|(_, ts)| {
                slots
                    .iter()
                    .zip(ts)
                    .map(|(&(f, op), &t)| {
                        let cut = FixedCut::new(op, t, features[f].2);
                        QuantCut {
                            feature: features[f].0.to_string(),
                            cut,
                            value: cut.threshold_value(features[f].2),
                        }
                    })
                    .collect()
            })
            .collect(),
        extra: Map::new(),
    };
    CutsFile {
        schema: SCHEMA.to_string(),
        generator: "codegen golden tests".to_string(),
        features: features
            .iter()
            .map(|(n, d, _)| Feature { name: n.to_string(), direction: *d, mean: 0.0, scale: 1.0 })
            .collect(),
        working_points: wps,
        config: Map::new(),
        inputs: Vec::new(),
        history: Vec::new(),
        quantization: Some(q),
        extra: Map::new(),
    }
}

/// `basic`: keyword-named features (`reg`, `input`, `class`), a window cut, constant cuts
/// of both kinds, an input whose cuts are all constant, signed and unsigned formats.
/// `wide`: 32-bit formats at the edges of the raw range, `pass`/`signed` names, round mode.
pub fn cases() -> Vec<Case> {
    let met = Format { signed: false, width: 12, frac: 2 };
    let reg = Format { signed: true, width: 10, frac: 3 };
    let input = Format { signed: true, width: 8, frac: 5 };
    let class = Format { signed: false, width: 6, frac: 0 };
    let basic = build(
        &[
            ("met", Op::Gt, met),
            ("reg", Op::Lt, reg),
            ("input", Op::Gt, input),
            ("class", Op::Lt, class),
        ],
        &[(0, Op::Gt), (1, Op::Lt), (1, Op::Gt), (2, Op::Ge), (3, Op::Le)],
        &[
            (0.3, vec![50.3, 10.1, -20.2, 5.0, 100.0]),
            (0.5, vec![40.3, 20.1, -30.2, 0.4, 100.0]),
            (0.7, vec![30.1, 40.0, -50.0, -0.6, 80.0]),
            (0.9, vec![20.2, 90.0, -70.0, -4.5, 70.0]),
        ],
        Rounding::Truncate,
    );
    let pass = Format { signed: true, width: 32, frac: 0 };
    let signed = Format { signed: false, width: 32, frac: -2 };
    let wide = build(
        &[("pass", Op::Gt, pass), ("signed", Op::Lt, signed)],
        &[(0, Op::Gt), (1, Op::Lt)],
        &[(0.6, vec![-2147483648.0, 17179869180.0]), (0.8, vec![1000.5, 40.0])],
        Rounding::Round,
    );
    vec![Case { name: "basic", file: basic }, Case { name: "wide", file: wide }]
}
