//! Reproduces the float64 reference values of cabin 0.3.3 (`tests/data/cabin_golden.json`,
//! see `tests/data/README.md`) with the exact kernel, the candle custom op and the loss: soft
//! efficiencies, every loss component, every bias gradient for both smoothness terms, the
//! scores, and a 5-step SGD trajectory, all to 1e-9 relative.

use std::sync::Arc;

use cabin_train::kernel::{Precision, Prepared};
use cabin_train::loss::{loss, LossWeights, Smoothness};
use candle_core::{Device, Tensor, Var};
use serde_json::Value;

const TOL: f64 = 1e-9;

fn golden() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cabin_golden.json");
    let text = std::fs::read_to_string(path).expect("golden file is part of the repository");
    serde_json::from_str(&text).expect("golden file is JSON")
}

fn vec1(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn vec2(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("array").iter().map(vec1).collect()
}

fn close(what: &str, got: f64, want: f64) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(err <= TOL, "{what}: got {got:e}, reference {want:e} (relative error {err:e})");
}

struct Case {
    events: Arc<Prepared>,
    targets: Vec<f64>,
    bias0: Vec<f64>,
    weights: LossWeights,
    points: usize,
    m: usize,
}

fn case(g: &Value, smoothness: Smoothness) -> Case {
    let x = vec2(&g["x"]);
    let m = x[0].len();
    let columns: Vec<Vec<f64>> = (0..m).map(|k| x.iter().map(|r| r[k]).collect()).collect();
    let y: Vec<bool> = vec1(&g["y"]).iter().map(|&v| v == 1.0).collect();
    let w = vec![1.0; y.len()];
    let dirs = vec1(&g["weights"]);
    let n = g["n"].as_f64().expect("n");
    let events = Arc::new(Prepared::new(&columns, &y, &w, &dirs, n).expect("valid events"));
    let bias0: Vec<f64> = vec2(&g["bias0"]).concat();
    let targets = vec1(&g["effics"]);
    let f = |k: &str| g[k].as_f64().expect("hyperparameter");
    let weights = LossWeights {
        alpha: f("alpha"),
        beta: f("beta"),
        gamma: f("gamma"),
        delta: f("delta"),
        eps: f("epsilon"),
        rho: 0.1,
        smoothness,
    };
    Case { events, points: targets.len(), targets, bias0, weights, m }
}

fn check_variant(name: &str, smoothness: Smoothness) {
    let g = golden();
    let c = case(&g, smoothness);
    let r = &g[name];
    let b = Var::from_vec(c.bias0.clone(), (c.points, c.m), &Device::Cpu).unwrap();
    let parts = loss(&c.events, Precision::Exact, b.as_tensor(), &c.targets, &c.weights).unwrap();

    let eff_sig: Vec<f64> = parts.eff_sig.to_vec1().unwrap();
    let eff_bkg: Vec<f64> = parts.eff_bkg.to_vec1().unwrap();
    for (e, (s, want)) in eff_sig.iter().zip(vec1(&r["soft_sig_eff"])).enumerate() {
        close(&format!("{name} soft_sig_eff[{e}]"), *s, want);
    }
    for (e, (s, want)) in eff_bkg.iter().zip(vec1(&r["soft_bkg_eff"])).enumerate() {
        close(&format!("{name} soft_bkg_eff[{e}]"), *s, want);
    }
    let [total, effic, backg, cutsz, smooth, bce] = parts.values().unwrap();
    close(&format!("{name} efficloss"), effic, r["efficloss"].as_f64().unwrap());
    close(&format!("{name} backgloss"), backg, r["backgloss"].as_f64().unwrap());
    close(&format!("{name} cutszloss"), cutsz, r["cutszloss"].as_f64().unwrap());
    close(&format!("{name} bceloss"), bce, r["bceloss"].as_f64().unwrap());
    let eps = c.weights.eps;
    close(&format!("{name} smoothloss"), smooth / eps, r["smoothloss"].as_f64().unwrap());
    close(&format!("{name} total"), total, r["total"].as_f64().unwrap());

    let grads = parts.total.backward().unwrap();
    let grad: Vec<f64> =
        grads.get(b.as_tensor()).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    for (i, (gv, want)) in grad.iter().zip(vec2(&r["grad_bias"]).concat()).enumerate() {
        close(&format!("{name} grad_bias[{}][{}]", i / c.m, i % c.m), *gv, want);
    }

    let scores = c.events.scores(&c.bias0).unwrap();
    for (i, want) in vec1(&r["scores_net0_first8"]).into_iter().enumerate() {
        close(&format!("{name} score[0][{i}]"), scores[i], want);
    }
}

#[test]
fn paper_variant_matches_reference() {
    check_variant("paper", Smoothness::Paper);
}

#[test]
fn wheel_variant_matches_reference() {
    check_variant("wheel", Smoothness::Wheel);
}

#[test]
fn five_sgd_steps_match_reference_trajectory() {
    let g = golden();
    let c = case(&g, Smoothness::Wheel);
    let r = &g["sgd_wheel"];
    let losses = vec1(&r["loss_before_each_step"]);
    let after: Vec<Vec<Vec<f64>>> =
        r["bias_after_each_step"].as_array().unwrap().iter().map(vec2).collect();
    let b = Var::from_vec(c.bias0.clone(), (c.points, c.m), &Device::Cpu).unwrap();
    for step in 0..5 {
        let parts =
            loss(&c.events, Precision::Exact, b.as_tensor(), &c.targets, &c.weights).unwrap();
        close(&format!("loss before step {step}"), parts.values().unwrap()[0], losses[step]);
        let grads = parts.total.backward().unwrap();
        let gr = grads.get(b.as_tensor()).unwrap();
        let next: Tensor = (b.as_tensor() - (gr * 0.5).unwrap()).unwrap();
        b.set(&next).unwrap();
        let now: Vec<f64> = b.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        for (i, (v, want)) in now.iter().zip(after[step].concat()).enumerate() {
            close(&format!("bias after step {step} [{}][{}]", i / c.m, i % c.m), *v, want);
        }
    }
}
