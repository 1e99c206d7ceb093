//! Entry order of ROOT branches whose last basket is embedded in the TTree record.
//!
//! Regression: oxyroot 0.1.25 yields a branch's embedded basket before its on-disk baskets.
//! In TMVA's category toy (`toy_sigbkg_categ_offset.root`) var1..var4 have one on-disk basket
//! of 7981 entries and 2019 embedded, `eta` 7982 and 2018, so the loader returned every column
//! rotated and `eta` one event off the others.
//!
//! Reference values were read with uproot 5.7.7, an independent ROOT reader:
//! `uproot.open(f)[tree][branch].array(library="np")`, values printed with `float(x)` and sums
//! with `math.fsum` of the float64 values. The checksums are FNV-1a (64 bit) over the
//! little-endian bytes of the float64 values, feature by feature (the branches common to both
//! trees, in file order), each feature's signal entries then its background entries, computed
//! in Python over the uproot arrays; cabin gave the same checksums before the fix on these
//! files, whose branches have no on-disk basket after an embedded one.

use std::path::PathBuf;

use cabin_train::data::{load, Dataset, LoadOptions, Source, SourceSpec};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of `../shared/data`, or `None` (after saying so) when it is absent.
fn shared(name: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data").join(name);
    if p.is_file() {
        Some(p)
    } else {
        println!("skipped: ../shared not found");
        None
    }
}

fn read(file: &std::path::Path, sig: &str, bkg: &str, features: &[&str]) -> Dataset {
    try_read(file, sig, bkg, features).unwrap()
}

fn try_read(
    file: &std::path::Path,
    sig: &str,
    bkg: &str,
    features: &[&str],
) -> Result<Dataset, cabin_train::data::DataError> {
    let f = file.display();
    let source = Source::Separate {
        signal: SourceSpec::parse(&format!("{f}:{sig}")),
        background: SourceSpec::parse(&format!("{f}:{bkg}")),
    };
    let opts = LoadOptions {
        features: Some(features.iter().map(|s| s.to_string()).collect()),
        ..LoadOptions::default()
    };
    load(&source, &opts)
}

/// Per branch: the first three entries, entries 7980..=7983 (both basket boundaries), the
/// last three, and the sum.
struct Expected {
    head: [f64; 3],
    around: [f64; 4],
    tail: [f64; 3],
    sum: f64,
}

const TOY_FEATURES: [&str; 5] = ["var1", "var2", "var3", "var4", "eta"];

#[rustfmt::skip]
const TREE_S: [Expected; 5] = [
    Expected { // var1
        head: [-0.34361085295677185, 1.3434432744979858, 0.356086790561676],
        around: [-0.6184468269348145, 2.846414804458618, 0.2059018313884735, 0.06394565105438232],
        tail: [-1.345347285270691, 0.31788399815559387, 1.5051957368850708],
        sum: 1741.4043078167597,
    },
    Expected { // var2
        head: [0.4617900550365448, -1.6961615085601807, 1.5848712921142578],
        around: [1.0112864971160889, 0.701026439666748, 0.5482274889945984, -0.4543948173522949],
        tail: [0.8790039420127869, -2.820223808288574, 0.4660368263721466],
        sum: 2714.5462416570517,
    },
    Expected { // var3
        head: [1.6708978414535522, -1.4215282201766968, 1.1114298105239868],
        around: [-0.28145819902420044, 0.8229765295982361, -1.0452384948730469,
                 -0.5276615619659424],
        tail: [-1.945961356163025, 0.42228779196739197, 0.8985961675643921],
        sum: 4806.284397162643,
    },
    Expected { // var4
        head: [1.691924810409546, -1.3044373989105225, 2.350494861602783],
        around: [3.6948652267456055, 2.7727549076080322, 1.2420223951339722, 1.4164409637451172],
        tail: [1.333076000213623, 1.0762757062911987, 2.139826774597168],
        sum: 8636.7157577238,
    },
    Expected { // eta
        head: [1.7591181993484497, -0.546004056930542, 1.878480315208435],
        around: [-2.374572992324829, -1.6896815299987793, 0.06099838390946388, 0.710475742816925],
        tail: [0.009515560232102871, 0.5926951169967651, -2.331861734390259],
        sum: -16.12072099559009,
    },
];

#[rustfmt::skip]
const TREE_B: [Expected; 5] = [
    Expected { // var1
        head: [-0.41945064067840576, -0.19359001517295837, -0.764629065990448],
        around: [-1.1180013418197632, -2.250391960144043, 1.9085807800292969, -1.2445974349975586],
        tail: [-0.7433415055274963, -1.1370532512664795, -1.9614684581756592],
        sum: -2170.0773008432516,
    },
    Expected { // var2
        head: [-2.1915109157562256, -1.6675388813018799, -0.7784994840621948],
        around: [0.16918592154979706, -1.1418657302856445, -0.28310367465019226,
                 -0.2562600076198578],
        tail: [-0.058416031301021576, 0.7220890522003174, -0.6846305131912231],
        sum: -3196.584872121195,
    },
    Expected { // var3
        head: [-1.0353790521621704, -0.5288985371589661, -1.6608376502990723],
        around: [-1.1379977464675903, -2.844118118286133, -0.09323038160800934,
                 -2.3739943504333496],
        tail: [0.007192256394773722, -1.770582914352417, -0.2645753026008606],
        sum: -5291.32419247886,
    },
    Expected { // var4
        head: [-0.965528130531311, -0.4058540463447571, -2.023170232772827],
        around: [-1.9971308708190918, -1.9041526317596436, 0.4456753730773926,
                 -3.8474104404449463],
        tail: [1.0368300676345825, -0.38006266951560974, -1.4096509218215942],
        sum: -6260.303361115595,
    },
    Expected { // eta
        head: [0.05854574218392372, -0.5712214708328247, 0.609310507774353],
        around: [-0.9995760321617126, 0.4066312313079834, -1.5617812871932983, 1.0846097469329834],
        tail: [2.157846450805664, 0.02090744487941265, 0.6394945383071899],
        sum: -6.082651548553258,
    },
];

fn check(tree: &str, name: &str, column: &[f64], want: &Expected) {
    assert_eq!(column.len(), 10_000, "{tree}.{name}");
    assert_eq!(column[..3], want.head, "{tree}.{name} first entries");
    assert_eq!(column[7980..7984], want.around, "{tree}.{name} entries 7980..=7983");
    assert_eq!(column[9997..], want.tail, "{tree}.{name} last entries");
    let sum: f64 = column.iter().sum();
    assert!((sum - want.sum).abs() < 1e-8, "{tree}.{name} sum {sum}, expected {}", want.sum);
}

#[test]
fn category_toy_branches_come_back_in_entry_order() {
    let Some(f) = shared("toy_sigbkg_categ_offset.root") else { return };
    let ds = read(&f, "TreeS", "TreeB", &TOY_FEATURES);
    assert_eq!(ds.counts(), (10_000, 10_000));
    for (k, name) in TOY_FEATURES.iter().enumerate() {
        check("TreeS", name, &ds.columns[k][..10_000], &TREE_S[k]);
        check("TreeB", name, &ds.columns[k][10_000..], &TREE_B[k]);
    }
}

/// FNV-1a over the little-endian bytes of every value, column after column.
fn checksum(ds: &Dataset) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for column in &ds.columns {
        for v in column {
            for byte in v.to_le_bytes() {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    format!("{h:016x}")
}

const HIGGS_BRANCHES: [&str; 29] = [
    "Type",
    "lepton_pT",
    "lepton_eta",
    "lepton_phi",
    "missing_energy_magnitude",
    "missing_energy_phi",
    "jet1_pt",
    "jet1_eta",
    "jet1_phi",
    "jet1_b-tag",
    "jet2_pt",
    "jet2_eta",
    "jet2_phi",
    "jet2_b-tag",
    "jet3_pt",
    "jet3_eta",
    "jet3_phi",
    "jet3_b-tag",
    "jet4_pt",
    "jet4_eta",
    "jet4_phi",
    "jet4_b-tag",
    "m_jj",
    "m_jjj",
    "m_lv",
    "m_jlv",
    "m_bb",
    "m_wbb",
    "m_wwbb",
];

#[test]
fn bundled_higgs_file_reads_as_uproot_does() {
    let ds = read(&repo().join("data/Higgs_data.root"), "sig_tree", "bkg_tree", &HIGGS_BRANCHES);
    assert_eq!(checksum(&ds), "51c211f987bdecec");
}

#[test]
fn other_shared_files_read_as_uproot_does() {
    let cases: [(&str, &str, &str, &[&str], &str); 3] = [
        ("Higgs_data.root", "sig_tree", "bkg_tree", &HIGGS_BRANCHES, "51c211f987bdecec"),
        (
            "tmva_class_example.root",
            "TreeS",
            "TreeB",
            &["var1", "var2", "var3", "var4"],
            "adc6f4e7a61cdaa3",
        ),
        (
            "mlpHiggs_zlib.root",
            "sig_filtered",
            "bg_filtered",
            &["acolin", "acopl", "minvis", "msumf", "nch", "qelep", "ptsumf"],
            "085730142150bc98",
        ),
    ];
    for (name, sig, bkg, features, want) in cases {
        let Some(f) = shared(name) else { return };
        let ds = read(&f, sig, bkg, features);
        assert_eq!(checksum(&ds), want, "{name}");
    }
}

/// Where the key of the first on-disk basket starts, and where its class name begins.
fn first_basket_key(bytes: &[u8]) -> (usize, usize) {
    let class = bytes.windows(8).position(|w| w == b"\x07TBasket").expect("a TBasket key") + 1;
    // Length (4), version (2), object length (4), date (4), key length (2), cycle (2), own
    // position and directory (4 bytes each, 8 for key versions above 1000), the class name.
    for seeks in [8, 4] {
        let start = class - 19 - 2 * seeks;
        let version = i16::from_be_bytes([bytes[start + 4], bytes[start + 5]]);
        let own = &bytes[start + 18..start + 18 + seeks];
        let own = own.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        if (version > 1000) == (seeks == 8) && own == start {
            return (start, class);
        }
    }
    panic!("no basket key before the class name at byte {class}");
}

/// Never silently misaligned: when the file's basket records disagree with what the reader
/// returned, the branch is an error naming it and the disagreement.
#[test]
fn basket_layout_that_does_not_add_up_is_an_error() {
    let Some(f) = shared("toy_sigbkg_categ_offset.root") else { return };
    let mut bytes = std::fs::read(&f).unwrap();
    // Rename the class of TreeS.var1's on-disk basket record: the reader, which goes to the
    // basket by its position, still decodes it, but the walk over the records no longer
    // counts it.
    let (_, class) = first_basket_key(&bytes);
    bytes[class + 6] = b'X';
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("toy.root");
    std::fs::write(&p, &bytes).unwrap();

    let e = try_read(&p, "TreeS", "TreeB", &TOY_FEATURES).unwrap_err().to_string();
    assert!(e.starts_with("cannot read branch 'var1' of '"), "{e}");
    assert!(e.contains("toy.root:TreeS' in entry order: the reader returned baskets of"), "{e}");
    assert!(e.contains("[2019, 7981] entries, expected the embedded basket of 10000"), "{e}");
}

/// Several on-disk baskets and no embedded one (as oxyroot's writer makes them): the walk over
/// the records agrees with the reader and nothing moves.
#[test]
fn many_on_disk_baskets_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.root");
    let n = 30_000;
    let mut file = oxyroot::RootFile::create(&p).unwrap();
    for (name, offset) in [("sig", 0), ("bkg", 1_000_000)] {
        let mut tree = oxyroot::WriterTree::new(name);
        tree.new_branch("i", (0..n).map(move |i| i + offset));
        tree.new_branch("x", (0..n).map(|i| f64::from(i) * 0.5));
        tree.new_branch("b", (0..n).map(|i| (i % 3) as u8));
        tree.write(&mut file).unwrap();
    }
    file.close().unwrap();
    // oxyroot's writer completes the file only when dropped.
    drop(file);

    // Several baskets per branch: otherwise this test would not walk the records.
    let tree = oxyroot::RootFile::open(&p).unwrap().get_tree("sig").unwrap();
    let mut starts = 0;
    let seen: Vec<i32> = tree
        .branch("i")
        .unwrap()
        .get_basket(|r| {
            starts += usize::from(r.pos() == 0);
            r.read_object_into::<i32>().unwrap()
        })
        .collect();
    assert_eq!(seen.len(), 30_000);
    assert!(starts > 1, "{starts} basket(s)");

    let ds = read(&p, "sig", "bkg", &["i", "x", "b"]);
    let n = n as usize;
    for (k, row) in [0, 1, 8_191, 8_192, n - 1].into_iter().enumerate() {
        let i = row as f64;
        assert_eq!(ds.row(row), [i, i * 0.5, (row % 3) as f64], "signal entry {row} ({k})");
        assert_eq!(ds.row(n + row)[0], 1_000_000.0 + i, "background entry {row}");
    }
}
