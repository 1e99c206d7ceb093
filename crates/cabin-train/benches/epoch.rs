//! Time per training epoch of the fused kernel (forward + all bias gradients, BCE included)
//! on `../shared/data/susy_like_synthetic.csv`: the 80 % training split (seed 42), 7 features,
//! 13 working points, on 1 and 2 threads; plus one whole epoch through the candle op and loss,
//! and 200 such epochs. Run with `cargo bench -p cabin-train --bench epoch`.

use std::path::PathBuf;
use std::sync::Arc;

use cabin_train::data::{self, LoadOptions, Scaler, Source, SourceSpec};
use cabin_train::kernel::{Precision, Prepared};
use cabin_train::loss::{loss, LossWeights};
use cabin_train::pipeline::DEFAULT_TARGETS;
use candle_core::{Device, Var};
use criterion::{criterion_group, criterion_main, Criterion};

fn prepared() -> Option<(Arc<Prepared>, Vec<f64>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/susy_like_synthetic.csv");
    if !path.is_file() {
        eprintln!("skipped: ../shared not found");
        return None;
    }
    let source = Source::Labelled { data: SourceSpec { path, tree: None }, label: "label".into() };
    let ds = data::load(&source, &LoadOptions::default()).expect("susy data loads");
    let split = data::split(&ds, 0.2, 42).expect("split");
    let sc = Scaler::fit(&ds, &split.train).expect("scaler");
    let dirs: Vec<f64> = data::auto_directions(&ds, &split.train)
        .iter()
        .map(|o| if o.is_lower_bound() { 1.0 } else { -1.0 })
        .collect();
    let cols: Vec<Vec<f64>> = ds
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| split.train.iter().map(|&r| sc.transform(k, c[r])).collect())
        .collect();
    let y: Vec<bool> = split.train.iter().map(|&r| ds.is_signal[r]).collect();
    let w: Vec<f64> = split.train.iter().map(|&r| ds.weights[r]).collect();
    let p = Prepared::new(&cols, &y, &w, &dirs, 15.0).expect("prepared");
    // Cuts spread around the bulk, as during training.
    let m = cols.len();
    let biases = (0..DEFAULT_TARGETS.len() * m).map(|i| 0.2 * ((i % 7) as f64 - 3.0)).collect();
    Some((Arc::new(p), biases))
}

fn bench(c: &mut Criterion) {
    let Some((p, biases)) = prepared() else { return };
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        c.bench_function(&format!("kernel_fast_80k_7x13_{threads}t"), |b| {
            b.iter(|| pool.install(|| p.evaluate(&biases, Precision::Fast).expect("kernel")))
        });
        let m = p.features();
        let e = DEFAULT_TARGETS.len();
        let var = Var::from_vec(biases.clone(), (e, m), &Device::Cpu).expect("var");
        let w = LossWeights::default();
        let epoch = || {
            let parts =
                loss(&p, Precision::Fast, var.as_tensor(), &DEFAULT_TARGETS, &w).expect("loss");
            parts.total.backward().expect("backward")
        };
        c.bench_function(&format!("epoch_candle_80k_7x13_{threads}t"), |b| {
            b.iter(|| pool.install(epoch))
        });
        let mut g = c.benchmark_group("200_epochs");
        g.sample_size(10);
        g.bench_function(format!("{threads}t"), |b| {
            b.iter(|| pool.install(|| (0..200).for_each(|_| drop(epoch()))))
        });
        g.finish();
    }
    c.bench_function("kernel_exact_80k_7x13_1t", |b| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        b.iter(|| pool.install(|| p.evaluate(&biases, Precision::Exact).expect("kernel")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
