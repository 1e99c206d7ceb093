//! Property tests of the fixed-point rules: the integer path equals the float cut applied to the
//! quantised input, exactly, and the prepared evaluator equals the reference table.

use cabin_infer::{Decision, Evaluator, FixedCut, FixedTable, Format, Op, Rounding, Slot};
use proptest::prelude::*;

fn any_format() -> impl Strategy<Value = Format> {
    (any::<bool>(), 1u8..=32, -32i8..=32)
        .prop_filter_map("valid format", |(s, w, f)| Format::new(s, w, f).ok())
}

/// Formats the prepared evaluator accepts (signed up to 31 bits, unsigned up to 30).
fn lane_format() -> impl Strategy<Value = Format> {
    (any::<bool>(), 1u8..=31, -32i8..=32).prop_filter_map("lane format", |(s, w, f)| {
        let w = if s { w } else { w.min(30) };
        Format::new(s, w, f).ok()
    })
}

fn any_op() -> impl Strategy<Value = Op> {
    prop::sample::select(Op::ALL.to_vec())
}

fn any_rounding() -> impl Strategy<Value = Rounding> {
    prop_oneof![Just(Rounding::Truncate), Just(Rounding::Round)]
}

/// Formats the evaluator runs on 16-bit lanes (every raw value fits an i16).
fn narrow_format() -> impl Strategy<Value = Format> {
    (any::<bool>(), 1u8..=16, -32i8..=32).prop_filter_map("narrow format", |(s, w, f)| {
        let w = if s { w } else { w.min(15) };
        Format::new(s, w, f).ok()
    })
}

/// A raw value inside the format, biased towards the ends.
fn raw_in(f: Format) -> impl Strategy<Value = i64> {
    let (lo, hi) = (f.min_raw(), f.max_raw());
    prop_oneof![
        lo..=hi,
        Just(lo),
        Just(hi),
        Just((lo + 1).min(hi)),
        Just((hi - 1).max(lo)),
        Just(0i64.clamp(lo, hi)),
    ]
}

/// A threshold relative to the format: on the grid, between grid points, beyond either end,
/// infinite.
fn threshold_for(f: Format) -> impl Strategy<Value = f64> {
    let (lo, hi) = (f.min_raw(), f.max_raw());
    let lsb = f.lsb();
    prop_oneof![
        (lo - 3..=hi + 3).prop_map(move |k| f.value(k)),
        ((lo - 3..=hi + 3), 0.0f64..1.0).prop_map(move |(k, u)| f.value(k) + u * lsb),
        (-2.0f64..2.0).prop_map(move |u| u * f.max_value()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The core guarantee: for every representable input, integer cut == float cut.
    #[test]
    fn integer_cut_equals_float_cut((f, t, raw) in any_format().prop_flat_map(|f| {
        (Just(f), threshold_for(f), raw_in(f))
    }), op in any_op()) {
        let c = FixedCut::new(op, t, f);
        prop_assert_eq!(c.passes(raw), op.passes(f.value(raw), t), "{} {} {} raw {}", f, op, t, raw);
    }

    /// The float entry: quantise, compare; same as the float cut on the quantised value.
    #[test]
    fn float_input_path(
        (f, t) in any_format().prop_flat_map(|f| (Just(f), threshold_for(f))),
        x in prop_oneof![any::<f64>(), -1e12f64..1e12, -4.0f64..4.0],
        op in any_op(),
        r in any_rounding(),
    ) {
        let q = f.quantize(x, r);
        prop_assert!(q >= f.min_raw() && q <= f.max_raw());
        let c = FixedCut::new(op, t, f);
        prop_assert_eq!(c.passes(q), op.passes(f.value(q), t));
    }

    /// Quantisation: floor or round-half-up inside the range, saturation outside, never a wrap.
    #[test]
    fn quantize_rounds_then_saturates(
        f in any_format(),
        x in prop_oneof![any::<f64>(), -1e12f64..1e12, -4.0f64..4.0],
        r in any_rounding(),
    ) {
        prop_assume!(!x.is_nan());
        let q = f.quantize(x, r);
        let exact = libm_floor(x, f, r);
        if exact > f.max_raw() as f64 {
            prop_assert_eq!(q, f.max_raw());
            prop_assert!(f.saturates(x, r));
        } else if exact < f.min_raw() as f64 {
            prop_assert_eq!(q, f.min_raw());
            prop_assert!(f.saturates(x, r));
        } else {
            prop_assert_eq!(q as f64, exact);
            prop_assert!(!f.saturates(x, r));
        }
    }

    /// Round trip: a grid value quantises to itself under both roundings.
    #[test]
    fn grid_values_round_trip((f, raw) in any_format().prop_flat_map(|f| (Just(f), raw_in(f))), r in any_rounding()) {
        prop_assert_eq!(f.quantize(f.value(raw), r), raw);
    }

    /// Saturation at both ends: far beyond either end gives the end, for every rounding.
    #[test]
    fn saturates_at_both_ends(f in any_format(), k in 1.0f64..1e6, r in any_rounding()) {
        let lsb = f.lsb();
        prop_assert_eq!(f.quantize(f.max_value() + k * lsb, r), f.max_raw());
        prop_assert_eq!(f.quantize(f.min_value() - k * lsb, r), f.min_raw());
        prop_assert_eq!(f.quantize(f64::INFINITY, r), f.max_raw());
        prop_assert_eq!(f.quantize(f64::NEG_INFINITY, r), f.min_raw());
    }

    /// The fitted format holds both ends without saturating, and one more fractional bit
    /// would saturate one of them (unless F is already the maximum).
    #[test]
    fn fitted_format_is_the_finest_that_holds_the_range(
        a in -1e9f64..1e9, b in -1e9f64..1e9, w in 2u8..=32, r in any_rounding(),
    ) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let f = cabin_infer::fit_format(lo, hi, w, r).unwrap();
        prop_assert_eq!(f.signed, lo < 0.0);
        prop_assert!(!f.saturates(lo, r) && !f.saturates(hi, r), "{} [{}, {}]", f, lo, hi);
        if f.frac < 32 {
            let finer = Format { frac: f.frac + 1, ..f };
            prop_assert!(finer.saturates(lo, r) || finer.saturates(hi, r), "{} [{}, {}]", finer, lo, hi);
        }
    }

    /// Out-of-range thresholds become constants, and the constant is the float cut's answer on
    /// every input.
    #[test]
    fn out_of_range_thresholds_are_constant(f in any_format(), op in any_op(), k in 1.0f64..1e6, above in any::<bool>()) {
        let t = if above { f.max_value() + k * f.lsb() } else { f.min_value() - k * f.lsb() };
        let c = FixedCut::new(op, t, f);
        let want = op.passes(f.value(f.min_raw()), t);
        let decision = if want { Decision::AlwaysPass } else { Decision::AlwaysFail };
        prop_assert_eq!(c.decision, decision);
        prop_assert_eq!(op.passes(f.value(f.max_raw()), t), want);
    }

    /// The four rules at threshold - 1, threshold and threshold + 1 LSB, for thresholds on and
    /// between grid points.
    #[test]
    fn four_rules_around_the_threshold(
        (f, k) in any_format().prop_flat_map(|f| (Just(f), f.min_raw()..=f.max_raw())),
        u in prop_oneof![Just(0.0f64), 0.0f64..1.0],
    ) {
        let t = f.value(k) + u * f.lsb();
        for op in Op::ALL {
            let c = FixedCut::new(op, t, f);
            for raw in [k - 1, k, k + 1] {
                if raw < f.min_raw() || raw > f.max_raw() {
                    continue;
                }
                prop_assert_eq!(c.passes(raw), op.passes(f.value(raw), t), "{} {} {} {}", f, op, t, raw);
            }
            // The rule itself, on the grid point k.
            let want = match (op, u == 0.0) {
                (Op::Gt, _) | (Op::Le, _) => Decision::Compare(k),
                (Op::Ge, true) | (Op::Lt, true) => Decision::Compare(k),
                (Op::Ge, false) | (Op::Lt, false) => Decision::Compare(k + 1),
            };
            if let Decision::Compare(w) = want {
                if c.decision != Decision::AlwaysPass && c.decision != Decision::AlwaysFail {
                    prop_assert_eq!(c.decision, Decision::Compare(w));
                }
            }
        }
    }

}

proptest! {
    // Building a random table strategy is slow in debug builds; fewer, larger cases.
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The prepared evaluator equals the reference on random tables and in-range events,
    /// from raw integers and from floats.
    #[test]
    fn evaluator_equals_reference(case in table_case(lane_format().boxed()), r in any_rounding()) {
        check_evaluator(case, r)?;
    }

    /// The same on 16-bit lanes (all formats at most 16 bits, as in the benchmark).
    #[test]
    fn narrow_evaluator_equals_reference(case in table_case(narrow_format().boxed()), r in any_rounding()) {
        check_evaluator(case, r)?;
    }
}

fn check_evaluator(case: Case, r: Rounding) -> Result<(), TestCaseError> {
    {
        let (formats, slots, cuts, events, floats) = case;
        let table = FixedTable::new(&formats, &slots, &cuts).unwrap();
        let fast: Evaluator = Evaluator::new(&table, r).unwrap();
        let n = formats.len();
        for (e, x) in events.chunks(n).zip(floats.chunks(n)) {
            let want = table.mask_raw(e).unwrap();
            let e32: Vec<i32> = e.iter().map(|&v| v as i32).collect();
            prop_assert_eq!(fast.mask(&e32).unwrap(), want);
            let fw = table.mask_float(x, r).unwrap();
            let q: Vec<i64> = x.iter().zip(&formats).map(|(&v, f)| f.quantize(v, r)).collect();
            prop_assert_eq!(fw, table.mask_raw(&q).unwrap());
            prop_assert_eq!(fast.mask_float(x).unwrap(), fw);
        }
        let e32: Vec<i32> = events.iter().map(|&v| v as i32).collect();
        let mut a = vec![0; events.len() / n];
        let mut b = vec![0; events.len() / n];
        fast.mask_slice(&e32, &mut a).unwrap();
        table.mask_raw_slice(&events, &mut b).unwrap();
        prop_assert_eq!(a, b);
    }
    Ok(())
}

/// `floor(x * 2^F)` or `floor(x * 2^F + 1/2)` computed without saturation, as f64 (exact while
/// the result is below 2^53, which the ranges above keep).
fn libm_floor(x: f64, f: Format, r: Rounding) -> f64 {
    let s = x * 2f64.powi(f.frac as i32);
    if s == 0.0 && x < 0.0 {
        return if r == Rounding::Truncate { -1.0 } else { 0.0 };
    }
    match r {
        Rounding::Truncate => s.floor(),
        Rounding::Round => (s + 0.5).floor(),
    }
}

type Case = (Vec<Format>, Vec<Slot>, Vec<FixedCut>, Vec<i64>, Vec<f64>);

/// A random table: 1..6 inputs, 1..8 slots, 1..40 points (so some tables span several
/// blocks), and 8 events.
fn table_case(format: BoxedStrategy<Format>) -> impl Strategy<Value = Case> {
    (prop::collection::vec(format, 1..6), 1usize..8, 1usize..40).prop_flat_map(
        |(formats, nslots, points)| {
            let n = formats.len();
            let slots = prop::collection::vec((0..n as u16, any_op()), nslots).prop_map(|v| {
                v.into_iter().map(|(input, op)| Slot { input, op }).collect::<Vec<_>>()
            });
            let fs = formats.clone();
            let fs2 = formats.clone();
            (Just(formats), slots, Just(points)).prop_flat_map(move |(formats, slots, points)| {
                let cut_strats: Vec<_> = (0..points)
                    .flat_map(|_| slots.clone())
                    .map(|s| {
                        let f = formats[s.input as usize];
                        threshold_for(f).prop_map(move |t| FixedCut::new(s.op, t, f))
                    })
                    .collect();
                let events: Vec<_> = (0..8).flat_map(|_| fs.clone()).map(raw_in).collect();
                let floats: Vec<_> = (0..8)
                    .flat_map(|_| fs2.clone())
                    .map(|f| {
                        let m = f.max_value().abs().max(f.min_value().abs()) * 1.2;
                        prop_oneof![-m..m, Just(f64::NAN), Just(f64::INFINITY), any::<f64>()]
                    })
                    .collect();
                (Just(formats), Just(slots), cut_strats, events, floats)
            })
        },
    )
}
