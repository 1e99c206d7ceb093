{{ header }}//
// Cut table `{{ name }}` as const items for cabin-infer: save as `{{ name }}.rs` and declare
// `mod {{ name }};` (or include! it in a mod block). No allocation, no_std.

use cabin_infer::{Decision, FixedCut, FixedTable, Format, Op, Rounding, Slot, TableError};

/// Number of inputs (values per event).
pub const N_INPUTS: usize = {{ inputs }};
/// Number of working points (bits of a mask).
pub const N_POINTS: usize = {{ points }};

/// Feature names as in the cut file, in input order.
pub const NAMES: [&str; N_INPUTS] = [{% for n in names %}{{ n }}{% if !loop.last %}, {% endif %}{% endfor %}];

/// Target signal efficiency of each working point.
pub const TARGETS: [f64; N_POINTS] = [{% for t in targets %}{{ t }}{% if !loop.last %}, {% endif %}{% endfor %}];

/// How float inputs are put on the grid ([`Format::quantize`]) before calling [`mask`].
pub const ROUNDING: Rounding = {{ rounding }};

/// One fixed-point format per input.
pub const FORMATS: [Format; N_INPUTS] = [
{%- for f in formats %}
    {{ f.code }} // {{ f.comment }}
{%- endfor %}
];

/// The cut slots: which input each cut reads and how it compares.
pub const SLOTS: [Slot; {{ slots.len() }}] = [
{%- for s in slots %}
    {{ s.code }} // {{ s.comment }}
{%- endfor %}
];

/// The cuts, row-major by working point: `CUTS[p * SLOTS.len() + s]`.
pub const CUTS: [FixedCut; {{ cells }}] = [
{%- for c in cuts %}
    // {{ c.comment }}
    {{ c.code }}
{%- endfor %}
];

/// The table as a `cabin-infer` view over the items above.
pub fn table() -> Result<FixedTable<'static>, TableError> {
    FixedTable::new(&FORMATS, &SLOTS, &CUTS)
}

/// The mask of working points a raw event passes (bit `p` = working point `p`).
///
/// Each raw value must lie inside its input's format (see [`FORMATS`]); one outside is
/// `TableError::RawOutOfRange`, since the hardware cannot receive it.
pub fn mask(event: &[i64]) -> Result<u64, TableError> {
    table()?.mask_raw(event)
}
