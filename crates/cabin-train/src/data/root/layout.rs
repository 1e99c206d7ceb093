//! Putting a branch's values back into entry order, from the file's basket layout.
//!
//! When a ROOT file is closed, the last, unfinished basket of each branch is written inside the
//! TTree record (the branch's `fBaskets` array) instead of as a record of its own. oxyroot
//! 0.1.25 yields that embedded basket's entries *first*, then the on-disk baskets in entry
//! order, so a branch with both comes out rotated by the embedded basket's length; branches
//! whose basket boundaries differ are then rotated by different amounts and stop being aligned.
//!
//! oxyroot does not expose a branch's basket table, so the layout is found in two steps:
//! - the reader's own chunking: values of one basket are decoded from one buffer, so a value
//!   read at buffer position 0 starts a basket ([`Chunks`]);
//! - the file's record headers ([`DiskBaskets::scan`]): every on-disk basket is a `TBasket`
//!   key named after its branch and titled after its tree, whose uncompressed header holds its
//!   entry count (`fNevBuf`). Only the headers are read (a few dozen bytes per record).
//!
//! A branch read as `N` values with on-disk baskets holding `S` entries has an embedded basket
//! of `E = N - S` entries, which is moved from the front to the end ([`embedded_len`]). Before
//! that, the reader's chunk sizes are checked against the file's basket sizes; any
//! disagreement is an error rather than a guess. A branch the reader returns in one piece needs
//! neither step and no scan is made for it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Where each basket of one branch starts in the sequence of values the reader returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Chunks {
    /// Index of the first value of each chunk, increasing; empty when nothing was read.
    starts: Vec<usize>,
    /// Values seen so far.
    len: usize,
}

impl Chunks {
    /// Records one value; `starts_buffer` is true when it was read at buffer position 0.
    pub(super) fn push(&mut self, starts_buffer: bool) {
        if starts_buffer || self.len == 0 {
            self.starts.push(self.len);
        }
        self.len += 1;
    }

    /// The number of entries of each chunk, in the order the reader returned them.
    pub(super) fn sizes(&self) -> Vec<u64> {
        let ends = self.starts.iter().skip(1).copied().chain(std::iter::once(self.len));
        self.starts.iter().zip(ends).map(|(&s, e)| (e - s) as u64).collect()
    }

    /// True when the values came in at most one chunk, so their order cannot be wrong.
    pub(super) fn single(&self) -> bool {
        self.starts.len() <= 1
    }
}

/// Entry counts of the on-disk baskets of every (tree, branch), in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct DiskBaskets {
    by_branch: HashMap<(String, String), Vec<u64>>,
}

/// The fixed part of the TBasket header that ends every basket key: version (2), buffer size
/// (4), entry-offset length (4), entries (4), last byte (4), flag (1).
const BASKET_TAIL: usize = 19;

impl DiskBaskets {
    /// Walks the records of the file from `fBEGIN` to `fEND` and keeps the `TBasket` ones.
    ///
    /// Free gaps (negative lengths, as ROOT marks them) are skipped. A record whose header
    /// does not name its own position is an error: the walk has lost its way and no layout
    /// can be trusted.
    pub(super) fn scan(path: &Path) -> Result<DiskBaskets, String> {
        let file = File::open(path).map_err(|e| format!("cannot reopen the file: {e}"))?;
        let mut r = BufReader::with_capacity(1 << 16, file);
        let mut head = [0u8; 20];
        r.read_exact(&mut head).map_err(|e| format!("cannot read the file header: {e}"))?;
        if &head[..4] != b"root" {
            return Err("the file does not begin with 'root'".to_string());
        }
        let version = be_i32(&head[4..8]);
        let begin = u64::try_from(be_i32(&head[8..12])).unwrap_or(0);
        let end = if version >= 1_000_000 {
            u64::try_from(be_i64(&head[12..20])).unwrap_or(0)
        } else {
            u64::try_from(be_i32(&head[12..16])).unwrap_or(0)
        };
        if begin < 20 || end < begin {
            return Err(format!("implausible header: fBEGIN {begin}, fEND {end}"));
        }

        let mut out = DiskBaskets::default();
        let mut pos = 20u64;
        let mut at = begin;
        let mut buf = vec![0u8; 64];
        while at < end {
            r.seek_relative(at as i64 - pos as i64).map_err(|e| io(at, e))?;
            pos = at;
            let record = read_record(&mut r, at, end, &mut buf)?;
            pos += record.read;
            if let Some((tree, branch, entries)) = record.basket {
                out.by_branch.entry((tree, branch)).or_default().push(entries);
            }
            at += record.len;
        }
        Ok(out)
    }

    /// The entry counts of the on-disk baskets of `branch` in `tree` (empty if none).
    pub(super) fn of(&self, tree: &str, branch: &str) -> &[u64] {
        self.by_branch.get(&(tree.to_string(), branch.to_string())).map_or(&[], Vec::as_slice)
    }
}

/// One record of the walk: its length, the bytes consumed, and what it says about a basket.
struct Record {
    len: u64,
    read: u64,
    basket: Option<(String, String, u64)>,
}

/// Reads the header of the record at byte `at` (the reader is there); `buf` is scratch space.
fn read_record(r: &mut impl Read, at: u64, end: u64, buf: &mut Vec<u8>) -> Result<Record, String> {
    let mut word = [0u8; 4];
    r.read_exact(&mut word).map_err(|e| io(at, e))?;
    let nbytes = be_i32(&word);
    let len = u64::from(nbytes.unsigned_abs());
    if len < 4 || at + len > end {
        return Err(format!(
            "the record at byte {at} claims {nbytes} bytes (expected a length between 4 and \
             {} bytes)",
            end - at
        ));
    }
    if nbytes < 0 {
        return Ok(Record { len, read: 4, basket: None });
    }

    // Version (2), object length (4), date (4), key length (2), cycle (2).
    let mut fixed = [0u8; 14];
    r.read_exact(&mut fixed).map_err(|e| io(at, e))?;
    let key_version = be_i16(&fixed[0..2]);
    let key_len = usize::try_from(be_i16(&fixed[10..12])).unwrap_or(0);
    if key_len < 18 || key_len as u64 > len {
        return Err(format!(
            "the record at byte {at} has a key length of {key_len} (expected 18 to {len} bytes)"
        ));
    }
    buf.resize(key_len - 18, 0);
    r.read_exact(buf).map_err(|e| io(at, e))?;
    let read = key_len as u64;

    let mut c = Cursor { buf, at: 0 };
    let seek_key = if key_version > 1000 {
        let s = c.i64()?;
        c.i64()?;
        s
    } else {
        let s = i64::from(c.i32()?);
        c.i32()?;
        s
    };
    if u64::try_from(seek_key).ok() != Some(at) {
        return Err(format!(
            "the record at byte {at} says it is at byte {seek_key} (the walk over the file's \
             records lost its way)"
        ));
    }
    let class = c.string()?;
    if class != "TBasket" {
        return Ok(Record { len, read, basket: None });
    }
    let branch = c.string()?;
    let tree = c.string()?;
    if c.at + BASKET_TAIL > buf.len() {
        return Err(format!("the basket record at byte {at} is too short for a TBasket header"));
    }
    let tail = &buf[buf.len() - BASKET_TAIL..];
    let entries = u64::try_from(be_i32(&tail[10..14])).map_err(|_| {
        format!("the basket record at byte {at} holds {} entries", be_i32(&tail[10..14]))
    })?;
    Ok(Record { len, read, basket: Some((tree, branch, entries)) })
}

fn io(at: u64, e: std::io::Error) -> String {
    format!("cannot read the record at byte {at}: {e}")
}

/// Big-endian reads over a key header.
struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let s = self.buf.get(self.at..self.at + n).ok_or_else(|| {
            format!("a key header ends after {} bytes (expected {})", self.buf.len(), self.at + n)
        })?;
        self.at += n;
        Ok(s)
    }

    fn i32(&mut self) -> Result<i32, String> {
        self.take(4).map(be_i32)
    }

    fn i64(&mut self) -> Result<i64, String> {
        self.take(8).map(be_i64)
    }

    /// A ROOT `TString`: one length byte, or 255 followed by a 32-bit length.
    fn string(&mut self) -> Result<String, String> {
        let mut n = usize::from(self.take(1)?[0]);
        if n == 255 {
            n = usize::try_from(self.i32()?).map_err(|_| "a negative string length".to_string())?;
        }
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
}

fn be_i16(b: &[u8]) -> i16 {
    i16::from_be_bytes([b[0], b[1]])
}

fn be_i32(b: &[u8]) -> i32 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn be_i64(b: &[u8]) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    i64::from_be_bytes(a)
}

/// The number of leading values that belong to the embedded basket (and go to the end).
///
/// `read` are the reader's chunk sizes in the order returned, `disk` the entry counts of the
/// branch's on-disk baskets. Baskets without entries leave no trace in `read` and are ignored.
/// When every chunk has one entry the reader decoded entry by entry and only the totals can be
/// checked; otherwise the chunks must be the on-disk baskets, preceded by the embedded one when
/// there is one.
pub(super) fn embedded_len(read: &[u64], disk: &[u64]) -> Result<u64, String> {
    let total: u64 = read.iter().sum();
    let on_disk: u64 = disk.iter().sum();
    let Some(embedded) = total.checked_sub(on_disk) else {
        return Err(format!(
            "its on-disk baskets hold {on_disk} entries, more than the {total} read"
        ));
    };
    let per_entry = read.len() as u64 == total && total > 1;
    if per_entry {
        return Ok(embedded);
    }

    let mut want: Vec<u64> = disk.iter().copied().filter(|&n| n > 0).collect();
    let mut got: Vec<u64> = read.to_vec();
    if embedded > 0 {
        if got.first() != Some(&embedded) {
            return Err(format!(
                "the reader returned baskets of {read:?} entries, expected the embedded basket \
                 of {embedded} entries first, then on-disk baskets of {disk:?}"
            ));
        }
        got.remove(0);
    }
    want.sort_unstable();
    got.sort_unstable();
    if got != want {
        return Err(format!(
            "the reader returned baskets of {read:?} entries, the file's on-disk baskets hold \
             {disk:?} (with {embedded} entries embedded in the tree)"
        ));
    }
    Ok(embedded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(flags: &[bool]) -> Chunks {
        let mut c = Chunks::default();
        for &f in flags {
            c.push(f);
        }
        c
    }

    #[test]
    fn chunk_sizes_follow_buffer_starts() {
        let c = chunks(&[true, false, false, true, false, true]);
        assert_eq!(c.sizes(), [3, 2, 1]);
        assert!(!c.single());
        assert!(chunks(&[true, false]).single());
        assert!(chunks(&[]).single());
        assert_eq!(chunks(&[]).sizes(), Vec::<u64>::new());
        // A first value never read at position 0 still opens a chunk.
        assert_eq!(chunks(&[false, false, true]).sizes(), [2, 1]);
    }

    #[test]
    fn embedded_basket_found_from_the_on_disk_counts() {
        // The category toy's var1: 2019 embedded entries, then 7981 on disk.
        assert_eq!(embedded_len(&[2019, 7981], &[7981]), Ok(2019));
        // All on disk: nothing moves, whatever the order of the file's records.
        assert_eq!(embedded_len(&[5, 7, 3], &[3, 5, 7]), Ok(0));
        // Empty baskets leave no chunk.
        assert_eq!(embedded_len(&[2, 4], &[4, 0]), Ok(2));
        // Decoded entry by entry: only the totals are known.
        assert_eq!(embedded_len(&[1; 6], &[4]), Ok(2));
    }

    #[test]
    fn layouts_that_disagree_are_errors() {
        let e = embedded_len(&[10, 10], &[10, 10, 10]).unwrap_err();
        assert!(e.contains("on-disk baskets hold 30 entries, more than the 20 read"), "{e}");
        let e = embedded_len(&[10, 7], &[10]).unwrap_err();
        assert!(e.contains("expected the embedded basket of 7 entries first"), "{e}");
        let e = embedded_len(&[6, 6], &[3, 9]).unwrap_err();
        assert!(e.contains("the file's on-disk baskets hold [3, 9]"), "{e}");
    }

    /// Builds a file header plus records: `(class, name, title, nev)` keys, or a gap.
    fn fake_file(records: &[Option<(&str, &str, &str, i32)>]) -> Vec<u8> {
        let begin = 100usize;
        let mut body = Vec::new();
        for r in records {
            let at = (begin + body.len()) as i32;
            let Some((class, name, title, nev)) = *r else {
                // A free gap of 12 bytes, marked as ROOT marks them.
                body.extend_from_slice(&(-12i32).to_be_bytes());
                body.extend_from_slice(&[0u8; 8]);
                continue;
            };
            let mut key = Vec::new();
            key.extend_from_slice(&4i16.to_be_bytes()); // key version
            key.extend_from_slice(&0i32.to_be_bytes()); // object length
            key.extend_from_slice(&0u32.to_be_bytes()); // date
            key.extend_from_slice(&0i16.to_be_bytes()); // key length, patched below
            key.extend_from_slice(&1i16.to_be_bytes()); // cycle
            key.extend_from_slice(&at.to_be_bytes());
            key.extend_from_slice(&100i32.to_be_bytes());
            for s in [class, name, title] {
                key.push(s.len() as u8);
                key.extend_from_slice(s.as_bytes());
            }
            if class == "TBasket" {
                key.extend_from_slice(&3u16.to_be_bytes());
                key.extend_from_slice(&32000i32.to_be_bytes());
                key.extend_from_slice(&0i32.to_be_bytes());
                key.extend_from_slice(&nev.to_be_bytes());
                key.extend_from_slice(&0i32.to_be_bytes());
                key.push(0);
            }
            let key_len = (key.len() + 4) as i16;
            key[10..12].copy_from_slice(&key_len.to_be_bytes());
            let payload = 7usize;
            let nbytes = (key.len() + 4 + payload) as i32;
            body.extend_from_slice(&nbytes.to_be_bytes());
            body.extend_from_slice(&key);
            body.extend_from_slice(&[0xAB; 7]);
        }
        let mut f = b"root".to_vec();
        f.extend_from_slice(&62_000i32.to_be_bytes());
        f.extend_from_slice(&(begin as i32).to_be_bytes());
        f.extend_from_slice(&((begin + body.len()) as i32).to_be_bytes());
        f.resize(begin, 0);
        f.extend_from_slice(&body);
        f
    }

    #[test]
    fn scan_keeps_baskets_by_tree_and_branch_and_skips_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.root");
        let bytes = fake_file(&[
            Some(("TFile", "f.root", "", 0)),
            Some(("TBasket", "x", "t", 100)),
            None,
            Some(("TBasket", "y", "t", 99)),
            Some(("TBasket", "x", "t", 40)),
            Some(("TBasket", "x", "u", 5)),
            Some(("TTree", "t", "a tree", 0)),
        ]);
        std::fs::write(&p, &bytes).unwrap();
        let d = DiskBaskets::scan(&p).unwrap();
        assert_eq!(d.of("t", "x"), [100, 40]);
        assert_eq!(d.of("t", "y"), [99]);
        assert_eq!(d.of("u", "x"), [5]);
        assert!(d.of("t", "z").is_empty());

        // A record that does not name its own position stops the walk with an error.
        let mut broken = bytes.clone();
        let second = 100 + be_i32(&bytes[100..104]) as usize;
        broken[second + 18..second + 22].copy_from_slice(&7i32.to_be_bytes());
        std::fs::write(&p, &broken).unwrap();
        let e = DiskBaskets::scan(&p).unwrap_err();
        assert!(e.contains(&format!("the record at byte {second} says it is at byte 7")), "{e}");

        // A length running past fEND too.
        let mut long = bytes;
        long[second..second + 4].copy_from_slice(&100_000i32.to_be_bytes());
        std::fs::write(&p, &long).unwrap();
        let e = DiskBaskets::scan(&p).unwrap_err();
        assert!(e.contains(&format!("the record at byte {second} claims 100000 bytes")), "{e}");
    }
}
