//! Throughput of the fixed-point slice evaluation: 7 features x 13 working points, 16-bit
//! inputs, the shape of the paper's SUSY-like selection.
//!
//! Run with `cargo bench -p cabin-infer --bench eval`; the target is 200 million events
//! per second on one core for the prepared evaluator. After criterion's wall-clock figures the
//! bench prints a CPU-time throughput for each case (events per second of this thread's CPU
//! time, read from `/proc/thread-self/stat` on Linux): on a shared machine the wall clock
//! counts the time other processes hold the core, the CPU time does not.

use cabin_infer::{Evaluator, FixedCut, FixedTable, Format, Op, Rounding, Slot};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};

const FEATURES: usize = 7;
const POINTS: usize = 13;
const EVENTS: usize = 2048;

/// A fixed pseudo-random sequence (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

struct Case {
    formats: Vec<Format>,
    slots: Vec<Slot>,
    cuts: Vec<FixedCut>,
    raw16: Vec<i16>,
    raw64: Vec<i64>,
    floats: Vec<f64>,
}

fn case() -> Case {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // s16.8 for every feature; alternate lower and upper cuts; thresholds spread over the
    // range so about half the events pass each cut.
    let f = Format { signed: true, width: 16, frac: 8 };
    let formats = vec![f; FEATURES];
    let slots: Vec<Slot> = (0..FEATURES)
        .map(|i| Slot { input: i as u16, op: if i % 2 == 0 { Op::Gt } else { Op::Le } })
        .collect();
    let mut cuts = Vec::new();
    for p in 0..POINTS {
        for s in &slots {
            let spread = (p as f64 / POINTS as f64 - 0.5) * 60.0;
            let t = if s.op == Op::Gt { -spread } else { spread } - 10.0;
            cuts.push(FixedCut::new(s.op, t, f));
        }
    }
    let floats: Vec<f64> = (0..EVENTS * FEATURES).map(|_| rng.unit() * 100.0).collect();
    let raw64: Vec<i64> = floats.iter().map(|&x| f.quantize(x, Rounding::Truncate)).collect();
    let raw16 = raw64.iter().map(|&x| x as i16).collect();
    Case { formats, slots, cuts, raw16, raw64, floats }
}

fn bench(c: &mut Criterion) {
    let k = case();
    let table = FixedTable::new(&k.formats, &k.slots, &k.cuts).unwrap();
    let fast: Evaluator = Evaluator::new(&table, Rounding::Truncate).unwrap();
    let mut out = vec![0u64; EVENTS];
    let mut check = vec![0u64; EVENTS];
    table.mask_raw_slice(&k.raw64, &mut check).unwrap();
    fast.mask_slice(&k.raw16, &mut out).unwrap();
    assert_eq!(out, check, "prepared evaluator differs from the reference");

    let mut g = c.benchmark_group("mask_slice_7x13");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function(BenchmarkId::new("prepared", "i16"), |b| {
        b.iter(|| fast.mask_slice(std::hint::black_box(&k.raw16), &mut out).unwrap())
    });
    g.bench_function(BenchmarkId::new("reference", "i64"), |b| {
        b.iter(|| table.mask_raw_slice(std::hint::black_box(&k.raw64), &mut out).unwrap())
    });
    g.bench_function(BenchmarkId::new("prepared", "f64"), |b| {
        b.iter(|| fast.mask_float_slice(std::hint::black_box(&k.floats), &mut out).unwrap())
    });
    g.bench_function(BenchmarkId::new("reference", "f64"), |b| {
        b.iter(|| {
            table
                .mask_float_slice(std::hint::black_box(&k.floats), Rounding::Truncate, &mut out)
                .unwrap()
        })
    });
    g.finish();
}

/// User plus system CPU time of this thread, in seconds (Linux; 10 ms ticks).
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Runs `f` (one pass over `EVENTS` events) for about 3 s of CPU time and prints the rate.
fn cpu_rate(name: &str, mut f: impl FnMut()) {
    let Some(start) = thread_cpu_seconds() else {
        println!("{name}: no per-thread CPU time on this system");
        return;
    };
    let mut passes = 0u64;
    let spent = loop {
        for _ in 0..64 {
            f();
        }
        passes += 64;
        let now = thread_cpu_seconds().unwrap_or(start);
        if now - start >= 3.0 {
            break now - start;
        }
    };
    let rate = passes as f64 * EVENTS as f64 / spent / 1e6;
    println!("{name}: {rate:.1} million events per CPU-second ({passes} passes, {spent:.2} s)");
}

fn cpu_time_report() {
    let k = case();
    let table = FixedTable::new(&k.formats, &k.slots, &k.cuts).unwrap();
    let fast: Evaluator = Evaluator::new(&table, Rounding::Truncate).unwrap();
    let mut out = vec![0u64; EVENTS];
    println!("CPU-time throughput, {FEATURES} features x {POINTS} working points:");
    cpu_rate("  prepared, i16 raw", || {
        fast.mask_slice(std::hint::black_box(&k.raw16), &mut out).unwrap()
    });
    // The same table with one always-pass cut: the 16-bit lanes then also apply pass masks.
    let mut cuts = k.cuts.clone();
    cuts[0] = FixedCut::new(k.slots[0].op, -1e9, k.formats[0]);
    let with_pass = FixedTable::new(&k.formats, &k.slots, &cuts).unwrap();
    let fast_pass: Evaluator = Evaluator::new(&with_pass, Rounding::Truncate).unwrap();
    cpu_rate("  prepared, i16 raw, one always-pass cut", || {
        fast_pass.mask_slice(std::hint::black_box(&k.raw16), &mut out).unwrap()
    });
    cpu_rate("  reference, i64 raw", || {
        table.mask_raw_slice(std::hint::black_box(&k.raw64), &mut out).unwrap()
    });
    cpu_rate("  prepared, f64 (quantise then compare)", || {
        fast.mask_float_slice(std::hint::black_box(&k.floats), &mut out).unwrap()
    });
    std::hint::black_box(&out);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Skipped when criterion is asked only to list or test the benches.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--list" || a == "--test") {
        cpu_time_report();
    }
}
