//! The train/test split: stratified by class, seeded, identical on every platform.
//!
//! Each class is split on its own: its row indices (ascending) are shuffled with a
//! Fisher-Yates shuffle driven by SplitMix64 (Steele, Lea, Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014), seeded with `seed` mixed with the class,
//! and the first `round(test_fraction * n)` rows, clamped to `1..=n-1`, go to the test split.
//! So both splits hold both classes, and the class fractions of the whole set are kept to
//! within one event per class. Only integer arithmetic feeds the shuffle, so a seed gives the
//! same split everywhere.

use std::path::Path;

use super::error::DataError;
use super::Dataset;

/// Row indices of the two splits, each sorted ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Rows to learn on.
    pub train: Vec<usize>,
    /// Held-out rows to judge on.
    pub test: Vec<usize>,
}

/// SplitMix64: a 64-bit state advanced by a constant and scrambled on output.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias (rejection sampling).
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// Splits `ds` into train and test rows; see the module doc for the procedure.
///
/// Errors: `test_fraction` not strictly between 0 and 1, or a class with fewer than 2 events.
pub fn split(ds: &Dataset, test_fraction: f64, seed: u64) -> Result<Split, DataError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::TestFraction { value: test_fraction });
    }
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (class, is_sig) in [("signal", true), ("background", false)] {
        let mut rows: Vec<usize> = (0..ds.len()).filter(|&i| ds.is_signal[i] == is_sig).collect();
        let n = rows.len();
        if n < 2 {
            return Err(DataError::ClassTooSmall { class, events: n });
        }
        let n_test = ((test_fraction * n as f64).round() as usize).clamp(1, n - 1);
        let mut rng = SplitMix64::new(seed ^ if is_sig { 0x0053_4947 } else { 0x0042_4B47 });
        // Partial Fisher-Yates: after step j, rows[..=j] is a uniform sample.
        for j in 0..n_test {
            let k = j + rng.below((n - j) as u64) as usize;
            rows.swap(j, k);
        }
        test.extend_from_slice(&rows[..n_test]);
        train.extend_from_slice(&rows[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    log::debug!(
        "split {} rows: {} train, {} test (seed {seed})",
        ds.len(),
        train.len(),
        test.len()
    );
    Ok(Split { train, test })
}

/// Reads test rows from a text file: row numbers of the data, counted from 0 in the order the
/// data are loaded, separated by whitespace; `#` starts a comment to the end of its line.
///
/// Errors: the file cannot be read, a word is not a row number, or it holds none. A UTF-8
/// byte-order mark at the start is skipped.
pub fn read_test_rows(path: &Path) -> Result<Vec<usize>, DataError> {
    let text = std::fs::read_to_string(path)
        .map_err(|cause| DataError::Io { path: path.to_path_buf(), cause })?;
    let mut rows = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        for token in line.split_whitespace() {
            let row = token.parse::<usize>().map_err(|_| DataError::TestRowsSyntax {
                path: path.to_path_buf(),
                line: i + 1,
                token: token.to_string(),
            })?;
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(DataError::TestRowsEmpty { path: path.to_path_buf() });
    }
    Ok(rows)
}

/// The split with exactly `test` (read from `path`, named in errors) as test rows and every
/// other row of `ds` as training rows.
///
/// Errors: a row past the end of the data or given twice, or a split without events of a
/// class.
pub fn split_rows(ds: &Dataset, test: &[usize], path: &Path) -> Result<Split, DataError> {
    let n = ds.len();
    let mut is_test = vec![false; n];
    for &row in test {
        let problem = if row >= n {
            format!("is past the last row (the data have {n} events, rows 0 to {})", n.max(1) - 1)
        } else if is_test[row] {
            "is given twice".to_string()
        } else {
            is_test[row] = true;
            continue;
        };
        return Err(DataError::TestRow { path: path.to_path_buf(), row, problem });
    }
    let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| is_test[i]);
    for (which, rows) in [("training", &train), ("test", &test)] {
        for (class, sig) in [("signal", true), ("background", false)] {
            if !rows.iter().any(|&i| ds.is_signal[i] == sig) {
                return Err(DataError::TestRowsClass { path: path.to_path_buf(), which, class });
            }
        }
    }
    log::debug!(
        "split {n} rows from {}: {} train, {} test",
        path.display(),
        train.len(),
        test.len()
    );
    Ok(Split { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn four() -> Dataset {
        Dataset {
            features: vec!["x".into()],
            columns: vec![vec![0.0, 1.0, 2.0, 3.0]],
            is_signal: vec![true, false, true, false],
            weights: vec![1.0; 4],
            inputs: Vec::new(),
            dropped_nonfinite: 0,
        }
    }

    #[test]
    fn test_rows_are_read_with_comments_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rows.txt");
        std::fs::write(&p, "# held out\n2 1 # two rows\n\n").unwrap();
        assert_eq!(read_test_rows(&p).unwrap(), vec![2, 1]);
        let sp = split_rows(&four(), &[2, 1], &p).unwrap();
        assert_eq!(sp, Split { train: vec![0, 3], test: vec![1, 2] });

        std::fs::write(&p, "1\n2 x3\n").unwrap();
        let e = read_test_rows(&p).unwrap_err().to_string();
        assert!(e.contains(":2: 'x3' is not a row number"), "{e}");
        std::fs::write(&p, "-1").unwrap();
        assert!(read_test_rows(&p).is_err(), "negative rows are not row numbers");
        let e = split_rows(&four(), &[1, 4], &p).unwrap_err().to_string();
        assert!(e.contains("test row 4 is past the last row (the data have 4 events"), "{e}");
        let e = split_rows(&four(), &[1, 1], &p).unwrap_err().to_string();
        assert!(e.contains("test row 1 is given twice"), "{e}");
        let e = split_rows(&four(), &[0, 2, 1], &p).unwrap_err().to_string();
        assert!(e.contains("the training split would hold no signal events"), "{e}");
        let e = split_rows(&four(), &[], &p).unwrap_err().to_string();
        assert!(e.contains("the test split would hold no signal events"), "{e}");
        std::fs::write(&p, "# nothing\n\n").unwrap();
        let e = read_test_rows(&p).unwrap_err().to_string();
        assert!(e.contains("holds no row numbers"), "{e}");
        std::fs::write(&p, "\u{feff}3 0\n").unwrap();
        assert_eq!(read_test_rows(&p).unwrap(), vec![3, 0], "a byte-order mark is skipped");
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 1234567, as published with the reference C implementation
        // (splitmix64.c by Sebastiano Vigna) and reproduced by many ports.
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
        assert_eq!(r.next_u64(), 9817491932198370423);
    }

    #[test]
    fn below_is_in_range_and_covers() {
        let mut r = SplitMix64::new(9);
        let mut seen = [0usize; 7];
        for _ in 0..7000 {
            seen[r.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
    }
}
