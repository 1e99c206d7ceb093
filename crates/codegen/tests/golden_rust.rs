//! The generated Rust modules compile against `cabin-infer` and give the source table's masks.

mod common;

#[allow(dead_code)]
mod basic {
    include!("golden/basic/rust/cabin_cuts.rs");
}

#[allow(dead_code)]
mod wide {
    include!("golden/wide/rust/cabin_cuts.rs");
}

use cabin_infer::FixedTable;

fn check(generated: FixedTable<'static>, case: &str, names: &[&str]) {
    let file = common::cases().into_iter().find(|c| c.name == case).unwrap().file;
    let source = file.fixed_table().unwrap();
    let view = source.view().unwrap();
    assert_eq!(generated.formats(), view.formats());
    assert_eq!(generated.slots(), view.slots());
    assert_eq!(generated.cuts(), view.cuts());
    assert_eq!(names, source.names.iter().map(String::as_str).collect::<Vec<_>>());
    let events = codegen::vectors::standard_set(&view, 500, 11, &[]).unwrap();
    for e in &events {
        assert_eq!(generated.mask_raw(e).unwrap(), view.mask_raw(e).unwrap(), "{e:?}");
    }
}

#[test]
fn generated_rust_tables_equal_their_source() {
    check(basic::table().unwrap(), "basic", &basic::NAMES);
    check(wide::table().unwrap(), "wide", &wide::NAMES);
    assert_eq!(basic::TARGETS, [0.3, 0.5, 0.7, 0.9]);
    assert_eq!(basic::mask(&[0, 0, 0, 0]).unwrap(), 0);
    assert_eq!(wide::ROUNDING, cabin_infer::Rounding::Round);
}

#[test]
fn generated_rust_mask_rejects_a_raw_value_outside_its_format() {
    // met is u12.2 (raw 0..=4095): 70000 cannot reach the hardware, so no mask is given.
    let e = basic::mask(&[70_000, 0, 0, 0]).unwrap_err();
    assert_eq!(
        e,
        cabin_infer::TableError::RawOutOfRange { input: 0, value: 70_000, min: 0, max: 4095 }
    );
    assert!(basic::mask(&[4095, 511, 127, 63]).is_ok());
    assert!(basic::mask(&[0, -513, 0, 0]).is_err());
}
