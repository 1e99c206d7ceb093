//! Firmware and microcontroller code from cabin's fixed-point cut tables.
//!
//! Every number in the generated code (raw thresholds, widths, names, comments) is computed
//! here in Rust from `cabin-infer`'s [`OwnedFixedTable`](cabin_infer::doc::OwnedFixedTable);
//! the askama templates in the top-level `templates/` folder only lay them out.
//!
//! - [`vectors`]: boundary and random test vectors, their expected masks, hex files;
#![deny(missing_docs)]

pub mod vectors;
