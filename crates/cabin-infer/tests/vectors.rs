//! Test-vector tables with hand-checked values for a 16-bit and two 32-bit formats.
//!
//! How the values were checked: each expected raw value is `floor(x * 2^F)` (truncate) or
//! `floor(x * 2^F + 1/2)` (round), worked out by hand for the short decimals and, for the long
//! ones, with exact rational arithmetic on the binary value of the f64 literal (Python's
//! `fractions.Fraction(x) * 2**F`, then `math.floor`), then clamped to the format's range.
//! Thresholds follow the four rules of `cabin_infer::fixed`; each comment says why.

use cabin_infer::{Decision, FixedCut, FixedTable, Format, Op, Rounding, Slot};

const T: Rounding = Rounding::Truncate;
const R: Rounding = Rounding::Round;

/// `ap_fixed<16, 8>`: raw -32768..=32767, LSB 1/256 = 0.00390625, range [-128, 127.99609375].
const S16_8: Format = Format { signed: true, width: 16, frac: 8 };
/// `ap_ufixed<32, 16>`: raw 0..=4294967295, LSB 2^-16, max 65535.9999847412109375.
const U32_16: Format = Format { signed: false, width: 32, frac: 16 };
/// `ap_fixed<32, 12>`: raw -2^31..=2^31-1, LSB 2^-20, range [-2048, 2047.99999904632568359375].
const S32_20: Format = Format { signed: true, width: 32, frac: 20 };

#[test]
fn quantize_s16_8() {
    // (input, truncate, round, why)
    let table: &[(f64, i64, i64, &str)] = &[
        (1.0, 256, 256, "on the grid: 1 * 256"),
        (0.1, 25, 26, "25.6: floor 25, 26.1 floors to 26"),
        (-0.1, -26, -26, "-25.6: floor -26, -25.1 floors to -26"),
        (0.001953125, 0, 1, "half an LSB = 0.5: floor 0, 1.0 floors to 1"),
        (-0.001953125, -1, 0, "minus half an LSB = -0.5: floor -1, halves go up to 0"),
        (127.99609375, 32767, 32767, "the maximum itself"),
        (127.998, 32767, 32767, "32767.488: floor 32767, 32767.988 floors to 32767"),
        (127.998046875, 32767, 32767, "32767.5: round gives 32768, then saturates"),
        (200.0, 32767, 32767, "above the range: saturate, never wrap"),
        (-128.0, -32768, -32768, "the minimum itself"),
        (-128.001, -32768, -32768, "-32768.256: floor -32769 saturates; round -32768"),
        (-200.0, -32768, -32768, "below the range"),
        (1e-300, 0, 0, "tiny positive"),
        (-1e-300, -1, 0, "tiny negative: floor is -1 LSB, round gives 0"),
        (-0.0, 0, 0, "negative zero is zero"),
        (f64::INFINITY, 32767, 32767, "infinity saturates"),
        (f64::NEG_INFINITY, -32768, -32768, "minus infinity saturates"),
    ];
    for &(x, t, r, why) in table {
        assert_eq!(S16_8.quantize(x, T), t, "truncate {x}: {why}");
        assert_eq!(S16_8.quantize(x, R), r, "round {x}: {why}");
    }
}

#[test]
fn thresholds_s16_8() {
    use Decision::{AlwaysFail as Fail, AlwaysPass as Pass, Compare as C};
    let table: &[(Op, f64, Decision, &str)] = &[
        (Op::Gt, 1.5, C(384), "1.5 * 256 = 384 on the grid"),
        (Op::Ge, 1.5, C(384), "on the grid, ceil = floor"),
        (Op::Gt, 0.1, C(25), "floor 25.6; 25 is 0.0977 (fails), 26 is 0.1016 (passes)"),
        (Op::Ge, 0.1, C(26), "ceil 25.6"),
        (Op::Lt, 0.1, C(26), "ceil 25.6: 25 passes, 26 fails"),
        (Op::Le, 0.1, C(25), "floor 25.6"),
        (Op::Lt, -0.1, C(-25), "ceil -25.6: -26 is -0.1016 (passes), -25 fails"),
        (Op::Le, -0.1, C(-26), "floor -25.6"),
        (Op::Gt, 127.99609375, Fail, "nothing is above the maximum"),
        (Op::Gt, 127.9921875, C(32766), "max - 1 LSB: only the maximum passes"),
        (Op::Ge, 127.99609375, C(32767), "only the maximum passes"),
        (Op::Ge, 128.0, Fail, "ceil 32768 is above the range"),
        (Op::Lt, -128.0, Fail, "nothing is below the minimum"),
        (Op::Le, -128.0, C(-32768), "only the minimum passes"),
        (Op::Gt, -128.5, Pass, "floor -32896 is below the range"),
        (Op::Ge, -128.0, Pass, "everything is >= the minimum"),
        (Op::Lt, 128.0, Pass, "everything is < 128"),
        (Op::Le, 127.99609375, Pass, "everything is <= the maximum"),
        (Op::Gt, f64::NAN, Fail, "a NaN threshold passes nothing, as in the float cut"),
    ];
    for &(op, t, want, why) in table {
        assert_eq!(FixedCut::new(op, t, S16_8).decision, want, "x {op} {t}: {why}");
    }
}

#[test]
fn quantize_32_bit() {
    let table: &[(Format, f64, i64, i64, &str)] = &[
        (U32_16, 1000.5, 65_568_768, 65_568_768, "1000.5 * 65536, exact"),
        (U32_16, 0.1, 6553, 6554, "6553.6"),
        (U32_16, -5.0, 0, 0, "unsigned: negatives saturate to 0"),
        (U32_16, 65536.0 - 1.0 / 65536.0, 4_294_967_295, 4_294_967_295, "the maximum"),
        (U32_16, 70000.0, 4_294_967_295, 4_294_967_295, "above the range"),
        (S32_20, 5.4321, 5_695_969, 5_695_970, "5695969.6896 (exact rational)"),
        (S32_20, -0.000001, -2, -1, "-1.048576: floor -2, -0.548576 floors to -1"),
        (S32_20, -2048.0000001, -2_147_483_648, -2_147_483_648, "below the minimum"),
        (
            S32_20,
            2048.0 - 1.0 / 2_097_152.0,
            2_147_483_647,
            2_147_483_647,
            "2048 - 2^-21 scales to 2147483647.5: round gives 2^31, then saturates",
        ),
    ];
    for &(f, x, t, r, why) in table {
        assert_eq!(f.quantize(x, T), t, "{f} truncate {x}: {why}");
        assert_eq!(f.quantize(x, R), r, "{f} round {x}: {why}");
    }
}

#[test]
fn thresholds_32_bit() {
    use Decision::{AlwaysFail as Fail, AlwaysPass as Pass, Compare as C};
    let table: &[(Format, Op, f64, Decision, &str)] = &[
        (U32_16, Op::Gt, 0.1, C(6553), "floor 6553.6"),
        (U32_16, Op::Ge, 0.1, C(6554), "ceil 6553.6"),
        (U32_16, Op::Lt, 0.0, Fail, "no unsigned value is below 0"),
        (U32_16, Op::Ge, 0.0, Pass, "every unsigned value is >= 0"),
        (U32_16, Op::Gt, 0.0, C(0), "all but raw 0"),
        (U32_16, Op::Le, 0.0, C(0), "only raw 0"),
        (U32_16, Op::Lt, 65536.0, Pass, "ceil 2^32 is above the range"),
        (U32_16, Op::Le, 65536.0 - 1.0 / 65536.0, Pass, "the maximum"),
        (U32_16, Op::Gt, 65535.99998, C(4_294_967_294), "floor 4294967294.69: only max passes"),
        (S32_20, Op::Gt, 5.4321, C(5_695_969), "floor 5695969.6896"),
        (S32_20, Op::Lt, 5.4321, C(5_695_970), "ceil 5695969.6896"),
        (S32_20, Op::Le, -2048.0, C(-2_147_483_648), "only the minimum"),
        (S32_20, Op::Gt, -2048.0, C(-2_147_483_648), "all but the minimum"),
        (S32_20, Op::Gt, -1e10, Pass, "far below"),
    ];
    for &(f, op, t, want, why) in table {
        assert_eq!(FixedCut::new(op, t, f).decision, want, "{f}: x {op} {t}: {why}");
    }
}

#[test]
fn table_masks_from_raw_and_float() {
    // Two working points on (s16.8 > t, u32.16 <= t):
    // point 0: x0 > 0.1 (X0 > 25), x1 <= 1000.5 (X1 <= 65568768)
    // point 1: x0 > 1.5 (X0 > 384), x1 <= 0.1 (X1 <= 6553)
    let formats = [S16_8, U32_16];
    let slots = [Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Le }];
    let cuts = [
        FixedCut::new(Op::Gt, 0.1, S16_8),
        FixedCut::new(Op::Le, 1000.5, U32_16),
        FixedCut::new(Op::Gt, 1.5, S16_8),
        FixedCut::new(Op::Le, 0.1, U32_16),
    ];
    let t = FixedTable::new(&formats, &slots, &cuts).unwrap();
    let rows: &[([i64; 2], u64, &str)] = &[
        ([26, 65_568_768], 0b01, "just passes point 0 on both cuts; 26 <= 384 fails point 1"),
        ([25, 0], 0b00, "25 is not > 25"),
        ([385, 6553], 0b11, "passes both"),
        ([385, 6554], 0b01, "6554 > 6553 fails point 1"),
        ([32767, 4_294_967_295], 0b00, "x1 at the maximum fails both"),
    ];
    for &(e, want, why) in rows {
        assert_eq!(t.mask_raw(&e).unwrap(), want, "{e:?}: {why}");
    }
    // Floats: 0.1 quantises to 25 (truncate) or 26 (round): the rounding decides point 0.
    assert_eq!(t.mask_float(&[0.1, 1.0], T).unwrap(), 0b00);
    assert_eq!(t.mask_float(&[0.1, 1.0], R).unwrap(), 0b01);
}
