//! Firmware and microcontroller code from cabin's fixed-point cut tables.
#![deny(missing_docs)]
