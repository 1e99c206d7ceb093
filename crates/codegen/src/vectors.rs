//! Test vectors for generated hardware, with their expected masks from `cabin-infer`.
//!
//! Every vector is one event of raw integers, one per input, each inside its input's
//! [`Format`] range. The expected output of a vector is [`FixedTable::mask_raw`], so a
//! simulation that matches these files matches the software reference bit for bit.
//!
//! What [`standard_set`] contains, in this order (duplicates dropped, first kept):
//! 1. a *base* event per working point, every input inside that point's passing interval
//!    where one exists, so that moving one input across a threshold flips the output;
//! 2. for every `Compare` threshold `t` of every cut: the base event of its working point
//!    with that input set to `t - 1`, `t`, `t + 1` (clamped to the format);
//! 3. every input at its format's minimum, maximum and zero (zero clamped into range),
//!    first all inputs together, then one input at a time on base event 0;
//! 4. `n` uniformly random events from a seeded SplitMix64 generator (stable across
//!    platforms and crate versions, so vector files are reproducible);
//! 5. the caller's own raw events.
//!
//! # File layout (`$readmemh` and the HLS testbench read these)
//! - inputs, [`inputs_hex`]: one line per event; the inputs are concatenated with input 0 in
//!   the most significant bits, each input `W_k` bits wide in two's complement (unsigned
//!   formats as plain binary); the line is that `sum W_k`-bit number in lowercase hex, padded
//!   with leading zeros to `ceil(sum W_k / 4)` digits;
//! - inputs, [`inputs_dec`]: one line per event, the raw integers in decimal separated by one
//!   space (what the HLS C++ testbench reads);
//! - masks, [`masks_hex`]: one line per event, the `P`-bit mask (bit `p` = working point `p`)
//!   in lowercase hex padded to `ceil(P / 4)` digits.
//!
//! Every file ends with a newline after its last line.

use std::fmt::Write as _;

use cabin_infer::{Decision, FixedTable, Format};

/// Why vectors could not be built, written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VectorError {
    /// An event has the wrong number of values.
    #[error("event {event} has {got} values, expected {expected} (one per input)")]
    Length {
        /// Event index.
        event: usize,
        /// Values given.
        got: usize,
        /// Inputs the table has.
        expected: usize,
    },
    /// A raw value is outside its input's format.
    #[error(
        "event {event}, input {input}: raw value {value} outside the format range {min}..={max}"
    )]
    Range {
        /// Event index.
        event: usize,
        /// Input index.
        input: usize,
        /// The value.
        value: i64,
        /// Smallest raw value of the format.
        min: i64,
        /// Largest raw value of the format.
        max: i64,
    },
    /// A line of a vector file could not be parsed.
    #[error("line {line}: {detail}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong, with the text found.
        detail: String,
    },
    /// The table rejected the event (shape error from `cabin-infer`).
    #[error("cut table: {0}")]
    Table(String),
}

/// Base events: one per working point, each input at the middle of that point's passing
/// interval when the interval is not empty, otherwise zero clamped into the format.
pub fn base_events(table: &FixedTable<'_>) -> Vec<Vec<i64>> {
    (0..table.points()).map(|p| base_event(table, p)).collect()
}

fn base_event(table: &FixedTable<'_>, p: usize) -> Vec<i64> {
    let s = table.slots().len();
    let cuts = &table.cuts()[p * s..(p + 1) * s];
    table
        .formats()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (mut lo, mut hi) = (f.min_raw(), f.max_raw());
            for (slot, cut) in table.slots().iter().zip(cuts) {
                if slot.input as usize != i {
                    continue;
                }
                match cut.decision {
                    Decision::AlwaysPass => {}
                    Decision::AlwaysFail => hi = lo - 1,
                    Decision::Compare(t) => match cut.op {
                        cabin_infer::Op::Gt => lo = lo.max(t + 1),
                        cabin_infer::Op::Ge => lo = lo.max(t),
                        cabin_infer::Op::Lt => hi = hi.min(t - 1),
                        cabin_infer::Op::Le => hi = hi.min(t),
                    },
                }
            }
            if lo <= hi {
                // Midpoint of the passing interval: far from both ends, so the boundary
                // vectors of the other inputs are the only thing that flips the output.
                lo + (hi - lo) / 2
            } else {
                0i64.clamp(f.min_raw(), f.max_raw())
            }
        })
        .collect()
}

/// For every `Compare` threshold `t`: its working point's base event with that input set to
/// `t - 1`, `t` and `t + 1`, clamped to the input's format. Constant cuts add nothing.
pub fn boundary_vectors(table: &FixedTable<'_>) -> Vec<Vec<i64>> {
    let s = table.slots().len();
    let bases = base_events(table);
    let mut out = Vec::new();
    for (p, base) in bases.iter().enumerate() {
        for (slot, cut) in table.slots().iter().zip(&table.cuts()[p * s..(p + 1) * s]) {
            let Decision::Compare(t) = cut.decision else { continue };
            let i = slot.input as usize;
            let f = table.formats()[i];
            for v in [t - 1, t, t + 1] {
                let mut e = base.clone();
                e[i] = v.clamp(f.min_raw(), f.max_raw());
                out.push(e);
            }
        }
    }
    out
}

/// Format extremes: all inputs at minimum, at maximum, at zero; then on base event 0 each
/// input alone at its minimum, maximum and zero (zero clamped into the format).
pub fn extreme_vectors(table: &FixedTable<'_>) -> Vec<Vec<i64>> {
    let fs = table.formats();
    let zero = |f: &Format| 0i64.clamp(f.min_raw(), f.max_raw());
    let mut out = vec![
        fs.iter().map(|f| f.min_raw()).collect::<Vec<_>>(),
        fs.iter().map(|f| f.max_raw()).collect(),
        fs.iter().map(zero).collect(),
    ];
    let base = base_event(table, 0);
    for (i, f) in fs.iter().enumerate() {
        for v in [f.min_raw(), f.max_raw(), zero(f)] {
            let mut e = base.clone();
            e[i] = v;
            out.push(e);
        }
    }
    out
}

/// SplitMix64: a tiny, well-known generator whose output is fixed by its seed forever.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` for `n >= 1` (modulo bias below 2^-32 for the sizes used here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// `n` events with every input uniform over its format's raw range, from `seed`.
///
/// Uniform by taking the low `W` bits of a 64-bit draw (exactly uniform: the range is a
/// power of two), reinterpreted as two's complement for signed formats.
pub fn random_vectors(table: &FixedTable<'_>, n: usize, seed: u64) -> Vec<Vec<i64>> {
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|_| {
            table
                .formats()
                .iter()
                .map(|f| {
                    let bits = rng.next() & width_mask(f.width);
                    from_bits(*f, bits)
                })
                .collect()
        })
        .collect()
}

/// Boundary, extreme, random (`n`, `seed`) and caller-given events, duplicates dropped (the
/// first occurrence kept). Caller events are checked against the formats.
pub fn standard_set(
    table: &FixedTable<'_>,
    n: usize,
    seed: u64,
    extra: &[Vec<i64>],
) -> Result<Vec<Vec<i64>>, VectorError> {
    check_events(table.formats(), extra)?;
    let mut all = base_events(table);
    all.extend(boundary_vectors(table));
    all.extend(extreme_vectors(table));
    all.extend(random_vectors(table, n, seed));
    all.extend(extra.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    all.retain(|e| seen.insert(e.clone()));
    Ok(all)
}

/// Checks every event has one in-range raw value per input.
pub fn check_events(formats: &[Format], events: &[Vec<i64>]) -> Result<(), VectorError> {
    for (n, e) in events.iter().enumerate() {
        if e.len() != formats.len() {
            return Err(VectorError::Length { event: n, got: e.len(), expected: formats.len() });
        }
        for (i, (&v, f)) in e.iter().zip(formats).enumerate() {
            if v < f.min_raw() || v > f.max_raw() {
                return Err(VectorError::Range {
                    event: n,
                    input: i,
                    value: v,
                    min: f.min_raw(),
                    max: f.max_raw(),
                });
            }
        }
    }
    Ok(())
}

/// The expected mask of every event, from [`FixedTable::mask_raw`].
pub fn expected(table: &FixedTable<'_>, events: &[Vec<i64>]) -> Result<Vec<u64>, VectorError> {
    check_events(table.formats(), events)?;
    events
        .iter()
        .map(|e| table.mask_raw(e).map_err(|x| VectorError::Table(x.to_string())))
        .collect()
}

fn width_mask(width: u8) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// The raw value whose `W`-bit pattern is `bits` (sign-extended for signed formats).
fn from_bits(f: Format, bits: u64) -> i64 {
    let w = u32::from(f.width);
    if f.signed && bits >> (w - 1) & 1 == 1 {
        (bits | !width_mask(f.width)) as i64
    } else {
        bits as i64
    }
}

/// Hex digits of the concatenated input word: `ceil(sum W / 4)`.
pub fn input_hex_digits(formats: &[Format]) -> usize {
    formats.iter().map(|f| usize::from(f.width)).sum::<usize>().div_ceil(4)
}

/// One event as the hex line of [`inputs_hex`] (no newline).
pub fn event_hex(formats: &[Format], event: &[i64]) -> Result<String, VectorError> {
    check_events(formats, std::slice::from_ref(&event.to_vec()))?;
    // Build the word as a bit list, input 0 first (most significant).
    let mut bits: Vec<bool> = Vec::new();
    for (&v, f) in event.iter().zip(formats) {
        let pattern = (v as u64) & width_mask(f.width);
        for b in (0..f.width).rev() {
            bits.push(pattern >> b & 1 == 1);
        }
    }
    let digits = bits.len().div_ceil(4);
    let pad = digits * 4 - bits.len();
    let mut padded = vec![false; pad];
    padded.extend(bits);
    let mut s = String::with_capacity(digits);
    for chunk in padded.chunks(4) {
        let d = chunk.iter().fold(0u32, |acc, &b| acc << 1 | u32::from(b));
        s.push(char::from_digit(d, 16).unwrap_or('0'));
    }
    Ok(s)
}

/// The inputs file in hex (layout in the module docs).
pub fn inputs_hex(formats: &[Format], events: &[Vec<i64>]) -> Result<String, VectorError> {
    let mut s = String::new();
    for e in events {
        s.push_str(&event_hex(formats, e)?);
        s.push('\n');
    }
    Ok(s)
}

/// The inputs file in decimal, one event per line, values separated by one space.
pub fn inputs_dec(formats: &[Format], events: &[Vec<i64>]) -> Result<String, VectorError> {
    check_events(formats, events)?;
    let mut s = String::new();
    for e in events {
        let line: Vec<String> = e.iter().map(i64::to_string).collect();
        s.push_str(&line.join(" "));
        s.push('\n');
    }
    Ok(s)
}

/// Hex digits of a mask of `points` working points: `ceil(points / 4)`, at least 1.
pub fn mask_hex_digits(points: usize) -> usize {
    points.div_ceil(4).max(1)
}

/// The masks file (layout in the module docs).
pub fn masks_hex(points: usize, masks: &[u64]) -> String {
    let digits = mask_hex_digits(points);
    let mut s = String::new();
    for m in masks {
        let _ = writeln!(s, "{m:0digits$x}");
    }
    s
}

/// Parses an inputs file written by [`inputs_hex`] (blank lines and `//` comments skipped).
pub fn parse_inputs_hex(formats: &[Format], text: &str) -> Result<Vec<Vec<i64>>, VectorError> {
    let digits = input_hex_digits(formats);
    let total: usize = formats.iter().map(|f| usize::from(f.width)).sum();
    let mut out = Vec::new();
    for (n, line) in data_lines(text) {
        if line.len() != digits || !line.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(VectorError::Parse {
                line: n,
                detail: format!("'{line}' is not {digits} hex digits"),
            });
        }
        let bits: Vec<bool> = line
            .chars()
            .flat_map(|c| {
                let d = c.to_digit(16).unwrap_or(0);
                (0..4).rev().map(move |b| d >> b & 1 == 1)
            })
            .skip(digits * 4 - total)
            .collect();
        let mut pos = 0;
        let mut event = Vec::with_capacity(formats.len());
        for f in formats {
            let w = usize::from(f.width);
            let v = bits[pos..pos + w].iter().fold(0u64, |acc, &b| acc << 1 | u64::from(b));
            event.push(from_bits(*f, v));
            pos += w;
        }
        out.push(event);
    }
    Ok(out)
}

/// Parses a masks file written by [`masks_hex`] or by a simulation in the same layout.
pub fn parse_masks_hex(points: usize, text: &str) -> Result<Vec<u64>, VectorError> {
    let mut out = Vec::new();
    for (n, line) in data_lines(text) {
        let v = u64::from_str_radix(line, 16).map_err(|_| VectorError::Parse {
            line: n,
            detail: format!("'{line}' is not a hex mask"),
        })?;
        if points < 64 && v >> points != 0 {
            return Err(VectorError::Parse {
                line: n,
                detail: format!("mask '{line}' has bits above working point {}", points - 1),
            });
        }
        out.push(v);
    }
    Ok(out)
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("").trim()))
        .filter(|(_, l)| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_infer::{FixedCut, Op, Slot};

    const S8: Format = Format { signed: true, width: 8, frac: 2 };
    const U5: Format = Format { signed: false, width: 5, frac: 0 };

    fn parts() -> ([Format; 2], [Slot; 2], [FixedCut; 4]) {
        let formats = [S8, U5];
        let slots = [Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Le }];
        let cuts = [
            FixedCut::new(Op::Gt, -1.0, S8),  // X > -4
            FixedCut::new(Op::Le, 20.0, U5),  // X <= 20
            FixedCut::new(Op::Gt, 100.0, S8), // above 31.75: always fails
            FixedCut::new(Op::Le, 31.0, U5),  // X <= 31: always passes
        ];
        (formats, slots, cuts)
    }

    #[test]
    fn boundaries_straddle_each_threshold_and_flip_the_mask() {
        let (f, s, c) = parts();
        let t = FixedTable::new(&f, &s, &c).unwrap();
        let b = boundary_vectors(&t);
        // two Compare cuts (point 0 only), three vectors each
        assert_eq!(b.len(), 6);
        assert_eq!(b.iter().map(|e| e[0]).take(3).collect::<Vec<_>>(), vec![-5, -4, -3]);
        assert_eq!(b.iter().map(|e| e[1]).skip(3).collect::<Vec<_>>(), vec![19, 20, 21]);
        let m = expected(&t, &b).unwrap();
        assert_eq!(m, vec![0, 0, 1, 1, 1, 0]);
    }

    #[test]
    fn extremes_and_random_stay_in_range_and_are_reproducible() {
        let (f, s, c) = parts();
        let t = FixedTable::new(&f, &s, &c).unwrap();
        let x = extreme_vectors(&t);
        assert_eq!(x[0], vec![-128, 0]);
        assert_eq!(x[1], vec![127, 31]);
        let r = random_vectors(&t, 200, 7);
        check_events(&f, &r).unwrap();
        assert_eq!(r, random_vectors(&t, 200, 7));
        assert_ne!(r, random_vectors(&t, 200, 8));
        assert!(r.iter().any(|e| e[0] < 0) && r.iter().any(|e| e[0] > 0));
        let all = standard_set(&t, 50, 1, &[vec![1, 2]]).unwrap();
        assert_eq!(all.last(), Some(&vec![1, 2]));
        assert!(matches!(
            standard_set(&t, 0, 1, &[vec![1, 40]]),
            Err(VectorError::Range { input: 1, value: 40, .. })
        ));
    }

    #[test]
    fn hex_layout_is_msb_first_twos_complement_and_round_trips() {
        // 8 + 5 = 13 bits -> 4 digits; -1 = 0xff, 3 = 0b00011 -> 1_1111_1110_0011 = 0x1fe3
        assert_eq!(event_hex(&[S8, U5], &[-1, 3]).unwrap(), "1fe3");
        assert_eq!(event_hex(&[S8, U5], &[-128, 0]).unwrap(), "1000");
        let (f, s, c) = parts();
        let t = FixedTable::new(&f, &s, &c).unwrap();
        let ev = standard_set(&t, 30, 3, &[]).unwrap();
        let text = inputs_hex(&f, &ev).unwrap();
        assert_eq!(parse_inputs_hex(&f, &text).unwrap(), ev);
        let m = expected(&t, &ev).unwrap();
        assert_eq!(parse_masks_hex(2, &masks_hex(2, &m)).unwrap(), m);
        assert_eq!(masks_hex(5, &[0x11]), "11\n");
        assert_eq!(inputs_dec(&f, &[vec![-3, 4]]).unwrap(), "-3 4\n");
        assert!(matches!(parse_masks_hex(2, "7\n"), Err(VectorError::Parse { line: 1, .. })));
        assert!(matches!(parse_inputs_hex(&f, "zz\n"), Err(VectorError::Parse { .. })));
    }
}
